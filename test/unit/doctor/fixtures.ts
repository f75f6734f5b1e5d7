/**
 * Facts of a healthy director and a healthy real server, and helpers to
 * break them one thing at a time. Documentation prefixes only: VIPs and the
 * director LAN in 192.0.2.0/24, real servers in 198.51.100.0/24, management
 * in 203.0.113.0/24, IPv6 in 2001:db8::/32.
 */
import type { HostConfig } from '../../../src/config/model.js';
import type { Facts, KeepalivedFacts } from '../../../src/doctor/facts.js';
import { parseKeepalived } from '../../../src/keepalived/build.js';
import type { HostLink } from '../../../src/vip/addresses.js';

/** DeepMutable lifts readonly everywhere, for building variants in tests. */
export type DeepMutable<T> = T extends readonly (infer U)[]
  ? DeepMutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: DeepMutable<T[K]> }
    : T;

/** variant copies `base` and lets `change` edit the copy. */
export function variant(base: Facts, change: (draft: DeepMutable<Facts>) => void): Facts {
  const draft = structuredClone(base) as DeepMutable<Facts>;
  change(draft);
  return draft as Facts;
}

export const KEEPALIVED_FILE = '/etc/keepalived/keepalived.conf';
export const PEER_FILE = '/srv/lb2/keepalived.conf';
export const CONFIG_FILE = '/etc/lbfw/lbfw.yaml';
export const BLACKLIST_FILE = '/etc/lbfw/static_blacklist';

export const DIRECTOR_MAC = '02:00:00:00:00:02';
export const RS1_MAC = '02:00:00:00:01:21';

/** The director's keepalived.conf; `edit` replaces parts of it for variants. */
export const KEEPALIVED_CONF = `global_defs {
    router_id lb1
    lvs_sync_daemon eth1 inst VI_1
}

vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass Xy7pq2ab
    }
    unicast_src_ip 192.0.2.2
    unicast_peer {
        192.0.2.3
    }
    virtual_ipaddress {
        192.0.2.10/32 dev eth0
    }
}

virtual_server 192.0.2.10 80 {
    lvs_sched wlc
    lvs_method DR
    protocol TCP
    persistence_timeout 300
    real_server 198.51.100.21 80 {
        TCP_CHECK {
            connect_timeout 3
        }
    }
    real_server 198.51.100.22 80 {
        TCP_CHECK {
            connect_timeout 3
        }
    }
}

virtual_server 192.0.2.10 443 {
    lvs_sched wlc
    lvs_method DR
    protocol TCP
    real_server 198.51.100.21 443 {
    }
    real_server 198.51.100.22 443 {
    }
}
`;

/** The peer director lb2's keepalived.conf: BACKUP, lower priority. */
export const PEER_CONF = KEEPALIVED_CONF.replace('state MASTER', 'state BACKUP')
  .replace('priority 150', 'priority 100')
  .replace('unicast_src_ip 192.0.2.2', 'unicast_src_ip 192.0.2.3')
  .replace('        192.0.2.3\n', '        192.0.2.2\n');

/** keepalivedFacts parses a keepalived.conf text as read from `file`. */
export function keepalivedFacts(text: string, file = KEEPALIVED_FILE): KeepalivedFacts {
  return { file, model: parseKeepalived(text, file, { configId: 'lb1' }), notes: [] };
}

const origin = { kind: 'config', file: CONFIG_FILE, line: 1 } as const;
const fromKeepalived = (line: number) => ({ kind: 'keepalived', file: KEEPALIVED_FILE, line }) as const;

const directorConfig: HostConfig = {
  file: CONFIG_FILE,
  role: 'director',
  interfaces: { vip: 'eth0' },
  services: [
    { family: 4, address: '192.0.2.10', protocol: 'tcp', port: 80, origin: fromKeepalived(25) },
    { family: 4, address: '192.0.2.10', protocol: 'tcp', port: 443, origin: fromKeepalived(42) },
  ],
  peers: [{ family: 4, address: '192.0.2.3', origin: fromKeepalived(18) }],
  realServers: [
    { family: 4, address: '198.51.100.21', port: 80, origin: fromKeepalived(30) },
    { family: 4, address: '198.51.100.22', port: 80, origin: fromKeepalived(35) },
  ],
  management: { sources: [{ family: 4, address: '203.0.113.0', prefix: 24 }], sshPort: 22, allow: [] },
  blacklistPath: BLACKLIST_FILE,
  keepalivedPath: KEEPALIVED_FILE,
  inputPolicy: 'drop',
};

