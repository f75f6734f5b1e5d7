/**
 * Loads lbfw-netlink, lbfw's own Node-API addon (native/): NETLINK_NETFILTER
 * socket I/O off the main thread, flock(2), and the connection-table counter
 * of `lbfw overlimit`, the blacklist's host-line scanner and sort. Loading never throws: when
 * the addon is missing or unusable the caller gets the reason as a
 * sentence, to say once why lbfw uses the `nft` program instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { packageRoot } from '../../package-info.js';
import type { NativeKeyElements } from './writer.js';
import type { NativeDeal4 } from '../model/elements.js';

/** What transact resolves to: the replies (every datagram, concatenated) and the socket error, if any. */
export interface TransactResult {
  readonly replies: Buffer;
  /** 0, or the errno of socket/bind/sendmsg/recvmsg (ENOBUFS: replies were lost). */
  readonly errno: number;
  /** Which call failed, when errno is set. */
  readonly where?: string;
  /** The failure as an Error with `code` (e.g. ENOBUFS), when errno is set. */
  readonly error?: NodeJS.ErrnoException;
}

/** TransactOptions: receive buffer, dump mode, network namespace. */
export interface TransactOptions {
  /** SO_RCVBUF(FORCE) in bytes. */
  readonly rcvbuf?: number;
  /** 1: read until NLMSG_DONE (a dump); 0: drain what is queued after sendmsg. */
  readonly dump?: 0 | 1;
  /** Open the socket in this network namespace (a path such as /run/netns/NAME). */
  readonly netns?: string;
  /** NETLINK_ROUTE ({@link NativeBinding.NETLINK_ROUTE}) for rtnetlink dumps; default NETLINK_NETFILTER. */
  readonly protocol?: number;
}

/** Conn4Handle: the native counter's state (an external value, freed when collected). */
export type Conn4Handle = { readonly __conn4: unique symbol };

/** NativeBinding is the addon's surface (see native/src/lbfw_netlink.c and native/README.md). */
export interface NativeBinding {
  transact(buffers: readonly Buffer[], options: TransactOptions): Promise<TransactResult>;
  /** flock(2) on `fd`; throws an Error whose `code` is the errno name (EWOULDBLOCK with LOCK_NB). */
  flock(fd: number, operation: number): number;
  /** flock(2) off the main thread, for blocking locks. */
  flockAsync(fd: number, operation: number): Promise<void>;
  readonly LOCK_SH: number;
  readonly LOCK_EX: number;
  readonly LOCK_NB: number;
  readonly LOCK_UN: number;
  readonly ABI: number;
  /** F_SETPIPE_SZ on `fd`: the pipe's new capacity, or -errno (absent from older builds). */
  readonly pipeSize?: (fd: number, bytes: number) => number;
  /** The connection-table counter of `lbfw overlimit` (native/src/conn_scan.c; absent from older builds). See src/overlimit/native-count.ts. */
  readonly conn4Open?: (states: readonly string[], counted: Uint8Array, mask: number, maxEntries: number) => Conn4Handle;
  readonly conn4Scan?: (handle: Conn4Handle, bytes: Uint8Array, start: number, end: number, room: number) => number;
  readonly conn4Take?: (handle: Conn4Handle) => [tuples: Uint32Array, totals: Float64Array, services: Uint32Array, perService: Float64Array];
  /** The plain IPv4 host lines of a static_blacklist (native/src/hosts4_scan.c; absent from older builds). See src/blacklist/native-hosts.ts. */
  readonly hosts4Scan?: (bytes: Uint8Array, values: Uint32Array, lines: Uint32Array, cursor: Float64Array) => number;
  /** Sorts in place as `values.sort()` does; false (nothing changed) when it could not allocate its scratch. */
  readonly sortU32?: (values: Uint32Array) => boolean;
  /** Deals sorted IPv4 hosts into shard runs of big-endian keys (see NativeDeal4). */
  readonly deal4?: NativeDeal4;
  /** A plain hash set's elements written into a batch (native/src/key_elements.c; absent from older builds). See MessageWriter.keyElements. */
  readonly keyElements?: NativeKeyElements;
  /** Present when `transact` takes `protocol` (older builds send every socket to NETLINK_NETFILTER). */
  readonly NETLINK_ROUTE?: number;
}

/** Where native/build.sh puts the addon and, when it could not build it, the reason (ends with `/`). */
export const BUILD_DIR = `${path.join(packageRoot(), 'native', 'build')}/`;
/** The ABI of the C source this TypeScript speaks to (ABI in lbfw_netlink.c). */
const EXPECTED_ABI = 1;

let cached: NativeBinding | string | undefined;

/**
 * loadNative returns the addon, or why it cannot be used: `LBFW_NO_NATIVE=1`,
 * not built (with native/build.sh's reason), or not loadable.
 */
export function loadNative(env: Readonly<Record<string, string | undefined>> = process.env, buildDir = BUILD_DIR): NativeBinding | string {
  if (env['LBFW_NO_NATIVE'] === '1') return 'LBFW_NO_NATIVE=1 turns the netlink binding off';
  if (buildDir === BUILD_DIR && cached !== undefined) return cached;
  const result = loadFrom(buildDir);
  if (buildDir === BUILD_DIR) cached = result;
  return result;
}

function loadFrom(buildDir: string): NativeBinding | string {
  let cached: NativeBinding | string;
  const file = `${buildDir}lbfw_netlink.node`;
  if (!existsSync(file)) {
    const why = `${buildDir}UNAVAILABLE`;
    const reason = existsSync(why) ? readFileSync(why, 'utf8').trim() : 'it was never built';
    cached = `the netlink binding is not built (${reason}; \`sh native/build.sh\` builds it)`;
    return cached;
  }
  try {
    const binding = createRequire(import.meta.url)(file) as NativeBinding;
    cached = binding.ABI === EXPECTED_ABI ? binding : `the netlink binding at ${file} is of another version (rebuild it: sh native/build.sh)`;
  } catch (error) {
    cached = `the netlink binding at ${file} cannot be loaded: ${(error as Error).message}`;
  }
  return cached;
}
