/**
 * Reading lbfw's table back from the kernel's dumps: set headers, chains,
 * rules (expressions matched back to the typed shapes of model/rules.ts, the
 * inverse of expressions.ts) and set elements (into an ElementList). A rule
 * whose expressions are not ones lbfw writes stays untyped, its text naming
 * the expressions, so verify reports it instead of guessing. Pure.
 */
import { ipv4SortedElements, sortElements, type ElementList } from '../model/elements.js';
import { keyWidth, type KeyField, type SetKey } from '../model/keys.js';
import type { BaseChain, ChainHook } from '../model/objects.js';
import type { AddressField, ConcatField, IpFamily, Match, NftRule, Statement } from '../model/rules.js';
import { CT_STATE_BITS, ICMP6_TYPE_NUMBERS, ICMP_TYPE_NUMBERS, protocolName, type CtState, type Icmp6Type, type IcmpType } from '../model/values.js';
import { attributeMap, attributes, be32, text } from './reader.js';
import * as U from './uapi.js';

/** Expression: one kernel expression of a rule: its name and attributes. */
export interface Expression {
  readonly name: string;
  readonly attrs: ReadonlyMap<number, Buffer>;
}

/** DecodedSet: a set header as dumped. */
export interface DecodedSet {
  readonly name: string;
  readonly flags: number;
  readonly keyType: number;
  readonly keyLen: number;
  readonly size?: number;
  readonly key?: SetKey;
}

const FIELD_OF_TYPE: Readonly<Record<number, KeyField>> = { 7: 'ipv4_addr', 8: 'ipv6_addr', 12: 'inet_proto', 13: 'inet_service' };

/** keyOfType unpacks nft's packed datatype ids (6 bits each) into a SetKey, or undefined for types lbfw never writes. */
export function keyOfType(type: number): SetKey | undefined {
  const fields: KeyField[] = [];
  let rest = type;
  while (rest > 0) {
    const field = FIELD_OF_TYPE[rest & 0x3f];
    if (field === undefined) return undefined;
    fields.unshift(field);
    rest >>>= U.NFT_TYPE_BITS;
  }
  return fields.length === 0 ? undefined : (fields as unknown as SetKey);
}

/** decodeSet reads a NEWSET dump message payload (after nfgenmsg). */
export function decodeSet(payload: Buffer): DecodedSet {
  const a = attributeMap(payload.subarray(U.NFGENMSG_LEN));
  const keyType = be32(a.get(U.NFTA_SET_KEY_TYPE)) ?? 0;
  const desc = a.get(U.NFTA_SET_DESC);
  const size = desc === undefined ? undefined : be32(attributeMap(desc).get(U.NFTA_SET_DESC_SIZE));
  const key = keyOfType(keyType);
  return {
    name: text(a.get(U.NFTA_SET_NAME)) ?? '',
    flags: be32(a.get(U.NFTA_SET_FLAGS)) ?? 0,
    keyType,
    keyLen: be32(a.get(U.NFTA_SET_KEY_LEN)) ?? 0,
    ...(size === undefined ? {} : { size }),
    ...(key === undefined ? {} : { key }),
  };
}

/** DecodedChain: a chain as dumped. */
export interface DecodedChain {
  readonly table: string;
  readonly name: string;
  readonly base?: BaseChain;
}

const HOOK_NAMES = Object.fromEntries(Object.entries(U.NF_INET_HOOKS).map(([name, n]) => [n, name])) as Record<number, ChainHook>;

/** decodeChain reads a NEWCHAIN dump message payload. */
export function decodeChain(payload: Buffer): DecodedChain {
  const a = attributeMap(payload.subarray(U.NFGENMSG_LEN));
  const hook = a.get(U.NFTA_CHAIN_HOOK);
  const table = text(a.get(U.NFTA_CHAIN_TABLE)) ?? '';
  const name = text(a.get(U.NFTA_CHAIN_NAME)) ?? '';
  if (hook === undefined) return { table, name };
  const h = attributeMap(hook);
  const hookName = HOOK_NAMES[be32(h.get(U.NFTA_HOOK_HOOKNUM)) ?? -1] ?? 'input';
  return {
    table,
    name,
    base: {
      type: 'filter',
      hook: hookName,
      priority: (h.get(U.NFTA_HOOK_PRIORITY)?.readInt32BE(0)) ?? 0,
      policy: be32(a.get(U.NFTA_CHAIN_POLICY)) === U.NF_ACCEPT ? 'accept' : 'drop',
    },
  };
}

