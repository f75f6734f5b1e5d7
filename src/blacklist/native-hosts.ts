/**
 * The C loops of reading a big static_blacklist (native/src/hosts4_scan.c,
 * in lbfw's own addon): the plain IPv4 host lines scanned into the host
 * column, and the radix sort of the column's values. They take exactly the
 * lines and give exactly the order the TypeScript paths do (parse.ts's
 * plainHostLine, net/sort-u32.ts), which stay the fallback: without the
 * addon, with an older build, or with LBFW_NO_NATIVE=1.
 */
import { loadNative } from '../nft/netlink/native.js';
import type { NativeSortU32 } from '../net/sort-u32.js';
import type { NativeDeal4 } from '../nft/model/elements.js';
import type { HostScan } from './parse.js';

/**
 * Below this many bytes a file is parsed in TypeScript: loading the addon
 * (a few ms) would cost more than it saves, and the boot-time apply of a
 * small list need not load it at all.
 */
export const NATIVE_HOSTS_MIN_BYTES = 256 * 1024;

/** HostsNative: the addon's scanner and sort, or why there are none. */
export type HostsNative = { readonly hostScan: HostScan; readonly sortU32: NativeSortU32; readonly deal4: NativeDeal4 } | { readonly why: string };

/** hostsNative returns the addon's blacklist loops under `env` (LBFW_NO_NATIVE=1 turns them off), or why not. */
export function hostsNative(env: Readonly<Record<string, string | undefined>> = process.env): HostsNative {
  const binding = loadNative(env);
  if (typeof binding === 'string') return { why: binding };
  const { hosts4Scan, sortU32, deal4 } = binding;
  if (hosts4Scan === undefined || sortU32 === undefined || deal4 === undefined) return { why: 'the native binding predates the blacklist scanner (rebuild it: sh native/build.sh)' };
  return { hostScan: hosts4Scan, sortU32, deal4 };
}

/**
 * nativeSortU32 is a sorter for sortUint32 that loads the addon on its first
 * call (sortUint32 calls it only for big arrays): false, and the TypeScript
 * sort runs, when the addon has no sort.
 */
export function nativeSortU32(env: Readonly<Record<string, string | undefined>> = process.env): NativeSortU32 {
  return (values) => {
    const native = hostsNative(env);
    return 'sortU32' in native && native.sortU32(values);
  };
}

/**
 * nativeDeal4 deals host shards for ipv4ShardsFromValues, loading the addon
 * on its first call (made only for big lists): -1, and the TypeScript loop
 * deals, when the addon has no dealer.
 */
export function nativeDeal4(env: Readonly<Record<string, string | undefined>> = process.env): NativeDeal4 {
  return (sorted, shards, keys, bounds) => {
    const native = hostsNative(env);
    return 'deal4' in native ? native.deal4(sorted, shards, keys, bounds) : -1;
  };
}