/** link builds a HostLink from `[address, prefix]` pairs. */
export function link(ifname: string, addresses: readonly [string, number][], options: { loopback?: boolean; up?: boolean } = {}): HostLink {
  const loopback = options.loopback ?? false;
  return {
    ifname,
    loopback,
    answersArp: !loopback,
    up: options.up ?? true,
    addresses: addresses.map(([address, prefix]) => ({ ifname, family: address.includes(':') ? 6 : 4, address, prefix })),
  };
}

/** confSysctls sets every key of `values` on each level (all, default, interfaces). */
export function confSysctls(levels: readonly string[], values: Readonly<Record<string, string>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const level of levels) for (const [name, value] of Object.entries(values)) result[`net.ipv4.conf.${level}.${name}`] = value;
  return result;
}

const QUIET = {
  rp_filter: '0',
  arp_ignore: '0',
  arp_announce: '0',
  arp_filter: '0',
  send_redirects: '0',
  accept_local: '0',
  proxy_arp: '0',
  forwarding: '0',
  log_martians: '0',
};

type Expr = Record<string, unknown>;

/** match builds a `match` expression of nft JSON. */
export function match(left: Expr, right: unknown, op = '=='): Expr {
  return { match: { op, left, right } };
}

export const payload = (protocol: string, field: string): Expr => ({ payload: { protocol, field } });
export const meta = (key: string): Expr => ({ meta: { key } });
export const ACCEPT: Expr = { accept: null };
export const DROP: Expr = { drop: null };

/** nftRule builds a rule of nft JSON. */
export function nftRule(family: string, table: string, chain: string, handle: number, expr: readonly Expr[], comment?: string): Expr {
  return { rule: { family, table, chain, handle, ...(comment === undefined ? {} : { comment }), expr } };
}

/** nftChain builds a (base) chain of nft JSON. */
export function nftChain(family: string, table: string, name: string, hook?: string, policy?: string, prio = 0): Expr {
  return { chain: { family, table, name, handle: 1, ...(hook === undefined ? {} : { type: 'filter', hook, prio, policy: policy ?? 'accept' }) } };
}

/** lbfwTable is the JSON of lbfw's director table for the fixture (as `nft -j list ruleset` prints it). */
export function lbfwTable(options: { vip4?: readonly (readonly [string, string, number])[]; peers4?: readonly string[] } = {}): Expr[] {
  const vip4 = options.vip4 ?? [
    ['192.0.2.10', 'tcp', 80],
    ['192.0.2.10', 'tcp', 443],
  ];
  const peers4 = options.peers4 ?? ['192.0.2.3'];
  const t = (name: string, extra: Expr): Expr => ({ set: { family: 'inet', name, table: 'lbfw', handle: 3, ...extra } });
  const r = (handle: number, comment: string, expr: readonly Expr[]): Expr => nftRule('inet', 'lbfw', 'input', handle, expr, comment);
  return [
    { table: { family: 'inet', name: 'lbfw', handle: 2 } },
    t('bl4_hosts', { type: 'ipv4_addr', size: 65536, elem: ['203.0.113.66'] }),
    t('vip4_services', { type: ['ipv4_addr', 'inet_proto', 'inet_service'], ...(vip4.length === 0 ? {} : { elem: vip4.map((v) => ({ concat: [...v] })) }) }),
    t('peers4', { type: 'ipv4_addr', ...(peers4.length === 0 ? {} : { elem: [...peers4] }) }),
    t('mgmt4', { type: 'ipv4_addr', flags: ['interval'], elem: [{ prefix: { addr: '203.0.113.0', len: 24 } }] }),
    nftChain('inet', 'lbfw', 'prerouting', 'prerouting', 'accept', -300),
    nftChain('inet', 'lbfw', 'input', 'input', 'drop'),
    nftRule('inet', 'lbfw', 'prerouting', 10, [match(payload('ip', 'saddr'), '@bl4_hosts'), { counter: { packets: 0, bytes: 0 } }, DROP], 'blacklist-hosts4'),
    r(17, 'loopback', [match(meta('iif'), 'lo'), ACCEPT]),
    r(18, 'vip-services4', [match({ concat: [payload('ip', 'daddr'), meta('l4proto'), payload('th', 'dport')] }, '@vip4_services'), { counter: { packets: 0, bytes: 0 } }, ACCEPT]),
    r(20, 'established', [match({ ct: { key: 'state' } }, ['established', 'related'], 'in'), ACCEPT]),
    r(21, 'vrrp4', [match(payload('ip', 'saddr'), '@peers4'), match(meta('l4proto'), 'vrrp'), ACCEPT]),
    r(24, 'ipvs-sync4', [match(payload('ip', 'saddr'), '@peers4'), match(payload('ip', 'daddr'), '224.0.0.81'), match(payload('udp', 'dport'), 8848), ACCEPT]),
    r(25, 'mgmt-ssh4', [match(payload('ip', 'saddr'), '@mgmt4'), match(payload('tcp', 'dport'), 22), ACCEPT]),
    r(28, 'icmp4', [match(payload('icmp', 'type'), { set: ['destination-unreachable', 'echo-request'] }), ACCEPT]),
    r(33, 'policy-drop', [{ counter: { packets: 0, bytes: 0 } }]),
  ];
}

