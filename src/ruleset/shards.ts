/**
 * Sharding of big blacklist hash sets. The kernel dumps a set by restarting
 * its walk for every netlink message and skipping what it already sent, so
 * listing (and so verifying) an n-element set costs O(n^2): about 20 s for
 * one million hosts here. k sets of n/k elements cost k times less to list,
 * and one verdict map on the low bits of the source address keeps the packet
 * path at one lookup: `ip saddr & 0.0.0.15 vmap { 0.0.0.0 : jump ... }`.
 */
import type { Family } from '../config/model.js';
import { familySuffix } from './fragments.js';

/** Hosts per shard above which a hash set is split. */
export const SHARD_ELEMENTS = 65536;
/** At most this many shards: the shard is chosen by the last byte of the address. */
export const MAX_SHARDS = 256;

/** shardCount gives the number of shards (a power of two) for `hosts` single addresses. */
export function shardCount(hosts: number): number {
  let shards = 1;
  while (hosts / shards > SHARD_ELEMENTS && shards < MAX_SHARDS) shards *= 2;
  return shards;
}

/** hostSetName names the hash set of one shard (`bl4_hosts` when there is only one). */
export function hostSetName(family: Family, shard: number, shards: number): string {
  return shards === 1 ? `bl${familySuffix(family)}_hosts` : `bl${familySuffix(family)}_hosts_${shard}`;
}

/** shardChainName names the regular chain that looks one shard up. */
export function shardChainName(family: Family, shard: number): string {
  return `bl${familySuffix(family)}_shard_${shard}`;
}

/**
 * shardOf gives the shard of an address in canonical text: its last byte
 * masked with shards-1 (IPv4: the last octet; IPv6: the last 16-bit group,
 * which canonical text always ends with, `::` meaning 0).
 */
export function shardOf(family: Family, address: string, shards: number): number {
  if (shards === 1) return 0;
  const last = family === 4 ? Number(address.slice(address.lastIndexOf('.') + 1)) : Number.parseInt(address.slice(address.lastIndexOf(':') + 1) || '0', 16);
  return last & (shards - 1);
}

/** splitHosts distributes hosts over `shards` lists, keeping their order. */
export function splitHosts(family: Family, hosts: readonly string[], shards: number): string[][] {
  const lists: string[][] = Array.from({ length: shards }, () => []);
  for (const host of hosts) lists[shardOf(family, host, shards)]?.push(host);
  return lists;
}

/** shardsOfSets counts the host shards of a family among set names (1 when unsharded). */
export function shardsOfSets(family: Family, setNames: readonly string[]): number {
  const prefix = `bl${familySuffix(family)}_hosts_`;
  const count = setNames.filter((name) => name.startsWith(prefix)).length;
  return count === 0 ? 1 : count;
}
