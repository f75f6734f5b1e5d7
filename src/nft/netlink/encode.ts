/**
 * nf_tables messages for lbfw's objects: table, chain, set, elements. Each
 * function appends ONE message (or, for elements, as many as the 64 KiB
 * limit needs) to a MessageWriter. Pure; the kernel's side is in uapi.ts.
 */
import type { ElementList } from '../model/elements.js';
import { keyWidth, type KeyField, type SetKey } from '../model/keys.js';
import { TABLE_NAME, type NftChain, type NftSetSpec } from '../model/objects.js';
import {
  MESSAGE_LIMIT,
  NF_ACCEPT,
  NF_DROP,
  NF_INET_HOOKS,
  NFPROTO_INET,
  NFNL_SUBSYS_NFTABLES,
  NFNL_BATCH_GENID,
  NFT_DATA_VERDICT,
  NFT_DATATYPE,
  NFT_MSG,
  NFT_SET_ANONYMOUS,
  NFT_SET_CONCAT,
  NFT_SET_CONSTANT,
  NFT_SET_ELEM_INTERVAL_END,
  NFT_SET_INTERVAL,
  NFT_SET_MAP,
  NFT_TYPE_BITS,
  NFTA_CHAIN_HOOK,
  NFTA_CHAIN_NAME,
  NFTA_CHAIN_POLICY,
  NFTA_CHAIN_TABLE,
  NFTA_CHAIN_TYPE,
  NFTA_DATA_VALUE,
  NFTA_DATA_VERDICT,
  NFTA_HOOK_HOOKNUM,
  NFTA_HOOK_PRIORITY,
  NFTA_LIST_ELEM,
  NFTA_SET_DATA_LEN,
  NFTA_SET_DATA_TYPE,
  NFTA_SET_DESC,
  NFTA_SET_DESC_SIZE,
  NFTA_SET_ELEM_DATA,
  NFTA_SET_ELEM_FLAGS,
  NFTA_SET_ELEM_KEY,
  NFTA_SET_ELEM_LIST_ELEMENTS,
  NFTA_SET_ELEM_LIST_SET,
  NFTA_SET_ELEM_LIST_SET_ID,
  NFTA_SET_ELEM_LIST_TABLE,
  NFTA_SET_FLAGS,
  NFTA_SET_ID,
  NFTA_SET_KEY_LEN,
  NFTA_SET_KEY_TYPE,
  NFTA_SET_NAME,
  NFTA_SET_TABLE,
  NFTA_SET_USERDATA,
  NFTA_TABLE_FLAGS,
  NFTA_TABLE_NAME,
  NFTA_VERDICT_CHAIN,
  NFTA_VERDICT_CODE,
  NFTNL_UDATA_SET_KEYBYTEORDER,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  NFNL_MSG_BATCH_BEGIN,
  NFNL_MSG_BATCH_END,
  NFPROTO_UNSPEC,
} from './uapi.js';
import { CONCAT_TYPEOF } from './set-userdata.js';
import { keyElementSize, type MessageWriter } from './writer.js';

/** NLM_F_APPEND: add a rule at the end of its chain. */
const NLM_F_APPEND = 0x800;
/** Bytes kept free at the end of an element message: the largest element pair with its headers. */
const ELEMENT_SLACK = 512;
/** Element userdata (libnftnl NFTNL_UDATA_SET_ELEM_FLAGS = 1) flag: the interval runs to the top of the address space. */
const UDATA_ELEM_FLAGS = 1;
const ELEM_F_INTERVAL_OPEN = 1;

/** msgType is the nlmsg_type of an nf_tables message. */
export function msgType(msg: number): number {
  return (NFNL_SUBSYS_NFTABLES << 8) | msg;
}

/** batchBegin / batchEnd frame a transaction: the kernel commits what lies between, or nothing. */
export function batchBegin(w: MessageWriter, seq: number, generation?: number): void {
  w.begin(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, seq, NFPROTO_UNSPEC, NFNL_SUBSYS_NFTABLES);
  // nfnetlink refuses the whole batch (ERESTART) unless the ruleset is still at this generation (nft 1.0.6 sends none).
  if (generation !== undefined) w.u32(NFNL_BATCH_GENID, generation);
  w.end();
}
export function batchEnd(w: MessageWriter, seq: number): void {
  w.begin(NFNL_MSG_BATCH_END, NLM_F_REQUEST, seq, NFPROTO_UNSPEC, NFNL_SUBSYS_NFTABLES).end();
}

