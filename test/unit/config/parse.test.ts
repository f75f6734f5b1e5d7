import test, { type ExecutionContext } from 'ava';
import { parseConfig } from '../../../src/config/parse.js';
import type { HostConfig } from '../../../src/config/model.js';
import { ConfigError, type InputProblem } from '../../../src/errors.js';

const FILE = '/etc/lbfw/lbfw.yaml';

/** The example of the documentation, line numbers matter. */
const FULL = `role: director            # director | realserver (required)
interfaces:
  vip: eth0               # director: where VIPs live/client traffic arrives
  realservers: eth1       # director: faces the real servers
services:                 # VIP services
  - address: 192.0.2.10
    port: 80
    protocol: tcp         # tcp|udp, default tcp
  - address: 2001:db8::10
    ports: [80, 443]      # shorthand: one service per port
  - "192.0.2.11:53/udp"   # string form, same grammar as --vip
  - "[2001:db8::11]:443/tcp"
peers: [192.0.2.2, 2001:db8::2]      # other directors (VRRP + IPVS sync)
realservers:
  - 192.0.2.21
  - { address: 192.0.2.22, port: 80 }
management:
  sources: [198.51.100.0/24, 2001:db8:100::/48]   # may SSH in
  ssh_port: 2222
  allow:
    - { sources: [198.51.100.7], protocol: tcp, port: 9100, comment: node exporter }
blacklist: /etc/lbfw/static_blacklist   # relative paths resolve against the config file's directory
input_policy: accept
`;

const at = (line: number) => ({ kind: 'config', file: FILE, line }) as const;

test('a full director config fills the whole model with the line of every item', (t) => {
  const expected: HostConfig = {
    file: FILE,
    role: 'director',
    interfaces: { vip: 'eth0', realServers: 'eth1' },
    services: [
      { family: 4, address: '192.0.2.10', port: 80, protocol: 'tcp', origin: at(6) },
      { family: 6, address: '2001:db8::10', port: 80, protocol: 'tcp', origin: at(9) },
      { family: 6, address: '2001:db8::10', port: 443, protocol: 'tcp', origin: at(9) },
      { family: 4, address: '192.0.2.11', port: 53, protocol: 'udp', origin: at(11) },
      { family: 6, address: '2001:db8::11', port: 443, protocol: 'tcp', origin: at(12) },
    ],
    peers: [
      { family: 4, address: '192.0.2.2', origin: at(13) },
      { family: 6, address: '2001:db8::2', origin: at(13) },
    ],
    realServers: [
      { family: 4, address: '192.0.2.21', origin: at(15) },
      { family: 4, address: '192.0.2.22', port: 80, origin: at(16) },
    ],
    management: {
      sources: [
        { family: 4, address: '198.51.100.0', prefix: 24 },
        { family: 6, address: '2001:db8:100::', prefix: 48 },
      ],
      sshPort: 2222,
      allow: [
        {
          sources: [{ family: 4, address: '198.51.100.7', prefix: 32 }],
          protocol: 'tcp',
          port: 9100,
          comment: 'node exporter',
          origin: at(21),
        },
      ],
    },
    blacklistPath: '/etc/lbfw/static_blacklist',
    inputPolicy: 'accept',
  };
  t.deepEqual(parseConfig(FULL, FILE), expected);
});

test('a minimal director config gets the documented defaults', (t) => {
  t.deepEqual(parseConfig('role: director\n', FILE), {
    file: FILE,
    role: 'director',
    interfaces: {},
    services: [],
    peers: [],
    realServers: [],
    management: { sources: [], sshPort: 22, allow: [] },
    blacklistPath: '/etc/lbfw/static_blacklist',
    inputPolicy: 'drop',
  });
});

test('a real server config reads its client interface and services', (t) => {
  const config = parseConfig(
    ['role: realserver', 'interfaces:', '  client: ens3', 'services:', '  - 192.0.2.10:80', '  - "[2001:db8::10]:443"', ''].join('\n'),
    FILE,
  );
  t.is(config.role, 'realserver');
  t.deepEqual(config.interfaces, { client: 'ens3' });
  t.deepEqual(config.services, [
    { family: 4, address: '192.0.2.10', port: 80, protocol: 'tcp', origin: at(5) },
    { family: 6, address: '2001:db8::10', port: 443, protocol: 'tcp', origin: at(6) },
  ]);
});

