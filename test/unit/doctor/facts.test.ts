/**
 * collectFacts with canned command outputs and files: what it reads, how it
 * survives sources that fail, and what it leaves out.
 */
import test from 'ava';
import type { HostConfig } from '../../../src/config/model.js';
import { parseBlacklist } from '../../../src/blacklist/parse.js';
import { collectFacts, profileFor, type FactsSystem } from '../../../src/doctor/facts.js';
import { parseKeepalived } from '../../../src/keepalived/build.js';
import type { RunResult } from '../../../src/system/run.js';
import { runChecks } from '../../../src/doctor/run.js';
import { KEEPALIVED_CONF, KEEPALIVED_FILE } from './fixtures.js';

const config: HostConfig = {
  file: '/etc/lbfw/lbfw.yaml',
  role: 'director',
  interfaces: {},
  services: [{ family: 4, address: '192.0.2.10', protocol: 'tcp', port: 80, origin: { kind: 'default' } }],
  peers: [{ family: 4, address: '192.0.2.3', origin: { kind: 'default' } }],
  realServers: [
    { family: 4, address: '198.51.100.21', port: 80, origin: { kind: 'default' } },
    { family: 4, address: '203.0.113.50', origin: { kind: 'default' } },
  ],
  management: { sources: [], sshPort: 22, allow: [] },
  blacklistPath: '/etc/lbfw/static_blacklist',
  keepalivedPath: KEEPALIVED_FILE,
  inputPolicy: 'drop',
};

const ADDR = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], link_type: 'loopback', address: '00:00:00:00:00:00', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
  {
    ifindex: 2,
    ifname: 'eth0',
    flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    link_type: 'ether',
    address: '02:00:00:00:00:02',
    addr_info: [
      { family: 'inet', local: '192.0.2.2', prefixlen: 24 },
      { family: 'inet', local: '192.0.2.10', prefixlen: 32 },
    ],
  },
  { ifindex: 3, ifname: 'eth1', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], link_type: 'ether', address: '02:00:00:00:00:03', addr_info: [{ family: 'inet', local: '198.51.100.1', prefixlen: 24 }] },
]);

const RULESET = JSON.stringify({
  nftables: [
    { metainfo: { version: '1.0.6', json_schema_version: 1 } },
    { table: { family: 'inet', name: 'lbfw', handle: 1 } },
    { set: { family: 'inet', table: 'lbfw', name: 'bl4_hosts', type: 'ipv4_addr', elem: Array.from({ length: 1500 }, (_, i) => `198.18.${Math.floor(i / 250)}.${i % 250}`) } },
    { set: { family: 'inet', table: 'lbfw', name: 'peers4', type: 'ipv4_addr', elem: ['192.0.2.3'] } },
  ],
});

const PROC: Readonly<Record<string, string>> = {
  '/proc/sys/net/ipv4/ip_forward': '0\n',
  '/proc/sys/net/ipv4/vs/expire_nodest_conn': '0\n',
  '/proc/sys/net/ipv4/vs/am_droprate': '10\n',
  '/proc/sys/net/netfilter/nf_conntrack_count': '250\n',
  '/proc/sys/net/netfilter/nf_conntrack_max': '1000\n',
  '/proc/net/ip_vs': 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n',
  '/proc/net/ip_vs_stats': '   Total Incoming Outgoing         Incoming         Outgoing\n   Conns  Packets  Packets            Bytes            Bytes\n       0        0        0                0                0\n',
  '/proc/net/tcp':
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
    '   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1219 1 0000000000000000 100 0 0 10 0\n',
  '/proc/net/udp': '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n',
};

function sysctlFile(file: string): string | undefined {
  const match = /^\/proc\/sys\/net\/ipv4\/conf\/([^/]+)\/(\w+)$/.exec(file);
  if (match === null) return PROC[file];
  const [, level, name] = match;
  if (level === 'all' && name === 'rp_filter') return '1\n';
  return name === 'send_redirects' ? '1\n' : '0\n';
}

interface Fake {
  readonly system: FactsSystem;
  readonly ran: string[];
}

