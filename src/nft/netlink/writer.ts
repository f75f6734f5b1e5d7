/**
 * MessageWriter builds netlink messages: nlmsghdr (host order), nfgenmsg,
 * and attributes (4-byte aligned TLVs; nested ones flagged NLA_F_NESTED).
 * nf_tables integers are big-endian, so u32 attributes are written that way.
 * Pure: bytes in, bytes out, testable without a kernel.
 */
import { NLA_F_NESTED, NLMSG_HDRLEN, NFNETLINK_V0 } from './uapi.js';

/** Host byte order of netlink headers; lbfw runs on little-endian machines (x86, arm64). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function align4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * NativeKeyElements is the loop of {@link MessageWriter.keyElements} in C
 * (lbfw's addon, native/src/key_elements.c): `count` elements at byte `at`
 * of `out`, each the 12 bytes of `head` then key `first + j` of `keys`
 * (`width` bytes, a multiple of 4).
 */
export type NativeKeyElements = (out: Uint8Array, at: number, keys: Uint8Array, first: number, count: number, width: number, head: Uint32Array) => void;

/** Options of a {@link MessageWriter}. */
export interface WriterOptions {
  /** Writes the hash-set elements of keyElements (same bytes): a million of them run mostly interpreted in JS. */
  readonly keyElements?: NativeKeyElements | undefined;
}

/** MessageWriter appends messages to one growing buffer. */
export class MessageWriter {
  #buf: Buffer;
  #len = 0;
  #message = -1;
  #nests: number[] = [];
  readonly #nativeKeys: NativeKeyElements | undefined;

  constructor(capacity = 4096, options: WriterOptions = {}) {
    if (!LITTLE_ENDIAN) throw new Error('lbfw-netlink supports little-endian hosts only');
    this.#buf = Buffer.alloc(capacity);
    this.#nativeKeys = options.keyElements;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#len;
  }

