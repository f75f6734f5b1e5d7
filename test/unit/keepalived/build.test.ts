import assert from 'node:assert/strict';
import test from 'ava';
import { ConfigError } from '../../../src/errors.js';
import { type KeepalivedModel, parseKeepalived } from '../../../src/keepalived/index.js';
import { forwardingMethod } from '../../../src/keepalived/model.js';
import { DIRECTOR_PAIR_CONF, lineOf } from './director-pair.js';

const FILE = '/etc/keepalived/keepalived.conf';
const lb1 = (): KeepalivedModel => parseKeepalived(DIRECTOR_PAIR_CONF, FILE, { configId: 'lb1' });
const at = (text: string) => ({ file: FILE, line: lineOf(text) });

test('the VRRP instance of the director pair is read with every setting lbfw uses', (t) => {
  const [instance, ...others] = lb1().vrrpInstances;
  t.is(others.length, 0);
  t.like(instance, {
    name: 'VI_WEB',
    state: 'MASTER',
    interface: 'eth0',
    virtualRouterId: 51,
    priority: 150,
    advertInt: 1,
    nopreempt: true,
    ...at('vrrp_instance VI_WEB'),
  });
  t.deepEqual(instance?.authentication, { authType: 'PASS', authPass: 'Xy7#pq!2', ...at('authentication {') });
  t.deepEqual(instance?.unicastSrcIp, { family: 4, address: '192.0.2.2', ...at('@lb1 unicast_src_ip') });
  t.deepEqual(instance?.unicastPeer, [{ family: 4, address: '192.0.2.3', ...at('@^lb2 192.0.2.3') }]);
  t.deepEqual(instance?.trackInterface, [
    { name: 'eth0', ...at('        eth0') },
    { name: 'eth1', weight: -20, ...at('eth1 weight -20') },
  ]);
  t.deepEqual(instance?.virtualIpaddress, [
    { family: 4, address: '192.0.2.10', prefix: 24, dev: 'eth0', label: 'eth0:web', flags: [], ...at('192.0.2.10/24 dev eth0') },
    { family: 4, address: '192.0.2.11', prefix: 24, dev: 'eth0', flags: [], ...at('192.0.2.11/24 dev eth0') },
  ]);
  t.deepEqual(instance?.virtualIpaddressExcluded, [
    { family: 6, address: '2001:db8::10', prefix: 64, dev: 'eth0', flags: ['no_track'], ...at('2001:db8::10/64 dev eth0') },
  ]);
});

test('the other director of the pair reads its own lines of the shared file', (t) => {
  const instance = parseKeepalived(DIRECTOR_PAIR_CONF, FILE, { configId: 'lb2' }).vrrpInstances[0];
  t.like(instance, { state: 'BACKUP', priority: 100, unicastSrcIp: { address: '192.0.2.3' } });
  t.deepEqual(
    instance?.unicastPeer.map((p) => p.address),
    ['192.0.2.2'],
  );
});

test('global_defs gives the router id, the sync daemon and the VRRP multicast group', (t) => {
  t.deepEqual(lb1().globalDefs, {
    routerId: 'lb1',
    lvsSyncDaemon: { interface: 'eth1', instance: 'VI_WEB', id: 51, ...at('lvs_sync_daemon') },
    vrrpMcastGroup4: { family: 4, address: '224.0.0.18' },
    ...at('global_defs'),
  });
});

test('the old positional form of lvs_sync_daemon is read', (t) => {
  const model = parseKeepalived('global_defs {\n  lvs_sync_daemon eth1 VI_1 7\n}\n', 'k.conf');
  t.like(model.globalDefs?.lvsSyncDaemon, { interface: 'eth1', instance: 'VI_1', id: 7 });
});

