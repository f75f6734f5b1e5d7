/**
 * Rules as kernel expressions: each Match and Statement shape of
 * model/rules.ts becomes the expressions nft 1.0.6 itself generates for it
 * (checked against `nft --debug=netlink`), so `nft list` prints a table
 * loaded by netlink exactly as one loaded by `nft -f`. Anonymous sets and
 * maps (`{ a, b }`, the shard vmap) are written before their rule, in the
 * same batch. Pure.
 */
import type { ElementList } from '../model/elements.js';
import type { SetKey } from '../model/keys.js';
import { TABLE_NAME } from '../model/objects.js';
import type { AddressRange } from '../../net/address.js';
import type { AddressField, ConcatField, IpFamily, Match, NftRule, Statement } from '../model/rules.js';
import { CT_STATE_BITS, ICMP6_TYPE_NUMBERS, ICMP_TYPE_NUMBERS, L4_PROTOCOL_NUMBERS } from '../model/values.js';
import { anonymousFlags, elementMessages, msgType, newSet, type ElementMessage } from './encode.js';
import { addressSetUserdata, icmpTypeSetUserdata, VERDICT_MAP_USERDATA } from './set-userdata.js';
import {
  IFNAMSIZ,
  NF_ACCEPT,
  NF_DROP,
  NFPROTO_INET,
  NFPROTO_IPV4,
  NFPROTO_IPV6,
  NFT_CMP_EQ,
  NFT_CMP_NEQ,
  NFT_CT_STATE,
  NFT_DATATYPE,
  NFT_GOTO,
  NFT_JUMP,
  NFT_META_IIF,
  NFT_META_IIFNAME,
  NFT_FIB_RESULT_OIF,
  NFT_LIMIT_F_INV,
  NFT_LIMIT_PKTS,
  NFTA_FIB_DREG,
  NFTA_FIB_F_IIF,
  NFTA_FIB_F_PRESENT,
  NFTA_FIB_F_SADDR,
  NFTA_FIB_FLAGS,
  NFTA_FIB_RESULT,
  NFTA_LIMIT_BURST,
  NFTA_LIMIT_FLAGS,
  NFTA_LIMIT_RATE,
  NFTA_LIMIT_TYPE,
  NFTA_LIMIT_UNIT,
  NFT_META_L4PROTO,
  NFT_META_NFPROTO,
  NFT_MSG,
  NFT_PAYLOAD_NETWORK_HEADER,
  NFT_PAYLOAD_TRANSPORT_HEADER,
  NFT_REG_1,
  NFT_REG_VERDICT,
  NFT_RETURN,
  NFTA_BITWISE_DREG,
  NFTA_BITWISE_LEN,
  NFTA_BITWISE_MASK,
  NFTA_BITWISE_SREG,
  NFTA_BITWISE_XOR,
  NFTA_CMP_DATA,
  NFTA_CMP_OP,
  NFTA_CMP_SREG,
  NFTA_CT_DREG,
  NFTA_CT_KEY,
  NFTA_DATA_VALUE,
  NFTA_DATA_VERDICT,
  NFTA_EXPR_DATA,
  NFTA_EXPR_NAME,
  NFTA_IMMEDIATE_DATA,
  NFTA_IMMEDIATE_DREG,
  NFTA_LIST_ELEM,
  NFTA_LOOKUP_DREG,
  NFTA_LOOKUP_SET,
  NFTA_LOOKUP_SET_ID,
  NFTA_LOOKUP_SREG,
  NFTA_META_DREG,
  NFTA_META_KEY,
  NFTA_PAYLOAD_BASE,
  NFTA_PAYLOAD_DREG,
  NFTA_PAYLOAD_LEN,
  NFTA_PAYLOAD_OFFSET,
  NFTA_RULE_CHAIN,
  NFTA_RULE_EXPRESSIONS,
  NFTA_RULE_TABLE,
  NFTA_RULE_USERDATA,
  NFTA_VERDICT_CHAIN,
  NFTA_VERDICT_CODE,
  NFTNL_UDATA_RULE_COMMENT,
  NLM_F_CREATE,
  NLM_F_REQUEST,
} from './uapi.js';
import type { MessageWriter } from './writer.js';

