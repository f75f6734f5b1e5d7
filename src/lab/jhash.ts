/**
 * The kernel's jhash (include/linux/jhash.h, Bob Jenkins' lookup3) as
 * nftables' `jhash` expression uses it (net/netfilter/nft_hash.c), so the lab
 * knows in advance which real server its DR emulation sends a connection to:
 * a probe picks client source ports per real server instead of hoping that
 * random ports reach both.
 */

const JHASH_INITVAL = 0xdeadbeef;

function rol32(word: number, shift: number): number {
  return ((word << shift) | (word >>> (32 - shift))) >>> 0;
}

/** One round of __jhash_mix (blocks before the last one). */
function mix(a: number, b: number, c: number): [number, number, number] {
  a = ((a - c) >>> 0) ^ rol32(c, 4); c = (c + b) >>> 0;
  b = ((b - a) >>> 0) ^ rol32(a, 6); a = (a + c) >>> 0;
  c = ((c - b) >>> 0) ^ rol32(b, 8); b = (b + a) >>> 0;
  a = ((a - c) >>> 0) ^ rol32(c, 16); c = (c + b) >>> 0;
  b = ((b - a) >>> 0) ^ rol32(a, 19); a = (a + c) >>> 0;
  c = ((c - b) >>> 0) ^ rol32(b, 4); b = (b + a) >>> 0;
  return [a >>> 0, b >>> 0, c >>> 0];
}

/** __jhash_final: the last block's avalanche; returns c. */
function final(a: number, b: number, c: number): number {
  c = ((c ^ b) - rol32(b, 14)) >>> 0;
  a = ((a ^ c) - rol32(c, 11)) >>> 0;
  b = ((b ^ a) - rol32(a, 25)) >>> 0;
  c = ((c ^ b) - rol32(b, 16)) >>> 0;
  a = ((a ^ c) - rol32(c, 4)) >>> 0;
  b = ((b ^ a) - rol32(a, 14)) >>> 0;
  return ((c ^ b) - rol32(b, 24)) >>> 0;
}

/**
 * jhash hashes `key` with `seed` exactly as the kernel's jhash() does on a
 * little-endian CPU (words are read in CPU byte order).
 */
export function jhash(key: Uint8Array, seed: number): number {
  let length = key.length;
  let a = (JHASH_INITVAL + length + seed) >>> 0;
  let b = a;
  let c = a;
  let at = 0;
  const word = (i: number): number =>
    ((key[i] ?? 0) | ((key[i + 1] ?? 0) << 8) | ((key[i + 2] ?? 0) << 16) | ((key[i + 3] ?? 0) << 24)) >>> 0;
  while (length > 12) {
    a = (a + word(at)) >>> 0;
    b = (b + word(at + 4)) >>> 0;
    c = (c + word(at + 8)) >>> 0;
    [a, b, c] = mix(a, b, c);
    length -= 12;
    at += 12;
  }
  if (length === 0) return c;
  // The kernel's switch falls through from `length` down to 1: byte i of the
  // last block lands in a, b or c at bit 8 * (i % 4).
  const last = [a, b, c];
  for (let i = length - 1; i >= 0; i--) {
    const slot = Math.floor(i / 4);
    last[slot] = ((last[slot] ?? 0) + ((key[at + i] ?? 0) << (8 * (i % 4)))) >>> 0;
  }
  return final(last[0] ?? 0, last[1] ?? 0, last[2] ?? 0);
}

/** reciprocal_scale (include/linux/math.h): maps a 32-bit hash onto 0..modulus-1. */
export function reciprocalScale(hash: number, modulus: number): number {
  return Number((BigInt(hash) * BigInt(modulus)) >> 32n);
}

/**
 * drBucket is the value of `jhash ip saddr . tcp sport mod MODULUS seed SEED`
 * for one connection. nft pads every member of a concatenation to a 32-bit
 * register (zeroed first), so the hashed key is 8 bytes: the address, the
 * port in network order, two zero bytes.
 */
export function drBucket(clientAddress: string, sourcePort: number, seed: number, modulus: number): number {
  const octets = clientAddress.split('.').map(Number);
  const key = Uint8Array.from([...octets, (sourcePort >> 8) & 0xff, sourcePort & 0xff, 0, 0]);
  return reciprocalScale(jhash(key, seed), modulus);
}