/** newTable: `add table inet lbfw` (no error when it exists); `create table inet lbfw` (EEXIST when it does) with `exclusive`. */
export function newTable(w: MessageWriter, seq: number, exclusive = false): void {
  w.begin(msgType(NFT_MSG.NEWTABLE), NLM_F_REQUEST | NLM_F_CREATE | (exclusive ? NLM_F_EXCL : 0), seq, NFPROTO_INET).string(NFTA_TABLE_NAME, TABLE_NAME).u32(NFTA_TABLE_FLAGS, 0).end();
}

/** delTable: `delete table inet lbfw` (with everything in it). */
export function delTable(w: MessageWriter, seq: number): void {
  w.begin(msgType(NFT_MSG.DELTABLE), NLM_F_REQUEST, seq, NFPROTO_INET).string(NFTA_TABLE_NAME, TABLE_NAME).end();
}

/**
 * newChain: `add chain inet lbfw NAME { type filter hook H priority P;
 * policy X; }`, attributes in nft's order (table, name, type, policy,
 * hook). Rules name their chain, so no NFTA_CHAIN_ID (nft sends none either).
 */
export function newChain(w: MessageWriter, seq: number, chain: NftChain): void {
  w.begin(msgType(NFT_MSG.NEWCHAIN), NLM_F_REQUEST | NLM_F_CREATE, seq, NFPROTO_INET);
  w.string(NFTA_CHAIN_TABLE, TABLE_NAME).string(NFTA_CHAIN_NAME, chain.name);
  if (chain.base !== undefined) {
    w.string(NFTA_CHAIN_TYPE, chain.base.type);
    w.u32(NFTA_CHAIN_POLICY, chain.base.policy === 'accept' ? NF_ACCEPT : NF_DROP);
    w.nest(NFTA_CHAIN_HOOK).u32(NFTA_HOOK_HOOKNUM, NF_INET_HOOKS[chain.base.hook]).u32(NFTA_HOOK_PRIORITY, chain.base.priority).endNest();
  }
  w.end();
}

/** keyType packs nft's datatype ids of a key's fields, 6 bits apart (what `nft list` reads back). */
export function keyType(key: SetKey): number {
  let type = 0;
  for (const field of key) type = (type << NFT_TYPE_BITS) | NFT_DATATYPE[field as KeyField];
  return type >>> 0;
}

/** keyByteOrderUserdata: libnftnl set userdata `KEYBYTEORDER = value` (nft writes 2, big endian, for address keys). */
function keyByteOrderUserdata(order: number): Buffer {
  const data = Buffer.alloc(6);
  data.writeUInt8(NFTNL_UDATA_SET_KEYBYTEORDER, 0);
  data.writeUInt8(4, 1);
  data.writeUInt32LE(order, 2);
  return data;
}

/** SetHeader: what NEWSET needs; anonymous sets carry the datatype id and byte size of their key themselves. */
export interface SetHeader {
  readonly name: string;
  readonly flags: number;
  readonly keyType: number;
  readonly keyLen: number;
  /** Verdict maps (shard-vmap) only. */
  readonly verdictMap?: boolean;
  readonly size?: number;
  readonly byteOrder: number;
  /** More set userdata after the key byte order (nft's typeof and merge records: see set-userdata.ts). */
  readonly userdata?: Uint8Array;
}

/** namedSetHeader: the header of one of lbfw's named sets. */
export function namedSetHeader(spec: NftSetSpec): SetHeader {
  const single = spec.key.length === 1;
  const address = single && (spec.key[0] === 'ipv4_addr' || spec.key[0] === 'ipv6_addr');
  return {
    name: spec.name,
    flags: (spec.interval ? NFT_SET_INTERVAL : 0) | (spec.interval && !single ? NFT_SET_CONCAT : 0),
    keyType: keyType(spec.key),
    keyLen: keyWidth(spec.key),
    ...(spec.size === undefined ? {} : { size: spec.size }),
    byteOrder: address ? 2 : 0,
    ...(single ? {} : { userdata: CONCAT_TYPEOF }),
  };
}

/** anonymousFlags: the flags nft gives an anonymous set (constant) or map. */
export function anonymousFlags(interval: boolean, map: boolean): number {
  return NFT_SET_ANONYMOUS | NFT_SET_CONSTANT | (interval ? NFT_SET_INTERVAL : 0) | (map ? NFT_SET_MAP : 0);
}