const NLM_F_APPEND = 0x800;
/** nft's datatype ids of ICMP and ICMPv6 types (nftables datatype.h: TYPE_ICMP_TYPE, TYPE_ICMP6_TYPE). */
const ICMP_TYPE_DATATYPE = 14;
const ICMPV6_TYPE_DATATYPE = 29;
/** enum nft_cmp_ops: a range is two compares (nft 1.0.6 writes no `range` expression for a match). */
const NFT_CMP_LTE = 3;
const NFT_CMP_GTE = 5;

/** RuleBatch: what a rule needs from the batch it is written into. */
export interface RuleBatch {
  readonly w: MessageWriter;
  nextSeq(): number;
  nextSetId(): number;
  /** Ids of the named sets created earlier in this batch. */
  readonly setIds: ReadonlyMap<string, number>;
  /** Resolves an interface name to its index (meta iif compares indexes). */
  ifindex(name: string): number;
}

/** RuleMessages: the sequence numbers a rule used (its anonymous sets' and its own), for error reports. */
export interface RuleMessages {
  readonly seqs: readonly number[];
  readonly elements: readonly ElementMessage[];
}

/** Per-rule state: the family already checked by `meta nfproto` (nft checks it once per rule). */
interface RuleState {
  family?: IpFamily;
  readonly seqs: number[];
  readonly elements: ElementMessage[];
}

function be(bytes: number, value: bigint | number): Buffer {
  const out = Buffer.alloc(bytes);
  let rest = BigInt(value);
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

function hostU32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value >>> 0);
  return out;
}

/** Registers: a 4-byte word index w (NFT_REG_1 = word 4) written the way the kernel dumps it. */
function register(word: number): number {
  return word % 4 === 0 ? word / 4 : word + 4;
}

function expr(w: MessageWriter, name: string, body: () => void): void {
  w.nest(NFTA_LIST_ELEM).string(NFTA_EXPR_NAME, name).nest(NFTA_EXPR_DATA);
  body();
  w.endNest().endNest();
}

/** An expression without attributes (`notrack`): nft sends its name only, no NFTA_EXPR_DATA. */
function bareExpr(w: MessageWriter, name: string): void {
  w.nest(NFTA_LIST_ELEM).string(NFTA_EXPR_NAME, name).endNest();
}

function dataNest(w: MessageWriter, type: number, value: Uint8Array): void {
  w.nest(type).bytes(NFTA_DATA_VALUE, value).endNest();
}

function meta(w: MessageWriter, key: number, dreg: number): void {
  expr(w, 'meta', () => w.u32(NFTA_META_KEY, key).u32(NFTA_META_DREG, dreg));
}

function cmp(w: MessageWriter, op: number, value: Uint8Array, sreg = NFT_REG_1): void {
  expr(w, 'cmp', () => {
    w.u32(NFTA_CMP_SREG, sreg).u32(NFTA_CMP_OP, op);
    dataNest(w, NFTA_CMP_DATA, value);
  });
}

function payload(w: MessageWriter, base: number, offset: number, len: number, dreg: number): void {
  expr(w, 'payload', () => w.u32(NFTA_PAYLOAD_DREG, dreg).u32(NFTA_PAYLOAD_BASE, base).u32(NFTA_PAYLOAD_OFFSET, offset).u32(NFTA_PAYLOAD_LEN, len));
}

/** NFTA_BITWISE_OP (NFT_BITWISE_BOOL = 0): nft writes it for the `&` of a map key only, not for prefixes or ct state. */
const NFTA_BITWISE_OP = 6;
const NFT_BITWISE_BOOL = 0;

function bitwise(w: MessageWriter, mask: Uint8Array, explicitOp = false): void {
  expr(w, 'bitwise', () => {
    w.u32(NFTA_BITWISE_SREG, NFT_REG_1).u32(NFTA_BITWISE_DREG, NFT_REG_1);
    if (explicitOp) w.u32(NFTA_BITWISE_OP, NFT_BITWISE_BOOL);
    w.u32(NFTA_BITWISE_LEN, mask.length);
    dataNest(w, NFTA_BITWISE_MASK, mask);
    dataNest(w, NFTA_BITWISE_XOR, new Uint8Array(mask.length));
  });
}

/** lookup, attributes in libnftnl's order: SREG, DREG, SET, SET_ID. */
function lookup(w: MessageWriter, set: string, setId: number | undefined, dreg?: number): void {
  expr(w, 'lookup', () => {
    w.u32(NFTA_LOOKUP_SREG, NFT_REG_1);
    if (dreg !== undefined) w.u32(NFTA_LOOKUP_DREG, dreg);
    w.string(NFTA_LOOKUP_SET, set);
    if (setId !== undefined) w.u32(NFTA_LOOKUP_SET_ID, setId);
  });
}

