/**
 * Set elements in the form a netlink encoder writes and a compare walks:
 * fixed-width keys in network byte order (NFTA_SET_ELEM_KEY), packed in one
 * Uint8Array, ascending and distinct. Big-endian bytes order like the
 * numbers they hold, so two sorted lists compare as numbers: equal sets are
 * equal arrays (one memcmp), and a difference is found by one merge walk.
 * A million IPv4 hosts take 4 MB instead of 19 MB of text.
 */
import { bigIntToAddress, familyBits, type AddressRange } from '../../net/address.js';
import { nftAddressText, rangeToElement } from '../../net/merge.js';
import { fieldWidth, keyWidth, type SetKey } from './keys.js';
import { L4_PROTOCOL_NUMBERS, protocolName, type L4Protocol } from './values.js';

/**
 * ElementList holds the elements of one set. `keys` has `count` keys of
 * `keyWidth(key)` bytes; an interval set also has `lasts`, the inclusive
 * last key of each element (a netlink encoder sends last + 1 with
 * NFT_SET_ELEM_INTERVAL_END, minding a range that ends at the top of the
 * address space). Elements never overlap, and never touch in an interval set
 * (they are merged first: nft and the kernel refuse overlaps). A list is
 * never changed once made (its order is checked once: see assertAscending).
 */
export interface ElementList {
  readonly key: SetKey;
  readonly interval: boolean;
  readonly count: number;
  readonly keys: Uint8Array;
  /** Interval sets only: inclusive last keys, same layout as `keys`. */
  readonly lasts?: Uint8Array;
}

/** isElementList tells an ElementList apart from other data (for JSON output). */
export function isElementList(value: unknown): value is ElementList {
  return typeof value === 'object' && value !== null && (value as ElementList).keys instanceof Uint8Array && Array.isArray((value as ElementList).key) && typeof (value as ElementList).count === 'number';
}

/** ElementValue is one field's value: an address as bigint (or number for IPv4), a protocol, a port. */
export type ElementValue = bigint | number | L4Protocol;

/** emptyElements is the element list of an empty set. */
export function emptyElements(key: SetKey, interval: boolean): ElementList {
  return { key, interval, count: 0, keys: new Uint8Array(0), ...(interval ? { lasts: new Uint8Array(0) } : {}) };
}