/** newSet: `add set inet lbfw NAME { type T; flags F; size N; }`; `id` lets later messages of the batch refer to it. */
export function newSet(w: MessageWriter, seq: number, set: SetHeader, id: number): void {
  w.begin(msgType(NFT_MSG.NEWSET), NLM_F_REQUEST | NLM_F_CREATE, seq, NFPROTO_INET);
  w.string(NFTA_SET_TABLE, TABLE_NAME).string(NFTA_SET_NAME, set.name).u32(NFTA_SET_FLAGS, set.flags);
  w.u32(NFTA_SET_KEY_TYPE, set.keyType).u32(NFTA_SET_KEY_LEN, set.keyLen);
  if (set.verdictMap === true) w.u32(NFTA_SET_DATA_TYPE, NFT_DATA_VERDICT).u32(NFTA_SET_DATA_LEN, 0);
  w.u32(NFTA_SET_ID, id);
  if (set.size !== undefined) w.nest(NFTA_SET_DESC).u32(NFTA_SET_DESC_SIZE, set.size).endNest();
  const userdata = keyByteOrderUserdata(set.byteOrder);
  w.bytes(NFTA_SET_USERDATA, set.userdata === undefined ? userdata : Buffer.concat([userdata, set.userdata]));
  w.end();
}

/** ElementMessage: where one element message's elements are, to map a kernel error offset back to an element. */
export interface ElementMessage {
  readonly seq: number;
  /** Offset of each NFTA_LIST_ELEM from the start of the message's nlmsghdr. */
  readonly offsets: Int32Array;
  /** The element (index into the ElementList) each NFTA_LIST_ELEM belongs to. */
  readonly indexes: Int32Array;
}

/** ElementRun: `count` evenly spaced hash elements of one message, `size` bytes each from offset `first`, elements `index`.. of the list. */
interface ElementRun {
  readonly first: number;
  readonly index: number;
  readonly count: number;
  readonly size: number;
}

/**
 * An ElementMessage whose arrays are built when first read: only a kernel
 * error reads them, and a million-element load would otherwise fill 8 MB
 * of them for nothing. Runs come first in the message, then `offsets`.
 */
function elementMessage(seq: number, runs: readonly ElementRun[], offsets: readonly number[], indexes: readonly number[]): ElementMessage {
  let built: { readonly offsets: Int32Array; readonly indexes: Int32Array } | undefined;
  const build = (): { readonly offsets: Int32Array; readonly indexes: Int32Array } => {
    const total = runs.reduce((n, r) => n + r.count, 0) + offsets.length;
    const messageOffsets = new Int32Array(total);
    const messageIndexes = new Int32Array(total);
    let k = 0;
    for (const run of runs) {
      for (let j = 0; j < run.count; j++, k++) {
        messageOffsets[k] = run.first + j * run.size;
        messageIndexes[k] = run.index + j;
      }
    }
    messageOffsets.set(offsets, k);
    messageIndexes.set(indexes, k);
    return { offsets: messageOffsets, indexes: messageIndexes };
  };
  return {
    seq,
    get offsets(): Int32Array {
      built ??= build();
      return built.offsets;
    },
    get indexes(): Int32Array {
      built ??= build();
      return built.indexes;
    },
  };
}

/** A verdict per element, for verdict maps (jump CHAIN). */
export type ElementVerdicts = readonly string[];

/** ElementTarget names the set elements go to: by name, and by id when the set is created in the same batch. */
export interface ElementTarget {
  readonly set: string;
  readonly setId?: number;
}

/** successor returns key+1 (big-endian bytes), or undefined when the key is the top of its space. */
export function successor(keys: Uint8Array, offset: number, width: number): Uint8Array | undefined {
  const next = keys.slice(offset, offset + width);
  for (let i = width - 1; i >= 0; i--) {
    if (next[i] !== 0xff) {
      next[i] = (next[i] as number) + 1;
      return next;
    }
    next[i] = 0;
  }
  return undefined;
}

const OPEN_USERDATA = Buffer.from([UDATA_ELEM_FLAGS, 4, ELEM_F_INTERVAL_OPEN, 0, 0, 0]);
const NFTA_SET_ELEM_USERDATA = 6;

/**
 * elementMessages appends NEWSETELEM (or DELSETELEM) messages for `list`,
 * as many as needed to keep each under 64 KiB, and returns where each
 * element went. Intervals go as start + EXCLUSIVE end flagged
 * NFT_SET_ELEM_INTERVAL_END, ascending; an interval that ends at the top of
 * the address space has no end element (its end would wrap to 0) and is
 * flagged open in its userdata, as nft 1.0.6 does. With `leadingEnd`, an
 * interval set's first message starts with an end element at key 0 when the
 * first interval does not start there (nft does this for a new set).
 */
