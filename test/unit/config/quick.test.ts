import path from 'node:path';
import test from 'ava';
import { parseConfig } from '../../../src/config/parse.js';
import { COMMAND_LINE, buildQuickConfig, mergeFlags, type QuickFlags } from '../../../src/config/quick.js';
import type { HostConfig } from '../../../src/config/model.js';
import { ConfigError } from '../../../src/errors.js';

const flag = (name: string) => ({ kind: 'flag', flag: name }) as const;

test('quick flags build a whole director config', (t) => {
  const expected: HostConfig = {
    role: 'director',
    interfaces: { vip: 'eth0' },
    services: [
      { family: 4, address: '192.0.2.10', port: 80, protocol: 'tcp', origin: flag('--vip') },
      { family: 6, address: '2001:db8::10', port: 443, protocol: 'tcp', origin: flag('--vip') },
      { family: 4, address: '192.0.2.11', port: 53, protocol: 'udp', origin: flag('--vip') },
    ],
    peers: [{ family: 4, address: '192.0.2.2', origin: flag('--peer') }],
    realServers: [
      { family: 4, address: '192.0.2.21', origin: flag('--realserver') },
      { family: 4, address: '192.0.2.22', port: 80, origin: flag('--realserver') },
    ],
    management: {
      sources: [
        { family: 4, address: '198.51.100.0', prefix: 24 },
        { family: 6, address: '2001:db8:100::', prefix: 48 },
      ],
      sshPort: 22,
      allow: [],
    },
    blacklistPath: '/srv/bl',
    inputPolicy: 'accept',
  };
  t.deepEqual(
    buildQuickConfig({
      role: 'director',
      vip: ['192.0.2.10:80', '[2001:db8::10]:443,192.0.2.11:53/udp'],
      iface: 'eth0',
      mgmt: ['198.51.100.0/24', '2001:db8:100::/48'],
      peer: ['192.0.2.2'],
      realserver: ['192.0.2.21', '192.0.2.22:80'],
      blacklist: '/srv/bl',
      inputPolicy: 'accept',
    }),
    expected,
  );
});

test('quick flags build a real server config with --iface as the client interface', (t) => {
  t.deepEqual(buildQuickConfig({ role: 'realserver', vip: ['192.0.2.10:80'], iface: 'ens3' }), {
    role: 'realserver',
    interfaces: { client: 'ens3' },
    services: [{ family: 4, address: '192.0.2.10', port: 80, protocol: 'tcp', origin: flag('--vip') }],
    peers: [],
    realServers: [],
    management: { sources: [], sshPort: 22, allow: [] },
    blacklistPath: '/etc/lbfw/static_blacklist',
    inputPolicy: 'drop',
  });
});

test('repeated flag values are deduplicated', (t) => {
  const config = buildQuickConfig({ role: 'director', vip: ['192.0.2.10:80', '192.0.2.10:80/tcp'], mgmt: ['198.51.100.7', '198.51.100.7/32'] });
  t.is(config.services.length, 1);
  t.is(config.management.sources.length, 1);
});

test('a relative --blacklist is taken from the current directory', (t) => {
  t.is(buildQuickConfig({ role: 'director', blacklist: 'bl.txt' }).blacklistPath, path.resolve('bl.txt'));
});

const refuses = test.macro((t, flags: QuickFlags, expected: ReadonlyArray<readonly string[]>, base?: HostConfig) => {
  const error = t.throws(() => (base === undefined ? buildQuickConfig(flags) : mergeFlags(base, flags)), { instanceOf: ConfigError });
  const problems = error?.problems ?? [];
  t.is(problems.length, expected.length, problems.map((p) => p.message).join('\n'));
  expected.forEach((fragments, i) => {
    const problem = problems[i];
    t.is(problem?.file, COMMAND_LINE);
    t.is(problem?.line, 0);
    for (const fragment of fragments) t.true(problem?.message.includes(fragment), `"${problem?.message}" lacks "${fragment}"`);
  });
});

