/**
 * Turns blacklist entries into the element lists of the nft sets: single
 * addresses for the hash sets, real ranges for the interval sets.
 *
 * nft rejects a whole file whose interval elements overlap ("conflicting
 * intervals specified"), so overlapping and adjacent ranges are merged first.
 * The result depends only on which addresses are covered, not on how the
 * entries were written or ordered; that keeps it comparable with what the
 * kernel holds.
 */
import type { Family } from '../config/model.js';
import { bigIntToAddress, familyBits } from '../net/address.js';
import type { BlacklistEntry } from './parse.js';

/** NormalisedBlacklist holds nft element texts, each list sorted by address. */
export interface NormalisedBlacklist {
  /** Single IPv4 addresses (for a hash set). */
  readonly hosts4: readonly string[];
  /** IPv4 ranges of more than one address, as `ADDR/PREFIX` or `FIRST-LAST` (for an interval set). */
  readonly nets4: readonly string[];
  /** Single IPv6 addresses, canonical compressed lowercase. */
  readonly hosts6: readonly string[];
  /** IPv6 ranges of more than one address, as `ADDR/PREFIX` or `FIRST-LAST`. */
  readonly nets6: readonly string[];
}

/**
 * Folds intervals, fed in ascending order of their first address, into
 * disjoint ones with a gap between each: an interval that overlaps or touches
 * the current one extends it. IPv4 runs on numbers (sorting a million bigints
 * costs seconds), IPv6 on bigints; `after` gives the next address.
 */
class IntervalMerger<T extends number | bigint> {
  private open = false;
  private first!: T;
  private last!: T;

  constructor(
    private readonly after: (value: T) => T,
    private readonly emit: (first: T, last: T) => void,
  ) {}

  add(first: T, last: T): void {
    if (!this.open) {
      this.open = true;
      this.first = first;
      this.last = last;
    } else if (first <= this.after(this.last)) {
      if (last > this.last) this.last = last;
    } else {
      this.emit(this.first, this.last);
      this.first = first;
      this.last = last;
    }
  }

  finish(): void {
    if (this.open) this.emit(this.first, this.last);
    this.open = false;
  }
}

/** Dotted-quad text of an IPv4 value; `>>>` reads the number as unsigned 32 bits. */
function ipv4Text(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/**
 * Element text of a range of more than one address. nft 1.0.6 lists an
 * interval that is exactly one aligned prefix as `ADDR/PREFIX` and any other
 * as `FIRST-LAST` (it never splits it), so that is how it is written here too.
 */
function rangeText(family: Family, first: bigint, last: bigint): string {
  const size = last - first + 1n;
  const onePrefix = (size & (size - 1n)) === 0n && (first & (size - 1n)) === 0n;
  if (onePrefix) {
    const hostBits = size.toString(2).length - 1;
    return `${bigIntToAddress(family, first)}/${familyBits(family) - hostBits}`;
  }
  return `${bigIntToAddress(family, first)}-${bigIntToAddress(family, last)}`;
}

/**
 * normaliseBlacklist merges the entries into the smallest list of disjoint,
 * non-adjacent ranges per family. A merged range of one address is a host; an
 * entry inside a range disappears into it; duplicates collapse.
 */
export function normaliseBlacklist(entries: readonly BlacklistEntry[]): NormalisedBlacklist {
  // Single IPv4 addresses dominate big lists: a typed array sorts them
  // natively, without a comparator call per pair.
  const singles4 = new Uint32Array(entries.length);
  let singles4Count = 0;
  const ranges4: Array<[number, number]> = [];
  const ranges6: Array<[bigint, bigint]> = [];
  for (const { range } of entries) {
    if (range.family === 6) ranges6.push([range.first, range.last]);
    else if (range.first === range.last) singles4[singles4Count++] = Number(range.first);
    else ranges4.push([Number(range.first), Number(range.last)]);
  }
  const sorted4 = singles4.subarray(0, singles4Count).sort();
  ranges4.sort((a, b) => a[0] - b[0]);
  ranges6.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

  const hosts4: string[] = [];
  const nets4: string[] = [];
  const merger4 = new IntervalMerger<number>(
    (value) => value + 1,
    (first, last) => {
      if (first === last) hosts4.push(ipv4Text(first));
      else nets4.push(rangeText(4, BigInt(first), BigInt(last)));
    },
  );
  // Walk both sorted IPv4 lists as one, in order of first address.
  let s = 0;
  let r = 0;
  while (s < sorted4.length || r < ranges4.length) {
    const single = sorted4[s];
    const range = ranges4[r];
    if (single !== undefined && (range === undefined || single < range[0])) {
      merger4.add(single, single);
      s++;
    } else if (range !== undefined) {
      merger4.add(range[0], range[1]);
      r++;
    }
  }
  merger4.finish();

  const hosts6: string[] = [];
  const nets6: string[] = [];
  const merger6 = new IntervalMerger<bigint>(
    (value) => value + 1n,
    (first, last) => {
      if (first === last) hosts6.push(bigIntToAddress(6, first));
      else nets6.push(rangeText(6, first, last));
    },
  );
  for (const [first, last] of ranges6) merger6.add(first, last);
  merger6.finish();

  return { hosts4, nets4, hosts6, nets6 };
}
