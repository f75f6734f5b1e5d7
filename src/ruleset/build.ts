/**
 * Pure builders: host model + normalised blacklist -> Ruleset data.
 * Nothing here touches the system.
 */
import type { Cidr, Family, HostConfig, VipService } from '../config/model.js';
import { familyLists, type NormalisedBlacklist } from '../blacklist/normalise.js';
import { bigIntToAddress, cidrToRange } from '../net/address.js';
import { hostSetName, shardChainName, shardCount, splitHosts } from './shards.js';
import { mergeRanges, rangeToElement } from '../net/merge.js';
import { dport, familySuffix, ipKeyword, saddrIn, saddrInSet } from './fragments.js';
import type { NftChain, NftRule, NftSet, Ruleset } from './types.js';
import {
  forwardChain,
  forwardSets,
  healthCheckRules,
  healthCheckSets,
  icmpRules,
  invalidRule,
  mappedSourceRule,
  peerRules,
  redirectRules,
  reversePathRules,
  vipIcmpErrorRules,
  vipNotrackRules,
} from './hardening.js';
import type { NftChain as TypedChain, NftSet as TypedSet } from '../nft/model/objects.js';
import type { NftRule as TypedRule } from '../nft/model/rules.js';
import { elementTexts } from '../nft/model/elements.js';
import { keyTypeText } from '../nft/model/keys.js';
import { priorityText, renderRuleText } from '../nft/render/rule-text.js';

const FAMILIES: readonly Family[] = [4, 6];

export { IPVS_SYNC_GROUP, IPVS_SYNC_PORT, VRRP_GROUP4, VRRP_GROUP6 } from './hardening.js';

// Adapters from the typed model (src/nft/model) to this builder's text form,
// until the builder itself produces typed rules (issue 7b).
const textRule = (rule: TypedRule): NftRule => ({ id: rule.id, text: renderRuleText(rule) });
const textSet = (set: TypedSet): NftSet => ({
  name: set.name,
  type: keyTypeText(set.key),
  interval: set.interval,
  ...(set.size === undefined ? {} : { size: set.size }),
  elements: elementTexts(set.elements),
  purpose: set.purpose,
});
const textChain = (chain: TypedChain): NftChain => ({
  name: chain.name,
  ...(chain.base === undefined
    ? {}
    : { hook: chain.base.hook as 'forward', priority: priorityText(chain.base.priority) as 'raw' | 'filter', policy: chain.base.policy }),
  rules: chain.rules.map(textRule),
});

/** Names of the blacklist sets, per family and kind. */
export function blacklistSetName(family: Family, kind: 'hosts' | 'nets'): string {
  return `bl${familySuffix(family)}_${kind}`;
}

function vipSetName(family: Family): string {
  return `vip${familySuffix(family)}_services`;
}

function sortedUnique(items: Iterable<string>): string[] {
  return [...new Set(items)].sort();
}

function vipElement(service: VipService): string {
  return `${service.address} . ${service.protocol} . ${service.port}`;
}

function mergedElements(cidrs: readonly Cidr[], family: Family): string[] {
  return mergeRanges(cidrs.filter((c) => c.family === family).map(cidrToRange)).map(rangeToElement);
}

/** Smallest capacity given to a blacklist hash set (the kernel's default cap of dynamic sets). */
export const MIN_HASH_SET_SIZE = 65536;

/**
 * hashSetSize gives a hash set room for at least twice its elements, in
 * power-of-two steps so that a few `blacklist add`s do not change it.
 */
export function hashSetSize(elements: number): number {
  let size = MIN_HASH_SET_SIZE;
  while (size < elements * 2) size *= 2;
  return size;
}

function blacklistSets(blacklist: NormalisedBlacklist): NftSet[] {
  return FAMILIES.flatMap((family) => {
    const lists = familyLists(blacklist, family);
    const shards = shardCount(lists.hosts.length);
    const hostSets = splitHosts(family, lists.hosts, shards).map((hosts, shard) => ({
      name: hostSetName(family, shard, shards),
      type: family === 4 ? 'ipv4_addr' : 'ipv6_addr',
      interval: false,
      size: hashSetSize(hosts.length),
      elements: hosts,
      purpose:
        shards === 1
          ? `blacklisted single IPv${family} addresses (hash set: instant add/remove)`
          : `blacklisted single IPv${family} addresses, shard ${shard} of ${shards} (last byte & ${shards - 1} = ${shard})`,
    }));
    return [
      ...hostSets,
    {
      name: blacklistSetName(family, 'nets'),
      type: family === 4 ? 'ipv4_addr' : 'ipv6_addr',
      interval: true,
      elements: lists.nets,
      purpose: `blacklisted IPv${family} prefixes and ranges (merged, interval set)`,
    },
    ];
  });
}