function fakeSystem(overrides: Partial<FactsSystem> = {}, outputs: Readonly<Record<string, RunResult>> = {}): Fake {
  const ran: string[] = [];
  const ok = (stdout: string): RunResult => ({ code: 0, stdout, stderr: '' });
  const canned: Record<string, RunResult> = {
    'ip -j addr show': ok(ADDR),
    'ip -j -4 route show': ok(JSON.stringify([{ dst: '192.0.2.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '192.0.2.2', flags: [] }])),
    'ip -j -6 route show': ok(''),
    'ip -j neigh show': ok(JSON.stringify([{ dst: '198.51.100.21', dev: 'eth1', lladdr: '02:00:00:00:01:21', state: ['REACHABLE'] }, { dst: '192.0.2.9', dev: 'eth0', state: ['FAILED'] }])),
    'ip -j -4 route get 198.51.100.21': ok(JSON.stringify([{ dst: '198.51.100.21', dev: 'eth1', prefsrc: '198.51.100.1', flags: [], uid: 0, cache: [] }])),
    'ip -j -4 route get 203.0.113.50': ok(JSON.stringify([{ dst: '203.0.113.50', gateway: '192.0.2.1', dev: 'eth0', prefsrc: '192.0.2.2', flags: [] }])),
    'ip -j -4 route get 192.0.2.3': ok(JSON.stringify([{ dst: '192.0.2.3', dev: 'eth0', prefsrc: '192.0.2.2', flags: [] }])),
    'nft -j list ruleset': ok(RULESET),
    'ss -lntuHe': ok('tcp LISTEN 0 128 [::]:80 [::]:* ino:7363 sk:2 cgroup:unreachable:1 v6only:1 <->\n'),
    ...outputs,
  };
  const system: FactsSystem = {
    run: async (argv) => {
      const line = argv.map((word) => (word.endsWith('/nft') ? 'nft' : word)).join(' ');
      ran.push(line);
      return canned[line] ?? { code: 127, stdout: '', stderr: `${argv[0] ?? ''}: command not found` };
    },
    readFile: async (file) => sysctlFile(file),
    listDir: async (dir) =>
      ({ '/proc/sys/net/ipv4/conf': ['all', 'default', 'eth0', 'eth1', 'lo'], '/proc/sys/net/ipv4/vs': ['am_droprate', 'expire_nodest_conn'] })[dir],
    osInfo: async () => {
      throw new Error('systeminformation exploded');
    },
    services: async () => [{ name: 'keepalived', running: true, pids: [812] }],
    readKeepalived: async (file) => parseKeepalived(KEEPALIVED_CONF.replace('auth_pass Xy7pq2ab', 'auth_pass SuperSecret99'), file),
    verifyHost: async () => ({ ok: true, firewall: { ok: true, drift: [] } }),
    readBlacklist: async (file) => parseBlacklist('203.0.113.66\n198.51.100.0/28\n', file),
    // What the nft backend's listRulesetJson gives for the canned `nft -j list ruleset`.
    nftRuleset: async () => {
      ran.push('nft -j list ruleset');
      const result = canned['nft -j list ruleset'] ?? { code: 127, stdout: '', stderr: 'nft: command not found' };
      if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr.trim()}`);
      return (JSON.parse(result.stdout) as { nftables: unknown[] }).nftables;
    },
    // What selectBackend and NftBackend.version give on a Debian 12 host with the binding built.
    backend: async () => {
      ran.push('backend version');
      return { name: 'netlink', reason: 'the netlink binding loaded', version: 'nftables v1.0.6 (Lester Gooch #5)' };
    },
    hostname: () => 'lb1',
    kernel: () => '6.1.0-18-amd64',
    now: () => new Date('2026-01-02T03:04:05.000Z'),
    endianness: () => 'LE',
    ...overrides,
  };
  return { system, ran };
}

test('collectFacts reads every source through the injected system.', async (t) => {
  const { system, ran } = fakeSystem();
  const facts = await collectFacts(config, { system, env: {}, clients: ['203.0.113.50'] });
  // The nft version comes from the backend in use (NftBackend.version), not from a `nft --version` of the doctor's own.
  t.false(ran.includes('nft --version'));
  t.true(ran.includes('backend version'));
  t.is(facts.factsVersion, 1);
  t.is(facts.collectedAt, '2026-01-02T03:04:05.000Z');
  t.deepEqual(facts.host, { hostname: 'lb1', kernel: '6.1.0-18-amd64' });
  t.is(facts.role, 'director');
  t.is(facts.sysctls['net.ipv4.conf.all.rp_filter'], '1');
  t.is(facts.sysctls['net.ipv4.conf.eth1.log_martians'], '0');
  t.is(facts.sysctls['net.ipv4.conf.default.arp_ignore'], '0');
  t.is(facts.sysctls['net.ipv4.vs.expire_nodest_conn'], '0');
  t.is(facts.sysctls['net.ipv4.ip_forward'], '0');
  t.is(Object.keys(facts.sysctls).filter((k) => k.startsWith('net.ipv4.conf.')).length, 5 * 9);
  t.deepEqual(facts.conntrack, { count: 250, max: 1000 });
  t.deepEqual(facts.links.map((l) => l.ifname), ['lo', 'eth0', 'eth1']);
  t.deepEqual(facts.macs, { eth0: '02:00:00:00:00:02', eth1: '02:00:00:00:00:03' });
  t.deepEqual(facts.routes, [{ family: 4, dst: '192.0.2.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '192.0.2.2' }]);
  t.deepEqual(facts.routeLookups.map((l) => [l.target, l.purpose, l.route?.gateway]), [
    ['198.51.100.21', 'real server', undefined],
    ['203.0.113.50', 'real server', '192.0.2.1'],
    ['192.0.2.3', 'peer', undefined],
  ]);
  t.deepEqual(facts.neighbours[0], { address: '198.51.100.21', dev: 'eth1', mac: '02:00:00:00:01:21', state: ['REACHABLE'] });
  t.true(facts.ipvs.present);
  t.regex(facts.ipvs.services ?? '', /^IP Virtual Server version 1\.2\.1/);
  t.regex(facts.ipvs.stats ?? '', /Total Incoming Outgoing/);
  t.deepEqual(facts.listening, [{ protocol: 'tcp', family: 4, address: '0.0.0.0', port: 22 }]);
  t.deepEqual(facts.services, [{ name: 'keepalived', running: true, pids: [812] }]);
  t.deepEqual(facts.lbfwVerify, { result: { ok: true, firewall: { ok: true, drift: [] } } });
  t.deepEqual(facts.blacklist?.hits, []);
  t.is(facts.blacklist?.entries, 2);
  t.is(facts.keepalived?.model?.vrrpInstances[0]?.name, 'VI_1');
  t.is(facts.os?.nftVersion, 'nftables v1.0.6 (Lester Gooch #5)');
  t.deepEqual(facts.backend, { name: 'netlink', reason: 'the netlink binding loaded', version: 'nftables v1.0.6 (Lester Gooch #5)' });
  t.is(facts.probe, undefined);
});

test('The facts survive a JSON round trip unchanged.', async (t) => {
  const facts = await collectFacts(config, { system: fakeSystem().system, env: {} });
  t.deepEqual(JSON.parse(JSON.stringify(facts)), facts);
});

test('A systeminformation failure is recorded, never fatal.', async (t) => {
  const facts = await collectFacts(config, { system: fakeSystem().system, env: {} });
  t.deepEqual(facts.errors, [{ source: 'systeminformation osInfo', message: 'systeminformation exploded' }]);
  t.is(facts.os?.distro, undefined);
});

test('A program that fails leaves its facts out and names itself in errors; the rest is still read.', async (t) => {
  const { system } = fakeSystem({}, {
    'nft -j list ruleset': { code: 1, stdout: '', stderr: 'Error: Operation not permitted\n' },
    'ip -j neigh show': { code: 1, stdout: '', stderr: 'Cannot open netlink socket' },
  });
  const facts = await collectFacts(config, { system, env: {} });
  t.is(facts.nftRuleset, undefined);
  t.deepEqual(facts.neighbours, []);
  t.true(facts.errors.some((e) => /nft -j list ruleset$/.test(e.source) && e.message === 'exit 1: Error: Operation not permitted'));
  t.true(facts.errors.some((e) => e.source === 'ip -j neigh show'));
  t.is(facts.links.length, 3);
  const report = runChecks(facts, ['facts-incomplete']);
  t.is(report.findings.length, 3);
});

test('A bad line of /proc/net/tcp is recorded with its file and line, and doctor still runs.', async (t) => {
  const { system } = fakeSystem({
    readFile: async (file) => (file === '/proc/net/tcp' ? `${PROC['/proc/net/tcp'] ?? ''}   1: zz\n` : sysctlFile(file)),
  });
  const facts = await collectFacts(config, { system, env: {} });
  t.is(facts.listening, undefined);
  const error = facts.errors.find((e) => e.source === '/proc/net/{tcp,tcp6,udp,udp6}');
  t.regex(error?.message ?? '', /^\/proc\/net\/tcp:3: expected "N: LOCAL:PORT/);
});

test('Sets of more than 1000 elements are stored without their elements.', async (t) => {
  const facts = await collectFacts(config, { system: fakeSystem().system, env: {} });
  const sets = (facts.nftRuleset ?? []).flatMap((item) => {
    const set = (item as { set?: Record<string, unknown> }).set;
    return set === undefined ? [] : [set];
  });
  t.is(sets.find((s) => s['name'] === 'bl4_hosts')?.['elem'], undefined);
  t.is(sets.find((s) => s['name'] === 'bl4_hosts')?.['lbfw_elements_omitted'], 1500);
  t.deepEqual(sets.find((s) => s['name'] === 'peers4')?.['elem'], ['192.0.2.3']);
});

test('auth_pass is masked in the facts; only its length is kept.', async (t) => {
  const facts = await collectFacts(config, { system: fakeSystem().system, env: {} });
  t.is(facts.keepalived?.model?.vrrpInstances[0]?.authentication?.authPass, '*'.repeat('SuperSecret99'.length));
  t.false(JSON.stringify(facts).includes('SuperSecret99'));
  t.is(runChecks(facts, ['keepalived-auth-pass-long']).findings.length, 1);
});

test('A keepalived.conf that cannot be read is kept as an error of the keepalived facts.', async (t) => {
  const { system } = fakeSystem({
    readKeepalived: async () => {
      throw new Error('/etc/keepalived/keepalived.conf:3: unbalanced braces');
    },
  });
  const facts = await collectFacts(config, { system, env: {} });
  t.deepEqual(facts.keepalived, { file: KEEPALIVED_FILE, notes: [], error: '/etc/keepalived/keepalived.conf:3: unbalanced braces' });
  t.is(runChecks(facts, ['keepalived-config-error']).findings[0]?.severity, 'error');
});

test('The blacklist hits protected addresses of the config.', async (t) => {
  const { system } = fakeSystem({ readBlacklist: async (file) => parseBlacklist('198.51.100.0/27\n', file) });
  const facts = await collectFacts(config, { system, env: { SSH_CONNECTION: '203.0.113.7 50000 192.0.2.2 22' } });
  t.deepEqual(facts.blacklist?.hits, [{ entry: '198.51.100.0/27', file: '/etc/lbfw/static_blacklist', line: 1, address: '198.51.100.21', role: 'real server' }]);
});

test('A verify that throws is kept as its message.', async (t) => {
  const { system } = fakeSystem({
    verifyHost: async () => {
      throw new Error('lbfw verify needs root or CAP_NET_ADMIN: run it with sudo');
    },
  });
  const facts = await collectFacts(config, { system, env: {} });
  t.deepEqual(facts.lbfwVerify, { error: 'lbfw verify needs root or CAP_NET_ADMIN: run it with sudo' });
});

test('The probe gets the links, MACs and neighbours, and its results are kept.', async (t) => {
  const facts = await collectFacts(config, {
    system: fakeSystem().system,
    env: {},
    probe: async (links, macs, neighbours) => [
      { vip: '192.0.2.10', iface: 'eth0', source: '192.0.2.2', local: links.length === 3, answers: [{ mac: macs['eth0'] ?? '', addresses: neighbours.map((n) => n.address), own: true }] },
    ],
  });
  t.deepEqual(facts.probe, [{ vip: '192.0.2.10', iface: 'eth0', source: '192.0.2.2', local: true, answers: [{ mac: '02:00:00:00:00:02', addresses: ['198.51.100.21', '192.0.2.9'], own: true }] }]);
});

test('The peers and real servers are probed first, and the VIP probe gets their answers; both are kept.', async (t) => {
  const hostAnswer = { address: '192.0.2.3', role: 'peer' as const, iface: 'eth0', source: '192.0.2.2', macs: ['02:00:00:00:00:03'] };
  const order: string[] = [];
  const facts = await collectFacts(config, {
    system: fakeSystem().system,
    env: {},
    probeHosts: async () => {
      order.push('hosts');
      return [hostAnswer];
    },
    probe: async (_links, _macs, _neighbours, hosts) => {
      order.push('vips');
      return [{ vip: '192.0.2.10', iface: 'eth0', source: '192.0.2.2', local: true, answers: hosts.map((h) => ({ mac: h.macs[0] ?? '', addresses: [h.address], own: false })) }];
    },
  });
  t.deepEqual(order, ['hosts', 'vips']);
  t.deepEqual(facts.hostProbe, [hostAnswer]);
  t.deepEqual(facts.probe?.[0]?.answers, [{ mac: '02:00:00:00:00:03', addresses: ['192.0.2.3'], own: false }]);
});

test('A director whose keepalived.conf forwards by NAT is judged by the director-nat profile.', (t) => {
  const nat = parseKeepalived(KEEPALIVED_CONF.replace('lvs_method DR', 'lvs_method NAT'), '/etc/keepalived/keepalived.conf');
  const dr = parseKeepalived(KEEPALIVED_CONF, '/etc/keepalived/keepalived.conf');
  t.is(profileFor(config, nat), 'director-nat');
  t.is(profileFor(config, dr), undefined);
  t.is(profileFor({ ...config, role: 'realserver' }, nat), undefined);
});

/** One keepalived.conf for both directors, their roles chosen by @ID lines (keepalived -i lb1 / -i lb2). */
const SHARED_CONF = KEEPALIVED_CONF.replace('    state MASTER\n', '@lb1 state MASTER\n@lb2 state BACKUP\n').replace('    priority 150\n', '@lb1 priority 150\n@lb2 priority 100\n');
const PEER = '/srv/lb2/keepalived.conf';

function sharedConfSystem(): Fake {
  return fakeSystem({ readKeepalived: async (file, configId) => parseKeepalived(SHARED_CONF, file, configId === undefined ? {} : { configId }) });
}

test("The peer's keepalived.conf is read with --peer-keepalived-id: its @lb2 lines make it BACKUP, and no both-MASTER finding", async (t) => {
  const facts = await collectFacts({ ...config, keepalivedId: 'lb1' }, { system: sharedConfSystem().system, env: {}, peerKeepalived: PEER, peerKeepalivedId: 'lb2' });
  t.is(facts.keepalived?.configId, 'lb1');
  t.is(facts.peerKeepalived?.configId, 'lb2');
  t.deepEqual(facts.keepalived?.model?.vrrpInstances.map((i) => [i.state, i.priority]), [['MASTER', 150]]);
  t.deepEqual(facts.peerKeepalived?.model?.vrrpInstances.map((i) => [i.state, i.priority]), [['BACKUP', 100]]);
  t.deepEqual(runChecks(facts, ['keepalived-both-master']).findings, []);
});

test("The same shared file read with this host's id for the peer is both MASTER: the peer's id is what decides", async (t) => {
  const facts = await collectFacts({ ...config, keepalivedId: 'lb1' }, { system: sharedConfSystem().system, env: {}, peerKeepalived: PEER, peerKeepalivedId: 'lb1' });
  t.deepEqual(runChecks(facts, ['keepalived-both-master']).findings.map((f) => f.id), ['keepalived-both-master']);
});

test("A peer keepalived.conf that cannot be read gives a fix that repeats the peer's config id", async (t) => {
  const { system } = fakeSystem({
    readKeepalived: async (file, configId) => {
      if (file === PEER) throw new Error(`${PEER}:3: unknown keyword`);
      return parseKeepalived(SHARED_CONF, file, configId === undefined ? {} : { configId });
    },
  });
  const facts = await collectFacts(config, { system, env: {}, peerKeepalived: PEER, peerKeepalivedId: 'lb2' });
  const [finding] = runChecks(facts, ['keepalived-config-error']).findings;
  t.is(finding?.fixSteps?.edit, `fix what \`keepalived --config-test --config-id lb2 --use-file ${PEER}\` reports`);
});
