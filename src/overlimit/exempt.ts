/**
 * Who is never banned: what the blacklist must never cover (VIPs, real
 * servers, peers, management and allowed sources, the operator's SSH
 * session), the configured `overlimit.exempt`, and the host's own
 * surroundings: its own addresses (a ban is a whole prefix: a banned /64
 * covering the director's own on-link IPv6 address breaks neighbour
 * discovery, DESIGN.md §7), its default gateways, loopback and link-local,
 * and the networks it is connected to (the prefixes of its addresses: the
 * site's routers, peers and servers live there, while clients come through
 * a gateway) unless `overlimit.exempt_connected_networks` is false. Each
 * range says why (its `role`), which `lbfw overlimit` prints. Pure: the
 * caller reads links and routes.
 */
import type { Cidr, Family, HostConfig } from '../config/model.js';
import type { ProtectedRange } from '../blacklist/safety.js';
import { protectedRanges } from '../firewall/protected.js';
import { addressToBigInt, bigIntToAddress, cidrToRange, formatCidr, parseAddress, rangesOverlap, type AddressRange } from '../net/address.js';
import { mergeRanges, rangeToElement } from '../net/merge.js';
import type { HostLink } from '../vip/addresses.js';

/** HostSurroundings: what the host's own interfaces and routes say. */
export interface HostSurroundings {
  readonly links: readonly HostLink[];
  /** Default gateways (`ip route` via). */
  readonly gateways: readonly string[];
}

const ALWAYS: readonly { cidr: Cidr; role: string }[] = [
  { cidr: { family: 4, address: '127.0.0.0', prefix: 8 }, role: 'loopback' },
  { cidr: { family: 6, address: '::1', prefix: 128 }, role: 'loopback' },
  { cidr: { family: 6, address: 'fe80::', prefix: 10 }, role: 'link-local (neighbour discovery, VRRP)' },
];

function networkOf(family: Family, address: string, prefix: number): Cidr {
  const bits = family === 4 ? 32 : 128;
  const value = addressToBigInt({ family, address });
  const hostBits = BigInt(bits - prefix);
  return { family, address: bigIntToAddress(family, (value >> hostBits) << hostBits), prefix };
}

/**
 * The networks of the host's addresses, once each: not loopback (always
 * exempt), not a host route (/32, /128: already the host's own address) and
 * not IPv6 link-local (always exempt).
 */
function connectedNetworks(links: readonly HostLink[]): { network: Cidr; role: string }[] {
  const seen = new Set<string>();
  const out: { network: Cidr; role: string }[] = [];
  for (const link of links) {
    for (const a of link.addresses) {
      const bits = a.family === 4 ? 32 : 128;
      if (a.prefix >= bits || a.prefix <= 0) continue;
      const network = networkOf(a.family, a.address, a.prefix);
      const text = formatCidr(network);
      const range = cidrToRange(network);
      const inAlways = ALWAYS.some((x) => {
        const always = cidrToRange(x.cidr);
        return always.family === range.family && always.first <= range.first && range.last <= always.last;
      });
      if (seen.has(text) || inAlways) continue;
      seen.add(text);
      out.push({ network, role: `a network this host is connected to (${link.ifname} ${a.address}/${a.prefix}; overlimit.exempt_connected_networks)` });
    }
  }
  return out;
}

/** exemptRanges lists every range a ban must not overlap, with why. */
export function exemptRanges(config: HostConfig, env: Record<string, string | undefined>, host: HostSurroundings): ProtectedRange[] {
  const cidr = (c: Cidr, role: string): ProtectedRange => ({ range: cidrToRange(c), address: formatCidr(c), role });
  const own = host.links.flatMap((link) =>
    link.addresses.map((a) => cidr(networkOf(a.family, a.address, a.family === 4 ? 32 : 128), `this host's own address (${link.ifname} ${a.address}/${a.prefix})`)),
  );
  const connected = config.overlimit?.exemptConnectedNetworks === false ? [] : connectedNetworks(host.links).map((n) => cidr(n.network, n.role));
  const gateways = host.gateways.flatMap((g) => {
    const parsed = parseAddress(g);
    return parsed === undefined ? [] : [cidr({ ...parsed, prefix: parsed.family === 4 ? 32 : 128 }, 'default gateway')];
  });
  return [
    ...protectedRanges(config, env),
    ...(config.overlimit?.exempt ?? []).map((c) => cidr(c, 'overlimit.exempt')),
    ...own,
    ...gateways,
    ...connected,
    ...ALWAYS.map((a) => cidr(a.cidr, a.role)),
  ];
}

/** exemptionOf returns the first exempt range `range` overlaps, or undefined. */
export function exemptionOf(range: AddressRange, exempt: readonly ProtectedRange[]): ProtectedRange | undefined {
  return exempt.find((e) => rangesOverlap(e.range, range));
}

/**
 * widenedExempt gives the exempt ranges of a family as nft interval
 * elements, each widened to whole ban prefixes: the kernel's SYN-rate rule
 * bans a source's whole /prefix, so the prefix around an exempt host must be
 * skipped too.
 */
export function widenedExempt(exempt: readonly ProtectedRange[], family: Family, prefix: number): string[] {
  const bits = BigInt((family === 4 ? 32 : 128) - prefix);
  const ranges = exempt
    .filter((e) => e.range.family === family)
    .map((e) => ({ family, first: (e.range.first >> bits) << bits, last: (((e.range.last >> bits) + 1n) << bits) - 1n }));
  return mergeRanges(ranges).map(rangeToElement);
}
