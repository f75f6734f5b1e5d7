/**
 * The default routes of the network namespace lbfw runs in, read from
 * /proc/net/route and /proc/net/ipv6_route instead of two `ip -j route show
 * default` runs: a child process costs start-up more than everything else
 * the boot-time apply does. /proc/net follows the reading process's network
 * namespace, so this is exact for "here"; another named namespace still
 * goes through `ip netns exec` (own-addresses.ts).
 *
 * What the kernel shows there: /proc/net/route is the main IPv4 table (as
 * `ip -4 route show default`), each route with its first next hop;
 * /proc/net/ipv6_route lists every table, so an IPv6 default route of a
 * policy-routing table counts too (one more gateway protected, never one
 * fewer).
 */
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { parseAddress } from '../net/address.js';

/** DefaultRoute: a default route with a gateway, as the kernel lists it. */
export interface DefaultRoute {
  /** The gateway's address, canonical text. */
  readonly gateway: string;
  /** The interface the route leaves by. */
  readonly dev: string;
}

/** rtentry flags (linux/route.h). */
const RTF_GATEWAY = 0x2;
const RTF_REJECT = 0x200;

/**
 * parseProcRoute reads /proc/net/route text: routes to 0.0.0.0/0 through a
 * gateway. Addresses there are 32-bit words in host byte order, printed in
 * hex (`littleEndian`: this machine's order). Pure.
 */
export function parseProcRoute(text: string, littleEndian = endianness() === 'LE'): DefaultRoute[] {
  const routes: DefaultRoute[] = [];
  for (const line of text.split('\n').slice(1)) {
    const [dev, destination, gateway, flags, , , , mask] = line.trim().split(/\s+/);
    if (dev === undefined || gateway === undefined || flags === undefined || mask === undefined) continue;
    if (destination !== '00000000' || mask !== '00000000') continue;
    const flagBits = Number.parseInt(flags, 16);
    if ((flagBits & RTF_GATEWAY) === 0 || (flagBits & RTF_REJECT) !== 0 || !/^[0-9A-Fa-f]{8}$/.test(gateway)) continue;
    const bytes = Buffer.from(gateway, 'hex');
    if (littleEndian) bytes.reverse();
    routes.push({ gateway: [...bytes].join('.'), dev });
  }
  return routes;
}

/**
 * parseProcIpv6Route reads /proc/net/ipv6_route text (destination, prefix
 * length, source, source prefix length, next hop, metric, refcount, use,
 * flags, device): routes to ::/0 through a gateway. Pure.
 */
export function parseProcIpv6Route(text: string): DefaultRoute[] {
  const routes: DefaultRoute[] = [];
  for (const line of text.split('\n')) {
    const [destination, prefix, , , nextHop, , , , flags, dev] = line.trim().split(/\s+/);
    if (dev === undefined || nextHop === undefined || flags === undefined) continue;
    if (!/^0{32}$/.test(destination ?? '') || prefix !== '00' || !/^[0-9a-fA-F]{32}$/.test(nextHop)) continue;
    const flagBits = Number.parseInt(flags, 16);
    if ((flagBits & RTF_GATEWAY) === 0 || (flagBits & RTF_REJECT) !== 0) continue;
    const gateway = parseAddress(nextHop.match(/.{4}/g)?.join(':') ?? '');
    if (gateway !== undefined) routes.push({ gateway: gateway.address, dev });
  }
  return routes;
}

async function readProc(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * readDefaultRoutes reads this namespace's default routes of `family`;
 * undefined when the kernel file cannot be read (no IPv6, no /proc), so the
 * caller can fall back to `ip`.
 */
export async function readDefaultRoutes(family: 4 | 6, procNet = '/proc/net'): Promise<DefaultRoute[] | undefined> {
  const text = await readProc(`${procNet}/${family === 4 ? 'route' : 'ipv6_route'}`);
  if (text === undefined) return undefined;
  return family === 4 ? parseProcRoute(text) : parseProcIpv6Route(text);
}
