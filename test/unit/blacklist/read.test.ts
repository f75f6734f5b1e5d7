import test from 'ava';
import { spawnSync } from 'node:child_process';
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

// Root reads any file whatever its mode, so as root the read runs in a child
// dropped to nobody (setpriv, util-linux) with no capabilities; as a user it runs here.
test('An unreadable blacklist is a BlacklistError saying permission denied.', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'static_blacklist');
  await writeFile(path, '192.0.2.1\n');
  await chmod(path, 0o000);
  if (process.getuid?.() !== 0) {
    const error = await t.throwsAsync(readBlacklist(path, { optional: true }), { instanceOf: BlacklistError });
    t.regex(error?.message ?? '', /permission denied/);
    return;
  }
  await chmod(dir, 0o755);
  const script = [
    `import { readBlacklist } from ${JSON.stringify(new URL('../../../src/blacklist/read.js', import.meta.url).href)};`,
    `readBlacklist(${JSON.stringify(path)}, { optional: true }).then(`,
    `  () => console.log(JSON.stringify({ read: true })),`,
    `  (e) => console.log(JSON.stringify({ name: e.name, message: e.message })));`,
  ].join('\n');
  const run = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
  t.is(run.status, 0, run.stderr);
  const outcome = JSON.parse(run.stdout) as { name?: string; message?: string; read?: boolean };
  t.is(outcome.name, 'BlacklistError');
  t.regex(outcome.message ?? '', /permission denied/);
});
