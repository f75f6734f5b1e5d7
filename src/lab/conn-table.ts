/**
 * An ip_vs_conn table for the lab, whose kernel has no IPVS: the lab's
 * director forwards with nft `dup`, so the connections a real IPVS would
 * list are the ones the real servers hold, to the VIP. This module turns
 * `ss -Htn state established` of each real server into rows in the kernel's
 * format (src/overlimit/format.ts), which `lbfw overlimit --conn-file` reads.
 */
import { formatConnRow, CONN_HEADER, type KernelRow } from '../overlimit/format.js';
import type { Netns } from './netns.js';

/** Seconds IPVS gives an ESTABLISHED TCP entry (DESIGN.md §7). */
const ESTABLISHED_SECONDS = 900;

function endpoint(text: string): { address: string; port: number } | undefined {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return undefined;
  const address = text.slice(0, colon).replace(/^\[|\]$/g, '').replace(/^::ffff:/, '').split('%')[0] ?? '';
  const port = Number(text.slice(colon + 1));
  return Number.isInteger(port) && address !== '' ? { address, port } : undefined;
}

/**
 * rowsFromSs turns `ss -Htn state established` lines of one real server into
 * rows: connections to `vip` (any port) from clients, real server `rip`.
 */
export function rowsFromSs(text: string, vip: string, rip: string): KernelRow[] {
  const rows: KernelRow[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // Recv-Q Send-Q Local:Port Peer:Port (with `state` given, ss prints no State column).
    const local = endpoint(fields[2] ?? '');
    const peer = endpoint(fields[3] ?? '');
    if (local === undefined || peer === undefined || local.address !== vip) continue;
    rows.push({ protocol: 'TCP', client: peer.address, clientPort: peer.port, vip, vport: local.port, realServer: rip, rport: local.port, state: 'ESTABLISHED', expires: ESTABLISHED_SECONDS });
  }
  return rows;
}

/** labConnTable reads every real server's sockets and prints the table the director's IPVS would hold. */
export async function labConnTable(realServers: readonly { readonly ns: Netns; readonly address: string }[], vip: string): Promise<string> {
  let text = CONN_HEADER;
  for (const rs of realServers) {
    const ss = await rs.ns.ok(['ss', '-Htn', 'state', 'established']);
    for (const row of rowsFromSs(ss, vip, rs.address)) text += formatConnRow(row);
  }
  return text;
}
