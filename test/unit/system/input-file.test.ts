import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InputFileError } from '../../../src/errors.js';
import { readInputFile } from '../../../src/system/input-file.js';

async function scratch(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'lbfw-t-input-'));
}

test('readInputFile returns the text of a regular file and follows a symlink to one.', async (t) => {
  const dir = await scratch();
  try {
    await writeFile(path.join(dir, 'list'), '192.0.2.1\n');
    await symlink(path.join(dir, 'list'), path.join(dir, 'link'));
    t.is(await readInputFile(path.join(dir, 'list')), '192.0.2.1\n');
    t.is(await readInputFile(path.join(dir, 'link')), '192.0.2.1\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('readInputFile refuses a FIFO at once instead of waiting for a writer.', async (t) => {
  const dir = await scratch();
  try {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const error = await t.throwsAsync(readInputFile(fifo, { what: 'static_blacklist' }), { instanceOf: InputFileError });
    t.is(error?.reason, 'not-regular');
    t.is(error?.file, fifo);
    t.regex(error?.message ?? '', /is a FIFO; expected the static_blacklist as a regular file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('readInputFile refuses a character device such as /dev/zero.', async (t) => {
  const error = await t.throwsAsync(readInputFile('/dev/zero'), { instanceOf: InputFileError });
  t.is(error?.reason, 'not-regular');
  t.regex(error?.message ?? '', /character device/);
});

test('readInputFile refuses a file over the limit, naming the limit.', async (t) => {
  const dir = await scratch();
  try {
    const file = path.join(dir, 'big');
    await writeFile(file, 'x'.repeat(2000));
    const error = await t.throwsAsync(readInputFile(file, { maxBytes: 1000, what: 'keepalived.conf' }), { instanceOf: InputFileError });
    t.is(error?.reason, 'too-large');
    t.regex(error?.message ?? '', /at most 1000 bytes/);
    t.is(await readInputFile(file, { maxBytes: 2000 }), 'x'.repeat(2000));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('readInputFile bounds files whose size stat reports as 0 (/proc) by the bytes read.', async (t) => {
  // /proc/self/maps is a regular file with st_size 0 and some kilobytes of content.
  const error = await t.throwsAsync(readInputFile('/proc/self/maps', { maxBytes: 10 }), { instanceOf: InputFileError });
  t.is(error?.reason, 'too-large');
});

test('readInputFile names a missing file and a directory.', async (t) => {
  const dir = await scratch();
  try {
    await mkdir(path.join(dir, 'sub'));
    const missing = await t.throwsAsync(readInputFile(path.join(dir, 'nope')), { instanceOf: InputFileError });
    t.is(missing?.reason, 'missing');
    t.true(missing?.message.includes(path.join(dir, 'nope')));
    const directory = await t.throwsAsync(readInputFile(path.join(dir, 'sub')), { instanceOf: InputFileError });
    t.is(directory?.reason, 'directory');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