/** DecodedRule: a rule as dumped, its expressions and comment. */
export interface DecodedRule {
  readonly chain: string;
  readonly expressions: readonly Expression[];
  readonly comment?: string;
  /** Packets counted by its counter, if it has one. */
  readonly packets?: number;
}

function commentOf(userdata: Buffer | undefined): string | undefined {
  if (userdata === undefined) return undefined;
  let at = 0;
  while (at + 2 <= userdata.length) {
    const type = userdata[at] as number;
    const len = userdata[at + 1] as number;
    if (type === U.NFTNL_UDATA_RULE_COMMENT) return text(userdata.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  return undefined;
}

/** decodeRule reads a NEWRULE dump message payload. */
export function decodeRule(payload: Buffer): DecodedRule {
  const a = attributeMap(payload.subarray(U.NFGENMSG_LEN));
  const expressions: Expression[] = [];
  let packets: number | undefined;
  for (const item of attributes(a.get(U.NFTA_RULE_EXPRESSIONS) ?? Buffer.alloc(0))) {
    const e = attributeMap(item.value);
    const name = text(e.get(U.NFTA_EXPR_NAME)) ?? '';
    const attrs = attributeMap(e.get(U.NFTA_EXPR_DATA) ?? Buffer.alloc(0));
    if (name === 'counter') {
      const p = attrs.get(U.NFTA_COUNTER_PACKETS);
      if (p !== undefined && p.length >= 8) packets = Number(p.readBigUInt64BE(0));
    }
    expressions.push({ name, attrs });
  }
  const comment = commentOf(a.get(U.NFTA_RULE_USERDATA));
  return {
    chain: text(a.get(U.NFTA_RULE_CHAIN)) ?? '',
    expressions,
    ...(comment === undefined ? {} : { comment }),
    ...(packets === undefined ? {} : { packets }),
  };
}

/** RawElement: one element of a set dump. */
export interface RawElement {
  readonly key: Buffer;
  readonly end: boolean;
  /** Verdict maps: the chain an element jumps to. */
  readonly chain?: string;
  /** Userdata flag: an interval open to the top of the address space. */
  readonly open: boolean;
}

/** decodeElements reads the elements of a NEWSETELEM dump message payload. */
export function decodeElements(payload: Buffer, out: RawElement[]): void {
  const a = attributeMap(payload.subarray(U.NFGENMSG_LEN));
  for (const item of attributes(a.get(U.NFTA_SET_ELEM_LIST_ELEMENTS) ?? Buffer.alloc(0))) {
    const e = attributeMap(item.value);
    const keyNest = e.get(U.NFTA_SET_ELEM_KEY);
    const key = keyNest === undefined ? undefined : attributeMap(keyNest).get(U.NFTA_DATA_VALUE);
    if (key === undefined) continue;
    const flags = be32(e.get(U.NFTA_SET_ELEM_FLAGS)) ?? 0;
    const data = e.get(U.NFTA_SET_ELEM_DATA);
    const verdict = data === undefined ? undefined : attributeMap(data).get(U.NFTA_DATA_VERDICT);
    const chain = verdict === undefined ? undefined : text(attributeMap(verdict).get(U.NFTA_VERDICT_CHAIN));
    const udata = e.get(6);
    out.push({ key, end: (flags & U.NFT_SET_ELEM_INTERVAL_END) !== 0, ...(chain === undefined ? {} : { chain }), open: udata !== undefined && udata[0] === 1 && (udata[2] ?? 0) & 1 ? true : false });
  }
}

function predecessor(key: Buffer): Buffer {
  const out = Buffer.from(key);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== 0) {
      out[i] = (out[i] as number) - 1;
      return out;
    }
    out[i] = 0xff;
  }
  return out;
}

