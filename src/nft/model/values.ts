/**
 * Named constants of the packet headers lbfw matches on, with the numbers
 * the kernel compares (a netlink encoder writes the number, nft text the
 * name). Sources: IANA protocol numbers (include/uapi/linux/in.h), ICMP and
 * ICMPv6 types (RFC 792, RFC 4443, RFC 4861, RFC 2710/3810), conntrack
 * states (include/uapi/linux/netfilter/nf_conntrack_common.h).
 */

/** L4Protocol names an IP protocol as nft prints it. */
export type L4Protocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'vrrp' | 'sctp';

/** IP protocol numbers (meta l4proto, inet_proto). */
export const L4_PROTOCOL_NUMBERS: Readonly<Record<L4Protocol, number>> = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  icmpv6: 58,
  vrrp: 112,
  sctp: 132,
};

/** protocolName turns a protocol number back into its name, if lbfw knows it. */
export function protocolName(value: number): L4Protocol | undefined {
  return (Object.keys(L4_PROTOCOL_NUMBERS) as L4Protocol[]).find((name) => L4_PROTOCOL_NUMBERS[name] === value);
}

/** IcmpType names an ICMP (IPv4) type as nft prints it. */
export type IcmpType = 'echo-reply' | 'destination-unreachable' | 'redirect' | 'echo-request' | 'time-exceeded' | 'parameter-problem';

/** ICMP type numbers (RFC 792). */
export const ICMP_TYPE_NUMBERS: Readonly<Record<IcmpType, number>> = {
  'echo-reply': 0,
  'destination-unreachable': 3,
  redirect: 5,
  'echo-request': 8,
  'time-exceeded': 11,
  'parameter-problem': 12,
};

/** Icmp6Type names an ICMPv6 type as nft prints it. */
export type Icmp6Type =
  | 'destination-unreachable'
  | 'packet-too-big'
  | 'time-exceeded'
  | 'parameter-problem'
  | 'echo-request'
  | 'echo-reply'
  | 'mld-listener-query'
  | 'mld-listener-report'
  | 'mld-listener-done'
  | 'nd-router-solicit'
  | 'nd-router-advert'
  | 'nd-neighbor-solicit'
  | 'nd-neighbor-advert'
  | 'nd-redirect'
  | 'mld2-listener-report';

/** ICMPv6 type numbers (RFC 4443, 4861, 2710, 3810). */
export const ICMP6_TYPE_NUMBERS: Readonly<Record<Icmp6Type, number>> = {
  'destination-unreachable': 1,
  'packet-too-big': 2,
  'time-exceeded': 3,
  'parameter-problem': 4,
  'echo-request': 128,
  'echo-reply': 129,
  'mld-listener-query': 130,
  'mld-listener-report': 131,
  'mld-listener-done': 132,
  'nd-router-solicit': 133,
  'nd-router-advert': 134,
  'nd-neighbor-solicit': 135,
  'nd-neighbor-advert': 136,
  'nd-redirect': 137,
  'mld2-listener-report': 143,
};

/** CtState names a conntrack state bit as nft prints it. */
export type CtState = 'invalid' | 'established' | 'related' | 'new' | 'untracked';

/** Conntrack state bits (NF_CT_STATE_BIT, nf_conntrack_common.h): `ct state` is a bitmask. */
export const CT_STATE_BITS: Readonly<Record<CtState, number>> = {
  invalid: 1,
  established: 2,
  related: 4,
  new: 8,
  untracked: 64,
};

/**
 * Named base chain priorities of the inet family as nft prints them
 * (nft(8), "CHAIN PRIORITIES"); any other number is printed as a number.
 */
export const NAMED_PRIORITIES: Readonly<Record<string, number>> = {
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
};
