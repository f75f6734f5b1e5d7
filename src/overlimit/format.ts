/**
 * Prints connection-table rows with the kernel's own format strings
 * (net/netfilter/ipvs/ip_vs_conn.c), for tests, the benchmark and the lab's
 * emulated table: what the reader parses is exactly what the kernel prints.
 */
import { addressToBigInt, parseAddress } from '../net/address.js';

/** The header lines of the two tables. */
export const CONN_HEADER = 'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n';
export const CONN_SYNC_HEADER = 'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Origin Expires\n';

/** The kernel's format strings, as in ip_vs_conn_seq_show / ip_vs_conn_sync_seq_show. */
export const FORMAT_V4 = '%-3s %08X %04X %08X %04X %s %04X %-11s %7u%s\n';
export const FORMAT_V6 = '%-3s %pI6 %04X %pI6 %04X %s %04X %-11s %7u%s\n';
export const FORMAT_SYNC_V4 = '%-3s %08X %04X %08X %04X %s %04X %-11s %-6s %7u\n';
export const FORMAT_SYNC_V6 = '%-3s %pI6 %04X %pI6 %04X %s %04X %-11s %-6s %7u\n';

/** kprintf implements the conversions those formats use: %-Ns, %s, %0NX, %Nu and %pI6 (a 16-byte hex string). */
export function kprintf(format: string, ...args: readonly (string | number)[]): string {
  let i = 0;
  return format.replace(/%(-?)(0?)(\d*)(s|X|u|pI6)/g, (_m, left: string, zero: string, width: string, conv: string) => {
    const arg = args[i++];
    let text: string;
    if (conv === 'X') text = (Number(arg) >>> 0).toString(16).toUpperCase();
    else if (conv === 'u') text = String(Number(arg) >>> 0);
    else if (conv === 'pI6') text = (String(arg).match(/.{4}/g) ?? []).join(':');
    else text = String(arg);
    const w = width === '' ? 0 : Number(width);
    if (text.length >= w) return text;
    const pad = (zero === '0' ? '0' : ' ').repeat(w - text.length);
    return left === '-' ? text + ' '.repeat(w - text.length) : pad + text;
  });
}

/** KernelRow: one connection as the kernel holds it. */
export interface KernelRow {
  readonly protocol: string;
  readonly client: string;
  readonly clientPort: number;
  readonly vip: string;
  readonly vport: number;
  readonly realServer: string;
  readonly rport: number;
  readonly state: string;
  readonly expires: number;
  readonly origin?: 'LOCAL' | 'SYNC';
  /** ` PEName PEData` without the leading space, ip_vs_conn only. */
  readonly pe?: string;
}

function hexOf(address: string): { family: 4 | 6; hex: string; value: number } {
  const parsed = parseAddress(address);
  if (parsed === undefined) throw new Error(`not an address: ${address}`);
  const value = addressToBigInt(parsed);
  return { family: parsed.family, hex: value.toString(16).padStart(parsed.family === 4 ? 8 : 32, '0'), value: parsed.family === 4 ? Number(value) : 0 };
}

/** formatConnRow prints one row of ip_vs_conn (or ip_vs_conn_sync when `sync`). */
export function formatConnRow(row: KernelRow, sync = false): string {
  const c = hexOf(row.client);
  const v = hexOf(row.vip);
  const d = hexOf(row.realServer);
  const dbuf = d.family === 4 ? kprintf('%08X', d.value) : kprintf('%pI6', d.hex);
  const cArg = c.family === 4 ? c.value : c.hex;
  const vArg = v.family === 4 ? v.value : v.hex;
  if (sync) {
    return kprintf(c.family === 4 ? FORMAT_SYNC_V4 : FORMAT_SYNC_V6, row.protocol, cArg, row.clientPort, vArg, row.vport, dbuf, row.rport, row.state, row.origin ?? 'LOCAL', row.expires);
  }
  return kprintf(c.family === 4 ? FORMAT_V4 : FORMAT_V6, row.protocol, cArg, row.clientPort, vArg, row.vport, dbuf, row.rport, row.state, row.expires, row.pe === undefined ? '' : ` ${row.pe}`);
}
