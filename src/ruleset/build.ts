/**
 * Pure builders: host model + normalised blacklist -> Ruleset data.
 * Nothing here touches the system.
 */
import type { Cidr, Family, HostConfig, Protocol, VipService } from '../config/model.js';
import { familyLists, familyRanges, hostCount, ipv4HostValues, type NormalisedBlacklist } from '../blacklist/normalise.js';
import { addressToRange, cidrToRange, type AddressRange } from '../net/address.js';
import { hostSetName, SHARD_ELEMENTS, shardChainName, shardCount, splitHosts } from './shards.js';
import { mergeRanges } from '../net/merge.js';
import { familySuffix } from './fragments.js';
import { addressElements, elementsFromTexts, ipv4ShardsFromTexts, ipv4ShardsFromValues, rangeElements, tupleElements, type ElementList, type NativeDeal4 } from '../nft/model/elements.js';
import { addressKey, type SetKey } from '../nft/model/keys.js';
import { NAMED_PRIORITIES } from '../nft/model/values.js';
import type { Match, Statement } from '../nft/model/rules.js';
import type { NftChain, NftRule, NftSet, Ruleset } from './types.js';
import {
  forwardChain,
  forwardSets,
  healthCheckRules,
  healthCheckSets,
  echoLimitRules,
  icmpRules,
  invalidRule,
  mappedSourceRule,
  peerRules,
  redirectRules,
  reversePathRules,
  vipIcmpErrorRules,
  vipNotrackRules,
} from './hardening.js';

const FAMILIES: readonly Family[] = [4, 6];

export { IPVS_SYNC_GROUP, IPVS_SYNC_PORT, VRRP_GROUP4, VRRP_GROUP6 } from './hardening.js';

/** Names of the blacklist sets, per family and kind. */
export function blacklistSetName(family: Family, kind: 'hosts' | 'nets'): string {
  return `bl${familySuffix(family)}_${kind}`;
}

function vipSetName(family: Family): string {
  return `vip${familySuffix(family)}_services`;
}

function mergedRanges(cidrs: readonly Cidr[], family: Family): AddressRange[] {
  return mergeRanges(cidrs.filter((c) => c.family === family).map(cidrToRange));
}

