/**
 * The hardened parts of lbfw's table (issue 12), as typed rules and sets:
 * spoof-proof peers (TTL / hop limit 255 on keepalived's interface, peers'
 * link-local addresses for VRRPv3), IPv4-mapped IPv6 sources, conntrack
 * `invalid`, ICMP errors only as related (stateless for the VIPs), ICMP
 * redirects, the real servers' health checks, the forward chain and the
 * flood measures (notrack for VIP services, rate-limited echo). Pure: the
 * builder calls these with the host model.
 *
 * Decisions, each documented in README's firewall section:
 * - Only `::ffff:0:0/96` (IPv4-mapped) sources are dropped: a dual-stack
 *   socket sees them as the IPv4 address, so they dodge the IPv4 blacklist.
 *   `::/96` (IPv4-compatible, deprecated) is never converted to IPv4 by
 *   Linux and holds `::` (the source of DAD); 64:ff9b::/96 (NAT64) and
 *   2002::/16 (6to4) are real clients behind translators: blacklist them in
 *   that form when needed.
 * - The reverse-path check (`fib saddr . iif oif missing`) covers peer and
 *   management sources on directors only: VIP traffic may arrive
 *   asymmetrically (which is why rp_filter is off), the check must not see
 *   it, and real servers are often multi-homed.
 * - VIP traffic is never judged by conntrack: on a DR director conntrack sees
 *   one direction. ICMP errors sent to a VIP are accepted statelessly, since
 *   IPVS hands them to the real server that owns the connection (PMTU
 *   discovery of DR replies needs them).
 */
import type { Family, HostConfig, Protocol } from '../config/model.js';
import { addressToRange, cidrToRange, type AddressRange } from '../net/address.js';
import { mergeRanges } from '../net/merge.js';
import { addressElements, tupleElements } from '../nft/model/elements.js';
import { addressKey, type SetKey } from '../nft/model/keys.js';
import type { NftChain, NftSet } from '../nft/model/objects.js';
import type { Match, NftRule, Statement } from '../nft/model/rules.js';
import type { Icmp6Type, IcmpType } from '../nft/model/values.js';

import { IPVS_SYNC_GROUP4, IPVS_SYNC_PORT, VRRP_GROUP6, VRRP_TTL } from '../net/dr-protocol.js';

const FAMILIES: readonly Family[] = [4, 6];

export { IPVS_SYNC_GROUP4 as IPVS_SYNC_GROUP, IPVS_SYNC_PORT, VRRP_GROUP4, VRRP_GROUP6, VRRP_TTL } from '../net/dr-protocol.js';

/** The IPv4-mapped IPv6 prefix `::ffff:0:0/96`. */
export const IPV4_MAPPED6: AddressRange = cidrToRange({ family: 6, address: '::ffff:0:0', prefix: 96 });
/** The IPv6 link-local prefix fe80::/10. */
const LINK_LOCAL6: AddressRange = cidrToRange({ family: 6, address: 'fe80::', prefix: 10 });

/** ICMP echo requests accepted per family and second (burst as much again); the rest are dropped. */
export const ECHO_RATE_PER_SECOND = 100;
export const ECHO_BURST = 100;

/** ICMP errors a VIP may receive (IPVS forwards them to the real server of the connection). */
const ICMP4_ERRORS: readonly IcmpType[] = ['destination-unreachable', 'time-exceeded', 'parameter-problem'];
const ICMP6_ERRORS: readonly Icmp6Type[] = ['destination-unreachable', 'packet-too-big', 'time-exceeded', 'parameter-problem'];
/** MLD: multicast VRRP needs the switch to know who listens. */
const MLD_TYPES: readonly Icmp6Type[] = ['mld-listener-query', 'mld-listener-report', 'mld2-listener-report'];
/** Neighbour discovery; hop limit 255 proves the sender is on-link (RFC 4861). */
const ND_TYPES: readonly Icmp6Type[] = ['nd-router-advert', 'nd-neighbor-solicit', 'nd-neighbor-advert'];