/**
 * toElementList turns dumped elements into an ElementList: hash sets as
 * their keys; interval sets as start + exclusive end pairs back into
 * inclusive ranges (a start with no end runs to the top of the space; a lone
 * end at 0, as nft writes first, is no element).
 */
export function toElementList(key: SetKey, interval: boolean, raw: readonly RawElement[]): ElementList {
  const width = keyWidth(key);
  if (!interval) {
    const keys = new Uint8Array(raw.length * width);
    raw.forEach((e, i) => keys.set(e.key.subarray(0, width), i * width));
    return sortElements({ key, interval, count: raw.length, keys });
  }
  const sorted = [...raw].sort((a, b) => Buffer.compare(a.key, b.key) || (a.end === b.end ? 0 : a.end ? -1 : 1));
  const starts: Buffer[] = [];
  const lasts: Buffer[] = [];
  let open: Buffer | undefined;
  for (const e of sorted) {
    if (!e.end) {
      if (open !== undefined) {
        starts.push(open);
        lasts.push(predecessor(e.key));
      }
      open = e.key;
    } else if (open !== undefined) {
      starts.push(open);
      lasts.push(predecessor(e.key));
      open = undefined;
    }
  }
  if (open !== undefined) {
    starts.push(open);
    lasts.push(Buffer.alloc(width, 0xff));
  }
  return { key, interval, count: starts.length, keys: new Uint8Array(Buffer.concat(starts)), lasts: new Uint8Array(Buffer.concat(lasts)) };
}

// ---- rules: expressions back to typed matches and statements ----

function u32(e: Expression, attr: number): number | undefined {
  return be32(e.attrs.get(attr));
}

function dataValue(e: Expression, attr: number): Buffer | undefined {
  const nest = e.attrs.get(attr);
  return nest === undefined ? undefined : attributeMap(nest).get(U.NFTA_DATA_VALUE);
}

function bigOf(bytes: Buffer): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** AnonymousSet: the elements of a rule's anonymous set or map, by the name the kernel gave it. */
export interface AnonymousSet {
  readonly list: ElementList;
  readonly raw: readonly RawElement[];
}

class Cursor {
  i = 0;
  /** The family the rule's `meta nfproto` dependency established (IP header offsets depend on it). */
  family: IpFamily | undefined;
  constructor(readonly list: readonly Expression[]) {}
  peek(offset = 0): Expression | undefined {
    return this.list[this.i + offset];
  }
}

function isMeta(e: Expression | undefined, key: number): boolean {
  return e?.name === 'meta' && u32(e, U.NFTA_META_KEY) === key && e.attrs.has(U.NFTA_META_DREG);
}

function cmpValue(e: Expression | undefined, op = U.NFT_CMP_EQ): Buffer | undefined {
  if (e?.name !== 'cmp' || u32(e, U.NFTA_CMP_OP) !== op || u32(e, U.NFTA_CMP_SREG) !== U.NFT_REG_1) return undefined;
  return dataValue(e, U.NFTA_CMP_DATA);
}

function payloadOf(e: Expression | undefined): { base: number; offset: number; len: number; dreg: number } | undefined {
  if (e?.name !== 'payload') return undefined;
  return { base: u32(e, U.NFTA_PAYLOAD_BASE) ?? -1, offset: u32(e, U.NFTA_PAYLOAD_OFFSET) ?? -1, len: u32(e, U.NFTA_PAYLOAD_LEN) ?? -1, dreg: u32(e, U.NFTA_PAYLOAD_DREG) ?? -1 };
}

/**
 * The address field a network-header load reads, in the rule's family:
 * the whole address, or (`short`) its first bytes, which is how nft loads a
 * prefix on a byte boundary.
 */
function addressOf(p: { base: number; offset: number; len: number }, family: IpFamily | undefined): { family: IpFamily; field: AddressField; whole: boolean } | undefined {
  if (p.base !== U.NFT_PAYLOAD_NETWORK_HEADER || family === undefined) return undefined;
  const width = family === 4 ? 4 : 16;
  const offsets = family === 4 ? [12, 16] : [8, 24];
  if (!offsets.includes(p.offset) || p.len < 1 || p.len > width) return undefined;
  return { family, field: p.offset === offsets[0] ? 'saddr' : 'daddr', whole: p.len === width };
}

