import test from 'ava';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBlacklist } from '../../../src/blacklist/read.js';
import { BlacklistError } from '../../../src/errors.js';

async function tempDir(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lbfw-read-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('readBlacklist parses the file and names it in problems.', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'static_blacklist');
  await writeFile(path, '192.0.2.1\nbad\n');
  const parsed = await readBlacklist(path);
  t.is(parsed.file, path);
  t.deepEqual(
    parsed.entries.map((e) => e.text),
    ['192.0.2.1'],
  );
  t.deepEqual(
    parsed.problems.map((p) => [p.file, p.line]),
    [[path, 2]],
  );
});

test('A missing optional blacklist is empty, with a warning at line 0.', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'static_blacklist');
  t.deepEqual(await readBlacklist(path, { optional: true }), {
    file: path,
    entries: [],
    problems: [],
    warnings: [{ file: path, line: 0, message: `${path} does not exist; no addresses are blacklisted` }],
  });
});

test('A missing blacklist that is not optional is a BlacklistError at line 0.', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'static_blacklist');
  const error = await t.throwsAsync(readBlacklist(path), { instanceOf: BlacklistError });
  t.is(error?.file, path);
  t.is(error?.line, 0);
  t.regex(error?.message ?? '', /does not exist/);
});

test('A directory in place of the blacklist is a BlacklistError, even when optional.', async (t) => {
  const dir = await tempDir(t);
  const error = await t.throwsAsync(readBlacklist(dir, { optional: true }), { instanceOf: BlacklistError });
  t.deepEqual(error?.problems, [{ file: dir, line: 0, message: `${dir} is a directory; expected the blacklist file as a regular file` }]);
});

// Root reads any file whatever its mode, so this can only be shown as an ordinary user.
const asUser = process.getuid?.() === 0 ? test.skip : test;
asUser('An unreadable blacklist is a BlacklistError saying permission denied.', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'static_blacklist');
  await writeFile(path, '192.0.2.1\n');
  await chmod(path, 0o000);
  const error = await t.throwsAsync(readBlacklist(path, { optional: true }), { instanceOf: BlacklistError });
  t.regex(error?.message ?? '', /permission denied/);
});