export function elementMessages(
  w: MessageWriter,
  nextSeq: () => number,
  verb: 'add' | 'delete',
  target: ElementTarget,
  list: ElementList,
  options: { readonly verdicts?: ElementVerdicts; readonly leadingEnd?: boolean } = {},
): ElementMessage[] {
  const width = keyWidth(list.key);
  const out: ElementMessage[] = [];
  const type = msgType(verb === 'add' ? NFT_MSG.NEWSETELEM : NFT_MSG.DELSETELEM);
  const flags = NLM_F_REQUEST | (verb === 'add' ? NLM_F_CREATE : 0);
  let offsets: number[] = [];
  let indexes: number[] = [];
  let seq = 0;
  let open = false;
  const start = (): void => {
    seq = nextSeq();
    w.begin(type, flags, seq, NFPROTO_INET).string(NFTA_SET_ELEM_LIST_TABLE, TABLE_NAME).string(NFTA_SET_ELEM_LIST_SET, target.set);
    if (target.setId !== undefined) w.u32(NFTA_SET_ELEM_LIST_SET_ID, target.setId);
    w.nest(NFTA_SET_ELEM_LIST_ELEMENTS);
    open = true;
  };
  // Runs of evenly spaced hash elements (keyElements), laid out before `offsets` in their message.
  let runs: ElementRun[] = [];
  const finish = (): void => {
    w.endNest().end();
    out.push(elementMessage(seq, runs, offsets, indexes));
    offsets = [];
    indexes = [];
    runs = [];
    open = false;
  };
  const element = (index: number, key: Uint8Array, keyOffset: number, elemFlags: number, userdata?: Buffer): void => {
    offsets.push(w.length - w.messageStart);
    indexes.push(index);
    w.nest(NFTA_LIST_ELEM);
    if (elemFlags !== 0) w.u32(NFTA_SET_ELEM_FLAGS, elemFlags);
    w.nest(NFTA_SET_ELEM_KEY).bytes(NFTA_DATA_VALUE, keyOffset === 0 && key.length === width ? key : key.subarray(keyOffset, keyOffset + width)).endNest();
    const verdict = options.verdicts?.[index];
    if (verdict !== undefined) {
      w.nest(NFTA_SET_ELEM_DATA).nest(NFTA_DATA_VERDICT).u32(NFTA_VERDICT_CODE, -3 >>> 0).string(NFTA_VERDICT_CHAIN, verdict).endNest().endNest();
    }
    if (userdata !== undefined) w.bytes(NFTA_SET_ELEM_USERDATA, userdata);
    w.endNest();
  };
  if (list.count === 0) return out;
  start();
  if (list.interval && options.leadingEnd === true && list.keys.subarray(0, width).some((b) => b !== 0)) {
    element(0, new Uint8Array(width), 0, NFT_SET_ELEM_INTERVAL_END);
  }
  if (!list.interval && options.verdicts === undefined) {
    // Plain hash set (the blacklist's hosts): whole runs of elements at once,
    // split exactly where the element-by-element walk below would split.
    const size = keyElementSize(width);
    for (let i = 0; i < list.count; ) {
      const used = w.length - w.messageStart;
      if (used > MESSAGE_LIMIT - ELEMENT_SLACK) {
        finish();
        start();
        continue;
      }
      const count = Math.min(list.count - i, Math.floor((MESSAGE_LIMIT - ELEMENT_SLACK - used) / size) + 1);
      const first = w.keyElements(NFTA_LIST_ELEM, NFTA_SET_ELEM_KEY, NFTA_DATA_VALUE, list.keys, i, count, width) - w.messageStart;
      if (offsets.length === 0) {
        // The usual case, a message of one run: its offsets and indexes go straight into typed arrays.
        runs.push({ first, index: i, count, size });
      } else {
        for (let j = 0; j < count; j++) {
          offsets.push(first + j * size);
          indexes.push(i + j);
        }
      }
      i += count;
    }
    finish();
    return out;
  }
  for (let i = 0; i < list.count; i++) {
    if (w.length - w.messageStart > MESSAGE_LIMIT - ELEMENT_SLACK) {
      finish();
      start();
    }
    if (!list.interval) {
      element(i, list.keys, i * width, 0);
      continue;
    }
    const end = successor(list.lasts as Uint8Array, i * width, width);
    element(i, list.keys, i * width, 0, end === undefined ? OPEN_USERDATA : undefined);
    if (end !== undefined) element(i, end, 0, NFT_SET_ELEM_INTERVAL_END);
  }
  if (open) finish();
  return out;
}