const ICMP_NAMES = Object.fromEntries(Object.entries(ICMP_TYPE_NUMBERS).map(([n, v]) => [v, n])) as Record<number, IcmpType>;
const ICMP6_NAMES = Object.fromEntries(Object.entries(ICMP6_TYPE_NUMBERS).map(([n, v]) => [v, n])) as Record<number, Icmp6Type>;

function prefixRange(network: bigint, mask: bigint, bits: bigint): { first: bigint; last: bigint } | undefined {
  const hostMask = ((1n << bits) - 1n) ^ mask;
  if (((hostMask + 1n) & hostMask) !== 0n) return undefined;
  return { first: network, last: network | hostMask };
}

/** `meta l4proto icmp|icmpv6` then the type byte: the start of an ICMP type match. */
function startsIcmpType(c: Cursor, at: number): boolean {
  const proto = cmpValue(c.peek(at + 1));
  const p = payloadOf(c.peek(at + 2));
  return isMeta(c.peek(at), U.NFT_META_L4PROTO) && proto !== undefined && (proto[0] === 1 || proto[0] === 58) && p?.base === U.NFT_PAYLOAD_TRANSPORT_HEADER && p.offset === 0 && p.len === 1;
}

/** The limit statement, or undefined for a limit lbfw does not write (bytes, other units). */
function limitOf(e: Expression): Statement | undefined {
  const rate = e.attrs.get(U.NFTA_LIMIT_RATE);
  const unit = e.attrs.get(U.NFTA_LIMIT_UNIT);
  const burst = u32(e, U.NFTA_LIMIT_BURST);
  const flags = u32(e, U.NFTA_LIMIT_FLAGS) ?? 0;
  if (rate?.length !== 8 || unit?.length !== 8 || burst === undefined) return undefined;
  if (unit.readBigUInt64BE(0) !== 1n || (u32(e, U.NFTA_LIMIT_TYPE) ?? U.NFT_LIMIT_PKTS) !== U.NFT_LIMIT_PKTS || (flags & ~U.NFT_LIMIT_F_INV) !== 0) return undefined;
  const over = (flags & U.NFT_LIMIT_F_INV) !== 0;
  return { kind: 'limit', perSecond: Number(rate.readBigUInt64BE(0)), burst, ...(over ? { over } : {}) };
}

const FIB_SADDR_IIF_PRESENT = U.NFTA_FIB_F_SADDR | U.NFTA_FIB_F_IIF | U.NFTA_FIB_F_PRESENT;

/**
 * typedRule matches a rule's expressions back to lbfw's shapes, or returns
 * undefined when any expression is not one lbfw writes.
 */
