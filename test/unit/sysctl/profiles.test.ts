import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { ConfigError } from '../../../src/errors.js';
import { builtinProfileDir, listProfiles, loadProfile, profileNames } from '../../../src/sysctl/profiles.js';
import { tempDir } from './fixtures.js';

type Files = Readonly<Record<string, { include?: readonly string[]; sysctls?: Readonly<Record<string, string>> }>>;

/** Writes one profile per name into `dir`; the value of each key is written as given. */
async function writeProfiles(dir: string, files: Files): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, spec] of Object.entries(files)) {
    const lines = [`description: ${name}`];
    if (spec.include !== undefined) lines.push(`include: [${spec.include.join(', ')}]`);
    if (spec.sysctls !== undefined) {
      lines.push('sysctls:');
      for (const [key, value] of Object.entries(spec.sysctls)) lines.push(`  ${key}:`, `    value: "${value}"`, `    reason: set by ${name}`);
    }
    await writeFile(path.join(dir, `${name}.yaml`), `${lines.join('\n')}\n`);
  }
}

async function dirs(t: Parameters<typeof tempDir>[0], builtin: Files, user: Files = {}) {
  const root = await tempDir(t);
  const builtinDir = path.join(root, 'builtin');
  const userDir = path.join(root, 'user');
  await writeProfiles(builtinDir, builtin);
  if (Object.keys(user).length > 0) await writeProfiles(userDir, user);
  return { builtinDir, userDir };
}

const valueOf = (profile: Awaited<ReturnType<typeof loadProfile>>, template: string) =>
  profile.entries.find((e) => e.template === template);

test('Includes resolve depth-first and the later file wins.', async (t) => {
  const options = await dirs(t, {
    base: { sysctls: { 'net.ipv4.conf.all.proxy_arp': '0', 'net.ipv4.conf.all.log_martians': '0' } },
    middle: { include: ['base'], sysctls: { 'net.ipv4.conf.all.log_martians': '1', 'net.ipv4.vs.conntrack': '0' } },
    top: { include: ['middle'], sysctls: { 'net.ipv4.vs.conntrack': '1' } },
  });
  const profile = await loadProfile('top', options);
  t.deepEqual(profile.files.map((f) => f.name), ['base', 'middle', 'top']);
  t.is(profile.description, 'top');
  t.is(valueOf(profile, 'net.ipv4.conf.all.proxy_arp')?.profile, 'base');
  t.is(valueOf(profile, 'net.ipv4.conf.all.log_martians')?.value, '1');
  t.is(valueOf(profile, 'net.ipv4.conf.all.log_martians')?.profile, 'middle');
  t.is(valueOf(profile, 'net.ipv4.vs.conntrack')?.value, '1');
  t.is(profile.entries.length, 3);
});

test('Includes apply in the order listed, so the last include wins over earlier ones.', async (t) => {
  const options = await dirs(t, {
    a: { sysctls: { 'net.ipv4.vs.conntrack': '0' } },
    b: { sysctls: { 'net.ipv4.vs.conntrack': '1' } },
    top: { include: ['a', 'b'] },
  });
  t.is(valueOf(await loadProfile('top', options), 'net.ipv4.vs.conntrack')?.profile, 'b');
});

test('A profile included twice counts once, at its first place, so it cannot undo an override made after it.', async (t) => {
  const options = await dirs(t, {
    base: { sysctls: { 'net.ipv4.vs.conntrack': '0' } },
    override: { include: ['base'], sysctls: { 'net.ipv4.vs.conntrack': '1' } },
    other: { include: ['base'], sysctls: { 'net.ipv4.vs.expire_nodest_conn': '1' } },
    top: { include: ['override', 'other'] },
  });
  const profile = await loadProfile('top', options);
  t.deepEqual(profile.files.map((f) => f.name), ['base', 'override', 'other', 'top']);
  t.is(valueOf(profile, 'net.ipv4.vs.conntrack')?.value, '1');
});

test('An include cycle is an error at the include line that closes it.', async (t) => {
  const options = await dirs(t, {
    a: { include: ['b'] },
    b: { include: ['c'] },
    c: { include: ['a'] },
  });
  const error = await t.throwsAsync(loadProfile('a', options), { instanceOf: ConfigError });
  t.is(error?.file, path.join(options.builtinDir, 'c.yaml'));
  t.is(error?.line, 2);
  t.regex(error?.message ?? '', /include cycle: a -> b -> c -> a/);
});

test('A profile including itself is a cycle.', async (t) => {
  const options = await dirs(t, { a: { include: ['a'] } });
  const error = await t.throwsAsync(loadProfile('a', options), { instanceOf: ConfigError });
  t.regex(error?.message ?? '', /include cycle: a -> a/);
});

test('An unknown include is an error naming the file, the line and the available profiles.', async (t) => {
  const options = await dirs(t, { base: { sysctls: { 'net.ipv4.vs.conntrack': '0' } }, top: { include: ['bsae'] } });
  const error = await t.throwsAsync(loadProfile('top', options), { instanceOf: ConfigError });
  t.is(error?.file, path.join(options.builtinDir, 'top.yaml'));
  t.is(error?.line, 2);
  t.regex(error?.message ?? '', /unknown profile "bsae"; available: base, top/);
});

test('An unknown profile name is an error listing the available ones.', async (t) => {
  const options = await dirs(t, { base: { sysctls: { 'net.ipv4.vs.conntrack': '0' } } });
  const error = await t.throwsAsync(loadProfile('director', options), { instanceOf: ConfigError });
  t.regex(error?.message ?? '', /no profile named "director".*available: base/);
});

