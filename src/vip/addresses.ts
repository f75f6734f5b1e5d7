/**
 * Reads the host's interfaces and addresses (`ip -j addr show`). The only
 * code of src/vip that reads the system.
 */
import { ConfigError } from '../errors.js';
import { runOk } from '../system/run.js';
import type { Family } from '../config/model.js';
import { parseAddress } from '../net/address.js';

/** HostAddress: one address on one interface. */
export interface HostAddress {
  readonly ifname: string;
  readonly family: Family;
  /** Canonical text of the address. */
  readonly address: string;
  readonly prefix: number;
}

/** HostLink: an interface and whether it answers ARP / neighbour solicitations. */
export interface HostLink {
  readonly ifname: string;
  readonly loopback: boolean;
  /** False for NOARP links (loopback, dummy with noarp, tunnels): they never answer ARP. */
  readonly answersArp: boolean;
  readonly up: boolean;
  readonly addresses: readonly HostAddress[];
}

interface IpAddrJson {
  ifname?: unknown;
  flags?: unknown;
  link_type?: unknown;
  addr_info?: unknown;
}

/**
 * parseIpAddrJson turns `ip -j addr show` output into links. Pure; `source`
 * names the input in errors (the proc-like output can be wrong too).
 */
export function parseIpAddrJson(text: string, source = 'ip -j addr show'): HostLink[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([{ file: source, line: 0, message: `expected JSON from iproute2: ${(error as Error).message}` }]);
  }
  if (!Array.isArray(data)) throw new ConfigError([{ file: source, line: 0, message: 'expected a JSON array of links' }]);
  return (data as IpAddrJson[]).flatMap((link) => {
    if (typeof link.ifname !== 'string') return [];
    const flags = Array.isArray(link.flags) ? (link.flags as unknown[]).map(String) : [];
    const loopback = link.link_type === 'loopback' || flags.includes('LOOPBACK');
    const addrInfo = Array.isArray(link.addr_info) ? (link.addr_info as Record<string, unknown>[]) : [];
    const addresses = addrInfo.flatMap((info) => {
      const parsed = typeof info['local'] === 'string' ? parseAddress(info['local']) : undefined;
      const prefix = info['prefixlen'];
      if (parsed === undefined || typeof prefix !== 'number') return [];
      return [{ ifname: link.ifname as string, family: parsed.family, address: parsed.address, prefix }];
    });
    return [{ ifname: link.ifname, loopback, answersArp: !loopback && !flags.includes('NOARP'), up: flags.includes('UP'), addresses }];
  });
}

/** readLinks reads the links of the namespace lbfw runs in (or of `netns`). */
export async function readLinks(netns?: string): Promise<HostLink[]> {
  const argv = ['ip', '-j', 'addr', 'show'];
  const text = await runOk(netns === undefined ? argv : ['ip', 'netns', 'exec', netns, ...argv]);
  return parseIpAddrJson(text);
}
