/**
 * Sorting of unsigned 32-bit values (IPv4 addresses as numbers). A
 * million-host blacklist sorts its host column once per apply; V8's
 * TypedArray.prototype.sort took about 65 ms of it on the 2-core dev box,
 * a least-significant-digit radix sort (three passes of 11, 11 and 10
 * bits, one counting pass for all three) 15 ms, 28 ms on its first
 * call (before it is compiled). Below
 * RADIX_MIN_LENGTH values the native sort is as fast and needs no scratch.
 */

/** NativeSortU32 sorts in place as sortUint32 does; false when it did not (the TypeScript sort then runs). */
export type NativeSortU32 = (values: Uint32Array) => boolean;

/** Below this many values the native sort is used: the radix passes' fixed cost (three 2,048-entry histograms) would dominate. */
export const RADIX_MIN_LENGTH = 4096;

const BITS = 11;
const BUCKETS = 1 << BITS;
const MASK = BUCKETS - 1;

/**
 * sortUint32 sorts `values` ascending in place and returns it, as
 * `values.sort()` does (duplicates kept). Stable passes over 11-bit digits;
 * a pass whose digit is the same in every value is skipped.
 */
export function sortUint32(values: Uint32Array, native?: NativeSortU32): Uint32Array {
  const n = values.length;
  if (n < RADIX_MIN_LENGTH) return values.sort();
  // The same radix sort in C (lbfw's addon), when the caller has it: a cold JS loop over a million values runs interpreted at first.
  if (native?.(values) === true) return values;
  // One walk counts all three digits.
  const counts = new Uint32Array(BUCKETS * 3);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    const low = v & MASK;
    const middle = BUCKETS + ((v >>> BITS) & MASK);
    const high = 2 * BUCKETS + (v >>> (2 * BITS));
    counts[low] = (counts[low] as number) + 1;
    counts[middle] = (counts[middle] as number) + 1;
    counts[high] = (counts[high] as number) + 1;
  }
  let from: Uint32Array = values;
  let to: Uint32Array = new Uint32Array(n);
  for (let pass = 0; pass < 3; pass++) {
    const base = pass * BUCKETS;
    const shift = pass * BITS;
    // Every value has the same digit here: the pass would copy them in order.
    if (counts[base + (((from[0] as number) >>> shift) & MASK)] === n) continue;
    // Counts become the start of each digit's run.
    let sum = 0;
    for (let d = 0; d < BUCKETS; d++) {
      const c = counts[base + d] as number;
      counts[base + d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const v = from[i] as number;
      const d = base + ((v >>> shift) & MASK);
      const at = counts[d] as number;
      to[at] = v;
      counts[d] = at + 1;
    }
    const swap = from;
    from = to;
    to = swap;
  }
  if (from !== values) values.set(from);
  return values;
}