function verdict(w: MessageWriter, code: number, chain?: string): void {
  expr(w, 'immediate', () => {
    w.u32(NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT).nest(NFTA_IMMEDIATE_DATA).nest(NFTA_DATA_VERDICT).u32(NFTA_VERDICT_CODE, code >>> 0);
    if (chain !== undefined) w.string(NFTA_VERDICT_CHAIN, chain);
    w.endNest().endNest();
  });
}

/** Where an address lies in the IP header: offset and length. */
export function addressField(family: IpFamily, field: 'saddr' | 'daddr'): { readonly offset: number; readonly len: number } {
  if (family === 4) return { offset: field === 'saddr' ? 12 : 16, len: 4 };
  return { offset: field === 'saddr' ? 8 : 24, len: 16 };
}

/** `meta nfproto ipv4|ipv6`, written once per rule (nft's dependency of IP header and ICMP matches). */
function nfproto(w: MessageWriter, state: RuleState, family: IpFamily): void {
  if (state.family === family) return;
  state.family = family;
  meta(w, NFT_META_NFPROTO, NFT_REG_1);
  cmp(w, NFT_CMP_EQ, Uint8Array.of(family === 4 ? NFPROTO_IPV4 : NFPROTO_IPV6));
}

function l4proto(w: MessageWriter, protocol: number): void {
  meta(w, NFT_META_L4PROTO, NFT_REG_1);
  cmp(w, NFT_CMP_EQ, Uint8Array.of(protocol));
}

/** The element list of `{ ... }`: an interval set only when one of the ranges is more than one address (as nft decides). */
function addressList(family: IpFamily, ranges: readonly AddressRange[]): ElementList {
  const width = family === 4 ? 4 : 16;
  const interval = ranges.some((r) => r.first !== r.last);
  const keys = new Uint8Array(ranges.length * width);
  const lasts = new Uint8Array(ranges.length * width);
  ranges.forEach((r, i) => {
    keys.set(addressBytes(family, r.first), i * width);
    lasts.set(addressBytes(family, r.last), i * width);
  });
  const key: SetKey = family === 4 ? ['ipv4_addr'] : ['ipv6_addr'];
  return interval ? { key, interval, count: ranges.length, keys, lasts } : { key, interval, count: ranges.length, keys };
}

/** Datatypes whose values nft stores big endian (NFTNL_UDATA_SET_KEYBYTEORDER 2). */
const BIG_ENDIAN_TYPES: ReadonlySet<number> = new Set([NFT_DATATYPE.ipv4_addr, NFT_DATATYPE.ipv6_addr, ICMP_TYPE_DATATYPE, ICMPV6_TYPE_DATATYPE]);

/**
 * anonymousSet writes `{ ... }` of a rule: NEWSET (anonymous, constant) and
 * its elements, before the rule; returns the set id the lookup names.
 */
function anonymousSet(batch: RuleBatch, state: RuleState, elements: ElementList, datatype: number, userdata: Uint8Array, map?: readonly string[]): number {
  const id = batch.nextSetId();
  const seq = batch.nextSeq();
  state.seqs.push(seq);
  const width = elements.keys.length / Math.max(elements.count, 1);
  newSet(
    batch.w,
    seq,
    {
      name: map === undefined ? '__set%d' : '__map%d',
      flags: anonymousFlags(elements.interval, map !== undefined),
      keyType: datatype,
      keyLen: elements.count === 0 ? 0 : width,
      ...(map === undefined ? {} : { verdictMap: true }),
      size: elements.interval ? elements.count * 2 + 1 : elements.count,
      byteOrder: BIG_ENDIAN_TYPES.has(datatype) ? 2 : 0,
      userdata,
    },
    id,
  );
  const messages = elementMessages(batch.w, () => {
    const s = batch.nextSeq();
    state.seqs.push(s);
    return s;
  }, 'add', { set: map === undefined ? '__set%d' : '__map%d', setId: id }, elements, { ...(map === undefined ? {} : { verdicts: map }), leadingEnd: true });
  state.elements.push(...messages);
  return id;
}

/** One-byte keys (ICMP types) carried in an ElementList; only the width matters to the encoder. */
function byteElements(values: readonly number[]): ElementList {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  return { key: ['inet_proto'] as SetKey, interval: false, count: sorted.length, keys: Uint8Array.from(sorted) };
}

