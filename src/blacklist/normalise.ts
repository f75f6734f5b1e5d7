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

/** Dotted-quad text of an IPv4 value; `>>>` reads the number as unsigned 32 bits. */
function ipv4Text(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
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
const hostValues4 = new WeakMap<readonly string[], Uint32Array>();

/** ipv4HostValues gives the sorted values of `hosts4` when normaliseBlacklist made that list, so builders need not parse the texts again. */
export function ipv4HostValues(hosts4: readonly string[]): Uint32Array | undefined {
  return hostValues4.get(hosts4);
}

/** familyLists gives the hosts and ranges of one family. */
export function familyLists(blacklist: NormalisedBlacklist, family: Family): { readonly hosts: readonly string[]; readonly nets: readonly string[] } {
  return family === 4 ? { hosts: blacklist.hosts4, nets: blacklist.nets4 } : { hosts: blacklist.hosts6, nets: blacklist.nets6 };
}

/**
 * normaliseBlacklist turns entries into nft elements per family. Prefixes and
 * ranges are merged where they overlap or touch (nft rejects overlapping
 * interval elements); single addresses stay single, in the hash sets, unless
 * a range covers them. Hosts are never merged into ranges with each other:
 * then adding or removing a host is always one hash-set element, instant,
 * and the interval sets only change when the operator's ranges do.
 */
export function normaliseBlacklist(entries: readonly BlacklistEntry[]): NormalisedBlacklist {
  // Single IPv4 addresses dominate big lists: a typed array sorts them
  // natively, without a comparator call per pair.
  const singles4 = new Uint32Array(entries.length);
  let singles4Count = 0;
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
  const hosts4 = Uint32Array.from(uncoveredHosts(singles4.subarray(0, singles4Count).sort(), merged4, BigInt));
  const hosts4Texts = Array.from(hosts4, ipv4Text);
  hostValues4.set(hosts4Texts, hosts4);
  return {
    hosts4: hosts4Texts,
    nets4: merged4.map(rangeToElement),
    hosts6: uncoveredHosts(singles6, merged6, (v) => v).map((v) => bigIntToAddress(6, v)),
    nets6: merged6.map(rangeToElement),
  };
}