test('a real server config reads its directors and its own addresses', (t) => {
  const config = parseConfig(
    ['role: realserver', 'services: ["192.0.2.10:80"]', 'directors: [198.51.100.1, 198.51.100.2]', 'addresses: [198.51.100.21]', ''].join('\n'),
    FILE,
  );
  t.deepEqual(config.directors, [
    { family: 4, address: '198.51.100.1', origin: at(3) },
    { family: 4, address: '198.51.100.2', origin: at(3) },
  ]);
  t.deepEqual(config.addresses, [{ family: 4, address: '198.51.100.21' }]);
});

test('a director config reads its forwarding method and sync interface', (t) => {
  const config = parseConfig('role: director\nforwarding: nat\ninterfaces:\n  vip: eth0\n  sync: eth3\npeers: [fe80::2]\n', FILE);
  t.is(config.forwarding, 'nat');
  t.deepEqual(config.interfaces, { vip: 'eth0', sync: 'eth3' });
  t.deepEqual(config.peers.map((p) => p.address), ['fe80::2']);
});


const servicesOf = test.macro((t, yaml: string, expected: ReadonlyArray<readonly [string, number, string, number]>) => {
  const config = parseConfig(`role: director\nservices:\n${yaml}`, FILE);
  t.deepEqual(
    config.services.map((s) => [s.address, s.port, s.protocol, s.origin.kind === 'config' ? s.origin.line : -1]),
    expected.map((e) => [...e]),
  );
});

test('the string form takes the port and protocol', servicesOf, '  - 192.0.2.11:53/udp\n', [['192.0.2.11', 53, 'udp', 3]]);
test('the object form defaults to tcp', servicesOf, '  - { address: 192.0.2.10, port: 80 }\n', [['192.0.2.10', 80, 'tcp', 3]]);
test('a quoted port is read as a number', servicesOf, '  - { address: 192.0.2.10, port: "8080" }\n', [['192.0.2.10', 8080, 'tcp', 3]]);
test('the ports shorthand makes one service per port', servicesOf, '  - address: 192.0.2.10\n    protocol: udp\n    ports: [53, 5353]\n', [
  ['192.0.2.10', 53, 'udp', 3],
  ['192.0.2.10', 5353, 'udp', 3],
]);
test('IPv6 services are canonicalised', servicesOf, '  - address: "2001:DB8:0:0::10"\n    port: 80\n', [['2001:db8::10', 80, 'tcp', 3]]);
test('the same address with another protocol is another service', servicesOf, '  - 192.0.2.10:53\n  - 192.0.2.10:53/udp\n', [
  ['192.0.2.10', 53, 'tcp', 3],
  ['192.0.2.10', 53, 'udp', 4],
]);

test('an empty value counts as absent', (t) => {
  const config = parseConfig('role: director\npeers:\nmanagement:\nservices:\ninput_policy:\n', FILE);
  t.is(config.inputPolicy, 'drop');
  t.deepEqual(config.peers, []);
  t.deepEqual(config.services, []);
  t.is(config.management.sshPort, 22);
});

test('aliases are followed', (t) => {
  const config = parseConfig('role: director\nmanagement:\n  sources: &admins [198.51.100.0/24]\n  allow:\n    - { sources: *admins, port: 9100 }\n', FILE);
  t.deepEqual(config.management.allow[0]?.sources, [{ family: 4, address: '198.51.100.0', prefix: 24 }]);
});

const blacklistPath = test.macro((t, file: string, written: string, expected: string) => {
  t.is(parseConfig(`role: director\nblacklist: ${written}\n`, file).blacklistPath, expected);
});