export function typedRule(rule: DecodedRule, anonymous: ReadonlyMap<string, AnonymousSet>, ifname: (index: number) => string | undefined): NftRule | undefined {
  const c = new Cursor(rule.expressions);
  const match: Match[] = [];
  const statements: Statement[] = [];
  while (c.peek() !== undefined) {
    const e = c.peek() as Expression;
    if (isMeta(e, U.NFT_META_NFPROTO)) {
      const v = cmpValue(c.peek(1));
      if (v?.length !== 1 || (v[0] !== U.NFPROTO_IPV4 && v[0] !== U.NFPROTO_IPV6)) return undefined;
      const family: IpFamily = v[0] === U.NFPROTO_IPV4 ? 4 : 6;
      c.family = family;
      c.i += 2;
      // nft's dependency of an IP header or ICMP match that follows (implied by it, so not printed); else the operator's own.
      const next = c.peek();
      const implied = payloadOf(next)?.base === U.NFT_PAYLOAD_NETWORK_HEADER || startsIcmpType(c, 0);
      if (!implied) match.push({ kind: 'nfproto', family });
      continue;
    }
    if (isMeta(e, U.NFT_META_IIF)) {
      const v = cmpValue(c.peek(1));
      const name = v?.length !== 4 ? undefined : ifname(v.readUInt32LE(0));
      if (name === undefined) return undefined;
      match.push({ kind: 'iif', name });
      c.i += 2;
      continue;
    }
    if (isMeta(e, U.NFT_META_IIFNAME)) {
      const v = cmpValue(c.peek(1));
      const name = v?.length !== U.IFNAMSIZ ? undefined : text(v);
      if (name === undefined || name.length === 0) return undefined;
      match.push({ kind: 'iifname', name });
      c.i += 2;
      continue;
    }
    if (e.name === 'fib') {
      const zero = cmpValue(c.peek(1));
      const fibOk = u32(e, U.NFTA_FIB_FLAGS) === FIB_SADDR_IIF_PRESENT && u32(e, U.NFTA_FIB_RESULT) === U.NFT_FIB_RESULT_OIF && u32(e, U.NFTA_FIB_DREG) === U.NFT_REG_1;
      if (!fibOk || zero === undefined || zero.some((b) => b !== 0)) return undefined;
      match.push({ kind: 'fib-saddr-iif-missing' });
      c.i += 2;
      continue;
    }
    if (e.name === 'ct' && u32(e, U.NFTA_CT_KEY) === U.NFT_CT_STATE && c.peek(1)?.name === 'bitwise') {
      const mask = dataValue(c.peek(1) as Expression, U.NFTA_BITWISE_MASK);
      if (mask === undefined || cmpValue(c.peek(2), U.NFT_CMP_NEQ) === undefined) return undefined;
      const bits = mask.readUInt32LE(0);
      const states = (Object.keys(CT_STATE_BITS) as CtState[]).filter((s) => (bits & CT_STATE_BITS[s]) !== 0);
      match.push({ kind: 'ct-state', states });
      c.i += 3;
      continue;
    }
    if (isMeta(e, U.NFT_META_L4PROTO) && (u32(e, U.NFTA_META_DREG) ?? 0) === U.NFT_REG_1) {
      const proto = cmpValue(c.peek(1));
      if (proto === undefined) {
        // concat with l4proto first: handled below as a concatenation.
        const concat = readConcat(c);
        if (concat === undefined) return undefined;
        match.push(concat);
        continue;
      }
      const number = proto[0] as number;
      const next = payloadOf(c.peek(2));
      if (next?.base === U.NFT_PAYLOAD_TRANSPORT_HEADER && next.offset === 2 && next.len === 2 && (number === 6 || number === 17)) {
        const port = cmpValue(c.peek(3));
        if (port?.length !== 2) return undefined;
        match.push({ kind: 'dport', protocol: number === 6 ? 'tcp' : 'udp', port: port.readUInt16BE(0) });
        c.i += 4;
        continue;
      }
      if (startsIcmpType(c, 0)) {
        const after = c.peek(3);
        const names = number === 1 ? ICMP_NAMES : ICMP6_NAMES;
        let values: number[];
        if (after?.name === 'lookup' && !after.attrs.has(U.NFTA_LOOKUP_DREG)) {
          const set = anonymous.get(text(after.attrs.get(U.NFTA_LOOKUP_SET)) ?? '');
          if (set === undefined) return undefined;
          values = set.raw.map((r) => r.key[0] as number);
        } else {
          const v = cmpValue(after);
          if (v?.length !== 1) return undefined;
          values = [v[0] as number];
        }
        const types = values.map((v) => names[v]);
        if (types.some((t) => t === undefined)) return undefined;
        match.push(number === 1 ? { kind: 'icmp-type', types: types as IcmpType[] } : { kind: 'icmpv6-type', types: types as Icmp6Type[] });
        c.i += 4;
        continue;
      }
      const protocol = protocolName(number);
      if (protocol === undefined) return undefined;
      match.push({ kind: 'l4proto', protocol });
      c.i += 2;
      continue;
    }
    const p = payloadOf(e);
    if (p !== undefined && p.base === U.NFT_PAYLOAD_NETWORK_HEADER && p.len === 1 && c.family !== undefined && p.offset === (c.family === 4 ? 8 : 7)) {
      const v = cmpValue(c.peek(1));
      if (v?.length !== 1) return undefined;
      match.push({ kind: 'hop-limit', family: c.family, value: v[0] as number });
      c.i += 2;
      continue;
    }
    const address = p === undefined ? undefined : addressOf(p, c.family);
    if (address !== undefined) {
      const typed = readAddress(c, address, anonymous, match, statements);
      if (!typed) return undefined;
      continue;
    }
    if (e.name === 'counter') {
      statements.push({ kind: 'counter' });
      c.i += 1;
      continue;
    }
    if (e.name === 'notrack' && e.attrs.size === 0) {
      statements.push({ kind: 'notrack' });
      c.i += 1;
      continue;
    }
    if (e.name === 'limit') {
      const limit = limitOf(e);
      if (limit === undefined) return undefined;
      statements.push(limit);
      c.i += 1;
      continue;
    }
    if (e.name === 'immediate' && u32(e, U.NFTA_IMMEDIATE_DREG) === U.NFT_REG_VERDICT) {
      const data = e.attrs.get(U.NFTA_IMMEDIATE_DATA);
      const verdict = data === undefined ? undefined : attributeMap(data).get(U.NFTA_DATA_VERDICT);
      if (verdict === undefined) return undefined;
      const v = attributeMap(verdict);
      const code = v.get(U.NFTA_VERDICT_CODE)?.readInt32BE(0);
      const chain = text(v.get(U.NFTA_VERDICT_CHAIN));
      if (code === U.NF_ACCEPT) statements.push({ kind: 'verdict', verdict: 'accept' });
      else if (code === U.NF_DROP) statements.push({ kind: 'verdict', verdict: 'drop' });
      else if (code === U.NFT_RETURN) statements.push({ kind: 'verdict', verdict: 'return' });
      else if ((code === U.NFT_JUMP || code === U.NFT_GOTO) && chain !== undefined) statements.push({ kind: code === U.NFT_JUMP ? 'jump' : 'goto', chain });
      else return undefined;
      c.i += 1;
      continue;
    }
    return undefined;
  }
  return { id: rule.comment ?? '', match, statements };
}