test('virtual servers are read by address, IPv6 address, firewall mark and group', (t) => {
  const servers = lb1().virtualServers;
  t.deepEqual(
    servers.map((s) => [s.target, s.protocol, s.lvsSched, s.lvsMethod, s.line]),
    [
      [{ kind: 'address', family: 4, address: '192.0.2.10', port: 80 }, 'TCP', 'wlc', 'DR', lineOf('virtual_server 192.0.2.10 80')],
      [{ kind: 'address', family: 4, address: '192.0.2.10', port: 443 }, 'TCP', 'sh', 'DR', lineOf('virtual_server 192.0.2.10 443')],
      [{ kind: 'address', family: 6, address: '2001:db8::10', port: 443 }, 'TCP', 'rr', 'DR', lineOf('virtual_server 2001:db8::10 443')],
      [{ kind: 'fwmark', fwmark: 7 }, undefined, 'rr', 'DR', lineOf('virtual_server fwmark 7')],
      [{ kind: 'group', group: 'dns' }, 'UDP', 'rr', 'DR', lineOf('virtual_server group dns')],
    ],
  );
  t.is(servers[0]?.delayLoop, 6);
  t.is(servers[1]?.persistenceTimeout, 300);
  // `persistence_timeout` without a value is IPVS's default of 6 minutes.
  t.is(servers[3]?.persistenceTimeout, 360);
});

test('real servers keep their port, weight, inhibit_on_failure and checkers', (t) => {
  const [http, https, v6, fwmark] = lb1().virtualServers;
  t.like(http?.realServers[0], { address: '198.51.100.21', port: 80, weight: 100, inhibitOnFailure: true, ...at('real_server 198.51.100.21 80') });
  t.is(http?.realServers[1]?.inhibitOnFailure, undefined);
  t.deepEqual(
    http?.realServers[0]?.healthCheckers.map((c) => [c.kind, c.settings.map((s) => s.keyword)]),
    [['HTTP_GET', ['url', 'connect_timeout']]],
  );
  t.deepEqual(
    https?.realServers.map((rs) => rs.healthCheckers.map((c) => [c.kind, c.connectPort])),
    [[['TCP_CHECK', 443]], [['TCP_CHECK', 443]]],
  );
  t.like(v6?.realServers[0], { family: 6, address: '2001:db8:1::21', port: 443 });
  // Port 0 means no port, as keepalived reads it.
  t.is(fwmark?.realServers[0]?.port, undefined);
  t.deepEqual(fwmark?.realServers[0]?.healthCheckers[0]?.settings[0]?.args, ['/usr/local/bin/check-app --port 8443']);
});

test('a virtual_server_group keeps addresses, ranges and firewall marks', (t) => {
  t.deepEqual(lb1().virtualServerGroups, [
    {
      name: 'dns',
      entries: [
        { kind: 'addresses', family: 4, first: '192.0.2.11', last: '192.0.2.11', port: 53, ...at('    192.0.2.11 53') },
        { kind: 'addresses', family: 4, first: '192.0.2.12', last: '192.0.2.13', port: 53, ...at('192.0.2.12-13 53') },
        { kind: 'fwmark', fwmark: 9, ...at('fwmark 9') },
      ],
      ...at('virtual_server_group dns'),
    },
  ]);
});

const groupRange = test.macro({
  exec(t, entry: string, first: string, last: string) {
    const group = parseKeepalived(`virtual_server_group g {\n  ${entry}\n}\n`, 'k.conf').virtualServerGroups[0];
    t.like(group?.entries[0], { first, last });
  },
  title: (given, entry: string) => given ?? `virtual_server_group entry ${entry} is read as a range`,
});

test(groupRange, '192.0.2.16/30 80', '192.0.2.16', '192.0.2.19');
test(groupRange, '192.0.2.250-198.51.100.1 80', '192.0.2.250', '198.51.100.1');
test(groupRange, '2001:db8::1-1f 53', '2001:db8::1', '2001:db8::1f');