function addressBytes(family: IpFamily, value: bigint): Buffer {
  return be(family === 4 ? 4 : 16, value);
}

function prefixLength(family: IpFamily, first: bigint, last: bigint): number | undefined {
  const size = last - first + 1n;
  if ((size & (size - 1n)) !== 0n || first % size !== 0n) return undefined;
  let hostBits = 0;
  while (1n << BigInt(hostBits) < size) hostBits++;
  return (family === 4 ? 32 : 128) - hostBits;
}

/**
 * One address range compared in place, as nft 1.0.6 writes it: an address
 * `cmp eq`; a prefix on a byte boundary a shorter payload load and `cmp
 * eq` (`::ffff:0:0/96` loads 12 bytes); any other prefix (and /0) `bitwise`
 * then `cmp eq`; a range `cmp gte` and `cmp lte`.
 */
function addressRange(w: MessageWriter, family: IpFamily, field: AddressField, range: AddressRange): void {
  const { offset, len } = addressField(family, field);
  const prefix = prefixLength(family, range.first, range.last);
  const bits = BigInt(len * 8);
  const first = addressBytes(family, range.first);
  if (prefix !== undefined && prefix > 0 && prefix % 8 === 0) {
    payload(w, NFT_PAYLOAD_NETWORK_HEADER, offset, prefix / 8, NFT_REG_1);
    cmp(w, NFT_CMP_EQ, first.subarray(0, prefix / 8));
    return;
  }
  payload(w, NFT_PAYLOAD_NETWORK_HEADER, offset, len, NFT_REG_1);
  if (prefix !== undefined) {
    const mask = ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
    bitwise(w, addressBytes(family, mask));
    cmp(w, NFT_CMP_EQ, first);
    return;
  }
  cmp(w, NFT_CMP_GTE, first);
  cmp(w, NFT_CMP_LTE, addressBytes(family, range.last));
}

function encodeConcat(w: MessageWriter, state: RuleState, fields: readonly ConcatField[]): void {
  const first = fields.find((f) => f.kind === 'address');
  if (first?.kind === 'address') nfproto(w, state, first.family);
  let word = 4;
  for (const field of fields) {
    const reg = register(word);
    switch (field.kind) {
      case 'address': {
        const { offset, len } = addressField(field.family, field.field);
        payload(w, NFT_PAYLOAD_NETWORK_HEADER, offset, len, reg);
        word += len / 4;
        break;
      }
      case 'l4proto':
        meta(w, NFT_META_L4PROTO, reg);
        word += 1;
        break;
      case 'th-dport':
      case 'th-sport':
        payload(w, NFT_PAYLOAD_TRANSPORT_HEADER, field.kind === 'th-dport' ? 2 : 0, 2, reg);
        word += 1;
        break;
      default:
        unknownShape(field);
    }
  }
}

/** A shape the encoder does not know is a programming error: never load a rule with a part of it left out. */
function unknownShape(shape: never): never {
  throw new Error(`netlink encoder: no encoding for ${JSON.stringify(shape)}`);
}