const counter: Statement = { kind: 'counter' };
const accept: Statement = { kind: 'verdict', verdict: 'accept' };
const drop: Statement = { kind: 'verdict', verdict: 'drop' };
const suffix = (family: Family): '4' | '6' => (family === 4 ? '4' : '6');
const saddrInSet = (family: Family, set: string): Match => ({ kind: 'address-in-set', family, field: 'saddr', set });
const hopLimit255 = (family: Family): Match => ({ kind: 'hop-limit', family, value: VRRP_TTL });
const single = (family: Family, address: string): AddressRange => addressToRange({ family, address });

function distinctSorted(values: Iterable<bigint>): bigint[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function addressSet(name: string, family: Family, addresses: readonly string[], purpose: string): NftSet {
  const values = distinctSorted(addresses.map((address) => single(family, address).first));
  return { name, key: addressKey(family), interval: false, elements: addressElements(family, values), purpose };
}

// ---------------------------------------------------------------- prerouting

/**
 * First rule of raw prerouting: IPv4-mapped IPv6 sources never reach a
 * socket (a dual-stack socket would see them as the IPv4 address, past the
 * IPv4 blacklist). No real packet carries one (RFC 4291, 2.5.5.2).
 */
export function mappedSourceRule(): NftRule {
  return {
    id: 'ipv4-mapped6',
    match: [{ kind: 'address-in', family: 6, field: 'saddr', ranges: [IPV4_MAPPED6] }],
    statements: [counter, drop],
  };
}

/**
 * Director, after the blacklist: VIP service traffic bypasses conntrack. A DR
 * director never sees the replies, so tracking only costs memory, and a SYN
 * flood would fill nf_conntrack_max and break the host's own connections.
 * IPVS itself does not need conntrack (net.ipv4.vs.conntrack=0).
 */
export function vipNotrackRules(config: HostConfig, vipSetName: (family: Family) => string): NftRule[] {
  if (config.role !== 'director') return [];
  const services = FAMILIES.filter((f) => config.services.some((s) => s.family === f)).map((family) => ({
    id: `vip-notrack${suffix(family)}`,
    match: [
      {
        kind: 'concat-in-set' as const,
        fields: [{ kind: 'address' as const, family, field: 'daddr' as const }, { kind: 'l4proto' as const }, { kind: 'th-dport' as const }],
        set: vipSetName(family),
      },
    ],
    statements: [{ kind: 'notrack' } as const],
  }));
  const anyPort = FAMILIES.flatMap((family) => {
    const vips = (config.vipAddresses ?? []).filter((a) => a.family === family);
    if (vips.length === 0) return [];
    return [{ id: `vip-addresses-notrack${suffix(family)}`, match: [{ kind: 'address-in-set' as const, family, field: 'daddr' as const, set: `vip${suffix(family)}_addresses` }], statements: [{ kind: 'notrack' } as const] }];
  });
  return [...services, ...anyPort];
}

// ---------------------------------------------------------------- input

/**
 * Director: ICMP errors addressed to a VIP, accepted without conntrack (it
 * never saw the reply that caused them); IPVS passes them to the real
 * server that owns the connection.
 */
export function vipIcmpErrorRules(config: HostConfig): NftRule[] {
  if (config.role !== 'director') return [];
  return FAMILIES.flatMap((family) => {
    const vips = [...config.services, ...(config.vipAddresses ?? [])].filter((v) => v.family === family);
    if (vips.length === 0) return [];
    const ranges = mergeRanges(vips.map((v) => single(family, v.address)));
    const type: Match = family === 4 ? { kind: 'icmp-type', types: ICMP4_ERRORS } : { kind: 'icmpv6-type', types: ICMP6_ERRORS };
    return [{ id: `vip-icmp-errors${suffix(family)}`, match: [{ kind: 'address-in', family, field: 'daddr', ranges }, type], statements: [accept] }];
  });
}

/**
 * Before `ct state related`: an ICMP redirect quoting a live flow is
 * "related", and the kernel would reroute the flow; redirects are dropped
 * outright (the director profiles also set accept_redirects 0).
 */
export function redirectRules(): NftRule[] {
  return [
    { id: 'icmp-redirect4', match: [{ kind: 'icmp-type', types: ['redirect'] }], statements: [counter, drop] },
    { id: 'icmp-redirect6', match: [{ kind: 'icmpv6-type', types: ['nd-redirect'] }], statements: [counter, drop] },
  ];
}

/**
 * The host's own traffic that conntrack calls invalid (SYN+FIN, out of
 * window, ICMP errors quoting nothing). Placed after the VIP rules, which
 * stay stateless.
 */
export function invalidRule(): NftRule {
  return { id: 'ct-invalid', match: [{ kind: 'ct-state', states: ['invalid'] }], statements: [counter, drop] };
}

/**
 * Director: peer and management sources must come in by the interface the
 * route back to them leaves by (firewalld's rpfilter, for these sources
 * only: rp_filter stays off for VIP traffic).
 */
export function reversePathRules(config: HostConfig): NftRule[] {
  if (config.role !== 'director') return [];
  const rules: NftRule[] = [];
  for (const family of FAMILIES) {
    if (config.peers.some((p) => p.family === family)) {
      rules.push({ id: `rpf-peers${suffix(family)}`, match: [saddrInSet(family, `peers${suffix(family)}`), { kind: 'fib-saddr-iif-missing' }], statements: [counter, drop] });
    }
  }
  for (const family of FAMILIES) {
    if (config.management.sources.some((c) => c.family === family)) {
      rules.push({ id: `rpf-mgmt${suffix(family)}`, match: [saddrInSet(family, `mgmt${suffix(family)}`), { kind: 'fib-saddr-iif-missing' }], statements: [counter, drop] });
    }
  }
  return rules;
}

/** The interface keepalived sends VRRP on: `interfaces.vip` (keepalived.conf's vrrp_instance `interface` fills it). */
export function vrrpInterface(config: HostConfig): string | undefined {
  return config.interfaces.vip;
}

/** The interface the IPVS sync daemon uses: `interfaces.sync`, else the VRRP interface. */
export function syncInterface(config: HostConfig): string | undefined {
  return config.interfaces.sync ?? config.interfaces.vip;
}

const onInterface = (name: string | undefined): Match[] => (name === undefined ? [] : [{ kind: 'iifname', name }]);

/**
 * VRRP and IPVS sync, from the peers only, on keepalived's interface, with
 * TTL / hop limit 255 for VRRP (a routed packet has less; keepalived skips
 * its own check with unicast peers). VRRPv3 over IPv6 is sent from the
 * peer's link-local address, so `peers` must list it (fe80::...); without
 * one, the link-local senders on the VRRP interface are accepted, and
 * without that interface none.
 */
export function peerRules(config: HostConfig): NftRule[] {
  if (config.role !== 'director' || config.peers.length === 0) return [];
  const vrrpIf = onInterface(vrrpInterface(config));
  const rules: NftRule[] = [];
  for (const family of FAMILIES) {
    if (!config.peers.some((p) => p.family === family)) continue;
    rules.push({
      id: `vrrp${suffix(family)}`,
      match: [...vrrpIf, saddrInSet(family, `peers${suffix(family)}`), hopLimit255(family), { kind: 'l4proto', protocol: 'vrrp' }],
      statements: [accept],
    });
  }
  const linkLocalPeers = config.peers.some((p) => p.family === 6 && single(6, p.address).first >= LINK_LOCAL6.first && single(6, p.address).first <= LINK_LOCAL6.last);
  if (!linkLocalPeers && vrrpIf.length > 0 && config.peers.some((p) => p.family === 6)) {
    rules.push({
      id: 'vrrp6-link-local',
      match: [
        ...vrrpIf,
        { kind: 'address-in', family: 6, field: 'saddr', ranges: [LINK_LOCAL6] },
        { kind: 'address-in', family: 6, field: 'daddr', ranges: [single(6, VRRP_GROUP6)] },
        hopLimit255(6),
        { kind: 'l4proto', protocol: 'vrrp' },
      ],
      statements: [accept],
    });
  }
  // The sync daemon's port and group: keepalived's lvs_sync_daemon, else the kernel's defaults.
  const group = config.ipvsSync?.group ?? { family: 4 as const, address: IPVS_SYNC_GROUP4 };
  const port = config.ipvsSync?.port ?? IPVS_SYNC_PORT;
  if (config.peers.some((p) => p.family === group.family)) {
    rules.push({
      id: `ipvs-sync${suffix(group.family)}`,
      match: [
        ...onInterface(syncInterface(config)),
        saddrInSet(group.family, `peers${suffix(group.family)}`),
        { kind: 'address-in', family: group.family, field: 'daddr', ranges: [single(group.family, group.address)] },
        { kind: 'dport', protocol: 'udp', port },
      ],
      statements: [accept],
    });
  }
  return rules;
}

/**
 * ICMP echo at a bounded rate per family: requests under the limit are
 * accepted (counted), the rest dropped (counted). The builder places these
 * right after loopback, before every other accept: conntrack keys an echo
 * flow by its ICMP id, so after the first request a single `ping -f` is
 * `established`, and a VIP accepted on every port would take it too; a limit
 * behind either would never see the flood. The drop does not wait for the
 * policy, which may be accept.
 */
export function echoLimitRules(): NftRule[] {
  const limit: Statement = { kind: 'limit', perSecond: ECHO_RATE_PER_SECOND, burst: ECHO_BURST };
  const echo4: Match = { kind: 'icmp-type', types: ['echo-request'] };
  const echo6: Match = { kind: 'icmpv6-type', types: ['echo-request'] };
  return [
    { id: 'icmp4-echo', match: [echo4], statements: [limit, counter, accept] },
    { id: 'icmp4-echo-flood', match: [echo4], statements: [counter, drop] },
    { id: 'icmp6-echo', match: [echo6], statements: [limit, counter, accept] },
    { id: 'icmp6-echo-flood', match: [echo6], statements: [counter, drop] },
  ];
}

/**
 * ICMPv6 the host needs for itself: MLD and neighbour discovery with hop
 * limit 255. Echo is {@link echoLimitRules}; ICMP errors are accepted only as
 * `related` (the established rule) or, for VIPs, by {@link vipIcmpErrorRules}.
 */
export function icmpRules(): NftRule[] {
  return [
    { id: 'icmp6-mld', match: [{ kind: 'icmpv6-type', types: MLD_TYPES }], statements: [accept] },
    { id: 'icmp6-nd', match: [hopLimit255(6), { kind: 'icmpv6-type', types: ND_TYPES }], statements: [accept] },
  ];
}

// ---------------------------------------------------------------- real servers' health checks

/** Names of the health-check sets of a family. */
export const healthSetNames = (family: Family) =>
  ({ ports: `health_ports${suffix(family)}`, directors: `directors${suffix(family)}`, own: `own${suffix(family)}` }) as const;

/**
 * Real server: the sets its health-check rules look up, per family that has
 * services: the service ports, and, when the config names them, the
 * directors (sources) and its own addresses (destinations).
 */
export function healthCheckSets(config: HostConfig): NftSet[] {
  if (config.role !== 'realserver') return [];
  return FAMILIES.flatMap((family) => {
    const services = config.services.filter((s) => s.family === family);
    if (services.length === 0) return [];
    const names = healthSetNames(family);
    const key: SetKey = ['inet_proto', 'inet_service'];
    const sets: NftSet[] = [
      {
        name: names.ports,
        key,
        interval: false,
        elements: tupleElements(key, services.map((s) => [s.protocol, s.port])),
        purpose: `IPv${family} VIP service ports, accepted on the real server's own addresses too (directors' health checks)`,
      },
    ];
    const directors = (config.directors ?? []).filter((d) => d.family === family).map((d) => d.address);
    if (directors.length > 0) sets.push(addressSet(names.directors, family, directors, `IPv${family} directors (health-check sources)`));
    const own = (config.addresses ?? []).filter((a) => a.family === family).map((a) => a.address);
    if (own.length > 0) sets.push(addressSet(names.own, family, own, `this real server's IPv${family} addresses (health-check targets)`));
    return sets;
  });
}

/**
 * Real server: keepalived's health checkers (TCP_CHECK, HTTP_GET) connect
 * to the real server's own address, not the VIP, so the service ports are
 * accepted there too; only in the service's family, only from the directors
 * and only on its own addresses when the config names them.
 */
export function healthCheckRules(config: HostConfig, sets: readonly NftSet[]): NftRule[] {
  if (config.role !== 'realserver') return [];
  const has = (name: string): boolean => sets.some((s) => s.name === name);
  return FAMILIES.flatMap((family) => {
    const names = healthSetNames(family);
    if (!has(names.ports)) return [];
    const match: Match[] = [];
    if (has(names.directors)) match.push(saddrInSet(family, names.directors));
    if (has(names.own)) match.push({ kind: 'address-in-set', family, field: 'daddr', set: names.own });
    if (match.length === 0) match.push({ kind: 'nfproto', family });
    match.push({ kind: 'concat-in-set', fields: [{ kind: 'l4proto' }, { kind: 'th-dport' }], set: names.ports });
    return [{ id: `health-checks${suffix(family)}`, match, statements: [counter, accept] }];
  });
}

// ---------------------------------------------------------------- forward

/** Name of the NAT reply set of a family. */
const replySetName = (family: Family): string => `rs_replies${suffix(family)}`;

/**
 * Director with `forwarding: nat`: the real servers' replies (source
 * address . protocol . port), per family with real servers.
 */
export function forwardSets(config: HostConfig): NftSet[] {
  if (config.role !== 'director' || config.forwarding !== 'nat') return [];
  return FAMILIES.flatMap((family) => {
    const servers = config.realServers.filter((r) => r.family === family);
    if (servers.length === 0) return [];
    const services = config.services.filter((s) => s.family === family);
    const protocols: Protocol[] = [...new Set(services.map((s) => s.protocol))];
    const tuples = servers.flatMap((rs) => {
      const ports = rs.port === undefined ? [...new Set(services.map((s) => s.port))] : [rs.port];
      return ports.flatMap((port) => (protocols.length === 0 ? ['tcp' as const] : protocols).map((p) => [single(family, rs.address).first, p, port] as const));
    });
    if (tuples.length === 0) return [];
    const key: SetKey = [family === 4 ? 'ipv4_addr' : 'ipv6_addr', 'inet_proto', 'inet_service'];
    return [{ name: replySetName(family), key, interval: false, elements: tupleElements(key, tuples), purpose: `IPv${family} real servers' NAT replies (address . protocol . source port)` }];
  });
}

/**
 * Director: the forward chain. Direct Routing forwards nothing (IPVS sends
 * through LOCAL_OUT), so only the policy remains; NAT forwards the real
 * servers' replies, accepted by source address, protocol and port. Policy
 * as the input chain's, counted. Real servers get none: containers and
 * their own routing are not lbfw's business there.
 */
export function forwardChain(config: HostConfig, sets: readonly NftSet[]): NftChain[] {
  if (config.role !== 'director') return [];
  const rules: NftRule[] = FAMILIES.filter((family) => sets.some((s) => s.name === replySetName(family))).map((family) => ({
    id: `nat-replies${suffix(family)}`,
    match: [
      {
        kind: 'concat-in-set',
        fields: [{ kind: 'address', family, field: 'saddr' }, { kind: 'l4proto' }, { kind: 'th-sport' }],
        set: replySetName(family),
      },
    ],
    statements: [counter, accept],
  }));
  if (config.inputPolicy === 'drop') rules.push({ id: 'forward-policy-drop', match: [], statements: [counter] });
  return [{ name: 'forward', base: { type: 'filter', hook: 'forward', priority: 0, policy: config.inputPolicy }, rules }];
}