function distinctSorted(values: Iterable<bigint>): bigint[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Address elements of a hash set from canonical address texts (sorted as numbers, distinct). */
function addressesOf(family: Family, texts: readonly string[]): ReturnType<typeof addressElements> {
  return addressElements(family, distinctSorted(texts.map((address) => addressToRange({ family, address }).first)));
}

// Rule fragments: one Match or Statement each.
const counter: Statement = { kind: 'counter' };
const accept: Statement = { kind: 'verdict', verdict: 'accept' };
const drop: Statement = { kind: 'verdict', verdict: 'drop' };
const saddrInSet = (family: Family, set: string): Match => ({ kind: 'address-in-set', family, field: 'saddr', set });
const dport = (protocol: Protocol, port: number): Match => ({ kind: 'dport', protocol, port });

/** Smallest capacity given to a blacklist hash set (the kernel's default cap of dynamic sets). */
export const MIN_HASH_SET_SIZE = 65536;
/**
 * Smallest capacity of one shard: room for twice SHARD_ELEMENTS. Not 65536:
 * the kernel sizes a set's hash table by its capacity, so 256 shards of
 * 65536 took about 460 MB more kernel memory than 256 of 8192 (measured).
 */
export const MIN_SHARD_SET_SIZE = 2 * SHARD_ELEMENTS;

/** Options of {@link buildRuleset}. */
export interface BuildOptions {
  /** Deals the IPv4 host shards in C (blacklist/native-hosts.ts): the same lists. */
  readonly deal4?: NativeDeal4;
}

/**
 * hashSetSize gives a hash set room for at least twice its elements, in
 * power-of-two steps so that a few `blacklist add`s do not change it.
 */
export function hashSetSize(elements: number, minimum = MIN_HASH_SET_SIZE): number {
  let size = minimum;
  while (size < elements * 2) size *= 2;
  return size;
}

function ipv4Shards(blacklist: NormalisedBlacklist, shards: number, deal4?: NativeDeal4): ElementList[] {
  const values = ipv4HostValues(blacklist);
  return values === undefined ? ipv4ShardsFromTexts(blacklist.hosts4, shards) : ipv4ShardsFromValues(values, shards, deal4);
}

/** The interval elements of one family: from the merged ranges themselves when normaliseBlacklist kept them. */
function netsElements(blacklist: NormalisedBlacklist, family: Family): ElementList {
  const ranges = familyRanges(blacklist, family);
  return ranges === undefined ? elementsFromTexts(addressKey(family), true, familyLists(blacklist, family).nets) : rangeElements(family, ranges);
}

function blacklistSets(blacklist: NormalisedBlacklist, deal4?: NativeDeal4): NftSet[] {
  return FAMILIES.flatMap((family) => {
    const shards = shardCount(hostCount(blacklist, family));
    const key = addressKey(family);
    // IPv4 hosts (nearly all of a big list) go from numbers straight into typed shards, never as texts.
    const shardElements =
      family === 4 ? ipv4Shards(blacklist, shards, deal4) : splitHosts(family, familyLists(blacklist, family).hosts, shards).map((hosts) => elementsFromTexts(key, false, hosts));
    const hostSets = shardElements.map((elements, shard) => ({
      name: hostSetName(family, shard, shards),
      key,
      interval: false,
      size: hashSetSize(elements.count, shards === 1 ? MIN_HASH_SET_SIZE : MIN_SHARD_SET_SIZE),
      elements,
      purpose:
        shards === 1
          ? `blacklisted single IPv${family} addresses (hash set: instant add/remove)`
          : `blacklisted single IPv${family} addresses, shard ${shard} of ${shards} (last byte & ${shards - 1} = ${shard})`,
    }));
    return [
      ...hostSets,
      {
        name: blacklistSetName(family, 'nets'),
        key,
        interval: true,
        elements: netsElements(blacklist, family),
        purpose: `blacklisted IPv${family} prefixes and ranges (merged, interval set)`,
      },
    ];
  });
}

function serviceSets(config: HostConfig): NftSet[] {
  return FAMILIES.map((family) => {
    const key: SetKey = [family === 4 ? 'ipv4_addr' : 'ipv6_addr', 'inet_proto', 'inet_service'];
    const services = config.services.filter((s) => s.family === family);
    return {
      name: vipSetName(family),
      key,
      interval: false,
      elements: tupleElements(key, services.map((s: VipService) => [addressToRange(s).first, s.protocol, s.port])),
      purpose: `IPv${family} VIP services (address . protocol . port)`,
    };
  });
}

/** Sets of VIPs given without a port; only present when there are some. */
function vipAddressSets(config: HostConfig): NftSet[] {
  const addresses = config.vipAddresses ?? [];
  return FAMILIES.flatMap((family) => {
    const elements = addressesOf(family, addresses.filter((a) => a.family === family).map((a) => a.address));
    if (elements.count === 0) return [];
    return [{ name: `vip${familySuffix(family)}_addresses`, key: addressKey(family), interval: false, elements, purpose: `IPv${family} VIPs accepted on every port (--vip without a port)` }];
  });
}

function managementSets(config: HostConfig): NftSet[] {
  return FAMILIES.map((family) => ({
    name: `mgmt${familySuffix(family)}`,
    key: addressKey(family),
    interval: true,
    elements: rangeElements(family, mergedRanges(config.management.sources, family)),
    purpose: `IPv${family} management sources (SSH port ${config.management.sshPort})`,
  }));
}

function peerSets(config: HostConfig): NftSet[] {
  return FAMILIES.map((family) => ({
    name: `peers${familySuffix(family)}`,
    key: addressKey(family),
    interval: false,
    elements: addressesOf(family, config.peers.filter((p) => p.family === family).map((p) => p.address)),
    purpose: `IPv${family} peer directors (VRRP and IPVS sync)`,
  }));
}

/** The host lookup of one family: one set, or a verdict map over the shards. */
function hostsRule(family: Family, shards: number): NftRule {
  const id = `blacklist-hosts${familySuffix(family)}`;
  if (shards === 1) return { id, match: [saddrInSet(family, hostSetName(family, 0, 1))], statements: [counter, drop] };
  const chains = Array.from({ length: shards }, (_, shard) => shardChainName(family, shard));
  return { id, match: [], statements: [{ kind: 'shard-vmap', family, field: 'saddr', chains }] };
}

/** Regular chains that look up one shard each (none when a family is not sharded). */
function shardChains(blacklist: NormalisedBlacklist): NftChain[] {
  return FAMILIES.flatMap((family) => {
    const shards = shardCount(hostCount(blacklist, family));
    if (shards === 1) return [];
    return Array.from({ length: shards }, (_, shard) => ({
      name: shardChainName(family, shard),
      rules: [
        {
          id: `blacklist-hosts${familySuffix(family)}-shard-${shard}`,
          match: [saddrInSet(family, hostSetName(family, shard, shards))],
          statements: [counter, drop],
        },
      ],
    }));
  });
}

/** Prerouting at raw priority: blacklisted sources die before conntrack sees them. */
function prerouting(config: HostConfig, blacklist: NormalisedBlacklist): NftChain {
  const blacklistRules: NftRule[] = FAMILIES.flatMap((family) => [
    hostsRule(family, shardCount(hostCount(blacklist, family))),
    { id: `blacklist-nets${familySuffix(family)}`, match: [saddrInSet(family, blacklistSetName(family, 'nets'))], statements: [counter, drop] },
  ]);
  // IPv4-mapped sources first, VIP services untracked after the blacklist drops (hardening.ts).
  const rules = [mappedSourceRule(), ...blacklistRules, ...vipNotrackRules(config, vipSetName)];
  return { name: 'prerouting', base: { type: 'filter', hook: 'prerouting', priority: NAMED_PRIORITIES['raw'] as number, policy: 'accept' }, rules };
}

/**
 * VIP services are accepted by address . protocol . port, never by conntrack
 * state: a DR director sees only the client->VIP direction.
 */
function vipServiceRules(config: HostConfig): NftRule[] {
  const services = FAMILIES.map((family) => ({
    id: `vip-services${familySuffix(family)}`,
    match: [
      {
        kind: 'concat-in-set',
        fields: [{ kind: 'address', family, field: 'daddr' }, { kind: 'l4proto' }, { kind: 'th-dport' }],
        set: vipSetName(family),
      } satisfies Match,
    ],
    statements: [counter, accept],
  }));
  const anyPort = vipAddressSets(config).map((set) => ({
    id: set.name.replace('_', '-'),
    match: [{ kind: 'address-in-set', family: set.key[0] === 'ipv4_addr' ? 4 : 6, field: 'daddr', set: set.name } satisfies Match],
    statements: [counter, accept],
  }));
  return [...services, ...anyPort, ...healthCheckRules(config, healthCheckSets(config))];
}

function managementRules(config: HostConfig): NftRule[] {
  const { sshPort, allow } = config.management;
  const ssh = FAMILIES.map((family) => ({
    id: `mgmt-ssh${familySuffix(family)}`,
    match: [saddrInSet(family, `mgmt${familySuffix(family)}`), dport('tcp', sshPort)],
    statements: [accept],
  }));
  const extra = allow.flatMap((rule, index) =>
    FAMILIES.flatMap((family) => {
      const sources = mergedRanges(rule.sources, family);
      if (sources.length === 0) return [];
      return [
        {
          // The operator's comment rides along so `nft list` explains the rule.
          id: fitComment(`allow-${index + 1}-v${family}${rule.comment === undefined ? '' : `: ${rule.comment}`}`),
          match: [{ kind: 'address-in', family, field: 'saddr', ranges: sources } satisfies Match, dport(rule.protocol, rule.port)],
          statements: [accept],
        },
      ];
    }),
  );
  return [...ssh, ...extra];
}

/** nft keeps at most 128 bytes of a rule comment (NFTNL_UDATA_COMMENT_MAXLEN). */
const COMMENT_MAX_BYTES = 128;

function fitComment(text: string): string {
  // A comment cannot hold " or \ : write ' instead, so the id is what nft lists back.
  const chars = Array.from(text.replace(/["\\]/g, "'"));
  // Cut whole code points: half a surrogate pair reaches the kernel as U+FFFD.
  while (Buffer.byteLength(chars.join('')) > COMMENT_MAX_BYTES) chars.pop();
  return chars.join('');
}

function input(config: HostConfig): NftChain {
  const rules: NftRule[] = [
    { id: 'loopback', match: [{ kind: 'iif', name: 'lo' }], statements: [accept] },
    // Before every other accept, or a ping flood passes as established (hardening.ts).
    ...echoLimitRules(),
    ...vipServiceRules(config),
    ...vipIcmpErrorRules(config),
    ...redirectRules(),
    invalidRule(),
    // The host's own connections (package updates, DNS, keepalived checks)
    // and the ICMP errors about them.
    { id: 'established', match: [{ kind: 'ct-state', states: ['established', 'related'] }], statements: [accept] },
    ...reversePathRules(config),
    ...peerRules(config),
    ...managementRules(config),
    ...icmpRules(),
  ];
  if (config.inputPolicy === 'drop') rules.push({ id: 'policy-drop', match: [], statements: [counter] });
  return { name: 'input', base: { type: 'filter', hook: 'input', priority: NAMED_PRIORITIES['filter'] as number, policy: config.inputPolicy }, rules };
}

/**
 * buildRuleset turns the host model and the normalised blacklist into the
 * whole of `table inet lbfw`. lbfw never adds an output chain: IPVS DR
 * transmits through LOCAL_OUT, and a dropping output chain would break
 * forwarding to the real servers (DESIGN.md, section 2). Directors get a
 * forward chain (hardening.ts: nothing for DR, the replies for NAT).
 */
export function buildRuleset(config: HostConfig, blacklist: NormalisedBlacklist, options: BuildOptions = {}): Ruleset {
  const sets = [
    ...blacklistSets(blacklist, options.deal4),
    ...serviceSets(config),
    ...vipAddressSets(config),
    ...healthCheckSets(config),
    ...managementSets(config),
    ...(config.role === 'director' ? peerSets(config) : []),
  ];
  const natSets = forwardSets(config);
  // Regular chains first: the base chain's jumps refer to them.
  return {
    sets: [...sets, ...natSets],
    chains: [...shardChains(blacklist), prerouting(config, blacklist), input(config), ...forwardChain(config, natSets)],
  };
}