test('A name that could leave the profile directory is refused.', async (t) => {
  const options = await dirs(t, { base: { sysctls: { 'net.ipv4.vs.conntrack': '0' } } });
  await t.throwsAsync(loadProfile('../etc/passwd', options), { instanceOf: ConfigError, message: /is not a profile name/ });
});

test('A user profile overrides the built-in one of the same name, also where it is included.', async (t) => {
  const options = await dirs(
    t,
    { base: { sysctls: { 'net.ipv4.vs.conntrack': '0' } }, top: { include: ['base'] } },
    { base: { sysctls: { 'net.ipv4.vs.conntrack': '1' } }, extra: { include: ['top'] } },
  );
  const profile = await loadProfile('extra', options);
  t.deepEqual(profile.files.map((f) => [f.name, f.origin]), [['base', 'user'], ['top', 'builtin'], ['extra', 'user']]);
  t.is(valueOf(profile, 'net.ipv4.vs.conntrack')?.value, '1');
  t.deepEqual(await profileNames(options), ['base', 'extra', 'top']);
  t.deepEqual((await listProfiles(options)).map((p) => [p.name, p.origin, p.description]), [
    ['base', 'user', 'base'],
    ['extra', 'user', 'extra'],
    ['top', 'builtin', 'top'],
  ]);
});

test('A bad included profile is reported in its own file.', async (t) => {
  const options = await dirs(t, { top: { include: ['broken'] } });
  await writeFile(path.join(options.builtinDir, 'broken.yaml'), 'sysctls:\n  net.ipv4.conf.{vip}.rp_filtr:\n    value: "0"\n    reason: x\n');
  const error = await t.throwsAsync(loadProfile('top', options), { instanceOf: ConfigError });
  t.is(error?.file, path.join(options.builtinDir, 'broken.yaml'));
  t.is(error?.line, 2);
});

const shipped = test.macro({
  async exec(t, name: string, files: readonly string[], templates: readonly string[]) {
    const profile = await loadProfile(name, { userDir: path.join(builtinProfileDir(), 'no-such-dir') });
    t.deepEqual(profile.files.map((f) => f.name), files);
    for (const template of templates) t.truthy(profile.entries.find((e) => e.template === template), template);
    for (const entry of profile.entries) t.regex(entry.reason, /^[A-Z0-9a-z].{20,400}[.)]$/s, `${entry.template} has a reason`);
  },
  title: (given, name: string) => given ?? `The shipped profile ${name} loads with its includes and a reason for every key`,
});

test(shipped, 'director-dr', ['base', 'director-common', 'director-dr'], [
  'net.ipv4.conf.{vip}.rp_filter',
  'net.ipv4.conf.{vip}.send_redirects',
  'net.ipv4.conf.{realservers}.send_redirects',
  'net.ipv4.conf.{vip}.proxy_arp',
  'net.ipv4.vs.expire_nodest_conn',
  'net.ipv4.vs.expire_quiescent_template',
  'net.ipv4.vs.conntrack',
  'net.ipv4.conf.{vip}.accept_redirects',
  'net.ipv4.conf.{realservers}.accept_redirects',
  'net.ipv4.conf.{vip}.secure_redirects',
  'net.ipv6.conf.{vip}.accept_redirects',
  'net.ipv6.conf.{realservers}.accept_redirects',
  'net.ipv6.conf.{vip}.accept_ra',
  'net.ipv6.conf.{realservers}.accept_ra',
]);

test('The director profiles refuse ICMP redirects and router advertisements, and keep secure_redirects at 1.', async (t) => {
  for (const name of ['director-dr', 'director-nat']) {
    const profile = await loadProfile(name, { userDir: path.join(builtinProfileDir(), 'no-such-dir') });
    const values = Object.fromEntries(profile.entries.map((e) => [e.template, e.value]));
    for (const iface of ['vip', 'realservers']) {
      t.is(values[`net.ipv4.conf.{${iface}}.accept_redirects`], '0', name);
      t.is(values[`net.ipv6.conf.{${iface}}.accept_redirects`], '0', name);
      t.is(values[`net.ipv6.conf.{${iface}}.accept_ra`], '0', name);
    }
    // 0 would widen which gateways a redirect may name (ip-sysctl.rst), were redirects ever accepted.
    t.is(values['net.ipv4.conf.{vip}.secure_redirects'], '1', name);
  }
});
test(shipped, 'director-nat', ['base', 'director-common', 'director-nat'], ['net.ipv4.ip_forward', 'net.ipv4.conf.{realservers}.forwarding']);
test(shipped, 'realserver-dr', ['base', 'realserver-dr'], [
  'net.ipv4.conf.{client}.arp_ignore',
  'net.ipv4.conf.{client}.arp_announce',
  'net.ipv4.conf.{client}.rp_filter',
]);

test('The shipped real server profile expects arp_ignore 1 or 2, arp_announce 2 and rp_filter not strict.', async (t) => {
  const profile = await loadProfile('realserver-dr', { userDir: path.join(builtinProfileDir(), 'no-such-dir') });
  const values = Object.fromEntries(profile.entries.map((e) => [e.template, e.value]));
  t.is(values['net.ipv4.conf.{client}.arp_ignore'], '1|2');
  t.is(values['net.ipv4.conf.{client}.arp_announce'], '2');
  t.is(values['net.ipv4.conf.{client}.rp_filter'], '2|0');
});
