/**
 * Turns blacklist entries into the element lists of the nft sets: single
 * addresses for the hash sets, real ranges for the interval sets.
 *
 * nft rejects a whole file whose interval elements overlap ("conflicting
 * intervals specified"), so overlapping and adjacent ranges are merged first.
 * The result does not depend on the order of the entries, so it can be
 * compared with what the kernel holds.
 */
import type { Family } from '../config/model.js';
import { bigIntToAddress, type AddressRange } from '../net/address.js';
import { mergeRanges, rangeToElement } from '../net/merge.js';
import { sortUint32, type NativeSortU32 } from '../net/sort-u32.js';
import { ipv4HostText, type BlacklistEntry, type ParsedBlacklist } from './parse.js';

/** NormalisedBlacklist holds nft element texts, each list sorted by address. */
export interface NormalisedBlacklist {
  /** Single IPv4 addresses (for a hash set); built on first read (see {@link ipv4HostValues} and {@link hostCount}). */
  readonly hosts4: readonly string[];
  /** IPv4 ranges of more than one address, as `ADDR/PREFIX` or `FIRST-LAST` (for an interval set). */
  readonly nets4: readonly string[];
  /** Single IPv6 addresses, canonical compressed lowercase. */
  readonly hosts6: readonly string[];
  /** IPv6 ranges of more than one address, as `ADDR/PREFIX` or `FIRST-LAST`. */
  readonly nets6: readonly string[];
}

/** The IPv4 hosts (sorted values, distinct) that no merged IPv4 range covers, compared as numbers. */
function uncoveredIPv4(sorted: Uint32Array, ranges: readonly AddressRange[]): Uint32Array {
  const firsts = Float64Array.from(ranges, (r) => Number(r.first));
  const lasts = Float64Array.from(ranges, (r) => Number(r.last));
  let kept = 0;
  let r = 0;
  for (let i = 0; i < sorted.length; i++) {
    const value = sorted[i] as number;
    if (kept > 0 && sorted[kept - 1] === value) continue;
    while (r < lasts.length && (lasts[r] as number) < value) r++;
    if (r === lasts.length || value < (firsts[r] as number)) sorted[kept++] = value;
  }
  return sorted.subarray(0, kept);
}

/**
 * Keeps the sorted, distinct hosts that no merged range covers. Both lists
 * are sorted, so one forward walk suffices even for a million hosts.
 */
function uncoveredHosts<T extends number | bigint>(sortedHosts: Iterable<T>, ranges: readonly AddressRange[], toBig: (v: T) => bigint): T[] {
  const kept: T[] = [];
  let r = 0;
  let previous: T | undefined;
  for (const host of sortedHosts) {
    if (host === previous) continue;
    previous = host;
    const value = toBig(host);
    while (r < ranges.length && (ranges[r] as AddressRange).last < value) r++;
    const range = ranges[r];
    if (range === undefined || value < range.first) kept.push(host);
  }
  return kept;
}

/**
 * The numbers behind the hosts4 lists normaliseBlacklist made, keyed by the
 * list itself: a blacklist rebuilt with another hosts4 list (an edit) has
 * none, so the numbers can never be stale.
 */
const hostValues4 = new WeakMap<NormalisedBlacklist, Uint32Array>();

/** ipv4HostValues gives the sorted values of `blacklist.hosts4` when normaliseBlacklist made it, so builders need not parse or even build the texts. */
export function ipv4HostValues(blacklist: NormalisedBlacklist): Uint32Array | undefined {
  return hostValues4.get(blacklist);
}

/** The merged ranges behind the nets lists normaliseBlacklist made, keyed like {@link hostValues4}. */
const mergedRanges = new WeakMap<NormalisedBlacklist, Readonly<Record<Family, readonly AddressRange[]>>>();

/** familyRanges gives the merged ranges (ascending, apart) behind `nets4`/`nets6` when normaliseBlacklist made the list. */
export function familyRanges(blacklist: NormalisedBlacklist, family: Family): readonly AddressRange[] | undefined {
  return mergedRanges.get(blacklist)?.[family];
}