/** sshOnlyFilter: another tool's `table inet filter` whose input drops all but SSH. */
export function sshOnlyFilter(): Expr[] {
  return [
    { table: { family: 'inet', name: 'filter', handle: 9 } },
    nftChain('inet', 'filter', 'input', 'input', 'drop', 10),
    nftRule('inet', 'filter', 'input', 3, [match({ ct: { key: 'state' } }, ['established', 'related'], 'in'), ACCEPT]),
    nftRule('inet', 'filter', 'input', 4, [match(payload('tcp', 'dport'), 22), ACCEPT]),
  ];
}

const IPVS_TEXT = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port Forward Weight ActiveConn InActConn
TCP  C000020A:0050 wlc persistent 300
  -> C6336415:0050      Route   1      0          0
  -> C6336416:0050      Route   1      0          0
TCP  C000020A:01BB wlc
  -> C6336415:01BB      Route   1      0          0
  -> C6336416:01BB      Route   1      0          0
`;

/** healthyDirector: lb1, MASTER, everything as DR needs it. */
export function healthyDirector(): Facts {
  const levels = ['all', 'default', 'lo', 'eth0', 'eth1'];
  return {
    factsVersion: 1,
    collectedAt: '2026-01-01T00:00:00.000Z',
    host: { hostname: 'lb1', kernel: '6.1.0-18-amd64' },
    role: 'director',
    config: directorConfig,
    sysctls: {
      ...confSysctls(levels, QUIET),
      'net.ipv4.conf.lo.send_redirects': '1',
      'net.ipv4.conf.default.send_redirects': '1',
      'net.ipv4.ip_forward': '0',
      'net.ipv4.vs.am_droprate': '10',
      'net.ipv4.vs.conntrack': '0',
      'net.ipv4.vs.expire_nodest_conn': '1',
      'net.ipv4.vs.expire_quiescent_template': '1',
      'net.netfilter.nf_conntrack_count': '1200',
      'net.netfilter.nf_conntrack_max': '262144',
    },
    links: [
      link('lo', [['127.0.0.1', 8], ['::1', 128]], { loopback: true }),
      link('eth0', [['192.0.2.2', 24], ['192.0.2.10', 32], ['2001:db8::2', 64]]),
      link('eth1', [['198.51.100.1', 24]]),
    ],
    macs: { eth0: DIRECTOR_MAC, eth1: '02:00:00:00:00:03' },
    routes: [
      { family: 4, dst: 'default', gateway: '192.0.2.1', dev: 'eth0' },
      { family: 4, dst: '192.0.2.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '192.0.2.2' },
      { family: 4, dst: '198.51.100.0/24', dev: 'eth1', protocol: 'kernel', scope: 'link', prefsrc: '198.51.100.1' },
    ],
    routeLookups: [
      { target: '198.51.100.21', purpose: 'real server', route: { family: 4, dst: '198.51.100.21', dev: 'eth1', prefsrc: '198.51.100.1' } },
      { target: '198.51.100.22', purpose: 'real server', route: { family: 4, dst: '198.51.100.22', dev: 'eth1', prefsrc: '198.51.100.1' } },
      { target: '192.0.2.3', purpose: 'peer', route: { family: 4, dst: '192.0.2.3', dev: 'eth0', prefsrc: '192.0.2.2' } },
    ],
    neighbours: [
      { address: '198.51.100.21', dev: 'eth1', mac: RS1_MAC, state: ['REACHABLE'] },
      { address: '192.0.2.3', dev: 'eth0', mac: '02:00:00:00:00:33', state: ['STALE'] },
    ],
    nftRuleset: [{ metainfo: { version: '1.0.6', json_schema_version: 1 } }, ...lbfwTable()],
    ipvs: { present: true, services: IPVS_TEXT },
    listening: [{ protocol: 'tcp', family: 4, address: '0.0.0.0', port: 22 }],
    conntrack: { count: 1200, max: 262144 },
    keepalived: keepalivedFacts(KEEPALIVED_CONF),
    os: { distro: 'Debian GNU/Linux', release: '12', kernel: '6.1.0-18-amd64', nftVersion: 'nftables v1.0.6 (Lester Gooch #5)' },
    services: [{ name: 'keepalived', running: true, pids: [812] }],
    lbfwVerify: {
      result: {
        ok: true,
        sysctl: { profile: 'director-dr', files: [], results: [], ok: true },
        firewall: { ok: true, drift: [] },
      },
    },
    blacklist: { file: BLACKLIST_FILE, entries: 1, hits: [] },
    errors: [],
  };
}

const realServerConfig: HostConfig = {
  file: CONFIG_FILE,
  role: 'realserver',
  interfaces: {},
  services: [{ family: 4, address: '192.0.2.10', protocol: 'tcp', port: 80, origin }],
  peers: [],
  realServers: [],
  management: { sources: [{ family: 4, address: '203.0.113.0', prefix: 24 }], sshPort: 22, allow: [] },
  blacklistPath: BLACKLIST_FILE,
  inputPolicy: 'drop',
};

/** healthyRealServer: rs1 behind the director, VIP on lo, ARP quiet, web server on 0.0.0.0:80. */
export function healthyRealServer(): Facts {
  const levels = ['all', 'default', 'lo', 'eth0'];
  return {
    factsVersion: 1,
    collectedAt: '2026-01-01T00:00:00.000Z',
    host: { hostname: 'rs1', kernel: '6.1.0-18-amd64' },
    role: 'realserver',
    config: realServerConfig,
    sysctls: {
      ...confSysctls(levels, QUIET),
      'net.ipv4.conf.all.arp_ignore': '1',
      'net.ipv4.conf.all.arp_announce': '2',
      'net.ipv4.conf.eth0.rp_filter': '2',
      'net.ipv4.ip_forward': '0',
      'net.netfilter.nf_conntrack_count': '40',
      'net.netfilter.nf_conntrack_max': '65536',
    },
    links: [link('lo', [['127.0.0.1', 8], ['192.0.2.10', 32]], { loopback: true }), link('eth0', [['198.51.100.21', 24]])],
    macs: { eth0: RS1_MAC },
    routes: [{ family: 4, dst: 'default', gateway: '198.51.100.254', dev: 'eth0' }],
    routeLookups: [],
    neighbours: [],
    nftRuleset: [],
    ipvs: { present: false },
    listening: [
      { protocol: 'tcp', family: 4, address: '0.0.0.0', port: 80 },
      { protocol: 'tcp', family: 4, address: '198.51.100.21', port: 22 },
      { protocol: 'udp', family: 4, address: '127.0.0.1', port: 323 },
    ],
    conntrack: { count: 40, max: 65536 },
    services: [],
    blacklist: { file: BLACKLIST_FILE, entries: 0, hits: [] },
    errors: [],
  };
}