/** enum nft_cmp_ops: nft writes a lone range as `cmp gte` + `cmp lte`. */
const NFT_CMP_LTE = 3;
const NFT_CMP_GTE = 5;

/**
 * An address load and what follows it: a lookup (named or anonymous set),
 * a concatenation, a compare (address, or prefix when the load is short),
 * bitwise + compare (prefix), bitwise + verdict map (the shard map), two
 * compares (a range), or the `range` expression older lbfw wrote. Pushes
 * the match or statement; false when it is none of these.
 */
function readAddress(
  c: Cursor,
  address: { family: IpFamily; field: AddressField; whole: boolean },
  anonymous: ReadonlyMap<string, AnonymousSet>,
  match: Match[],
  statements: Statement[],
): boolean {
  const { family, field } = address;
  const load = payloadOf(c.peek()) as { len: number };
  const next = c.peek(1);
  const width = family === 4 ? 4 : 16;
  const bits = BigInt(width * 8);
  const full = (bytes: Buffer): bigint => bigOf(bytes) << BigInt((width - bytes.length) * 8);
  if (!address.whole) {
    // A prefix on a byte boundary: the first len bytes compared.
    const v = cmpValue(next);
    if (v?.length !== load.len) return false;
    const first = full(v);
    const hostBits = BigInt((width - load.len) * 8);
    match.push({ kind: 'address-in', family, field, ranges: [{ family, first, last: first | ((1n << hostBits) - 1n) }] });
    c.i += 2;
    return true;
  }
  if (next?.name === 'lookup' && !next.attrs.has(U.NFTA_LOOKUP_DREG)) {
    const name = text(next.attrs.get(U.NFTA_LOOKUP_SET)) ?? '';
    const anon = anonymous.get(name);
    if (anon === undefined) match.push({ kind: 'address-in-set', family, field, set: name });
    else {
      const list = anon.list;
      const ranges = [];
      for (let i = 0; i < list.count; i++) {
        ranges.push({ family, first: bigOf(Buffer.from(list.keys.subarray(i * width, i * width + width))), last: bigOf(Buffer.from((list.lasts ?? list.keys).subarray(i * width, i * width + width))) });
      }
      match.push({ kind: 'address-in', family, field, ranges });
    }
    c.i += 2;
    return true;
  }
  if (next?.name === 'payload' || (next?.name === 'meta' && u32(next, U.NFTA_META_KEY) === U.NFT_META_L4PROTO)) {
    const concat = readConcat(c);
    if (concat === undefined) return false;
    match.push(concat);
    return true;
  }
  const v = cmpValue(next);
  if (v !== undefined) {
    if (v.length !== width) return false;
    const value = bigOf(v);
    match.push({ kind: 'address-in', family, field, ranges: [{ family, first: value, last: value }] });
    c.i += 2;
    return true;
  }
  const low = cmpValue(next, NFT_CMP_GTE);
  const high = cmpValue(c.peek(2), NFT_CMP_LTE);
  if (low !== undefined && high !== undefined) {
    if (low.length !== width || high.length !== width) return false;
    match.push({ kind: 'address-in', family, field, ranges: [{ family, first: bigOf(low), last: bigOf(high) }] });
    c.i += 3;
    return true;
  }
  if (next?.name === 'bitwise') {
    const mask = dataValue(next, U.NFTA_BITWISE_MASK);
    const after = c.peek(2);
    if (mask === undefined) return false;
    if (after?.name === 'lookup' && u32(after, U.NFTA_LOOKUP_DREG) === U.NFT_REG_VERDICT) {
      const map = anonymous.get(text(after.attrs.get(U.NFTA_LOOKUP_SET)) ?? '');
      if (map === undefined) return false;
      const chains: string[] = [];
      for (const r of map.raw) chains[Number(bigOf(r.key))] = r.chain ?? '';
      statements.push({ kind: 'shard-vmap', family, field, chains });
      c.i += 3;
      return true;
    }
    const network = cmpValue(after);
    const range = network === undefined ? undefined : prefixRange(bigOf(network), bigOf(mask), bits);
    if (range === undefined) return false;
    match.push({ kind: 'address-in', family, field, ranges: [{ family, ...range }] });
    c.i += 3;
    return true;
  }
  if (next?.name === 'range') {
    const from = dataValue(next, U.NFTA_RANGE_FROM_DATA);
    const to = dataValue(next, U.NFTA_RANGE_TO_DATA);
    if (from === undefined || to === undefined) return false;
    match.push({ kind: 'address-in', family, field, ranges: [{ family, first: bigOf(from), last: bigOf(to) }] });
    c.i += 2;
    return true;
  }
  return false;
}