/** rangeCount is the number of ranges of one family, without building their texts. */
export function rangeCount(blacklist: NormalisedBlacklist, family: Family): number {
  return familyRanges(blacklist, family)?.length ?? (family === 4 ? blacklist.nets4 : blacklist.nets6).length;
}

/** hostCount is the number of single addresses of one family, without building the IPv4 texts. */
export function hostCount(blacklist: NormalisedBlacklist, family: Family): number {
  return family === 4 ? (ipv4HostValues(blacklist)?.length ?? blacklist.hosts4.length) : blacklist.hosts6.length;
}

/** familyLists gives the hosts and ranges of one family. */
export function familyLists(blacklist: NormalisedBlacklist, family: Family): { readonly hosts: readonly string[]; readonly nets: readonly string[] } {
  // A getter: reading only `nets` must not build a million IPv4 host texts.
  return family === 4
    ? { get hosts() { return blacklist.hosts4; }, nets: blacklist.nets4 }
    : { hosts: blacklist.hosts6, nets: blacklist.nets6 };
}

/** Options of {@link normaliseBlacklist}. */
export interface NormaliseOptions {
  /** Sorts the IPv4 hosts instead of the TypeScript radix sort (same order): see blacklist/native-hosts.ts. */
  readonly sortU32?: NativeSortU32;
}

/**
 * normaliseBlacklist turns entries into nft elements per family. Prefixes and
 * ranges are merged where they overlap or touch (nft rejects overlapping
 * interval elements); single addresses stay single, in the hash sets, unless
 * a range covers them. Hosts are never merged into ranges with each other:
 * then adding or removing a host is always one hash-set element, instant,
 * and the interval sets only change when the operator's ranges do.
 */
export function normaliseBlacklist(input: readonly BlacklistEntry[] | ParsedBlacklist, options: NormaliseOptions = {}): NormalisedBlacklist {
  const parsed = Array.isArray(input) ? undefined : (input as ParsedBlacklist);
  const column = parsed?.columns?.hosts;
  const entries = parsed === undefined ? (input as readonly BlacklistEntry[]) : (parsed.columns?.rest ?? parsed.entries);
  // Single IPv4 addresses dominate big lists: a typed array, radix-sorted
  // (net/sort-u32.ts), without a comparator call per pair.
  const singles4 = new Uint32Array(entries.length + (column?.count ?? 0));
  if (column !== undefined) singles4.set(column.values);
  let singles4Count = column?.count ?? 0;
  const singles6: bigint[] = [];
  const ranges: AddressRange[] = [];
  for (const { range } of entries) {
    if (range.first !== range.last) ranges.push(range);
    else if (range.family === 4) singles4[singles4Count++] = Number(range.first);
    else singles6.push(range.first);
  }
  const merged = mergeRanges(ranges);
  const merged4 = merged.filter((r) => r.family === 4);
  const merged6 = merged.filter((r) => r.family === 6);
  singles6.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const hosts4 = uncoveredIPv4(sortUint32(singles4.subarray(0, singles4Count), options.sortU32), merged4);
  // A million texts cost 50 MB and 0.2 s; the ruleset builder reads the numbers instead.
  let hosts4Texts: string[] | undefined;
  let nets4Texts: string[] | undefined;
  const normalised: NormalisedBlacklist = {
    get hosts4(): readonly string[] {
      hosts4Texts ??= Array.from(hosts4, ipv4HostText);
      return hosts4Texts;
    },
    // Also read as numbers by the builder: thousands of texts formatted and parsed back cost 10 ms of a load.
    get nets4(): readonly string[] {
      nets4Texts ??= merged4.map(rangeToElement);
      return nets4Texts;
    },
    hosts6: uncoveredHosts(singles6, merged6, (v) => v).map((v) => bigIntToAddress(6, v)),
    nets6: merged6.map(rangeToElement),
  };
  hostValues4.set(normalised, hosts4);
  mergedRanges.set(normalised, { 4: merged4, 6: merged6 });
  return normalised;
}
