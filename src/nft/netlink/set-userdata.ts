/**
 * The set userdata nft 1.0.6 writes besides the key byte order (libnftnl
 * udata.h: enum nftnl_udata_set_types; nftables src/mnl.c and
 * src/expression.c: typeof records). The kernel stores it untouched for
 * nft's own listing; lbfw writes the same bytes so that a set it loads is
 * the set `nft -f` would have loaded, byte for byte. Each record is type
 * (u8), length (u8), value; numbers are host-order u32 (little endian here).
 * Pure.
 */

/** NFTNL_UDATA_SET_*. */
const DATABYTEORDER = 1;
const MERGE_ELEMENTS = 2;
const KEY_TYPEOF = 3;
const DATA_TYPEOF = 4;
const DATA_INTERVAL = 6;
/** Inside a typeof record: the expression kind, then its data. */
const TYPEOF_EXPR = 0;
const TYPEOF_DATA = 1;
/** nftables enum expr_types. */
const EXPR_VERDICT = 1;
const EXPR_PAYLOAD = 7;
const EXPR_CONCAT = 13;

function record(type: number, value: Uint8Array): Buffer {
  return Buffer.concat([Uint8Array.of(type, value.length), value]);
}

function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value);
  return out;
}

function typeofPayload(desc: number, field: number): Buffer {
  return record(KEY_TYPEOF, Buffer.concat([record(TYPEOF_EXPR, u32(EXPR_PAYLOAD)), record(TYPEOF_DATA, Buffer.concat([record(0, u32(desc)), record(1, u32(field))]))]));
}

/** A named concatenated set (`type a . b . c`): nft records the key as a concatenation, its fields by type. */
export const CONCAT_TYPEOF: Uint8Array = record(KEY_TYPEOF, Buffer.concat([record(TYPEOF_EXPR, u32(EXPR_CONCAT)), record(TYPEOF_DATA, new Uint8Array(0))]));

/** nftables enum proto_desc_id and the header fields lbfw's anonymous sets are keyed by (proto_ip, proto_ip6, proto_icmp, proto_icmp6 templates). */
const PROTO_DESC = { ip: 12, ip6: 13, icmp: 4, icmpv6: 14 } as const;
const FIELD = { ipSaddr: 11, ipDaddr: 12, ip6Saddr: 8, ip6Daddr: 9, icmpType: 1 } as const;

/** `ip saddr { ... }` and kin: the key is an address of the IP header; an interval set is auto-merged. */
export function addressSetUserdata(family: 4 | 6, field: 'saddr' | 'daddr', interval: boolean): Buffer {
  const id = family === 4 ? (field === 'saddr' ? FIELD.ipSaddr : FIELD.ipDaddr) : field === 'saddr' ? FIELD.ip6Saddr : FIELD.ip6Daddr;
  return Buffer.concat([interval ? record(MERGE_ELEMENTS, u32(1)) : Buffer.alloc(0), typeofPayload(family === 4 ? PROTO_DESC.ip : PROTO_DESC.ip6, id)]);
}

/** `icmp type { ... }` / `icmpv6 type { ... }`. */
export function icmpTypeSetUserdata(family: 4 | 6): Buffer {
  return typeofPayload(family === 4 ? PROTO_DESC.icmp : PROTO_DESC.icmpv6, FIELD.icmpType);
}

/** The shard map's `vmap { ... }`: verdict data, host byte order, no intervals (its key, `addr & mask`, has no typeof). */
export const VERDICT_MAP_USERDATA: Uint8Array = Buffer.concat([
  record(DATABYTEORDER, u32(0)),
  record(DATA_TYPEOF, Buffer.concat([record(TYPEOF_EXPR, u32(EXPR_VERDICT)), record(TYPEOF_DATA, new Uint8Array(0))])),
  record(DATA_INTERVAL, u32(0)),
]);