function writeUnsigned(target: Uint8Array, offset: number, bytes: number, value: bigint): void {
  let rest = value;
  for (let i = bytes - 1; i >= 0; i--) {
    target[offset + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}

function readUnsigned(source: Uint8Array, offset: number, bytes: number): bigint {
  let value = 0n;
  for (let i = 0; i < bytes; i++) value = (value << 8n) | BigInt(source[offset + i] as number);
  return value;
}

function fieldValue(field: SetKey[number], value: ElementValue): bigint {
  if (field === 'inet_proto' && typeof value === 'string') return BigInt(L4_PROTOCOL_NUMBERS[value]);
  if (typeof value === 'string') throw new RangeError(`${field} takes a number, not "${value}"`);
  return BigInt(value);
}

/** encodeKey writes one key of `key` type from its field values (left-aligned in each padded field). */
export function encodeKey(key: SetKey, values: readonly ElementValue[], target = new Uint8Array(keyWidth(key)), offset = 0): Uint8Array {
  if (values.length !== key.length) throw new RangeError(`a ${key.join(' . ')} key has ${key.length} fields, not ${values.length}`);
  let at = offset;
  key.forEach((field, i) => {
    const bytes = field === 'ipv4_addr' ? 4 : field === 'ipv6_addr' ? 16 : field === 'inet_proto' ? 1 : 2;
    writeUnsigned(target, at, bytes, fieldValue(field, values[i] as ElementValue));
    at += fieldWidth(key, i);
  });
  return target;
}

/** decodeKey reads the field values of the key at `index` (addresses as bigint, protocol and port as numbers). */
export function decodeKey(key: SetKey, keys: Uint8Array, index: number): bigint[] {
  const width = keyWidth(key);
  let at = index * width;
  return key.map((field, i) => {
    const bytes = field === 'ipv4_addr' ? 4 : field === 'ipv6_addr' ? 16 : field === 'inet_proto' ? 1 : 2;
    const value = readUnsigned(keys, at, bytes);
    at += fieldWidth(key, i);
    return value;
  });
}

/**
 * addressElements packs sorted, distinct addresses of one family into a hash
 * set's elements. IPv4 takes a Uint32Array (what the blacklist normaliser
 * sorts natively); IPv6 sorted bigints.
 */
export function addressElements(family: 4 | 6, sorted: Uint32Array | readonly bigint[]): ElementList {
  const key: SetKey = family === 4 ? ['ipv4_addr'] : ['ipv6_addr'];
  const width = family === 4 ? 4 : 16;
  if (sorted instanceof Uint32Array) return ipv4Elements(sorted, 0, sorted.length);
  const keys = new Uint8Array(sorted.length * width);
  sorted.forEach((value, i) => writeUnsigned(keys, i * width, width, value));
  const list: ElementList = { key, interval: false, count: sorted.length, keys };
  assertAscending(list);
  return list;
}

/**
 * Lists known to hold their invariant: checked by assertAscending, or made
 * by a producer that checked it on the way (ipv4Elements). An ElementList is
 * never changed once made, so a million keys are checked once per apply,
 * not once per builder, transaction and record.
 */
const ascending = new WeakSet<ElementList>();

/**
 * ipv4Elements packs IPv4 values `from`..`to` of `values` (ascending,
 * distinct: checked in the same walk) as hash-set keys, big-endian bytes
 * written by hand.
 */
function ipv4Elements(values: Uint32Array, from: number, to: number): ElementList {
  const count = to - from;
  const keys = new Uint8Array(count * 4);
  let previous = -1;
  for (let i = 0; i < count; i++) {
    const v = values[from + i] as number;
    if (v <= previous) throw new ElementOrderError(`elements ${ipv4Text(previous)} and ${ipv4Text(v)} are out of order or overlap`);
    previous = v;
    writeIPv4(keys, i * 4, v);
  }
  const list: ElementList = { key: ['ipv4_addr'], interval: false, count, keys };
  ascending.add(list);
  return list;
}

/** Writes an IPv4 value as 4 big-endian bytes (`>>>`: unsigned). */
function writeIPv4(target: Uint8Array, offset: number, v: number): void {
  target[offset] = v >>> 24;
  target[offset + 1] = (v >>> 16) & 255;
  target[offset + 2] = (v >>> 8) & 255;
  target[offset + 3] = v & 255;
}

function ipv4Text(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** rangeElements packs merged ranges (ascending, not touching) of one family into an interval set's elements. */
export function rangeElements(family: 4 | 6, ranges: readonly AddressRange[]): ElementList {
  const key: SetKey = family === 4 ? ['ipv4_addr'] : ['ipv6_addr'];
  const width = family === 4 ? 4 : 16;
  const keys = new Uint8Array(ranges.length * width);
  const lasts = new Uint8Array(ranges.length * width);
  ranges.forEach((range, i) => {
    if (range.family !== family) throw new RangeError(`an IPv${family} set cannot hold an IPv${range.family} range`);
    if (family === 4) {
      // A blacklist's thousands of IPv4 ranges: one Number each, not a bigint shift per byte.
      writeIPv4(keys, i * 4, Number(range.first));
      writeIPv4(lasts, i * 4, Number(range.last));
      return;
    }
    writeUnsigned(keys, i * width, width, range.first);
    writeUnsigned(lasts, i * width, width, range.last);
  });
  const list: ElementList = { key, interval: true, count: ranges.length, keys, lasts };
  assertAscending(list);
  return list;
}

/**
 * tupleElements packs elements given as field values (small sets: VIP
 * services, service ports), sorting them and dropping duplicates.
 */
export function tupleElements(key: SetKey, tuples: readonly (readonly ElementValue[])[]): ElementList {
  const width = keyWidth(key);
  const keys = new Uint8Array(tuples.length * width);
  tuples.forEach((tuple, i) => encodeKey(key, tuple, keys, i * width));
  return sortElements({ key, interval: false, count: tuples.length, keys });
}

function compareAt(a: Uint8Array, ai: number, b: Uint8Array, bi: number, width: number): number {
  for (let k = 0; k < width; k++) {
    const d = (a[ai * width + k] as number) - (b[bi * width + k] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/** ElementOrderError: keys are not ascending and distinct, or interval elements overlap. */
export class ElementOrderError extends RangeError {}

/** assertAscending checks the invariant of an ElementList (ascending, distinct, intervals apart). */
export function assertAscending(list: ElementList): void {
  if (ascending.has(list)) return;
  checkAscending(list);
  ascending.add(list);
}

function checkAscending(list: ElementList): void {
  const width = keyWidth(list.key);
  if (list.keys.length !== list.count * width || (list.interval && list.lasts?.length !== list.count * width)) {
    throw new ElementOrderError(`element data of ${list.count} ${list.key.join(' . ')} keys has the wrong length`);
  }
  if (width === 4 && list.lasts === undefined) {
    // IPv4 hash sets (a million keys, checked on every build and record read): compared as numbers.
    const k = list.keys;
    let previous = -1;
    for (let i = 0; i < list.count; i++) {
      const v = (((k[i * 4] as number) << 24) | ((k[i * 4 + 1] as number) << 16) | ((k[i * 4 + 2] as number) << 8) | (k[i * 4 + 3] as number)) >>> 0;
      if (v <= previous) throw new ElementOrderError(`elements ${elementText(list, i - 1)} and ${elementText(list, i)} are out of order or overlap`);
      previous = v;
    }
    return;
  }
  for (let i = 0; i < list.count; i++) {
    if (list.lasts !== undefined && compareAt(list.keys, i, list.lasts, i, width) > 0) {
      throw new ElementOrderError(`interval element ${elementText(list, i)} ends before it starts`);
    }
    if (i === 0) continue;
    const previousEnd = list.lasts ?? list.keys;
    if (compareAt(previousEnd, i - 1, list.keys, i, width) >= 0) {
      throw new ElementOrderError(`elements ${elementText(list, i - 1)} and ${elementText(list, i)} are out of order or overlap`);
    }
  }
}

/**
 * ipv4SortedElements packs sorted IPv4 values (duplicates allowed: dropped
 * here) as `list`'s keys: numbers compared as numbers, bytes written by hand
 * (a DataView call per key was most of a million-key read-back).
 */
export function ipv4SortedElements(list: ElementList, sorted: Uint32Array): ElementList {
  let kept = 0;
  for (let i = 0; i < sorted.length; i++) if (kept === 0 || sorted[kept - 1] !== sorted[i]) sorted[kept++] = sorted[i] as number;
  const keys = new Uint8Array(kept * 4);
  for (let i = 0; i < kept; i++) {
    const v = sorted[i] as number;
    keys[i * 4] = v >>> 24;
    keys[i * 4 + 1] = (v >>> 16) & 255;
    keys[i * 4 + 2] = (v >>> 8) & 255;
    keys[i * 4 + 3] = v & 255;
  }
  return { ...list, count: kept, keys };
}

/**
 * sortElements returns the list sorted and without duplicates. IPv4 keys sort
 * as a Uint32Array (native, no comparator); others as latin1 strings, whose
 * default order is their byte order.
 */
export function sortElements(list: ElementList): ElementList {
  const width = keyWidth(list.key);
  const n = list.count;
  if (n < 2) return list;
  if (list.interval) {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => compareAt(list.keys, a, list.keys, b, width));
    const keys = new Uint8Array(n * width);
    const lasts = new Uint8Array(n * width);
    order.forEach((from, to) => {
      keys.set(list.keys.subarray(from * width, from * width + width), to * width);
      lasts.set((list.lasts as Uint8Array).subarray(from * width, from * width + width), to * width);
    });
    return { ...list, keys, lasts };
  }
  let sortedKeys: Uint8Array;
  if (width === 4) {
    const k = list.keys;
    const values = new Uint32Array(n);
    for (let i = 0; i < n; i++) values[i] = ((k[i * 4] as number) << 24) | ((k[i * 4 + 1] as number) << 16) | ((k[i * 4 + 2] as number) << 8) | (k[i * 4 + 3] as number);
    return ipv4SortedElements(list, values.sort());
  } else {
    const buffer = Buffer.from(list.keys.buffer, list.keys.byteOffset, list.keys.byteLength);
    const texts = Array.from({ length: n }, (_, i) => buffer.toString('latin1', i * width, i * width + width)).sort();
    sortedKeys = new Uint8Array(Buffer.from(texts.join(''), 'latin1'));
  }
  // Drop duplicates in place.
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if (kept > 0 && compareAt(sortedKeys, kept - 1, sortedKeys, i, width) === 0) continue;
    if (kept !== i) sortedKeys.copyWithin(kept * width, i * width, i * width + width);
    kept++;
  }
  return { ...list, count: kept, keys: sortedKeys.subarray(0, kept * width) };
}

function fieldText(field: SetKey[number], value: bigint): string {
  switch (field) {
    case 'ipv4_addr':
      return bigIntToAddress(4, value);
    case 'ipv6_addr':
      return nftAddressText(6, value);
    case 'inet_proto':
      return protocolName(Number(value)) ?? String(value);
    case 'inet_service':
      return String(value);
  }
}

/**
 * elementText renders element `index` as nft 1.0.6 lists it: fields joined by
 * ` . `; an interval as a lone address, `ADDR/LEN` when it is one aligned
 * prefix, else `FIRST-LAST`.
 */
export function elementText(list: ElementList, index: number): string {
  const first = decodeKey(list.key, list.keys, index);
  if (list.lasts === undefined) return first.map((v, i) => fieldText(list.key[i] as SetKey[number], v)).join(' . ');
  const field = list.key[0];
  if (list.key.length !== 1 || (field !== 'ipv4_addr' && field !== 'ipv6_addr')) {
    throw new RangeError(`interval sets of ${list.key.join(' . ')} are not supported`);
  }
  const last = decodeKey(list.key, list.lasts, index);
  return rangeToElement({ family: field === 'ipv4_addr' ? 4 : 6, first: first[0] as bigint, last: last[0] as bigint });
}

/** elementTexts renders every element (for plans, state and the nft backend's scripts). */
export function elementTexts(list: ElementList): string[] {
  const texts = new Array<string>(list.count);
  if (list.key.length === 1 && list.key[0] === 'ipv4_addr' && !list.interval) {
    // The hot path of a million-host blacklist: no bigint per element.
    const k = list.keys;
    for (let i = 0; i < list.count; i++) texts[i] = `${k[i * 4]}.${k[i * 4 + 1]}.${k[i * 4 + 2]}.${k[i * 4 + 3]}`;
    return texts;
  }
  for (let i = 0; i < list.count; i++) texts[i] = elementText(list, i);
  return texts;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) < 256)) return undefined;
  return BigInt(parts.reduce((v, p) => v * 256 + Number(p), 0));
}

function parseIpv6(text: string): bigint | undefined {
  // Hand-written: the listing of a big IPv6 set parses every element, and
  // the strict RFC 4291 checks were done when lbfw wrote them.
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return undefined;
  // nft prints IPv4-mapped and -compatible addresses with a dotted quad (::ffff:192.0.2.1).
  const quad = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad !== null) {
    const v4 = ipv4Value(quad[2] as string);
    if (v4 < 0) return undefined;
    const upper = parseIpv6(`${quad[1] as string}0:0`);
    return upper === undefined ? undefined : upper | BigInt(v4);
  }
  const [head = '', tail] = text.split('::');
  if (text.split('::').length > 2) return undefined;
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (all.length !== 8 || !all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return all.reduce((v, g) => (v << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

function parseField(field: SetKey[number], text: string): bigint | undefined {
  switch (field) {
    case 'ipv4_addr':
      return parseIpv4(text);
    case 'ipv6_addr':
      return parseIpv6(text);
    case 'inet_proto': {
      if (text in L4_PROTOCOL_NUMBERS) return BigInt(L4_PROTOCOL_NUMBERS[text as L4Protocol]);
      return /^\d{1,3}$/.test(text) && Number(text) < 256 ? BigInt(text) : undefined;
    }
    case 'inet_service':
      return /^\d{1,5}$/.test(text) && Number(text) < 65536 ? BigInt(text) : undefined;
  }
}

/** The value of a dotted quad, or -1 (a hand loop: a million of them are parsed per listing). */
function ipv4Value(text: string): number {
  let value = 0;
  let octet = -1;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (octet < 0 || ++dots > 3) return -1;
      value = value * 256 + octet;
      octet = -1;
    } else if (c >= 48 && c <= 57) {
      octet = octet < 0 ? c - 48 : octet * 10 + c - 48;
      if (octet > 255 || (octet === 0 && i > 0 && text.charCodeAt(i - 1) === 48 && i + 1 < text.length && text.charCodeAt(i + 1) !== 46)) return -1;
    } else return -1;
  }
  return dots === 3 && octet >= 0 ? value * 256 + octet : -1;
}

function ipv4FromTexts(texts: readonly string[]): ElementList {
  const values = new Uint32Array(texts.length);
  texts.forEach((text, i) => {
    const value = ipv4Value(text);
    if (value < 0) throw new ElementTextError(`"${text}" is not an element of a ipv4_addr set`);
    values[i] = value;
  });
  values.sort();
  let kept = 0;
  for (let i = 0; i < values.length; i++) if (kept === 0 || values[kept - 1] !== values[i]) values[kept++] = values[i] as number;
  return addressElements(4, values.subarray(0, kept));
}

/**
 * ipv4ShardsFromTexts parses IPv4 host texts once and deals them into
 * `shards` (a power of two, at most 256) hash-set element lists by the last
 * octet, `value & (shards - 1)`: what src/ruleset/shards.ts's shardOf gives
 * for the same text, without a string per shard.
 */
export function ipv4ShardsFromTexts(texts: readonly string[], shards: number): ElementList[] {
  const values = new Uint32Array(texts.length);
  texts.forEach((text, i) => {
    const value = ipv4Value(text);
    if (value < 0) throw new ElementTextError(`"${text}" is not an element of a ipv4_addr set`);
    values[i] = value;
  });
  return ipv4ShardsFromValues(values.sort(), shards);
}

/** True on little-endian hosts: keys are big-endian bytes, so a value written as one 32-bit word is byte-swapped first. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * ipv4ShardsFromValues deals sorted IPv4 values into `shards` lists as
 * ipv4ShardsFromTexts does (duplicates dropped). One counting pass sizes
 * each shard's run; a second writes every value once, as a big-endian word,
 * into its run of one shared key buffer (each list is a view of its run).
 */
export function ipv4ShardsFromValues(sorted: Uint32Array, shards: number, native?: NativeDeal4): ElementList[] {
  if (native !== undefined && sorted.length >= NATIVE_DEAL_MIN) {
    const keys = new Uint8Array(sorted.length * 4);
    const bounds = new Uint32Array(2 * shards);
    const dealt = native(sorted, shards, keys, bounds);
    if (dealt > 0) throw new ElementOrderError(`elements ${ipv4Text(sorted[dealt - 2] as number)} and ${ipv4Text(sorted[dealt - 1] as number)} are out of order or overlap`);
    if (dealt === 0) return Array.from({ length: shards }, (_, shard) => shardList(keys, bounds[2 * shard] as number, bounds[2 * shard + 1] as number));
  }
  const mask = shards - 1;
  const starts = new Uint32Array(shards + 1);
  for (let i = 0; i < sorted.length; i++) {
    const shard = ((sorted[i] as number) & mask) + 1;
    starts[shard] = (starts[shard] as number) + 1;
  }
  for (let shard = 1; shard <= shards; shard++) starts[shard] = (starts[shard] as number) + (starts[shard - 1] as number);
  const words = new Uint32Array(sorted.length);
  const filled = starts.slice(0, shards);
  let previous = -1;
  for (let i = 0; i < sorted.length; i++) {
    const value = sorted[i] as number;
    // Sorted as a whole, so a duplicate is the value just before, and each shard's run ascends.
    if (value <= previous) {
      if (value === previous) continue;
      throw new ElementOrderError(`elements ${ipv4Text(previous)} and ${ipv4Text(value)} are out of order or overlap`);
    }
    previous = value;
    const shard = value & mask;
    const at = filled[shard] as number;
    words[at] = LITTLE_ENDIAN ? ((value >>> 24) | ((value >>> 8) & 0xff00) | ((value & 0xff00) << 8) | (value << 24)) >>> 0 : value;
    filled[shard] = at + 1;
  }
  const keys = new Uint8Array(words.buffer);
  return Array.from({ length: shards }, (_, shard) => shardList(keys, starts[shard] as number, filled[shard] as number));
}

/** The list of keys `from`..`to` of a shared key buffer (ascending: its producer checked). */
function shardList(keys: Uint8Array, from: number, to: number): ElementList {
  const list: ElementList = { key: ['ipv4_addr'], interval: false, count: to - from, keys: keys.subarray(from * 4, to * 4) };
  ascending.add(list);
  return list;
}

/**
 * NativeDeal4 deals as ipv4ShardsFromValues does, in C (lbfw's addon, see
 * blacklist/native-hosts.ts), into `keys` (4 big-endian bytes a value) and
 * `bounds` (shard s: values bounds[2s]..bounds[2s+1]): 0 when dealt, i + 1
 * when value i is below value i - 1, -1 when it did not run (the
 * TypeScript loop then does).
 */
export type NativeDeal4 = (sorted: Uint32Array, shards: number, keys: Uint8Array, bounds: Uint32Array) => number;

/** Below this many values the TypeScript loop deals (a small list need not load the addon). */
export const NATIVE_DEAL_MIN = 4096;

/** ElementTextError: an element's text does not fit the set's key type. */
export class ElementTextError extends RangeError {}

/**
 * elementsFromTexts reads elements as nft lists them (any order) back into
 * an ElementList: the inverse of elementTexts, used on `nft list` output.
 */
export function elementsFromTexts(key: SetKey, interval: boolean, texts: readonly string[]): ElementList {
  if (!interval && key.length === 1 && key[0] === 'ipv4_addr') return ipv4FromTexts(texts);
  const width = keyWidth(key);
  const keys = new Uint8Array(texts.length * width);
  const lasts = interval ? new Uint8Array(texts.length * width) : undefined;
  const fail = (text: string): never => {
    throw new ElementTextError(`"${text}" is not an element of a ${key.join(' . ')} set`);
  };
  texts.forEach((text, i) => {
    if (!interval) {
      const parts = text.split(' . ');
      if (parts.length !== key.length) fail(text);
      encodeKey(key, parts.map((p, f) => parseField(key[f] as SetKey[number], p) ?? fail(text)), keys, i * width);
      return;
    }
    const field = key[0] as SetKey[number];
    const bits = BigInt(familyBits(field === 'ipv4_addr' ? 4 : 6));
    let first: bigint;
    let last: bigint;
    const slash = text.indexOf('/');
    const dash = text.indexOf('-');
    if (slash !== -1) {
      first = parseField(field, text.slice(0, slash)) ?? fail(text);
      const prefix = text.slice(slash + 1);
      if (!/^\d{1,3}$/.test(prefix) || BigInt(prefix) > bits) fail(text);
      last = first + (1n << (bits - BigInt(prefix))) - 1n;
    } else if (dash !== -1) {
      first = parseField(field, text.slice(0, dash)) ?? fail(text);
      last = parseField(field, text.slice(dash + 1)) ?? fail(text);
    } else {
      first = parseField(field, text) ?? fail(text);
      last = first;
    }
    writeUnsigned(keys, i * width, width, first);
    writeUnsigned(lasts as Uint8Array, i * width, width, last);
  });
  return sortElements({ key, interval, count: texts.length, keys, ...(lasts === undefined ? {} : { lasts }) });
}

/** ElementDifference: what one element list has that the other lacks, counted, with a few examples. */
export interface ElementDifference {
  readonly missing: number;
  readonly extra: number;
  /** Up to `sample` elements of `meant` absent from `actual`, as nft text. */
  readonly missingSample: readonly string[];
  /** Up to `sample` elements of `actual` absent from `meant`, as nft text. */
  readonly extraSample: readonly string[];
}

function sameElement(a: ElementList, ai: number, b: ElementList, bi: number, width: number): number {
  const byKey = compareAt(a.keys, ai, b.keys, bi, width);
  if (byKey !== 0 || a.lasts === undefined || b.lasts === undefined) return byKey;
  return compareAt(a.lasts, ai, b.lasts, bi, width);
}

/**
 * diffElements compares two sorted lists as numbers. Equal lists cost one
 * memcmp; otherwise one merge walk. An interval element counts as equal only
 * when both its ends are.
 */
export function diffElements(meant: ElementList, actual: ElementList, sample = 5): ElementDifference {
  const bytes = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  if (
    meant.count === actual.count &&
    bytes(meant.keys).equals(bytes(actual.keys)) &&
    (meant.lasts === undefined || actual.lasts === undefined || bytes(meant.lasts).equals(bytes(actual.lasts)))
  ) {
    return { missing: 0, extra: 0, missingSample: [], extraSample: [] };
  }
  const width = keyWidth(meant.key);
  const missingSample: string[] = [];
  const extraSample: string[] = [];
  let missing = 0;
  let extra = 0;
  let i = 0;
  let j = 0;
  while (i < meant.count || j < actual.count) {
    const order = i >= meant.count ? 1 : j >= actual.count ? -1 : sameElement(meant, i, actual, j, width);
    if (order === 0) {
      i++;
      j++;
    } else if (order < 0) {
      if (missingSample.length < sample) missingSample.push(elementText(meant, i));
      missing++;
      i++;
    } else {
      if (extraSample.length < sample) extraSample.push(elementText(actual, j));
      extra++;
      j++;
    }
  }
  return { missing, extra, missingSample, extraSample };
}

/** sliceElements returns elements [from, to) as a list sharing the same memory. */
export function sliceElements(list: ElementList, from: number, to: number): ElementList {
  const width = keyWidth(list.key);
  const end = Math.min(to, list.count);
  const start = Math.min(from, end);
  return {
    ...list,
    count: end - start,
    keys: list.keys.subarray(start * width, end * width),
    ...(list.lasts === undefined ? {} : { lasts: list.lasts.subarray(start * width, end * width) }),
  };
}

/**
 * applyEdits returns `base` without the elements of `deletes` (exact
 * matches) and with those of `adds`, all three sorted: one merge walk, so a
 * few edits of a million-element list cost one pass and no string.
 */
export function applyEdits(base: ElementList, adds: ElementList, deletes: ElementList): ElementList {
  if (adds.count === 0 && deletes.count === 0) return base;
  const width = keyWidth(base.key);
  const keys = new Uint8Array((base.count + adds.count) * width);
  const lasts = base.lasts === undefined ? undefined : new Uint8Array((base.count + adds.count) * width);
  let n = 0;
  const push = (from: ElementList, i: number): void => {
    keys.set(from.keys.subarray(i * width, i * width + width), n * width);
    if (lasts !== undefined && from.lasts !== undefined) lasts.set(from.lasts.subarray(i * width, i * width + width), n * width);
    n++;
  };
  let b = 0;
  let a = 0;
  let d = 0;
  while (b < base.count || a < adds.count) {
    if (b < base.count) {
      while (d < deletes.count && sameElement(deletes, d, base, b, width) < 0) d++;
      if (d < deletes.count && sameElement(deletes, d, base, b, width) === 0) {
        b++;
        continue;
      }
    }
    const order = b >= base.count ? 1 : a >= adds.count ? -1 : compareAt(base.keys, b, adds.keys, a, width);
    if (order < 0) push(base, b++);
    else if (order > 0) push(adds, a++);
    else {
      push(adds, a++);
      b++;
    }
  }
  return { ...base, count: n, keys: keys.subarray(0, n * width), ...(lasts === undefined ? {} : { lasts: lasts.subarray(0, n * width) }) };
}

/** hexOfElement writes element `index` as hex (`first` or `first:last`), for journals. */
export function hexOfElement(list: ElementList, index: number): string {
  const width = keyWidth(list.key);
  const hex = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset + index * width, width).toString('hex');
  return list.lasts === undefined ? hex(list.keys) : `${hex(list.keys)}:${hex(list.lasts)}`;
}

/** elementsFromHex reads hexOfElement's output back (sorted, distinct), or throws ElementTextError. */
export function elementsFromHex(key: SetKey, interval: boolean, hexes: readonly string[]): ElementList {
  const width = keyWidth(key);
  const keys = new Uint8Array(hexes.length * width);
  const lasts = interval ? new Uint8Array(hexes.length * width) : undefined;
  const pattern = new RegExp(`^[0-9a-f]{${width * 2}}${interval ? `:[0-9a-f]{${width * 2}}` : ''}$`);
  hexes.forEach((hex, i) => {
    if (!pattern.test(hex)) throw new ElementTextError(`"${hex}" is not a ${key.join(' . ')} element`);
    keys.set(Buffer.from(hex.slice(0, width * 2), 'hex'), i * width);
    lasts?.set(Buffer.from(hex.slice(width * 2 + 1), 'hex'), i * width);
  });
  return sortElements({ key, interval, count: hexes.length, keys, ...(lasts === undefined ? {} : { lasts }) });
}
