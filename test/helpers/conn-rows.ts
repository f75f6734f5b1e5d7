/**
 * Random connection-table rows for property tests and the benchmark, from a
 * seeded generator (the same seed gives the same rows).
 */
import type { KernelRow } from '../../src/overlimit/format.js';

/** rng returns a seeded pseudo-random generator of floats in [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function int(r: () => number, n: number): number {
  return Math.floor(r() * n);
}

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[int(r, items.length)] as T;
}

function v4(r: () => number): string {
  return `${int(r, 256)}.${int(r, 256)}.${int(r, 256)}.${int(r, 256)}`;
}

function v6(r: () => number): string {
  // Some zero groups, so compression is exercised.
  return Array.from({ length: 8 }, () => (r() < 0.3 ? '0' : int(r, 65536).toString(16))).join(':');
}

const STATES = ['ESTABLISHED', 'SYN_RECV', 'FIN_WAIT', 'CLOSE', 'TIME_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'NONE', 'UDP', 'ERR!', 'SYNACK'];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP', 'IP', 'ICMP'];

/** randomRow makes one row: IPv4 or IPv6, any state, sometimes a template, PE data or a real server of the other family. */
export function randomRow(r: () => number, sync: boolean): KernelRow {
  const six = r() < 0.4;
  const address = six ? v6 : v4;
  const template = r() < 0.1;
  const protocol = template && r() < 0.5 ? 'IP' : pick(r, PROTOCOLS);
  const destSix = r() < 0.1 ? !six : six;
  return {
    protocol,
    client: address(r),
    clientPort: template ? 0 : 1 + int(r, 65535),
    vip: address(r),
    vport: int(r, 65536),
    realServer: (destSix ? v6 : v4)(r),
    rport: int(r, 65536),
    state: template ? pick(r, ['NONE', 'ASSURED']) : pick(r, STATES),
    expires: int(r, r() < 0.05 ? 4294967295 : 1000),
    ...(sync ? { origin: pick(r, ['LOCAL', 'SYNC'] as const) } : r() < 0.15 ? { pe: `sip ${int(r, 1e9).toString(36)}@x y` } : {}),
  };
}