test('deprecated keywords are recorded with their replacement and line', (t) => {
  const model = parseKeepalived(
    `vrrp_instance VI_1 {
    interface eth0
    lvs_sync_daemon_interface eth1
}
virtual_server 192.0.2.10 80 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 198.51.100.21 80 {
        HTTP_GET {
            nb_get_retry 3
        }
    }
}
`,
    'k.conf',
  );
  t.deepEqual(model.deprecated, [
    { keyword: 'lvs_sync_daemon_interface', block: 'vrrp_instance', replacement: 'lvs_sync_daemon in global_defs', file: 'k.conf', line: 3 },
    { keyword: 'lb_algo', block: 'virtual_server', replacement: 'lvs_sched', file: 'k.conf', line: 6 },
    { keyword: 'lb_kind', block: 'virtual_server', replacement: 'lvs_method', file: 'k.conf', line: 7 },
    { keyword: 'nb_get_retry', block: 'HTTP_GET', replacement: 'retry', file: 'k.conf', line: 11 },
  ]);
  // The deprecated spellings still set the values.
  t.like(model.virtualServers[0], { lvsSched: 'rr', lvsMethod: 'DR' });
  t.is(model.vrrpInstances[0]?.lvsSyncDaemonInterface, 'eth1');
});

test('the director pair uses lb_algo and lb_kind once', (t) => {
  t.deepEqual(
    lb1().deprecated.map((d) => [d.keyword, d.line]),
    [
      ['lb_algo', lineOf('lb_algo wlc')],
      ['lb_kind', lineOf('lb_kind DR')],
    ],
  );
});

test('unknown keywords are kept with their block and line, and are not errors', (t) => {
  const model = parseKeepalived(
    `global_defs {
    router_id lb1
    router_idd lb2
}
vrrp_instance VI_1 {
    lvs_shed rr
    virtual_ipaddress {
        192.0.2.10/24 dev eth0 frobnicate
    }
}
my_extension {
    anything 1
}
virtual_server 192.0.2.10 80 {
    protocol TCP
    real_server 198.51.100.21 80 {
        wieght 1
    }
}
`,
    'k.conf',
  );
  t.deepEqual(model.unknownKeywords, [
    { keyword: 'router_idd', block: 'global_defs', file: 'k.conf', line: 3 },
    { keyword: 'lvs_shed', block: 'vrrp_instance', file: 'k.conf', line: 6 },
    { keyword: 'frobnicate', block: 'virtual_ipaddress', file: 'k.conf', line: 8 },
    { keyword: 'my_extension', block: '', file: 'k.conf', line: 11 },
    { keyword: 'wieght', block: 'real_server', file: 'k.conf', line: 17 },
  ]);
  t.is(model.globalDefs?.routerId, 'lb1');
  // The unknown block stays in the statement tree for whoever needs it.
  t.deepEqual(model.statements[2]?.block?.[0]?.args, ['1']);
});

test('legal keywords lbfw does not model are not reported as unknown', (t) => {
  const model = parseKeepalived(DIRECTOR_PAIR_CONF, FILE, { configId: 'lb1' });
  t.deepEqual(model.unknownKeywords, []);
});

/** A problem expected in a bad configuration: line and a fragment of the message. */
type Expected = readonly [number, string];

const rejects = test.macro({
  exec(t, text: string, expected: readonly Expected[]) {
    const error = t.throws(() => parseKeepalived(text, 'bad.conf'), { instanceOf: ConfigError });
    t.is(error?.problems.length, expected.length, error?.message);
    expected.forEach(([line, fragment], i) => {
      const problem = error?.problems[i];
      t.is(problem?.file, 'bad.conf');
      t.is(problem?.line, line, problem?.message);
      t.true(problem?.message.includes(fragment), `${problem?.message} should contain ${fragment}`);
    });
  },
  title: (given) => given ?? '',
});

