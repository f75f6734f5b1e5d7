import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import {
  LAST,
  type PersistEntry,
  collectSysctlFiles,
  findOverrides,
  parseSysctlConf,
  persistEntries,
  renderSysctlConf,
  writePersistFile,
} from '../../../src/sysctl/persist.js';
import { readings, resolved, tempDir } from './fixtures.js';

const DIRECTOR = { vip: 'eth0', realServers: 'eth1' };

test('Persisted entries are the values after the plan, with the all side, keep writes and absent keys, forwarding first.', (t) => {
  const entries = persistEntries(
    resolved({ 'net.ipv4.conf.{vip}.rp_filter': '0', 'net.ipv4.vs.conntrack': '0', 'net.ipv4.ip_forward': '1' }, DIRECTOR),
    readings({
      'net.ipv4.ip_forward': '0',
      'net.ipv4.conf.all.rp_filter': '1',
      'net.ipv4.conf.eth0.rp_filter': '0',
      'net.ipv4.conf.eth2.rp_filter': '0',
    }),
  );
  t.deepEqual(
    entries.map((e) => [e.key, e.value, e.ignoreFailure]),
    [
      ['net.ipv4.ip_forward', '1', false],
      ['net.ipv4.conf.eth0.rp_filter', '0', true],
      ['net.ipv4.conf.all.rp_filter', '0', false],
      ['net.ipv4.vs.conntrack', '0', true],
      ['net.ipv4.conf.eth2.rp_filter', '1', true],
    ],
  );
  t.deepEqual(entries[2]?.reasons, ['all side of net.ipv4.conf.eth0.rp_filter: for eth0 the kernel combines all and eth0 (the larger of the two)']);
});

const ENTRIES: readonly PersistEntry[] = [
  {
    key: 'net.ipv4.conf.all.rp_filter',
    value: '0',
    reasons: ['Client packets for the VIP must be accepted whichever way they came in; reverse-path filtering drops them otherwise.'],
    sources: [{ profile: 'director-dr', file: '/usr/lib/lbfw/profiles/director-dr.yaml', line: 9 }],
    ignoreFailure: false,
  },
  {
    key: 'net.ipv4.conf.eth0/100.rp_filter',
    value: '0',
    reasons: ['Same for the VIP interface.'],
    sources: [{ profile: 'director-dr', file: '/usr/lib/lbfw/profiles/director-dr.yaml', line: 9 }],
    ignoreFailure: true,
  },
];

test('The file carries every reason as a comment and marks per-interface keys with a dash.', (t) => {
  const text = renderSysctlConf(ENTRIES, { profile: 'director-dr', files: ['/usr/lib/lbfw/profiles/director-dr.yaml'], name: '90-lbfw.conf' });
  t.is(
    text,
    [
      '# Written by lbfw from profile director-dr (/usr/lib/lbfw/profiles/director-dr.yaml).',
      '# lbfw rewrites this file: put local changes in a file sorting after 90-lbfw.conf.',
      '# A leading "-" makes systemd-sysctl ignore a key that does not exist yet (an',
      '# interface udev has not added, a module not loaded); `lbfw apply` sets it later.',
      '',
      '# Client packets for the VIP must be accepted whichever way they came in;',
      '# reverse-path filtering drops them otherwise.',
      '# (director-dr.yaml:9)',
      'net.ipv4.conf.all.rp_filter = 0',
      '',
      '# Same for the VIP interface.',
      '# (director-dr.yaml:9)',
      '-net.ipv4.conf.eth0/100.rp_filter = 0',
      '',
    ].join('\n'),
  );
});

test('A sysctl.d file is read with comments, exclusions and both key spellings.', (t) => {
  const text = ['# comment', '; comment', '', 'net.ipv4.conf.all.rp_filter = 1', '-net/ipv4/conf/eth0.100/rp_filter=2', 'net.ipv4.conf.*.rp_filter = 2', '-net.ipv4.conf.all.rp_filter', 'kernel.x =  a   b'].join('\n');
  t.deepEqual(parseSysctlConf(text, '/f.conf'), [
    { file: '/f.conf', line: 4, key: 'net.ipv4.conf.all.rp_filter', value: '1', glob: false },
    { file: '/f.conf', line: 5, key: 'net.ipv4.conf.eth0/100.rp_filter', value: '2', glob: false },
    { file: '/f.conf', line: 6, key: 'net.ipv4.conf.*.rp_filter', value: '2', glob: true },
    { file: '/f.conf', line: 8, key: 'kernel.x', value: 'a b', glob: false },
  ]);
});

const overrides = test.macro({
  exec(t, files: readonly { file: string; order: string; text: string }[], expected: readonly string[]) {
    t.deepEqual(findOverrides(ENTRIES, '90-lbfw.conf', files).map((o) => `${o.file}:${o.line} ${o.key} ${o.theirs}${o.glob ? ' glob' : ''}`), expected);
  },
  title: (given) => given ?? 'overrides',
});