test('a relative blacklist path resolves against the config directory', blacklistPath, '/srv/lb/lbfw.yaml', 'static_blacklist', '/srv/lb/static_blacklist');
test('a relative blacklist path may climb out of the config directory', blacklistPath, '/srv/lb/conf/lbfw.yaml', '../lists/bl', '/srv/lb/lists/bl');
test('an absolute blacklist path is kept', blacklistPath, '/srv/lb/lbfw.yaml', '/var/lib/bl', '/var/lib/bl');

/** Expected problem: line, and fragments its message must contain. */
type Expected = readonly [line: number, ...fragments: string[]];

function problemsOf(t: ExecutionContext, yaml: string): readonly InputProblem[] {
  return t.throws(() => parseConfig(yaml, FILE), { instanceOf: ConfigError })?.problems ?? [];
}

const rejects = test.macro((t, yaml: string, expected: readonly Expected[]) => {
  const problems = problemsOf(t, yaml);
  t.is(problems.length, expected.length, problems.map((p) => `${p.line}: ${p.message}`).join('\n'));
  expected.forEach(([line, ...fragments], i) => {
    const problem = problems[i];
    t.is(problem?.file, FILE);
    t.is(problem?.line, line, problem?.message);
    for (const fragment of fragments) t.true(problem?.message.includes(fragment), `"${problem?.message}" lacks "${fragment}"`);
  });
});

const TOP = 'role, interfaces, services, peers, realservers, forwarding, directors, addresses, management, blacklist, keepalived, input_policy, overlimit';