function serviceSets(config: HostConfig): NftSet[] {
  return FAMILIES.map((family) => ({
    name: vipSetName(family),
    type: `${family === 4 ? 'ipv4_addr' : 'ipv6_addr'} . inet_proto . inet_service`,
    interval: false,
    elements: sortedUnique(config.services.filter((s) => s.family === family).map(vipElement)),
    purpose: `IPv${family} VIP services (address . protocol . port)`,
  }));
}

/** Sets of VIPs given without a port; only present when there are some. */
function vipAddressSets(config: HostConfig): NftSet[] {
  const addresses = config.vipAddresses ?? [];
  return FAMILIES.flatMap((family) => {
    const elements = sortedUnique(addresses.filter((a) => a.family === family).map((a) => a.address));
    if (elements.length === 0) return [];
    return [{ name: `vip${familySuffix(family)}_addresses`, type: family === 4 ? 'ipv4_addr' : 'ipv6_addr', interval: false, elements, purpose: `IPv${family} VIPs accepted on every port (--vip without a port)` }];
  });
}

function managementSets(config: HostConfig): NftSet[] {
  return FAMILIES.map((family) => ({
    name: `mgmt${familySuffix(family)}`,
    type: family === 4 ? 'ipv4_addr' : 'ipv6_addr',
    interval: true,
    elements: mergedElements(config.management.sources, family),
    purpose: `IPv${family} management sources (SSH port ${config.management.sshPort})`,
  }));
}

function peerSets(config: HostConfig): NftSet[] {
  return FAMILIES.map((family) => ({
    name: `peers${familySuffix(family)}`,
    type: family === 4 ? 'ipv4_addr' : 'ipv6_addr',
    interval: false,
    elements: sortedUnique(config.peers.filter((p) => p.family === family).map((p) => p.address)),
    purpose: `IPv${family} peer directors (VRRP and IPVS sync)`,
  }));
}

/** The host lookup of one family: one set, or a verdict map over the shards. */
function hostsRule(family: Family, shards: number): NftRule {
  const id = `blacklist-hosts${familySuffix(family)}`;
  if (shards === 1) return { id, text: `${saddrInSet(family, hostSetName(family, 0, 1))} counter drop` };
  const key = (n: number): string => bigIntToAddress(family, BigInt(n));
  const jumps = Array.from({ length: shards }, (_, shard) => `${key(shard)} : jump ${shardChainName(family, shard)}`);
  return { id, text: `${ipKeyword(family)} saddr & ${key(shards - 1)} vmap { ${jumps.join(', ')} }` };
}

/** Regular chains that look up one shard each (none when a family is not sharded). */
function shardChains(blacklist: NormalisedBlacklist): NftChain[] {
  return FAMILIES.flatMap((family) => {
    const shards = shardCount(familyLists(blacklist, family).hosts.length);
    if (shards === 1) return [];
    return Array.from({ length: shards }, (_, shard) => ({
      name: shardChainName(family, shard),
      rules: [
        {
          id: `blacklist-hosts${familySuffix(family)}-shard-${shard}`,
          text: `${saddrInSet(family, hostSetName(family, shard, shards))} counter drop`,
        },
      ],
    }));
  });
}

/** Prerouting at raw priority: blacklisted sources die before conntrack sees them. */
function prerouting(config: HostConfig, blacklist: NormalisedBlacklist): NftChain {
  const blacklistRules: NftRule[] = FAMILIES.flatMap((family) => [
    hostsRule(family, shardCount(familyLists(blacklist, family).hosts.length)),
    { id: `blacklist-nets${familySuffix(family)}`, text: `${saddrInSet(family, blacklistSetName(family, 'nets'))} counter drop` },
  ]);
  const rules = [textRule(mappedSourceRule()), ...blacklistRules, ...vipNotrackRules(config, vipSetName).map(textRule)];
  return { name: 'prerouting', hook: 'prerouting', priority: 'raw', policy: 'accept', rules };
}