test('a VIP option without its value is an error', rejects, 'vrrp_instance V {\n  virtual_ipaddress {\n    192.0.2.10/24 dev\n  }\n}\n', [
  [3, 'expected a value after "dev"'],
]);
test('a keyword without its value is an error (keepalived exits on it)', rejects, 'vrrp_instance V {\n  priority\n}\n', [[2, 'keepalived stops on a missing parameter']]);
test('a virtual_server without a block is an error', rejects, 'virtual_server 192.0.2.10 80\n', [[1, 'virtual_server: expected a block']]);
test('a range that goes down is an error', rejects, 'virtual_server_group g {\n  192.0.2.20-10 80\n}\n', [[2, 'the range end must be above its start']]);
test('a group prefix with host bits is an error', rejects, 'virtual_server_group g {\n  192.0.2.17/30 80\n}\n', [[2, 'host bits are set; expected 192.0.2.16/30']]);

/** warns: keepalived reports these values and goes on; lbfw warns with the line and keepalived's outcome. */
const warns = test.macro({
  exec(t, text: string, expected: readonly Expected[], check?: (model: KeepalivedModel) => void) {
    const model = parseKeepalived(text, 'bad.conf');
    t.is(model.warnings.length, expected.length, JSON.stringify(model.warnings));
    expected.forEach(([line, fragment], i) => {
      const warning = model.warnings[i];
      t.is(warning?.file, 'bad.conf');
      t.is(warning?.line, line, warning?.message);
      t.true(warning?.message.includes(fragment), `${warning?.message} should contain ${fragment}`);
    });
    check?.(model);
  },
  title: (given) => given ?? '',
});