test('an unknown forwarding method is refused with the allowed ones', rejects, 'role: director\nforwarding: tun\n', [[2, 'forwarding', '"tun"', 'dr (Direct Routing) or nat']]);
test('directors on a director config are refused as a real server key', rejects, 'role: director\ndirectors: [192.0.2.1]\n', [[2, 'directors', 'only for role realserver']]);
test('forwarding on a real server config is refused as a director key', rejects, 'role: realserver\nservices: ["192.0.2.10:80"]\nforwarding: nat\n', [[3, 'forwarding', 'only for role director']]);
test('an unknown top-level key names the key, the line and the allowed keys', rejects, 'role: director\nsevices: []\n', [
  [2, 'unknown key "sevices" at the top level', 'did you mean services?', `allowed keys: ${TOP}`],
]);
test('an unknown key under management lists the keys of management', rejects, 'role: director\nmanagement:\n  ssh: 22\n', [
  [3, 'unknown key "ssh" in management', 'allowed keys: sources, ssh_port, allow'],
]);
test('an unknown key in a service entry lists the service keys', rejects, 'role: director\nservices:\n  - address: 192.0.2.10\n    port: 80\n    weight: 3\n', [
  [5, 'unknown key "weight" in a services entry', 'allowed keys: address, port, ports, protocol'],
]);
test('an unknown key in an allow rule lists the rule keys', rejects, 'role: director\nmanagement:\n  allow:\n    - { sources: [198.51.100.7], port: 9100, action: accept }\n', [
  [4, 'unknown key "action" in a management.allow entry', 'allowed keys: sources, protocol, port, ports, comment'],
]);
test('an unknown interface key lists the interface keys', rejects, 'role: director\ninterfaces:\n  wan: eth0\n', [
  [3, 'unknown key "wan" in interfaces', 'allowed keys: vip, realservers, sync, client'],
]);
test('a port written as a word is refused with the allowed range', rejects, 'role: director\nservices:\n  - address: 192.0.2.10\n    port: "eighty"\n', [
  [4, 'services.port', '"eighty" is not a port', 'an integer 1-65535'],
]);
test('a port above 65535 is refused', rejects, 'role: director\nservices:\n  - { address: 192.0.2.10, port: 70000 }\n', [
  [3, 'services.port', '70000 is not a port', '1-65535'],
]);
test('port 0 is refused', rejects, 'role: director\nmanagement:\n  ssh_port: 0\n', [[3, 'management.ssh_port', '0 is not a port', '1-65535']]);
test('a fractional port is refused', rejects, 'role: director\nmanagement:\n  ssh_port: 22.5\n', [[3, '22.5 is not a port', 'an integer 1-65535']]);
test('a port given as a list is refused with what a port is', rejects, 'role: director\nmanagement:\n  ssh_port: [22]\n', [
  [3, 'management.ssh_port: expected a port, an integer 1-65535; got a list'],
]);
test('a bad service address is refused with the allowed forms', rejects, 'role: director\nservices:\n  - address: 192.0.2.300\n    port: 80\n', [
  [3, 'services.address', '"192.0.2.300" is not an IP address', 'IPv4 or IPv6'],
]);
test('a bad peer address is refused', rejects, 'role: director\npeers:\n  - 192.0.2.2\n  - director-b\n', [
  [4, 'peers', '"director-b" is not an IP address', 'IPv4 or IPv6'],
]);
test('a peer prefix is refused as not a single address', rejects, 'role: director\npeers: [192.0.2.0/24]\n', [
  [2, 'is a prefix', 'single IPv4 or IPv6 address'],
]);
test('a bad management source is refused with examples', rejects, 'role: director\nmanagement:\n  sources:\n    - 198.51.100.0/33\n', [
  [4, 'management.sources', 'not an address or prefix', '198.51.100.0/24'],
]);
test('a source with host bits set is refused with both readings', rejects, 'role: director\nmanagement:\n  sources: [198.51.100.7/24]\n', [
  [3, 'host bits set', '198.51.100.0/24', '198.51.100.7'],
]);
test('a bad protocol is refused with the allowed ones', rejects, 'role: director\nservices:\n  - { address: 192.0.2.10, port: 80, protocol: sctp }\n', [
  [3, 'services.protocol', '"sctp" is not a protocol', 'tcp, udp'],
]);
test('a bad role is refused with the allowed ones', rejects, 'role: balancer\n', [[1, 'role', '"balancer" is not a role', 'director, realserver']]);
test('a missing role is reported', rejects, 'input_policy: drop\n', [[1, 'role is missing', 'director', 'realserver']]);
test('an empty role counts as missing', rejects, 'input_policy: drop\nrole:\n', [[2, 'role is missing']]);
test('a bad input policy is refused with the allowed ones', rejects, 'role: director\ninput_policy: reject\n', [
  [2, 'input_policy', '"reject" is not an input policy', 'drop, accept'],
]);
test('a bad interface name is refused with what a name is', rejects, 'role: director\ninterfaces:\n  vip: eth0:1\n', [
  [3, 'interfaces.vip', 'not an interface name', '1-15 characters'],
]);
test('a list where a mapping belongs is refused', rejects, 'role: director\nmanagement: [198.51.100.0/24]\n', [
  [2, 'management: expected a mapping with keys sources, ssh_port, allow; got a list'],
]);
test('a scalar where a list belongs is refused with an example', rejects, 'role: director\npeers: 192.0.2.2\n', [
  [2, 'peers: expected a list of', '[192.0.2.2, 2001:db8::2]', 'got "192.0.2.2"'],
]);
test('a service string without a port is refused with the grammar', rejects, 'role: director\nservices:\n  - 192.0.2.10\n', [
  [3, 'has no port', 'ADDR:PORT[/PROTO]'],
]);
test('a service entry without a port is refused', rejects, 'role: director\nservices:\n  - address: 192.0.2.10\n', [
  [3, 'entry has no port', 'port: N or ports: [N, ...]'],
]);
test('a service entry with both port and ports is refused', rejects, 'role: director\nservices:\n  - address: 192.0.2.10\n    port: 80\n    ports: [443]\n', [
  [5, 'either port or ports'],
]);
test('a service entry without an address is refused', rejects, 'role: director\nservices:\n  - port: 80\n', [[3, 'no address']]);
test('an empty ports list is refused', rejects, 'role: director\nservices:\n  - { address: 192.0.2.10, ports: [] }\n', [[3, 'at least one port']]);
test('a service listed twice is refused with both lines', rejects, 'role: director\nservices:\n  - 192.0.2.10:80\n  - { address: 192.0.2.10, port: 80 }\n', [
  [4, 'duplicate service 192.0.2.10:80/tcp', 'already at line 3'],
]);
test('a peer listed twice is refused', rejects, 'role: director\npeers:\n  - 2001:db8::2\n  - 2001:db8:0::2\n', [
  [4, 'duplicate peer 2001:db8::2', 'already at line 3'],
]);
test('an allow rule without sources is refused', rejects, 'role: director\nmanagement:\n  allow:\n    - { port: 9100 }\n', [
  [4, 'no sources', '0.0.0.0/0'],
]);
test('an allow comment with a double quote is refused', rejects, `role: director\nmanagement:\n  allow:\n    - { sources: [198.51.100.7], port: 9100, comment: 'say "hi"' }\n`, [
  [4, 'management.allow.comment', 'without double quotes'],
]);
test('a client interface on a director is refused', rejects, 'role: director\ninterfaces:\n  client: eth0\n', [
  [3, 'interfaces.client', 'only for role realserver', 'interfaces.vip and interfaces.realservers and interfaces.sync'],
]);
test('a VIP interface on a real server is refused', rejects, 'role: realserver\ninterfaces:\n  vip: eth0\nservices: [192.0.2.10:80]\n', [
  [3, 'interfaces.vip', 'only for role director', 'a realserver uses interfaces.client'],
]);
test('peers on a real server are refused', rejects, 'role: realserver\nservices: [192.0.2.10:80]\npeers: [192.0.2.2]\n', [
  [3, 'peers', 'only for role director'],
]);
test('real servers on a real server are refused', rejects, 'role: realserver\nservices: [192.0.2.10:80]\nrealservers: [192.0.2.21]\n', [
  [3, 'realservers', 'only for role director'],
]);
test('a real server without services is refused', rejects, 'role: realserver\n', [
  [1, 'a real server needs at least one VIP service to accept'],
]);
test('a real server with an empty services list is refused at that list', rejects, 'role: realserver\nservices: []\n', [
  [2, 'a real server needs at least one VIP service to accept'],
]);
test('a YAML syntax error is reported with its line', rejects, 'role: director\nservices:\n  - "192.0.2.10:80\n', [[3, 'YAML syntax', 'quote']]);
test('tabs used as indentation are a syntax error on their line', rejects, 'role: director\nservices:\n\t- 192.0.2.10:80\n', [
  [3, 'YAML syntax', 'Tabs'],
]);
test('a key given twice is a syntax error on the second line', rejects, 'role: director\nrole: realserver\n', [[2, 'YAML syntax', 'unique']]);
test('an unclosed flow list is reported on the last line', rejects, 'role: director\nservices: [192.0.2.10:80\n', [[2, 'YAML syntax']]);
test('an empty file is a problem of the whole file', rejects, '# nothing yet\n', [[0, 'the config is empty', 'role: director']]);
test('a list at the top level is refused', rejects, '- role: director\n', [[1, 'expected a mapping with keys role,']]);

