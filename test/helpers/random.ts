/** Seeded pseudo-random numbers for tests: the same values on every run. */

/** xorshift32 from `seed` (not 0): each call gives the next unsigned 32-bit value. */
export function xorshift32(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}