function icmpType(w: MessageWriter, state: RuleState, match: Extract<Match, { kind: 'icmp-type' | 'icmpv6-type' }>, setId: number | undefined): void {
  const family: IpFamily = match.kind === 'icmp-type' ? 4 : 6;
  nfproto(w, state, family);
  l4proto(w, family === 4 ? L4_PROTOCOL_NUMBERS.icmp : L4_PROTOCOL_NUMBERS.icmpv6);
  payload(w, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
  if (setId !== undefined) {
    lookup(w, '__set%d', setId);
    return;
  }
  const only = match.kind === 'icmp-type' ? ICMP_TYPE_NUMBERS[match.types[0] ?? 'echo-request'] : ICMP6_TYPE_NUMBERS[match.types[0] ?? 'echo-request'];
  cmp(w, NFT_CMP_EQ, Uint8Array.of(only));
}

function ifname(name: string): Buffer {
  const out = Buffer.alloc(IFNAMSIZ);
  const bytes = Buffer.from(name);
  if (bytes.length >= IFNAMSIZ) throw new RangeError(`interface name "${name}" is longer than ${IFNAMSIZ - 1} bytes`);
  bytes.copy(out);
  return out;
}

function encodeMatch(batch: RuleBatch, state: RuleState, match: Match, setId: number | undefined): void {
  const w = batch.w;
  switch (match.kind) {
    case 'iif':
      meta(w, NFT_META_IIF, NFT_REG_1);
      cmp(w, NFT_CMP_EQ, hostU32(batch.ifindex(match.name)));
      return;
    case 'iifname':
      meta(w, NFT_META_IIFNAME, NFT_REG_1);
      cmp(w, NFT_CMP_EQ, ifname(match.name));
      return;
    case 'nfproto':
      // Explicit, and then the dependency of what follows in this rule.
      state.family = match.family;
      meta(w, NFT_META_NFPROTO, NFT_REG_1);
      cmp(w, NFT_CMP_EQ, Uint8Array.of(match.family === 4 ? NFPROTO_IPV4 : NFPROTO_IPV6));
      return;
    case 'fib-saddr-iif-missing':
      // `oif missing`: the existence flag, then "0" (4 bytes, as nft writes it).
      expr(w, 'fib', () => w.u32(NFTA_FIB_FLAGS, NFTA_FIB_F_SADDR | NFTA_FIB_F_IIF | NFTA_FIB_F_PRESENT).u32(NFTA_FIB_RESULT, NFT_FIB_RESULT_OIF).u32(NFTA_FIB_DREG, NFT_REG_1));
      cmp(w, NFT_CMP_EQ, hostU32(0));
      return;
    case 'address-in-set': {
      nfproto(w, state, match.family);
      const { offset, len } = addressField(match.family, match.field);
      payload(w, NFT_PAYLOAD_NETWORK_HEADER, offset, len, NFT_REG_1);
      lookup(w, match.set, batch.setIds.get(match.set));
      return;
    }
    case 'address-in': {
      nfproto(w, state, match.family);
      if (setId !== undefined) {
        const { offset, len } = addressField(match.family, match.field);
        payload(w, NFT_PAYLOAD_NETWORK_HEADER, offset, len, NFT_REG_1);
        lookup(w, '__set%d', setId);
        return;
      }
      const only = match.ranges[0];
      if (only === undefined) throw new RangeError('address-in needs at least one range');
      addressRange(w, match.family, match.field, only);
      return;
    }
    case 'concat-in-set':
      encodeConcat(w, state, match.fields);
      lookup(w, match.set, batch.setIds.get(match.set));
      return;
    case 'l4proto':
      l4proto(w, L4_PROTOCOL_NUMBERS[match.protocol]);
      return;
    case 'dport':
      l4proto(w, L4_PROTOCOL_NUMBERS[match.protocol]);
      payload(w, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
      cmp(w, NFT_CMP_EQ, be(2, match.port));
      return;
    case 'hop-limit':
      nfproto(w, state, match.family);
      payload(w, NFT_PAYLOAD_NETWORK_HEADER, match.family === 4 ? 8 : 7, 1, NFT_REG_1);
      cmp(w, NFT_CMP_EQ, Uint8Array.of(match.value));
      return;
    case 'icmp-type':
    case 'icmpv6-type':
      icmpType(w, state, match, setId);
      return;
    case 'ct-state': {
      const bits = match.states.reduce((m, s) => m | CT_STATE_BITS[s], 0);
      expr(w, 'ct', () => w.u32(NFTA_CT_KEY, NFT_CT_STATE).u32(NFTA_CT_DREG, NFT_REG_1));
      bitwise(w, hostU32(bits));
      cmp(w, NFT_CMP_NEQ, hostU32(0));
      return;
    }
    default:
      unknownShape(match);
  }
}

function verdictCode(v: 'accept' | 'drop' | 'return'): number {
  return v === 'accept' ? NF_ACCEPT : v === 'drop' ? NF_DROP : NFT_RETURN;
}

/** nft's unit for a rate per second (NFTA_LIMIT_UNIT, in seconds). */
const LIMIT_UNIT_SECOND = 1;

function encodeStatement(w: MessageWriter, state: RuleState, statement: Statement, setId: number | undefined): void {
  switch (statement.kind) {
    case 'counter':
      expr(w, 'counter', () => undefined);
      return;
    case 'notrack':
      bareExpr(w, 'notrack');
      return;
    case 'limit':
      expr(w, 'limit', () => {
        w.bytes(NFTA_LIMIT_RATE, be(8, statement.perSecond))
          .bytes(NFTA_LIMIT_UNIT, be(8, LIMIT_UNIT_SECOND))
          .u32(NFTA_LIMIT_BURST, statement.burst)
          .u32(NFTA_LIMIT_TYPE, NFT_LIMIT_PKTS)
          .u32(NFTA_LIMIT_FLAGS, statement.over === true ? NFT_LIMIT_F_INV : 0);
      });
      return;
    case 'verdict':
      verdict(w, verdictCode(statement.verdict));
      return;
    case 'jump':
    case 'goto':
      verdict(w, statement.kind === 'jump' ? NFT_JUMP : NFT_GOTO, statement.chain);
      return;
    case 'shard-vmap': {
      nfproto(w, state, statement.family);
      const { offset, len } = addressField(statement.family, statement.field);
      payload(w, NFT_PAYLOAD_NETWORK_HEADER, offset, len, NFT_REG_1);
      bitwise(w, be(len, statement.chains.length - 1), true);
      lookup(w, '__map%d', setId, NFT_REG_VERDICT);
      return;
    }
    default:
      unknownShape(statement);
  }
}

/** The anonymous sets a rule needs, created before its message (the rule refers to them by id). */
interface Prepared {
  readonly anon: Map<Match | Statement, number>;
}

function prepareAnonymous(batch: RuleBatch, state: RuleState, rule: NftRule): Prepared {
  const anon = new Map<Match | Statement, number>();
  for (const match of rule.match) {
    if (match.kind === 'address-in' && match.ranges.length > 1) {
      const list = addressList(match.family, match.ranges);
      const userdata = addressSetUserdata(match.family, match.field, list.interval);
      anon.set(match, anonymousSet(batch, state, list, match.family === 4 ? NFT_DATATYPE.ipv4_addr : NFT_DATATYPE.ipv6_addr, userdata));
    }
    if ((match.kind === 'icmp-type' || match.kind === 'icmpv6-type') && match.types.length > 1) {
      const values = match.kind === 'icmp-type' ? match.types.map((t) => ICMP_TYPE_NUMBERS[t]) : match.types.map((t) => ICMP6_TYPE_NUMBERS[t]);
      const family = match.kind === 'icmp-type' ? 4 : 6;
      anon.set(match, anonymousSet(batch, state, byteElements(values), family === 4 ? ICMP_TYPE_DATATYPE : ICMPV6_TYPE_DATATYPE, icmpTypeSetUserdata(family)));
    }
  }
  for (const statement of rule.statements) {
    if (statement.kind !== 'shard-vmap') continue;
    const width = statement.family === 4 ? 4 : 16;
    const n = statement.chains.length;
    const keys = new Uint8Array(n * width);
    for (let k = 0; k < n; k++) keys.set(be(width, k), k * width);
    const list: ElementList = { key: statement.family === 4 ? ['ipv4_addr'] : ['ipv6_addr'], interval: false, count: n, keys };
    anon.set(statement, anonymousSet(batch, state, list, statement.family === 4 ? NFT_DATATYPE.ipv4_addr : NFT_DATATYPE.ipv6_addr, VERDICT_MAP_USERDATA, statement.chains));
  }
  return { anon };
}

function commentUserdata(id: string): Buffer {
  const text = Buffer.from(id);
  return Buffer.concat([Uint8Array.of(NFTNL_UDATA_RULE_COMMENT, text.length + 1), text, Uint8Array.of(0)]);
}

/**
 * encodeRule appends a rule (and, before it, its anonymous sets) to the
 * batch: `add rule inet lbfw CHAIN ... comment "ID"`. Every Match and
 * Statement kind has its encoding here; a kind without one throws before
 * anything is sent.
 */
export function encodeRule(batch: RuleBatch, chain: string, rule: NftRule): RuleMessages {
  const state: RuleState = { seqs: [], elements: [] };
  const { anon } = prepareAnonymous(batch, state, rule);
  const w = batch.w;
  const seq = batch.nextSeq();
  state.seqs.push(seq);
  w.begin(msgType(NFT_MSG.NEWRULE), NLM_F_REQUEST | NLM_F_CREATE | NLM_F_APPEND, seq, NFPROTO_INET);
  w.string(NFTA_RULE_TABLE, TABLE_NAME).string(NFTA_RULE_CHAIN, chain).nest(NFTA_RULE_EXPRESSIONS);
  for (const match of rule.match) encodeMatch(batch, state, match, anon.get(match));
  for (const statement of rule.statements) encodeStatement(w, state, statement, anon.get(statement));
  w.endNest().bytes(NFTA_RULE_USERDATA, commentUserdata(rule.id)).end();
  return { seqs: state.seqs, elements: state.elements };
}