test('a virtual_server address keepalived cannot read skips that virtual server', warns, 'virtual_server 192.0.2.300 80 {\n  protocol TCP\n}\n', [
  [1, 'virtual_server: expected an IPv4 or IPv6 address; got "192.0.2.300"; keepalived skips this virtual_server'],
], (m) => { assert(m.virtualServers.length === 0); });
test('a host name is not a unicast peer: keepalived skips it', warns, 'vrrp_instance V {\n  unicast_peer {\n    lb2.example.org\n  }\n}\n', [
  [3, 'unicast_peer: expected an IPv4 or IPv6 address; got "lb2.example.org"; keepalived skips this peer'],
]);
test('a real_server keepalived cannot read is skipped', warns, 'virtual_server 192.0.2.10 80 {\n  real_server 198.51.100 80 {\n  }\n}\n', [[2, 'real_server: expected an IPv4 or IPv6 address']], (m) => {
  assert(m.virtualServers[0]?.realServers.length === 0);
});
test('a VIP prefix beyond the family gives the full length, as keepalived', warns, 'vrrp_instance V {\n  virtual_ipaddress {\n    192.0.2.10/33\n  }\n}\n', [
  [3, 'prefix: expected an integer 0-32; got "33"; keepalived uses /32'],
], (m) => { assert(m.vrrpInstances[0]?.virtualIpaddress[0]?.prefix === 32); });
test('a virtual_ipaddress with a second slash is installed with the first prefix, whatever keepalived\'s message says', warns, 'vrrp_instance VI_1 {\n  virtual_ipaddress {\n    192.0.2.10/24/7\n  }\n}\n', [
  [3, 'got "24/7"; keepalived says it uses /32 but installs /24 (the leading number)'],
], (m) => { assert(m.vrrpInstances[0]?.virtualIpaddress[0]?.prefix === 24); });
test('a priority above 255 becomes keepalived\'s default 100', warns, 'vrrp_instance V {\n  priority 300\n}\n', [[2, 'priority: expected an integer 1-255; got "300"; keepalived uses the default, 100']], (m) => {
  assert(m.vrrpInstances[0]?.priority === 100);
});
test('a virtual_router_id that is not a number is ignored', warns, 'vrrp_instance V {\n  virtual_router_id fifty\n}\n', [
  [2, 'virtual_router_id: expected an integer 1-255; got "fifty"; keepalived ignores it'],
], (m) => { assert(m.vrrpInstances[0]?.virtualRouterId === undefined); });
test('an advert_int of 0 is ignored', warns, 'vrrp_instance V {\n  advert_int 0\n}\n', [[2, 'advert_int: expected seconds from 0.01 to 255']]);
test('a port above 65535 skips the virtual server', warns, 'virtual_server 192.0.2.10 70000 {\n}\n', [[1, 'port: expected an integer 1-65535; got "70000"; keepalived skips']]);
test('a negative weight is ignored', warns, 'virtual_server 192.0.2.10 80 {\n  real_server 198.51.100.21 80 {\n    weight -1\n  }\n}\n', [
  [3, 'weight: expected an integer 0-2147483647; got "-1"; keepalived ignores it (weight 1)'],
]);
test('a connect_port that is not a port is ignored', warns, 'virtual_server 192.0.2.10 80 {\n  real_server 198.51.100.21 80 {\n    TCP_CHECK {\n      connect_port http\n    }\n  }\n}\n', [
  [4, 'TCP_CHECK connect_port: expected an integer 1-65535; got "http"'],
]);
test('an unknown state defaults to BACKUP', warns, 'vrrp_instance V {\n  state SLAVE\n}\n', [[2, 'got "SLAVE"; keepalived defaults to BACKUP']], (m) => {
  assert(m.vrrpInstances[0]?.state === 'BACKUP');
});
test('a lower-case state is unknown to keepalived too', warns, 'vrrp_instance V {\n  state master\n}\n', [[2, 'got "master"; keepalived defaults to BACKUP']], (m) => {
  assert(m.vrrpInstances[0]?.state === 'BACKUP');
});
test('BACKUP after MASTER is ignored', warns, 'vrrp_instance V {\n  state MASTER\n  state BACKUP\n}\n', [[3, 'keepalived ignores BACKUP']], (m) => {
  assert(m.vrrpInstances[0]?.state === 'MASTER');
});
test('an unknown forwarding method keeps the default', warns, 'virtual_server 192.0.2.10 80 {\n  lvs_method ROUTE\n}\n', [[2, 'lvs_method: expected NAT, DR or TUN; got "ROUTE"']]);
test('a lower-case lb_kind is unknown to keepalived: the service stays NAT', warns, 'virtual_server 192.0.2.10 80 {\n  lb_kind dr\n}\n', [
  [2, 'compares case-sensitively: write DR); keepalived ignores it and keeps the default, NAT'],
], (m) => {
  const server = m.virtualServers[0];
  assert(server !== undefined && forwardingMethod(server) === 'NAT');
});
test('an unknown protocol is ignored', warns, 'virtual_server 192.0.2.10 80 {\n  protocol ICMP\n}\n', [[2, 'protocol: expected TCP, UDP or SCTP; got "ICMP"; keepalived ignores it']]);
test('an unknown scheduler is ignored', warns, 'virtual_server 192.0.2.10 80 {\n  lvs_sched fastest\n}\n', [[2, 'lvs_sched: expected one of rr|wrr|']]);
test('persistence_timeout 0 means no persistence', warns, 'virtual_server 192.0.2.10 80 {\n  persistence_timeout 0\n}\n', [[2, 'keepalived ignores it: the service is not persistent']], (m) => {
  assert(m.virtualServers[0]?.persistenceTimeout === undefined);
});
test('a real server of the other family is skipped', warns, 'virtual_server 2001:db8::10 80 {\n  real_server 198.51.100.21 80 {\n  }\n}\n', [[2, 'IPv4 in an IPv6 virtual_server; keepalived skips this real server']]);
test('every bad value of a file is reported at once', warns, 'vrrp_instance V {\n  priority 0\n  virtual_router_id 256\n}\nvirtual_server 192.0.2.10 80 {\n  persistence_timeout 0\n}\n', [
  [2, 'priority'],
  [3, 'virtual_router_id'],
  [6, 'persistence_timeout'],
]);