/**
 * VIP services are accepted by address . protocol . port, never by conntrack
 * state: a DR director sees only the client->VIP direction.
 */
function vipServiceRules(config: HostConfig): NftRule[] {
  const services = FAMILIES.map((family) => ({
    id: `vip-services${familySuffix(family)}`,
    text: `${ipKeyword(family)} daddr . meta l4proto . th dport @${vipSetName(family)} counter accept`,
  }));
  const anyPort = vipAddressSets(config).map((set) => ({
    id: set.name.replace('_', '-'),
    text: `${set.type === 'ipv4_addr' ? 'ip' : 'ip6'} daddr @${set.name} counter accept`,
  }));
  const healthChecks = healthCheckRules(config, healthCheckSets(config)).map(textRule);
  return [...services, ...anyPort, ...healthChecks];
}

function managementRules(config: HostConfig): NftRule[] {
  const { sshPort, allow } = config.management;
  const ssh = FAMILIES.map((family) => ({
    id: `mgmt-ssh${familySuffix(family)}`,
    text: `${saddrInSet(family, `mgmt${familySuffix(family)}`)} ${dport('tcp', sshPort)} accept`,
  }));
  const extra = allow.flatMap((rule, index) =>
    FAMILIES.flatMap((family) => {
      const sources = mergedElements(rule.sources, family);
      if (sources.length === 0) return [];
      return [
        {
          // The operator's comment rides along so `nft list` explains the rule.
          id: fitComment(`allow-${index + 1}-v${family}${rule.comment === undefined ? '' : `: ${rule.comment}`}`),
          text: `${saddrIn(family, sources)} ${dport(rule.protocol, rule.port)} accept`,
        },
      ];
    }),
  );
  return [...ssh, ...extra];
}

/** nft keeps at most 128 bytes of a rule comment (NFTNL_UDATA_COMMENT_MAXLEN). */
const COMMENT_MAX_BYTES = 128;

function fitComment(text: string): string {
  // fragments.comment() writes ' for " and \ : the id must match what nft lists back.
  const chars = Array.from(text.replace(/["\\]/g, "'"));
  // Cut whole code points: half a surrogate pair reaches the kernel as U+FFFD.
  while (Buffer.byteLength(chars.join('')) > COMMENT_MAX_BYTES) chars.pop();
  return chars.join('');
}

function input(config: HostConfig): NftChain {
  const rules: NftRule[] = [
    { id: 'loopback', text: 'iif "lo" accept' },
    ...vipServiceRules(config),
    ...vipIcmpErrorRules(config).map(textRule),
    ...redirectRules().map(textRule),
    textRule(invalidRule()),
    // The host's own connections (package updates, DNS, keepalived checks)
    // and the ICMP errors about them.
    { id: 'established', text: 'ct state established,related accept' },
    ...reversePathRules(config).map(textRule),
    ...peerRules(config).map(textRule),
    ...managementRules(config),
    ...icmpRules().map(textRule),
  ];
  if (config.inputPolicy === 'drop') rules.push({ id: 'policy-drop', text: 'counter' });
  return { name: 'input', hook: 'input', priority: 'filter', policy: config.inputPolicy, rules };
}

/**
 * buildRuleset turns the host model and the normalised blacklist into the
 * whole of `table inet lbfw`. lbfw never adds an output or forward chain:
 * IPVS DR transmits through LOCAL_OUT, and a dropping output chain would
 * break forwarding to the real servers (DESIGN.md, section 2).
 */
export function buildRuleset(config: HostConfig, blacklist: NormalisedBlacklist): Ruleset {
  const sets = [
    ...blacklistSets(blacklist),
    ...serviceSets(config),
    ...vipAddressSets(config),
    ...healthCheckSets(config).map(textSet),
    ...managementSets(config),
    ...(config.role === 'director' ? peerSets(config) : []),
  ];
  const natSets = forwardSets(config);
  // Regular chains first: the base chain's jumps refer to them.
  return {
    sets: [...sets, ...natSets.map(textSet)],
    chains: [...shardChains(blacklist), prerouting(config, blacklist), input(config), ...forwardChain(config, natSets).map(textChain)],
  };
}
