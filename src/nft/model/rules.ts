/**
 * Rules as data: a rule is a list of matches (all must hold) followed by a
 * list of statements (counter, verdict, verdict map), the way nftables
 * itself builds a rule from expressions. Each Match and Statement kind
 * carries semantic fields (family, set name, protocol, port, addresses),
 * never nft text: the nft backend renders them (src/nft/render/rule-text.ts)
 * and the netlink backend encodes them into expressions.
 *
 * ADDING A SHAPE: add a member to `Match` or `Statement` below (one kind,
 * its fields, a doc comment naming the nft syntax and the kernel
 * expressions), then the compiler points at every table that must learn it:
 * MATCH_TEXT / STATEMENT_TEXT in src/nft/render/rule-text.ts, the nft JSON
 * reader in src/nft/json-rules.ts, and the netlink encoder. Golden text
 * goes into test/unit/nft/rule-text.test.ts.
 */
import type { AddressRange } from '../../net/address.js';
import type { CtState, Icmp6Type, IcmpType, L4Protocol } from './values.js';

/** Address family of an IP header match: `ip` (4) or `ip6` (6). */
export type IpFamily = 4 | 6;

/** Which address of the IP header. */
export type AddressField = 'saddr' | 'daddr';

/** A field of a concatenated lookup key (`ip daddr . meta l4proto . th dport`). */
export type ConcatField =
  | { readonly kind: 'address'; readonly family: IpFamily; readonly field: AddressField }
  /** `meta l4proto`: the transport protocol number (meta key NFT_META_L4PROTO). */
  | { readonly kind: 'l4proto' }
  /** `th dport`: the transport header's destination port, any protocol (payload base NFT_PAYLOAD_TRANSPORT_HEADER, offset 2). */
  | { readonly kind: 'th-dport' }
  /** `th sport`: the transport header's source port (payload base NFT_PAYLOAD_TRANSPORT_HEADER, offset 0, 2 bytes). */
  | { readonly kind: 'th-sport' };

/** Match is one condition of a rule. */
export type Match =
  /** `iif "lo"`: the input interface (meta iif; the kernel compares an ifindex, resolved when the rule is loaded). */
  | { readonly kind: 'iif'; readonly name: string }
  /**
   * `iifname "eth0"`: the input interface by name (meta NFT_META_IIFNAME, cmp
   * eq of the name zero-padded to IFNAMSIZ = 16 bytes). Unlike `iif` it loads
   * before the interface exists (early boot) and follows a renamed or
   * re-created interface.
   */
  | { readonly kind: 'iifname'; readonly name: string }
  /** `meta nfproto ipv4`: the packet's family in an inet table (meta NFT_META_NFPROTO, cmp eq NFPROTO_IPV4 = 2 / NFPROTO_IPV6 = 10, 1 byte). */
  | { readonly kind: 'nfproto'; readonly family: IpFamily }
  /**
   * `fib saddr . iif oif missing`: no route back to the source leaves by the
   * interface the packet came in on (a reverse-path check, as firewalld's
   * rpfilter). Kernel: fib expression, flags NFTA_FIB_F_SADDR |
   * NFTA_FIB_F_IIF, result NFT_FIB_RESULT_OIF into a register, then cmp eq
   * 0 (4 bytes).
   */
  | { readonly kind: 'fib-saddr-iif-missing' }
  /** `ip saddr @set`: the address is in a named set (payload + lookup). */
  | { readonly kind: 'address-in-set'; readonly family: IpFamily; readonly field: AddressField; readonly set: string }
  /**
   * `ip saddr 192.0.2.0/24`, `ip6 daddr ff02::12`, or `ip saddr { A, B }`
   * (an anonymous interval set) for several: the address is in one of the
   * ranges (merged, ascending).
   */
  | { readonly kind: 'address-in'; readonly family: IpFamily; readonly field: AddressField; readonly ranges: readonly AddressRange[] }
  /** `ip daddr . meta l4proto . th dport @set`: a concatenated key looked up in a named set. */
  | { readonly kind: 'concat-in-set'; readonly fields: readonly ConcatField[]; readonly set: string }
  /** `meta l4proto vrrp`: the transport protocol. */
  | { readonly kind: 'l4proto'; readonly protocol: L4Protocol }
  /** `tcp dport 22`: protocol and destination port (nft adds the protocol check itself). */
  | { readonly kind: 'dport'; readonly protocol: 'tcp' | 'udp'; readonly port: number }
  /** `ip ttl 255` / `ip6 hoplimit 255`: the hop limit equals `value`. */
  | { readonly kind: 'hop-limit'; readonly family: IpFamily; readonly value: number }
  /** `icmp type { ... }` / `icmpv6 type echo-request`: the ICMP type is one of these (in this order in text). */
  | { readonly kind: 'icmp-type'; readonly types: readonly IcmpType[] }
  | { readonly kind: 'icmpv6-type'; readonly types: readonly Icmp6Type[] }
  /** `ct state established,related`: the conntrack state is one of these (a bitmask test). */
  | { readonly kind: 'ct-state'; readonly states: readonly CtState[] };

/** Statement is what a rule does once its matches hold, in order. */
export type Statement =
  /** `counter`: count packets and bytes (values are never part of the rule's identity). */
  | { readonly kind: 'counter' }
  /** `notrack`: conntrack skips the packet (kernel notrack expression; raw priority only, before conntrack). Not a verdict. */
  | { readonly kind: 'notrack' }
  /**
   * `limit rate 100/second burst 50 packets`: passes while under the rate, a
   * non-matching match otherwise (kernel limit expression: NFTA_LIMIT_RATE,
   * NFTA_LIMIT_UNIT = 1 for seconds, NFTA_LIMIT_BURST, NFTA_LIMIT_TYPE
   * NFT_LIMIT_PKTS). nft omits `burst 5 packets` (its default) when listing.
   * `over: true` is `limit rate over 100/second burst 50 packets`: matches
   * only what exceeds the rate (NFTA_LIMIT_FLAGS NFT_LIMIT_F_INV), for a
   * `... drop` rule.
   */
  | { readonly kind: 'limit'; readonly perSecond: number; readonly burst: number; readonly over?: boolean }
  /** `accept`, `drop`, `return`: a final verdict. */
  | { readonly kind: 'verdict'; readonly verdict: 'accept' | 'drop' | 'return' }
  /** `jump CHAIN`: run a regular chain, then come back. */
  | { readonly kind: 'jump'; readonly chain: string }
  /** `goto CHAIN`: continue in a regular chain, without coming back. */
  | { readonly kind: 'goto'; readonly chain: string }
  /**
   * The blacklist's shard map: `ip saddr & 0.0.0.15 vmap { 0.0.0.0 : jump
   * C0, ... }`. The address is masked to its low bits (chains.length - 1, a
   * power of two) and the result jumps to chains[value] (payload + bitwise +
   * lookup in an anonymous verdict map). See src/ruleset/shards.ts.
   */
  | { readonly kind: 'shard-vmap'; readonly family: IpFamily; readonly field: AddressField; readonly chains: readonly string[] };

/** NftRule is one rule. */
export interface NftRule {
  /**
   * Stable id, stored as the rule's comment (NFTNL_UDATA_RULE_COMMENT, at
   * most 128 bytes, no `"` or `\`) so a listing maps back to it.
   */
  readonly id: string;
  readonly match: readonly Match[];
  readonly statements: readonly Statement[];
}

/** MatchKind names every kind of Match. */
export type MatchKind = Match['kind'];
/** StatementKind names every kind of Statement. */
export type StatementKind = Statement['kind'];