/** A concatenation: loads into consecutive registers, then one lookup of a named set. */
function readConcat(c: Cursor): Match | undefined {
  const fields: ConcatField[] = [];
  for (;;) {
    const e = c.peek();
    if (e === undefined) return undefined;
    const p = payloadOf(e);
    if (p !== undefined) {
      const address = addressOf(p, c.family);
      if (address?.whole === true) fields.push({ kind: 'address', family: address.family, field: address.field });
      else if (p.base === U.NFT_PAYLOAD_TRANSPORT_HEADER && p.offset === 2 && p.len === 2) fields.push({ kind: 'th-dport' });
      else if (p.base === U.NFT_PAYLOAD_TRANSPORT_HEADER && p.offset === 0 && p.len === 2) fields.push({ kind: 'th-sport' });
      else return undefined;
      c.i++;
      continue;
    }
    if (isMeta(e, U.NFT_META_L4PROTO)) {
      fields.push({ kind: 'l4proto' });
      c.i++;
      continue;
    }
    if (e.name === 'lookup' && !e.attrs.has(U.NFTA_LOOKUP_DREG) && fields.length >= 2) {
      c.i++;
      return { kind: 'concat-in-set', fields, set: text(e.attrs.get(U.NFTA_LOOKUP_SET)) ?? '' };
    }
    return undefined;
  }
}

/** expressionsText names a rule's expressions, for a rule lbfw cannot type (shown in drift). */
export function expressionsText(rule: DecodedRule): string {
  return `[netlink: ${rule.expressions.map((e) => e.name).join(' ')}]`;
}