test('quick flags without --role are refused', refuses, { vip: ['192.0.2.10:80'] }, [['--role: is required', 'director', 'realserver']]);
test('a bad --role is refused with the allowed ones', refuses, { role: 'lb' }, [['--role', '"lb" is not a role', 'director, realserver']]);
test('a --vip with a protocol but no port is refused with the grammar', refuses, { role: 'director', vip: ['192.0.2.10/udp'] }, [
  ['--vip', 'ADDR:PORT[/PROTO]'],
]);
test('a real server without --vip is refused', refuses, { role: 'realserver' }, [['--vip', 'a real server needs at least one VIP service']]);
test('--peer on a real server is refused', refuses, { role: 'realserver', vip: ['192.0.2.10:80'], peer: ['192.0.2.2'] }, [
  ['--peer', 'only for role director'],
]);
test('--realserver on a real server is refused', refuses, { role: 'realserver', vip: ['192.0.2.10:80'], realserver: ['192.0.2.21'] }, [
  ['--realserver', 'only for role director'],
]);
test('a bad --mgmt source is refused', refuses, { role: 'director', mgmt: ['198.51.100.7/24'] }, [['--mgmt', 'host bits set']]);
test('a bad --iface is refused', refuses, { role: 'director', iface: 'eth0 eth1' }, [['--iface', 'not an interface name']]);
test('a bad --input-policy is refused', refuses, { role: 'director', inputPolicy: 'reject' }, [['--input-policy', 'drop, accept']]);
test('all bad flags are reported together', refuses, { role: 'director', vip: ['192.0.2.300', '192.0.2.11:0'], peer: ['x'] }, [
  ['--vip', '192.0.2.300'],
  ['--vip', 'not a port'],
  ['--peer', 'not an IP address'],
]);

const FILE = '/etc/lbfw/lbfw.yaml';
const DIRECTOR = parseConfig(
  [
    'role: director',
    'interfaces: { vip: eth0, realservers: eth1 }',
    'services: [192.0.2.10:80]',
    'peers: [192.0.2.2]',
    'management:',
    '  sources: [198.51.100.0/24]',
    '',
  ].join('\n'),
  FILE,
);
const REALSERVER = parseConfig('role: realserver\ninterfaces: { client: eth0 }\nservices: [192.0.2.10:80]\n', FILE);

test('list flags add to the file and keep the file origin of items already there', (t) => {
  const merged = mergeFlags(DIRECTOR, {
    vip: ['192.0.2.10:80', '192.0.2.10:443'],
    peer: ['192.0.2.2', '192.0.2.3'],
    mgmt: ['198.51.100.0/24', '203.0.113.5'],
    realserver: ['192.0.2.21'],
  });
  t.deepEqual(
    merged.services.map((s) => [s.port, s.origin]),
    [
      [80, { kind: 'config', file: FILE, line: 3 }],
      [443, flag('--vip')],
    ],
  );
  t.deepEqual(
    merged.peers.map((p) => [p.address, p.origin.kind]),
    [
      ['192.0.2.2', 'config'],
      ['192.0.2.3', 'flag'],
    ],
  );
  t.deepEqual(
    merged.management.sources.map((s) => `${s.address}/${s.prefix}`),
    ['198.51.100.0/24', '203.0.113.5/32'],
  );
  t.deepEqual(merged.realServers, [{ family: 4, address: '192.0.2.21', origin: flag('--realserver') }]);
});

test('--iface, --blacklist and --input-policy replace the file values', (t) => {
  const merged = mergeFlags(DIRECTOR, { iface: 'bond0', blacklist: '/srv/bl', inputPolicy: 'accept' });
  t.deepEqual(merged.interfaces, { vip: 'bond0', realServers: 'eth1' });
  t.is(merged.blacklistPath, '/srv/bl');
  t.is(merged.inputPolicy, 'accept');
});

test('--iface replaces the client interface of a real server', (t) => {
  t.deepEqual(mergeFlags(REALSERVER, { iface: 'ens4' }).interfaces, { client: 'ens4' });
});

test('no flags leave the config as it was', (t) => {
  t.deepEqual(mergeFlags(DIRECTOR, {}), DIRECTOR);
});

test('a --role that agrees with the file is accepted', (t) => {
  t.is(mergeFlags(DIRECTOR, { role: 'director' }).role, 'director');
});

test('a --role that conflicts with the file is refused', refuses, { role: 'realserver' }, [
  ['--role', 'realserver conflicts with "role: director" in /etc/lbfw/lbfw.yaml'],
], DIRECTOR);
test('--peer over a real server file is refused', refuses, { peer: ['192.0.2.2'] }, [['--peer', 'only for role director']], REALSERVER);

test('--vip without a port names a VIP accepted on every port, for the real-server quick path', (t) => {
  const config = buildQuickConfig({ role: 'realserver', vip: ['198.51.100.50'], iface: 'eth0' });
  t.deepEqual(config.services, []);
  t.deepEqual(config.vipAddresses, [{ family: 4, address: '198.51.100.50', origin: { kind: 'flag', flag: '--vip' } }]);
  t.is(config.interfaces.client, 'eth0');
});

test('--vip with a bad bare address says what is expected', (t) => {
  const error = t.throws(() => buildQuickConfig({ role: 'realserver', vip: ['198.51.100.500'] }));
  t.regex(error?.message ?? '', /--vip.*198\.51\.100\.500.*expected ADDR or ADDR:PORT/);
});
