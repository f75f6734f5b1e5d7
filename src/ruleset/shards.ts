/**
 * Sharding of big blacklist hash sets. The kernel dumps a set by restarting
 * its walk for every netlink message (at most 32 KiB, about 2,000 IPv4
 * elements) and skipping what it already sent, so listing (and so
 * verifying) an n-element set costs O(n^2): measured here (bench/
 * readback-probe.ts), one set of 250,000 hosts 3.3 s, of 500,000 10.5 s;
 * one million hosts in 16 sets 2.1 s, in 256 sets of ~3,900 0.9-1.1 s. k
 * sets of n/k elements cost k times less to list, and one verdict map on the
 * low bits of the source address keeps the packet path at one lookup:
 * `ip saddr & 0.0.0.255 vmap { 0.0.0.0 : jump ... }`.
 */
import type { Family } from '../config/model.js';
import { familySuffix } from './fragments.js';

/**
 * Hosts per shard above which a hash set is split: a set of this size dumps
 * in two or three messages, so the dump's quadratic term stays small up to
 * MAX_SHARDS * SHARD_ELEMENTS (one million hosts) and grows gently beyond.
 */
export const SHARD_ELEMENTS = 4096;
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