/**
 * decodeHashKeys reads the keys of a hash set's element dump straight into
 * one sorted ElementList, without an object per element: a million-host
 * read-back is then the kernel's dump and one native sort. It reads what
 * decodeElements + toElementList read of a hash set (each element's
 * NFTA_SET_ELEM_KEY), so both give the same list.
 */
export function decodeHashKeys(key: SetKey, payloads: readonly Buffer[]): ElementList {
  const width = keyWidth(key);
  // Every dumped element takes at least 16 bytes (two nests and the value).
  const bound = payloads.reduce((n, p) => n + Math.floor(p.length / 16), 0);
  // IPv4 keys (nearly every dumped element) go straight into numbers for a native sort.
  const values = width === 4 ? new Uint32Array(bound) : undefined;
  const keys = new Uint8Array(values === undefined ? bound * width : 0);
  let count = 0;
  for (const payload of payloads) {
    // A plain Uint8Array view: indexing a Buffer (a subclass) was several times slower here.
    const u = new Uint8Array(payload.buffer, payload.byteOffset, payload.length);
    const elements = attributeAt(payload, U.NFGENMSG_LEN, payload.length, U.NFTA_SET_ELEM_LIST_ELEMENTS);
    if (elements === -1) continue;
    const elementsEnd = foundEnd;
    let at = elements;
    while (at + 4 <= elementsEnd) {
      // Indexing, not readUInt16LE: this loop runs once per element of a million.
      const len = (u[at] as number) | ((u[at + 1] as number) << 8);
      if (len < 4 || at + len > elementsEnd) break;
      if (values !== undefined && len === 16 && isPlainIPv4Key(u, at + 4)) {
        // The usual element: a 12-byte KEY nest holding an 8-byte DATA_VALUE.
        values[count++] = (((u[at + 12] as number) << 24) | ((u[at + 13] as number) << 16) | ((u[at + 14] as number) << 8) | (u[at + 15] as number)) >>> 0;
      } else {
        const keyNest = attributeAt(payload, at + 4, at + len, U.NFTA_SET_ELEM_KEY);
        const value = keyNest === -1 ? -1 : attributeAt(payload, keyNest, foundEnd, U.NFTA_DATA_VALUE);
        if (value !== -1 && foundEnd - value >= width && values !== undefined) {
          values[count++] = payload.readUInt32BE(value);
        } else if (value !== -1 && foundEnd - value >= width) {
          // A byte loop: a subarray per key would allocate a million Buffers.
          const to = count * width;
          for (let b = 0; b < width; b++) keys[to + b] = payload[value + b] as number;
          count++;
        }
      }
      at += (len + 3) & ~3;
    }
  }
  if (values !== undefined) return ipv4SortedElements({ key, interval: false, count, keys }, values.subarray(0, count).sort());
  return sortElements({ key, interval: false, count, keys: keys.subarray(0, count * width) });
}

/** Whether the attributes at `at` are exactly KEY (len 12) { DATA_VALUE (len 8) }: an element with only a 4-byte key. */
function isPlainIPv4Key(p: Uint8Array, at: number): boolean {
  return (
    p[at] === 12 && p[at + 1] === 0 && ((p[at + 2] as number) | (((p[at + 3] as number) & 0x3f) << 8)) === U.NFTA_SET_ELEM_KEY &&
    p[at + 4] === 8 && p[at + 5] === 0 && ((p[at + 6] as number) | (((p[at + 7] as number) & 0x3f) << 8)) === U.NFTA_DATA_VALUE
  );
}

/** Where the value found by the last attributeAt ends. */
let foundEnd = 0;

/**
 * attributeAt finds the first attribute of `type` between `from` and `to`
 * and returns where its value starts (its end in foundEnd), or -1: an
 * attribute walk that allocates nothing.
 */
function attributeAt(bytes: Buffer, from: number, to: number, type: number): number {
  let at = from;
  while (at + 4 <= to) {
    const len = bytes.readUInt16LE(at);
    if (len < 4 || at + len > to) return -1;
    if ((bytes.readUInt16LE(at + 2) & U.NLA_TYPE_MASK) === type) {
      foundEnd = at + len;
      return at + 4;
    }
    at += (len + 3) & ~3;
  }
  return -1;
}
