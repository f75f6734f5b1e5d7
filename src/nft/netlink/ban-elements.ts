/**
 * nf_tables messages for the ban sets of `inet lbfw_ban`: elements with a
 * timeout and a comment, as nft writes them (checked with
 * `nft --debug=netlink add element inet lbfw_ban ban4 { ADDR timeout 600s comment "..." }`):
 *
 *   NEWSETELEM  LIST_TABLE lbfw_ban, LIST_SET ban4,
 *     LIST_ELEMENTS { LIST_ELEM { TIMEOUT u64 ms (big-endian), KEY { DATA_VALUE addr },
 *                                 USERDATA [type 0 = comment, len, text NUL] } }
 *
 * One put is one batch: add (bare keys: makes every element exist), delete,
 * add with timeout and comment, per set, so an existing ban gets a fresh
 * timeout and comment and packets never see it missing. Pure.
 */
import { BAN_TABLE, type BanSetName } from '../../ban/table.js';
import { addressToBigInt, parseAddress } from '../../net/address.js';
import type { BanElement } from '../ban-backend.js';
import { batchBegin, batchEnd, msgType } from './encode.js';
import {
  MESSAGE_LIMIT,
  NFPROTO_INET,
  NFT_MSG,
  NFTA_DATA_VALUE,
  NFTA_LIST_ELEM,
  NFTA_SET_ELEM_KEY,
  NFTA_SET_ELEM_LIST_ELEMENTS,
  NFTA_SET_ELEM_LIST_SET,
  NFTA_SET_ELEM_LIST_TABLE,
  NLM_F_CREATE,
  NLM_F_REQUEST,
} from './uapi.js';
import { MessageWriter } from './writer.js';

/** NFTA_SET_ELEM_TIMEOUT (u64, milliseconds) and NFTA_SET_ELEM_USERDATA (enum nft_set_elem_attributes). */
export const NFTA_SET_ELEM_TIMEOUT = 4;
export const NFTA_SET_ELEM_USERDATA = 6;
/** libnftnl's NFTNL_UDATA_SET_ELEM_COMMENT: the comment TLV in the element's userdata. */
export const NFTNL_UDATA_SET_ELEM_COMMENT = 0;
/** Room kept at the end of a message for one more element (key, timeout, 128-byte comment, headers). */
const ELEMENT_SLACK = 256;