test('all problems of a file are reported together, in line order', rejects,
  [
    'role: director',
    'interfaces:',
    '  client: eth0',
    'services:',
    '  - address: 192.0.2.300',
    '    port: eighty',
    '  - 192.0.2.11:53/sctp',
    'management:',
    '  sources: [198.51.100.0/33]',
    '  colour: red',
    'input_policy: reject',
    '',
  ].join('\n'),
  [
    [3, 'interfaces.client'],
    [5, 'services.address'],
    [6, 'services.port'],
    [7, '"sctp" is not a protocol'],
    [9, 'management.sources'],
    [10, 'unknown key "colour"'],
    [11, 'input_policy'],
  ],
);

test('the error message lists every problem as file:line', (t) => {
  const error = t.throws(() => parseConfig('role: director\nsevices: []\npeers: [x]\n', FILE), { instanceOf: ConfigError });
  t.is(error?.code, 'CONFIG_INVALID');
  t.is(error?.file, FILE);
  t.is(error?.line, 2);
  t.is(
    error?.message,
    [
      '2 problems in the configuration:',
      `${FILE}:2: unknown key "sevices" at the top level (did you mean services?); allowed keys: ${TOP}`,
      `${FILE}:3: peers: "x" is not an IP address; expected a single IPv4 or IPv6 address, e.g. 192.0.2.10 or 2001:db8::10`,
    ].join('\n'),
  );
});
