import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../../src/errors.js';
import { packageRoot } from '../../../src/package-info.js';
import { parseProfile } from '../../../src/sysctl/profile.js';
import { compiledProfilesFile, parseProfileOnce } from '../../../src/sysctl/profile-cache.js';

const SHIPPED = ['base', 'director-common', 'director-dr', 'director-nat', 'realserver-dr'];

test('a shipped profile read through the cache is what parsing it gives, named by the file it was read from', async (t) => {
  for (const name of SHIPPED) {
    const file = path.join(packageRoot(), 'profiles', `${name}.yaml`);
    const text = readFileSync(file, 'utf8');
    t.deepEqual(await parseProfileOnce(text, file, name), parseProfile(text, file, name), name);
    const elsewhere = `/elsewhere/${name}.yaml`;
    const moved = await parseProfileOnce(text, elsewhere, name);
    t.is(moved.file, elsewhere);
    t.true(moved.sysctls.every((entry) => entry.file === elsewhere));
  }
});

test('the build compiled every shipped profile (when the bundle was built)', (t) => {
  if (!existsSync(compiledProfilesFile())) {
    t.pass('no dist/bundle: npm run build writes it');
    return;
  }
  const compiled = JSON.parse(readFileSync(compiledProfilesFile(), 'utf8')) as { profiles: Record<string, unknown> };
  t.deepEqual(Object.keys(compiled.profiles).sort(), SHIPPED);
});

test('a changed text is parsed again: new lines, and its problems', async (t) => {
  const file = path.join(packageRoot(), 'profiles', 'base.yaml');
  const text = readFileSync(file, 'utf8');
  const first = await parseProfileOnce(text, file, 'base');
  const shifted = await parseProfileOnce(`# one more line\n${text}`, file, 'base');
  t.deepEqual(shifted.sysctls.map((e) => e.line), first.sysctls.map((e) => e.line + 1));
  await t.throwsAsync(parseProfileOnce('sysctls:\n  net.ipv4.ip_forward:\n    value: "x"\n', file, 'base'), { instanceOf: ConfigError });
  await t.throwsAsync(parseProfileOnce('sysctls:\n  net.ipv4.ip_forward:\n    value: "x"\n', file, 'base'), { instanceOf: ConfigError }, 'a bad text is never kept');
  t.deepEqual(await parseProfileOnce(text, file, 'base'), first);
});