/** BanBatch: the encoded transaction and, per message sequence number, what it does (for errors). */
export interface BanBatch {
  readonly bytes: Buffer;
  readonly subjects: ReadonlyMap<number, string>;
  readonly messages: number;
}

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** keyBytes is the set key of a ban address: 4 or 16 bytes in network order. */
export function keyBytes(address: string): Buffer {
  // Ban addresses are canonical text: most are IPv4, read without the general parser.
  const quad = DOTTED_QUAD.exec(address);
  if (quad !== null) {
    const a = Number(quad[1]);
    const b = Number(quad[2]);
    const c = Number(quad[3]);
    const d = Number(quad[4]);
    if (a <= 255 && b <= 255 && c <= 255 && d <= 255) return Buffer.from([a, b, c, d]);
  }
  const parsed = parseAddress(address);
  if (parsed === undefined) throw new Error(`not an address: ${address}`);
  const width = parsed.family === 4 ? 4 : 16;
  const out = Buffer.alloc(width);
  let value = addressToBigInt(parsed);
  for (let i = width - 1; i >= 0; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

/** commentUserdata is the element userdata nft writes for `comment "TEXT"`: type 0, length, text and its NUL. */
export function commentUserdata(comment: string): Buffer {
  const length = Buffer.byteLength(comment) + 1;
  if (length > 255) throw new Error('an element comment is at most 128 bytes');
  const out = Buffer.alloc(2 + length);
  out[0] = NFTNL_UDATA_SET_ELEM_COMMENT;
  out[1] = length;
  out.write(comment, 2, 'utf8');
  return out;
}

function timeoutBytes(seconds: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(Math.round(seconds * 1000)));
  return out;
}

type Verb = 'add' | 'delete';

/** A ban with its key bytes, computed once for the three messages that name it. */
interface KeyedElement extends BanElement {
  readonly key: Buffer;
}

/** A writer of element messages for one verb and set, split below the 64 KiB message limit. */
function writeElements(w: MessageWriter, nextSeq: () => number, subjects: Map<number, string>, verb: Verb, set: BanSetName, items: readonly KeyedElement[], full: boolean): void {
  if (items.length === 0) return;
  const type = msgType(verb === 'add' ? NFT_MSG.NEWSETELEM : NFT_MSG.DELSETELEM);
  const flags = NLM_F_REQUEST | (verb === 'add' ? NLM_F_CREATE : 0);
  let open = false;
  const start = (): void => {
    const seq = nextSeq();
    subjects.set(seq, `${verb} element inet ${BAN_TABLE} ${set}`);
    w.begin(type, flags, seq, NFPROTO_INET).string(NFTA_SET_ELEM_LIST_TABLE, BAN_TABLE).string(NFTA_SET_ELEM_LIST_SET, set).nest(NFTA_SET_ELEM_LIST_ELEMENTS);
    open = true;
  };
  for (const item of items) {
    if (!open) start();
    else if (w.length - w.messageStart > MESSAGE_LIMIT - ELEMENT_SLACK) {
      w.endNest().end();
      start();
    }
    w.nest(NFTA_LIST_ELEM);
    if (full) w.bytes(NFTA_SET_ELEM_TIMEOUT, timeoutBytes(item.timeoutSeconds));
    w.nest(NFTA_SET_ELEM_KEY).bytes(NFTA_DATA_VALUE, item.key).endNest();
    if (full && item.comment !== undefined && item.comment !== '') w.bytes(NFTA_SET_ELEM_USERDATA, commentUserdata(item.comment));
    w.endNest();
  }
  w.endNest().end();
}

/**
 * encodeBanPut encodes {@link BanBackend.put} as one batch (see the module
 * doc); `firstSeq` numbers the messages.
 */
export function encodeBanPut(elements: readonly BanElement[], firstSeq: number): BanBatch {
  return encode(elements, firstSeq, (write, set, items) => {
    write('add', set, items, false);
    write('delete', set, items, false);
    write('add', set, items, true);
  });
}

/** encodeBanRemove encodes {@link BanBackend.remove}: add (an expired ban exists again for the delete), delete. */
export function encodeBanRemove(elements: readonly Pick<BanElement, 'set' | 'address'>[], firstSeq: number): BanBatch {
  const full = elements.map((e) => ({ ...e, timeoutSeconds: 0 }));
  return encode(full, firstSeq, (write, set, items) => {
    write('add', set, items, false);
    write('delete', set, items, false);
  });
}

function encode(
  elements: readonly BanElement[],
  firstSeq: number,
  plan: (write: (verb: Verb, set: BanSetName, items: readonly KeyedElement[], full: boolean) => void, set: BanSetName, items: readonly KeyedElement[]) => void,
): BanBatch {
  const w = new MessageWriter(1 << 16);
  const subjects = new Map<number, string>();
  let seq = firstSeq;
  const nextSeq = (): number => seq++;
  batchBegin(w, nextSeq());
  const bySet = new Map<BanSetName, KeyedElement[]>();
  for (const e of elements) {
    const list = bySet.get(e.set) ?? [];
    list.push({ ...e, key: keyBytes(e.address) });
    bySet.set(e.set, list);
  }
  for (const [set, items] of bySet) plan((verb, s, list, full) => writeElements(w, nextSeq, subjects, verb, s, list, full), set, items);
  batchEnd(w, nextSeq());
  return { bytes: w.finish(), subjects, messages: seq - firstSeq };
}
