/**
 * Parsers of the /proc/net files the doctor reads: the socket tables
 * (/proc/net/tcp, tcp6, udp, udp6; net/ipv4/tcp_ipv4.c, udp.c and their IPv6
 * twins) and the IPVS table (/proc/net/ip_vs; net/netfilter/ipvs/ip_vs_ctl.c).
 * Pure: the text comes in; a line that does not have the kernel's format is a
 * {@link ProcFileError} naming the file and the line.
 */
import type { Family } from '../config/model.js';
import { bigIntToAddress } from '../net/address.js';
import { ProcFileError } from './errors.js';

/** ListeningSocket: a TCP socket in LISTEN or an unconnected (bound) UDP socket. */
export interface ListeningSocket {
  readonly protocol: 'tcp' | 'udp';
  readonly family: Family;
  /** Canonical text; `0.0.0.0` or `::` for a wildcard bind. */
  readonly address: string;
  readonly port: number;
}

/** Byte order of the host that wrote the socket table ({@link parseSocketTable} needs it). */
export type Endianness = 'LE' | 'BE';

/** TCP_LISTEN in include/net/tcp_states.h, as the table prints it. */
const TCP_LISTEN = '0A';

const SLOT = /^\d+:$/;
const ENDPOINT4 = /^([0-9A-Fa-f]{8}):([0-9A-Fa-f]{4})$/;
const ENDPOINT6 = /^([0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/;
const STATE = /^[0-9A-Fa-f]{2}$/;

/**
 * socketAddress decodes the address column. The kernel prints each 32-bit
 * word of the address (one for IPv4, four for IPv6) with `%08X` as a number
 * in the host's byte order, so on a little-endian host the bytes of every
 * word come out reversed: 127.0.0.1 is `0100007F`.
 */
export function socketAddress(hex: string, family: Family, endianness: Endianness): string {
  let value = 0n;
  for (let word = 0; word < hex.length; word += 8) {
    const bytes = [0, 2, 4, 6].map((i) => hex.slice(word + i, word + i + 2));
    const ordered = endianness === 'LE' ? bytes.reverse() : bytes;
    for (const byte of ordered) value = (value << 8n) | BigInt(parseInt(byte, 16));
  }
  return bigIntToAddress(family, value);
}

/**
 * parseSocketTable reads one socket table. `file` names it in errors and
 * decides protocol and family (`/proc/net/tcp6` is TCP over IPv6). Only
 * sockets that accept new traffic are returned: TCP in LISTEN, UDP without a
 * remote address.
 */
export function parseSocketTable(text: string, file: string, endianness: Endianness): ListeningSocket[] {
  const base = file.split('/').at(-1) ?? file;
  const protocol = base.startsWith('udp') ? 'udp' : base.startsWith('tcp') ? 'tcp' : undefined;
  if (protocol === undefined) throw new ProcFileError(file, 0, 'expected a socket table named tcp, tcp6, udp or udp6');
  const family: Family = base.endsWith('6') ? 6 : 4;
  const endpoint = family === 4 ? ENDPOINT4 : ENDPOINT6;
  const sockets: ListeningSocket[] = [];
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    const number = index + 1;
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    if (index === 0) {
      if (fields[0] !== 'sl') throw new ProcFileError(file, number, `expected the header line starting "sl  local_address", found "${line.trim()}"`);
      continue;
    }
    const [slot = '', local = '', remote = '', state = ''] = fields;
    const localMatch = endpoint.exec(local);
    const remoteMatch = endpoint.exec(remote);
    if (!SLOT.test(slot) || localMatch === null || remoteMatch === null || !STATE.test(state)) {
      const width = family === 4 ? 8 : 32;
      throw new ProcFileError(
        file,
        number,
        `expected "N: LOCAL:PORT REMOTE:PORT STATE ..." with ${width} hex digits per address and 4 per port, found "${line.trim()}"`,
      );
    }
    const listening = protocol === 'tcp' ? state.toUpperCase() === TCP_LISTEN : /^0+$/.test(remoteMatch[1] ?? '');
    if (!listening) continue;
    sockets.push({
      protocol,
      family,
      address: socketAddress(localMatch[1] ?? '', family, endianness),
      port: parseInt(localMatch[2] ?? '0', 16),
    });
  }
  return sockets;
}

/** IpvsDestination: one `-> RemoteAddress:Port Forward Weight ActiveConn InActConn` line. */
export interface IpvsDestination {
  readonly family: Family;
  readonly address: string;
  readonly port: number;
  /** `Route` (DR), `Masq` (NAT), `Tunnel`, `Local`. */
  readonly forward: string;
  readonly weight: number;
}

/** IpvsService: one virtual service of /proc/net/ip_vs and its destinations. */
export interface IpvsService {
  /** `TCP`, `UDP`, `SCTP` or `FWM` (firewall mark). */
  readonly protocol: string;
  readonly family?: Family;
  readonly address?: string;
  readonly port?: number;
  readonly fwmark?: number;
  readonly scheduler: string;
  /** The rest of the line, e.g. `persistent 360`. */
  readonly flags: string;
  readonly line: number;
  readonly destinations: readonly IpvsDestination[];
}

const SERVICE4 = /^(TCP|UDP|SCTP)\s+([0-9A-Fa-f]{8}):([0-9A-Fa-f]{4})\s+(\S+)\s*(.*)$/;
const SERVICE6 = /^(TCP|UDP|SCTP)\s+\[([0-9A-Fa-f:]+)\]:([0-9A-Fa-f]{4})\s+(\S+)\s*(.*)$/;
const FWM = /^FWM\s+([0-9A-Fa-f]{8})\s+(\S+)\s*(.*)$/;
const DEST4 = /^->\s+([0-9A-Fa-f]{8}):([0-9A-Fa-f]{4})\s+(\S+)\s+(-?\d+)\s+\d+\s+\d+\s*$/;
const DEST6 = /^->\s+\[([0-9A-Fa-f:]+)\]:([0-9A-Fa-f]{4})\s+(\S+)\s+(-?\d+)\s+\d+\s+\d+\s*$/;

function ipvsAddress(text: string, family: Family): string {
  // ip_vs_ctl.c prints IPv4 as %08X of ntohl(addr), the address as a number;
  // IPv6 as %pI6, every group in full.
  const hex = family === 4 ? text : text.replaceAll(':', '');
  return bigIntToAddress(family, BigInt(`0x${hex}`));
}

/** parseIpvs reads /proc/net/ip_vs into services with their destinations. */
export function parseIpvs(text: string, file = '/proc/net/ip_vs'): IpvsService[] {
  const services: { service: Omit<IpvsService, 'destinations'>; destinations: IpvsDestination[] }[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const number = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('IP Virtual Server') || line.startsWith('Prot ') || line.startsWith('-> RemoteAddress')) continue;
    const v4 = SERVICE4.exec(line);
    const v6 = v4 === null ? SERVICE6.exec(line) : null;
    const service = v4 ?? v6;
    if (service !== null) {
      const family: Family = v4 !== null ? 4 : 6;
      services.push({
        service: {
          protocol: service[1] ?? '',
          family,
          address: ipvsAddress(service[2] ?? '', family),
          port: parseInt(service[3] ?? '0', 16),
          scheduler: service[4] ?? '',
          flags: (service[5] ?? '').trim(),
          line: number,
        },
        destinations: [],
      });
      continue;
    }
    const fwm = FWM.exec(line);
    if (fwm !== null) {
      services.push({
        service: { protocol: 'FWM', fwmark: parseInt(fwm[1] ?? '0', 16), scheduler: fwm[2] ?? '', flags: (fwm[3] ?? '').trim(), line: number },
        destinations: [],
      });
      continue;
    }
    const d4 = DEST4.exec(line);
    const d6 = d4 === null ? DEST6.exec(line) : null;
    const dest = d4 ?? d6;
    const current = services.at(-1);
    if (dest !== null && current !== undefined) {
      const family: Family = d4 !== null ? 4 : 6;
      current.destinations.push({
        family,
        address: ipvsAddress(dest[1] ?? '', family),
        port: parseInt(dest[2] ?? '0', 16),
        forward: dest[3] ?? '',
        weight: Number(dest[4]),
      });
      continue;
    }
    throw new ProcFileError(file, number, `expected a service line ("TCP  C000020A:0050 rr") or a destination line ("-> C6336415:0050 Route 1 0 0"), found "${line}"`);
  }
  return services.map(({ service, destinations }) => ({ ...service, destinations }));
}
