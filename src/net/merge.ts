/**
 * Merging of address ranges and their rendering as nft interval elements.
 * nft rejects overlapping elements in one transaction ("conflicting
 * intervals"), so every interval set lbfw writes is merged first.
 */
import type { Family } from '../config/model.js';
import { bigIntToAddress, familyBits, type AddressRange } from './address.js';

/**
 * mergeRanges sorts ranges and merges the overlapping and adjacent ones, per
 * family (IPv4 first). Meant for the small lists of a config; the blacklist
 * has its own number-based path for millions of entries.
 */
export function mergeRanges(ranges: readonly AddressRange[]): AddressRange[] {
  const sorted = [...ranges].sort((a, b) =>
    a.family !== b.family ? a.family - b.family : a.first < b.first ? -1 : a.first > b.first ? 1 : 0,
  );
  const merged: AddressRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.family === range.family && range.first <= last.last + 1n) {
      if (range.last > last.last) merged[merged.length - 1] = { ...last, last: range.last };
    } else {
      merged.push(range);
    }
  }
  return merged;
}

/**
 * rangeToElement renders a range the way nft 1.0.6 lists an interval element:
 * a lone address as itself, one aligned prefix as `ADDR/LEN`, anything else
 * as `FIRST-LAST` (nft never splits a range into prefixes when listing).
 */
export function rangeToElement(range: AddressRange): string {
  const first = nftAddressText(range.family, range.first);
  if (range.first === range.last) return first;
  const prefix = alignedPrefix(range.family, range.first, range.last);
  return prefix === undefined ? `${first}-${nftAddressText(range.family, range.last)}` : `${first}/${prefix}`;
}

/**
 * nftAddressText is an address as nft prints it (glibc inet_ntop): like the
 * canonical text, except that IPv4-mapped (`::ffff:a.b.c.d`) and
 * IPv4-compatible (`::a.b.c.d`, not `::` or `::1`) IPv6 addresses end in a
 * dotted quad.
 */
export function nftAddressText(family: Family, value: bigint): string {
  if (family === 6) {
    const high = value >> 32n;
    const low = value & 0xffffffffn;
    const dotted = bigIntToAddress(4, low);
    if (high === 0xffffn) return `::ffff:${dotted}`;
    if (high === 0n && low > 0xffffn) return `::${dotted}`;
  }
  return bigIntToAddress(family, value);
}

function alignedPrefix(family: Family, first: bigint, last: bigint): number | undefined {
  const size = last - first + 1n;
  // A prefix covers a power-of-two block that starts on a multiple of its size.
  if ((size & (size - 1n)) !== 0n || first % size !== 0n) return undefined;
  let hostBits = 0;
  while (1n << BigInt(hostBits) < size) hostBits++;
  return familyBits(family) - hostBits;
}
