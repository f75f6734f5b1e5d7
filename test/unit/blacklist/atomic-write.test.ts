import test from 'ava';
import { chmod, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../src/blacklist/atomic-write.js';

async function tempDir(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lbfw-write-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o7777;
}

test('A new file gets the content and mode 0644, and no temporary file is left.', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'static_blacklist');
  await writeFileAtomic(path, '192.0.2.1\n');
  t.is(await readFile(path, 'utf8'), '192.0.2.1\n');
  t.is(await modeOf(path), 0o644);
  t.deepEqual(await readdir(dir), ['static_blacklist']);
});

test('Replacing a file keeps its mode.', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'static_blacklist');
  await writeFile(path, 'old\n');
  await chmod(path, 0o640);
  await writeFileAtomic(path, 'new\n');
  t.is(await readFile(path, 'utf8'), 'new\n');
  t.is(await modeOf(path), 0o640);
  t.deepEqual(await readdir(dir), ['static_blacklist']);
});

test('Writing through a symlink replaces the file it points to and keeps the link.', async (t) => {
  const dir = await tempDir(t);
  const real = join(dir, 'real');
  const link = join(dir, 'static_blacklist');
  await writeFile(real, 'old\n');
  await chmod(real, 0o600);
  await symlink('real', link);
  await writeFileAtomic(link, 'new\n');
  t.is(await readlink(link), 'real');
  t.is(await readFile(real, 'utf8'), 'new\n');
  t.is(await modeOf(real), 0o600);
  t.deepEqual((await readdir(dir)).sort(), ['real', 'static_blacklist']);
});

test('Writing into a missing directory fails and creates nothing.', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'missing', 'static_blacklist');
  const error = await t.throwsAsync(writeFileAtomic(path, 'x\n'));
  t.is((error as NodeJS.ErrnoException | undefined)?.code, 'ENOENT');
  t.deepEqual(await readdir(dir), []);
});

test('A failed rename leaves the original in place and no temporary file behind.', async (t) => {
  const dir = await tempDir(t);
  // A non-empty directory where the file should be: the temporary file is
  // written, then rename(2) refuses to replace the directory.
  const path = join(dir, 'static_blacklist');
  await mkdir(path);
  await writeFile(join(path, 'inside'), 'keep\n');
  await t.throwsAsync(writeFileAtomic(path, 'x\n'));
  t.deepEqual(await readdir(dir), ['static_blacklist']);
  t.is(await readFile(join(path, 'inside'), 'utf8'), 'keep\n');
});

test('Concurrent writes leave one complete content and no temporary files.', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'static_blacklist');
  const contents = Array.from({ length: 8 }, (_, i) => `${String(i).repeat(100_000)}\n`);
  await Promise.all(contents.map((c) => writeFileAtomic(path, c)));
  t.true(contents.includes(await readFile(path, 'utf8')));
  t.deepEqual(await readdir(dir), ['static_blacklist']);
});

test('Replacing a file keeps its owner and group (root rewriting an operator\'s file).', async (t) => {
  if (process.getuid?.() !== 0) return t.pass('needs root to give a file to another owner');
  const dir = await tempDir(t);
  const path = join(dir, 'static_blacklist');
  await writeFile(path, 'old\n');
  const { chown } = await import('node:fs/promises');
  await chown(path, 1234, 5678);
  await chmod(path, 0o640);
  await writeFileAtomic(path, 'new\n');
  const after = await stat(path);
  t.deepEqual([after.uid, after.gid, after.mode & 0o7777], [1234, 5678, 0o640]);
});

/** syncsDuring counts the disk flushes (FileHandle.sync: the file's, then the directory's) that `run` makes. */
async function syncsDuring(dir: string, run: () => Promise<void>): Promise<number> {
  const { open } = await import('node:fs/promises');
  const probe = await open(dir, 'r');
  const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
  await probe.close();
  const original = proto.sync;
  let count = 0;
  proto.sync = function sync(this: unknown) {
    count++;
    return original.call(this);
  };
  try {
    await run();
  } finally {
    proto.sync = original;
  }
  return count;
}

const durability = test.macro(async (t, durable: 'all' | 'content' | 'none' | undefined, flushes: number) => {
  const dir = await tempDir(t);
  const path = join(dir, 'record.json');
  await writeFile(path, 'old\n');
  t.is(await syncsDuring(dir, () => writeFileAtomic(path, 'new\n', durable === undefined ? {} : { durable })), flushes);
  t.is(await readFile(path, 'utf8'), 'new\n', 'replaced whatever the durability');
  t.deepEqual(await readdir(dir), ['record.json'], 'no temporary file left');
});

// Serial: the count is of every flush in this process, and AVA runs serial tests before the others.
test.serial('By default both the content and the directory (the rename) are flushed.', durability, undefined, 2);
test.serial("durable 'content' flushes the content before the rename, not the directory.", durability, 'content', 1);
test.serial("durable 'none' flushes nothing.", durability, 'none', 0);