const ACCEPTED_SUFFIXES = `vrrp_instance V {
  unicast_src_ip 192.0.2.1/24
  unicast_peer {
    192.0.2.2/24
    192.0.2.3-9
  }
}
virtual_server 192.0.2.10/32 80 {
  lvs_method DR
  protocol TCP
  real_server 192.0.2.21/24 80 {
  }
  sorry_server 192.0.2.30/32 80
}
`;

test('ADDR/prefix and ADDR-range are read as keepalived reads them: the suffix is dropped', (t) => {
  const model = parseKeepalived(ACCEPTED_SUFFIXES, 'k.conf');
  const instance = model.vrrpInstances[0];
  t.is(instance?.unicastSrcIp?.address, '192.0.2.1');
  t.deepEqual(instance?.unicastPeer.map((p) => p.address), ['192.0.2.2', '192.0.2.3']);
  const server = model.virtualServers[0];
  t.deepEqual(server?.target, { kind: 'address', family: 4, address: '192.0.2.10', port: 80 });
  t.is(server?.realServers[0]?.address, '192.0.2.21');
  t.is(server?.sorryServer?.address, '192.0.2.30');
  // Only the range is worth a word: it reads like a list of peers and is one.
  t.deepEqual(model.warnings.map((w) => [w.line, w.message]), [[5, 'vrrp_instance V unicast_peer "192.0.2.3-9": a range is not a list of addresses here; keepalived uses 192.0.2.3 alone']]);
});

test('the first lvs_sync_daemon wins, as in keepalived', (t) => {
  const model = parseKeepalived('vrrp_instance VI_1 {\n  lvs_sync_daemon_interface eth2\n}\nglobal_defs {\n  lvs_sync_daemon eth1 VI_1 port 9000\n}\n', 'k.conf');
  t.deepEqual(model.globalDefs?.lvsSyncDaemon, { interface: 'eth2', instance: 'VI_1', file: 'k.conf', line: 2 });
  t.deepEqual(model.warnings.map((w) => w.line), [5]);
});

test('lvs_sync_daemon reads port, group, id, ttl and maxlen; bad values are ignored as keepalived ignores them', (t) => {
  const model = parseKeepalived('global_defs {\n  lvs_sync_daemon eth1 inst VI_1 id 7 maxlen 1400 port 9000 ttl 2 group 239.1.2.3\n}\n', 'k.conf');
  t.like(model.globalDefs?.lvsSyncDaemon, { interface: 'eth1', instance: 'VI_1', id: 7, maxlen: 1400, port: 9000, ttl: 2, group: { family: 4, address: '239.1.2.3' } });
  const bad = parseKeepalived('global_defs {\n  lvs_sync_daemon eth1 VI_1 port 0 group 192.0.2.1\n}\n', 'k.conf');
  t.is(bad.globalDefs?.lvsSyncDaemon?.port, undefined);
  t.is(bad.globalDefs?.lvsSyncDaemon?.group, undefined);
  t.deepEqual(bad.warnings.map((w) => w.message.replace(/;.*/, '')), ['lvs_sync_daemon port: expected an integer 1-65535', 'lvs_sync_daemon group "192.0.2.1": not a multicast address']);
});

test('the forwarding method is the real server\'s, else its virtual server\'s, else keepalived\'s default NAT', (t) => {
  const text = [
    'virtual_server 192.0.2.10 80 {',
    '  lvs_method DR',
    '  protocol TCP',
    '  real_server 192.0.2.21 80 {',
    '  }',
    '  real_server 192.0.2.22 80 {',
    '    lvs_method TUN',
    '  }',
    '}',
    'virtual_server 192.0.2.11 80 {',
    '  protocol TCP',
    '  real_server 192.0.2.23 80 {',
    '  }',
    '}',
    '',
  ].join('\n');
  const [dr, plain] = parseKeepalived(text, 'keepalived.conf').virtualServers;
  t.deepEqual(dr?.realServers.map((rs) => forwardingMethod(dr, rs)), ['DR', 'TUN']);
  t.is(plain === undefined ? undefined : forwardingMethod(plain, plain.realServers[0]), 'NAT');
});