  /** Offset of the current message's start (for sizes and error offsets). */
  get messageStart(): number {
    return this.#message;
  }

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const grown = Buffer.alloc(size);
    this.#buf.copy(grown, 0, 0, this.#len);
    this.#buf = grown;
  }

  /**
   * begin starts a message: nlmsghdr (length patched by end) and nfgenmsg
   * (family, version 0, res_id big-endian: the subsystem for batch messages).
   */
  begin(type: number, flags: number, seq: number, family: number, resId = 0): this {
    if (this.#message !== -1) throw new Error('MessageWriter: begin before end');
    this.#reserve(NLMSG_HDRLEN + 4);
    this.#message = this.#len;
    const b = this.#buf;
    b.writeUInt32LE(0, this.#len);
    b.writeUInt16LE(type, this.#len + 4);
    b.writeUInt16LE(flags, this.#len + 6);
    b.writeUInt32LE(seq >>> 0, this.#len + 8);
    b.writeUInt32LE(0, this.#len + 12);
    b.writeUInt8(family, this.#len + 16);
    b.writeUInt8(NFNETLINK_V0, this.#len + 17);
    b.writeUInt16BE(resId, this.#len + 18);
    this.#len += NLMSG_HDRLEN + 4;
    return this;
  }

  /** end patches the current message's length and returns it. */
  end(): number {
    if (this.#message === -1 || this.#nests.length > 0) throw new Error('MessageWriter: end without begin, or open nests');
    const size = this.#len - this.#message;
    this.#buf.writeUInt32LE(size, this.#message);
    this.#message = -1;
    return size;
  }

  #header(type: number, payload: number): number {
    const total = 4 + payload;
    if (total > 0xffff) throw new RangeError(`netlink attribute ${type} of ${total} bytes exceeds 65535`);
    this.#reserve(align4(total));
    const at = this.#len;
    this.#buf.writeUInt16LE(total, at);
    this.#buf.writeUInt16LE(type, at + 2);
    return at + 4;
  }

  #pad(at: number, payload: number): void {
    const end = at + payload;
    const padded = align4(end);
    // At most three bytes: stores, not a Buffer.fill call (its checks cost more than the bytes).
    for (let i = end; i < padded; i++) this.#buf[i] = 0;
    this.#len = padded;
  }

  /** bytes writes an attribute holding raw bytes (NLA_BINARY, nft_data values). */
  bytes(type: number, value: Uint8Array): this {
    const at = this.#header(type, value.length);
    this.#buf.set(value, at);
    this.#pad(at, value.length);
    return this;
  }

  /** string writes a NUL-terminated string attribute (NLA_STRING / NLA_NUL_STRING). */
  string(type: number, value: string): this {
    const n = Buffer.byteLength(value);
    const at = this.#header(type, n + 1);
    this.#buf.write(value, at);
    this.#buf[at + n] = 0;
    this.#pad(at, n + 1);
    return this;
  }

  /** u32 writes a big-endian 32-bit attribute (nf_tables' NLA_U32 are network order). */
  u32(type: number, value: number): this {
    const at = this.#header(type, 4);
    this.#buf.writeUInt32BE(value >>> 0, at);
    this.#pad(at, 4);
    return this;
  }

  /** nest opens a nested attribute; close it with endNest. */
  nest(type: number): this {
    this.#reserve(4);
    this.#nests.push(this.#len);
    this.#buf.writeUInt16LE(type | NLA_F_NESTED, this.#len + 2);
    this.#len += 4;
    return this;
  }

  /** endNest closes the innermost nest and patches its length. */
  endNest(): this {
    const start = this.#nests.pop();
    if (start === undefined) throw new Error('MessageWriter: endNest without nest');
    const size = this.#len - start;
    if (size > 0xffff) throw new RangeError(`nested netlink attribute of ${size} bytes exceeds 65535`);
    this.#buf.writeUInt16LE(size, start);
    return this;
  }

  /**
   * keyElements writes `count` elements of a plain hash set, keys
   * `first`.. of `keys` (`width` bytes each), as the nests would:
   * NFTA_LIST_ELEM { NFTA_SET_ELEM_KEY { NFTA_DATA_VALUE key } }, in one
   * pass (a million of them per load). Returns the offset of the first
   * element from the buffer's start; each takes keyElementSize(width).
   */
  keyElements(listElem: number, elemKey: number, dataValue: number, keys: Uint8Array, first: number, count: number, width: number): number {
    const size = keyElementSize(width);
    this.#reserve(count * size);
    const buf = this.#buf;
    const start = this.#len;
    const keyStart = keys.byteOffset + first * width;
    if (((buf.byteOffset + start) & 3) === 0 && (width & 3) === 0 && (keyStart & 3) === 0) {
      // Aligned (the usual case): the three attribute headers are the same
      // 32-bit words for every element, and the key is copied as words too
      // (host order in, host order out: its bytes stay as they were).
      const words = size / 4;
      const keyWords = width / 4;
      const out = new Uint32Array(buf.buffer, buf.byteOffset + start, count * words);
      const source = new Uint32Array(keys.buffer, keyStart, count * keyWords);
      const w0 = (size | ((listElem | NLA_F_NESTED) << 16)) >>> 0;
      const w1 = ((size - 4) | ((elemKey | NLA_F_NESTED) << 16)) >>> 0;
      const w2 = ((4 + width) | (dataValue << 16)) >>> 0;
      if (this.#nativeKeys !== undefined) {
        this.#nativeKeys(buf, start, keys, first, count, width, Uint32Array.of(w0, w1, w2));
        this.#len = start + count * size;
        return start;
      }
      for (let j = 0; j < count; j++) {
        const at = j * words;
        out[at] = w0;
        out[at + 1] = w1;
        out[at + 2] = w2;
        for (let k = 0; k < keyWords; k++) out[at + 3 + k] = source[j * keyWords + k] as number;
      }
      this.#len = start + count * size;
      return start;
    }
    // Byte stores on a plain Uint8Array view: writeUInt16LE and a subarray per
    // key were most of the encoding time of a million elements.
    const b = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    const head = [size, listElem | NLA_F_NESTED, size - 4, elemKey | NLA_F_NESTED, 4 + width, dataValue];
    const padded = align4(width);
    for (let j = 0; j < count; j++) {
      const at = start + j * size;
      for (let h = 0; h < 6; h++) {
        const v = head[h] as number;
        b[at + 2 * h] = v & 0xff;
        b[at + 2 * h + 1] = v >>> 8;
      }
      const from = (first + j) * width;
      for (let k = 0; k < width; k++) b[at + 12 + k] = keys[from + k] as number;
      for (let k = width; k < padded; k++) b[at + 12 + k] = 0;
    }
    this.#len = start + count * size;
    return start;
  }

  /** finish returns the written bytes (a copy-free view; the writer must not be used after). */
  finish(): Buffer {
    if (this.#message !== -1) throw new Error('MessageWriter: finish inside a message');
    return this.#buf.subarray(0, this.#len);
  }
}

/** keyElementSize: bytes of one plain hash-set element written by MessageWriter.keyElements. */
export function keyElementSize(width: number): number {
  return 12 + align4(width);
}