test('A later file setting the same key to another value overrides lbfw.', overrides, [{ file: '/etc/sysctl.d/99-local.conf', order: '99-local.conf', text: 'net.ipv4.conf.all.rp_filter = 1\n' }], [
  '/etc/sysctl.d/99-local.conf:1 net.ipv4.conf.all.rp_filter 1',
]);
test('An earlier file does not override lbfw.', overrides, [{ file: '/usr/lib/sysctl.d/50-default.conf', order: '50-default.conf', text: 'net.ipv4.conf.all.rp_filter = 2\n' }], []);
test('A later file with the same value is no conflict.', overrides, [{ file: '/etc/sysctl.d/95-x.conf', order: '95-x.conf', text: 'net.ipv4.conf.all.rp_filter=0\n' }], []);
test('The slash spelling of a dotted interface matches.', overrides, [{ file: '/etc/sysctl.d/95-x.conf', order: '95-x.conf', text: 'net/ipv4/conf/eth0.100/rp_filter = 1\n' }], [
  '/etc/sysctl.d/95-x.conf:1 net.ipv4.conf.eth0/100.rp_filter 1',
]);
test('A later glob is reported as a glob for every key it covers.', overrides, [{ file: '/etc/sysctl.d/95-x.conf', order: '95-x.conf', text: 'net.ipv4.conf.*.rp_filter = 2\n' }], [
  '/etc/sysctl.d/95-x.conf:1 net.ipv4.conf.all.rp_filter 2 glob',
  '/etc/sysctl.d/95-x.conf:1 net.ipv4.conf.eth0/100.rp_filter 2 glob',
]);
test('/etc/sysctl.conf comes after every sysctl.d file.', overrides, [{ file: '/etc/sysctl.conf', order: LAST, text: 'net.ipv4.conf.all.rp_filter = 1\n' }], [
  '/etc/sysctl.conf:1 net.ipv4.conf.all.rp_filter 1',
]);

test('Files are collected as systemd-sysctl does: /etc hides the same name elsewhere, and sysctl.conf is read once, last.', async (t) => {
  const root = await tempDir(t);
  const etc = path.join(root, 'etc/sysctl.d');
  const usr = path.join(root, 'usr/lib/sysctl.d');
  const conf = path.join(root, 'etc/sysctl.conf');
  await mkdir(etc, { recursive: true });
  await mkdir(usr, { recursive: true });
  await writeFile(path.join(usr, '99-vendor.conf'), 'net.ipv4.conf.all.rp_filter = 1\n');
  await writeFile(path.join(etc, '99-vendor.conf'), '# masked by the operator\n');
  await writeFile(path.join(usr, '95-other.conf'), 'net.ipv4.conf.all.rp_filter = 2\n');
  await writeFile(path.join(usr, '90-lbfw.conf'), 'net.ipv4.conf.all.rp_filter = 1\n');
  await writeFile(path.join(etc, 'README'), 'not a conf file\n');
  await writeFile(conf, 'net.ipv4.conf.all.rp_filter = 1\n');
  await symlink(conf, path.join(etc, '99-sysctl.conf'));

  const files = await collectSysctlFiles([etc, usr], path.join(etc, '90-lbfw.conf'), conf);
  t.deepEqual(files.map((f) => [path.relative(root, f.file), f.order]), [
    ['etc/sysctl.d/99-vendor.conf', '99-vendor.conf'],
    ['usr/lib/sysctl.d/95-other.conf', '95-other.conf'],
    ['etc/sysctl.conf', LAST],
  ]);
  t.deepEqual(
    findOverrides(ENTRIES, '90-lbfw.conf', files).map((o) => [path.relative(root, o.file), o.theirs]),
    [
      ['usr/lib/sysctl.d/95-other.conf', '2'],
      ['etc/sysctl.conf', '1'],
    ],
  );
});

test('writePersistFile writes atomically, only when the content changes, and reports overrides.', async (t) => {
  const root = await tempDir(t);
  const dir = path.join(root, 'etc/sysctl.d');
  const location = { dir, searchDirs: [path.join(root, 'usr/lib/sysctl.d')], sysctlConf: path.join(root, 'etc/sysctl.conf') };
  const header = { profile: 'director-dr', files: ['/p/director-dr.yaml'] };

  const first = await writePersistFile(ENTRIES, header, location);
  t.is(first.file, path.join(dir, '90-lbfw.conf'));
  t.true(first.written);
  t.is(await readFile(first.file, 'utf8'), first.content);
  t.deepEqual(first.overriddenBy, []);

  await writeFile(path.join(dir, '99-local.conf'), 'net.ipv4.conf.all.rp_filter = 1\n');
  const second = await writePersistFile(ENTRIES, header, location);
  t.false(second.written);
  t.deepEqual(second.overriddenBy.map((o) => [path.basename(o.file), o.line, o.key, o.value, o.theirs]), [['99-local.conf', 1, 'net.ipv4.conf.all.rp_filter', '0', '1']]);
  t.regex(second.overriddenBy[0]?.message ?? '', /99-local.conf:1 sets net.ipv4.conf.all.rp_filter = 1 after lbfw's 0, so at boot the kernel gets 1/);
});

test('The file name can be chosen.', async (t) => {
  const root = await tempDir(t);
  const result = await writePersistFile(ENTRIES, { profile: 'x', files: [] }, { dir: root, name: '60-lbfw.conf', searchDirs: [], sysctlConf: path.join(root, 'none') });
  t.is(result.file, path.join(root, '60-lbfw.conf'));
  t.regex(result.content, /sorting after 60-lbfw\.conf/);
});

test('A key absent now is persisted with the value apply would write, ignoring failure.', (t) => {
  const entries = persistEntries(
    resolved({ 'net.ipv4.vs.expire_nodest_conn': '1', 'net.ipv4.conf.{vip}.rp_filter': '0' }, { vip: 'eth9' }),
    readings({ 'net.ipv4.conf.all.rp_filter': '0' }),
  );
  t.deepEqual(entries.map((e) => [e.key, e.value, e.ignoreFailure]), [
    ['net.ipv4.vs.expire_nodest_conn', '1', true],
    ['net.ipv4.conf.eth9.rp_filter', '0', true],
  ]);
});
