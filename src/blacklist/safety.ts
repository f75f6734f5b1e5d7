/**
 * Safety checks of the blacklist: an entry that covers a VIP, a real server, a
 * peer director or the operator's own SSH session would cut the balancer off
 * from the traffic or the people it serves, so such entries are found before
 * anything is loaded.
 */
import type { Address, Family } from '../config/model.js';
import type { ProtectedHit } from '../errors.js';
import { addressToBigInt, bigIntToAddress, parseAddress, type AddressRange } from '../net/address.js';
import { ipv4HostText, type HostColumn, type ParsedBlacklist } from './parse.js';

/** ProtectedRange is an address range the blacklist must not cover, and why. */
export interface ProtectedRange {
  readonly range: AddressRange;
  /** The address as shown to the operator, e.g. `192.0.2.10` or `198.51.100.0/24`. */
  readonly address: string;
  /** Why it matters, e.g. `VIP 192.0.2.10 tcp/80` or `your SSH session (SSH_CONNECTION)`. */
  readonly role: string;
}

/**
 * Protected ranges of one family sorted by first address, with the highest
 * last address seen so far at each position: a search can stop going left as
 * soon as nothing further left reaches the entry.
 */
interface SortedProtected {
  readonly items: ReadonlyArray<{ readonly index: number; readonly protected: ProtectedRange }>;
  readonly reach: readonly bigint[];
}

function sortProtected(protectedRanges: readonly ProtectedRange[], family: Family): SortedProtected {
  const items = protectedRanges
    .map((p, index) => ({ index, protected: p }))
    .filter((item) => item.protected.range.family === family)
    .sort((a, b) => compareBigInt(a.protected.range.first, b.protected.range.first));
  const reach: bigint[] = [];
  let highest = -1n;
  for (const item of items) {
    if (item.protected.range.last > highest) highest = item.protected.range.last;
    reach.push(highest);
  }
  return { items, reach };
}

function compareBigInt(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Puts into `found` the indexes (into the caller's list) of the protected
 * ranges that overlap `range`, ascending. `found` is reused across entries so
 * a million entries without hits allocate nothing.
 */
function overlapping(sorted: SortedProtected, range: AddressRange, found: number[]): void {
  found.length = 0;
  // Binary search for the first protected range that starts after range.last.
  let low = 0;
  let high = sorted.items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const item = sorted.items[mid];
    if (item !== undefined && item.protected.range.first <= range.last) low = mid + 1;
    else high = mid;
  }
  for (let i = low - 1; i >= 0; i--) {
    const reach = sorted.reach[i];
    if (reach === undefined || reach < range.first) break;
    const item = sorted.items[i];
    if (item !== undefined && item.protected.range.last >= range.first) found.push(item.index);
  }
  if (found.length > 1) found.sort((a, b) => a - b);
}

/**
 * findProtectedHits lists every blacklist entry that overlaps a protected
 * range: one hit per (entry, protected range) pair, in file order and then in
 * the order of `protectedRanges`.
 */
export function findProtectedHits(
  parsed: ParsedBlacklist,
  protectedRanges: readonly ProtectedRange[],
): ProtectedHit[] {
  const hits: ProtectedHit[] = [];
  if (protectedRanges.length === 0) return hits;
  const byFamily = { 4: sortProtected(protectedRanges, 4), 6: sortProtected(protectedRanges, 6) };
  const found: number[] = [];
  if (parsed.columns !== undefined) columnHits(parsed.file, parsed.columns.hosts, byFamily[4], protectedRanges, hits);
  for (const entry of parsed.columns?.rest ?? parsed.entries) {
    const sorted = byFamily[entry.range.family];
    if (sorted.items.length === 0) continue;
    overlapping(sorted, entry.range, found);
    for (const index of found) {
      const p = protectedRanges[index];
      if (p === undefined) continue;
      hits.push({ entry: entry.text, file: parsed.file, line: entry.line, address: p.address, role: p.role });
    }
  }
  // A line is in one list or the other: a stable sort by line gives file order, then protected order.
  if (parsed.columns !== undefined) hits.sort((a, b) => a.line - b.line);
  return hits;
}

/**
 * The hits of the host column, compared as numbers: a million hosts are
 * checked without a bigint or an object each. Same search as {@link overlapping}.
 */
function columnHits(file: string, hosts: HostColumn, sorted: SortedProtected, protectedRanges: readonly ProtectedRange[], hits: ProtectedHit[]): void {
  const n = sorted.items.length;
  if (n === 0) return;
  const firsts = Float64Array.from(sorted.items, (item) => Number(item.protected.range.first));
  const lasts = Float64Array.from(sorted.items, (item) => Number(item.protected.range.last));
  const reach = Float64Array.from(sorted.reach, Number);
  // The /16s that some protected range touches: nearly every host is in
  // none and is passed over with one load, not a binary search.
  const touched = new Uint8Array(1 << 16);
  for (let i = 0; i < n; i++) touched.fill(1, Math.floor((firsts[i] as number) / 65536), Math.floor((lasts[i] as number) / 65536) + 1);
  const found: number[] = [];
  for (let h = 0; h < hosts.count; h++) {
    const value = hosts.values[h] as number;
    if (touched[value >>> 16] === 0) continue;
    let low = 0;
    let high = n;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((firsts[mid] as number) <= value) low = mid + 1;
      else high = mid;
    }
    if (low === 0 || (reach[low - 1] as number) < value) continue;
    found.length = 0;
    for (let i = low - 1; i >= 0 && (reach[i] as number) >= value; i--) if ((lasts[i] as number) >= value) found.push((sorted.items[i] as SortedProtected['items'][number]).index);
    found.sort((a, b) => a - b);
    for (const index of found) {
      const p = protectedRanges[index] as ProtectedRange;
      hits.push({ entry: ipv4HostText(value), file, line: hosts.lines[h] as number, address: p.address, role: p.role });
    }
  }
}

/** The IPv4-mapped IPv6 prefix ::ffff:0:0/96, as its upper 96 bits. */
const IPV4_MAPPED = 0xffffn;

/**
 * sshClientAddress reads the operator's own address from `SSH_CONNECTION`
 * ("client_ip client_port server_ip server_port"). An IPv4-mapped IPv6 client
 * (`::ffff:192.0.2.1`, seen on dual-stack sshd) is returned as the IPv4
 * address the firewall will actually see. Undefined when unset or unreadable.
 */
export function sshClientAddress(env: Readonly<Record<string, string | undefined>>): Address | undefined {
  return sshField(env, 0);
}

/** sshServerAddress reads the server address of `SSH_CONNECTION`, IPv4-mapped as IPv4, like {@link sshClientAddress}. */
export function sshServerAddress(env: Readonly<Record<string, string | undefined>>): Address | undefined {
  return sshField(env, 2);
}

function sshField(env: Readonly<Record<string, string | undefined>>, index: number): Address | undefined {
  const client = env['SSH_CONNECTION']?.trim().split(/\s+/)[index];
  if (client === undefined || client === '') return undefined;
  // A link-local client carries its zone (fe80::1%eth0); the zone is not part of the address.
  const bare = client.replace(/^\[|\]$/g, '').split('%')[0] ?? '';
  const addr = parseAddress(bare);
  if (addr === undefined || addr.family === 4) return addr;
  const value = addressToBigInt(addr);
  if (value >> 32n === IPV4_MAPPED) return { family: 4, address: bigIntToAddress(4, value & 0xffffffffn) };
  return addr;
}
