/**
 * Reads the host's interfaces and addresses: by rtnetlink dumps through
 * lbfw's netlink binding (src/vip/rtnetlink.ts), or `ip -j addr show` when the
 * binding is not there or the dump fails. The only code of src/vip that reads the system.
 */
import { ConfigError } from '../errors.js';
import { loadNative } from '../nft/netlink/native.js';
import { runOk } from '../system/run.js';
import { addressDumpRequest, decodeLinks, linkDumpRequest } from './rtnetlink.js';
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

/**
 * dumpLinks reads the links (of `netns`, a name under /run/netns) by two rtnetlink dumps; undefined when the
 * binding cannot (not built, LBFW_NO_NATIVE=1, an older build without
 * NETLINK_ROUTE) or the kernel refused: iproute2 then answers as before.
 */
export async function dumpLinks(netns: string | undefined): Promise<HostLink[] | undefined> {
  const native = loadNative();
  if (typeof native === 'string' || typeof native.NETLINK_ROUTE !== 'number') return undefined;
  const options = { dump: 1, protocol: native.NETLINK_ROUTE, ...(netns === undefined ? {} : { netns: `/run/netns/${netns}` }) } as const;
  try {
    const [links, addresses] = await Promise.all([native.transact([linkDumpRequest()], options), native.transact([addressDumpRequest()], options)]);
    if (links.errno !== 0 || addresses.errno !== 0) return undefined;
    return decodeLinks(links.replies, addresses.replies);
  } catch {
    return undefined;
  }
}

/** readLinks reads the links of the namespace lbfw runs in (or of `netns`). */
export async function readLinks(netns?: string): Promise<HostLink[]> {
  const dumped = await dumpLinks(netns);
  if (dumped !== undefined) return dumped;
  const argv = ['ip', '-j', 'addr', 'show'];
  const text = await runOk(netns === undefined ? argv : ['ip', 'netns', 'exec', netns, ...argv]);
  return parseIpAddrJson(text);
}
