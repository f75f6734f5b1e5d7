/**
 * `lbfw doctor --probe`: ask the LAN who has each VIP (ARP who-has from the
 * director's VIP interface) and list every MAC that answers. On a working DR
 * segment only the director holding the VIP answers; a real server that
 * answers is the classic DR failure (arp_ignore/arp_announce not set), and
 * clients that cache its MAC bypass the director. It also asks who has each
 * peer director and real server on the director's networks: exactly one
 * host should answer for each, and a second one (a real server with the VIP
 * on lo as /24 claims every address of the LAN) takes the unicast VRRP
 * adverts meant for the peer, or the DR traffic meant for a real server.
 *
 * The requests carry one of the director's own non-VIP addresses as sender:
 * a request whose sender is the VIP itself is dropped by every real server
 * (the VIP is local there, so the source is martian), which would hide the
 * very answers the probe looks for.
 */
import type { Family, HostConfig } from '../config/model.js';
import type { RunResult } from '../system/run.js';
import { addressToBigInt, parseAddress } from '../net/address.js';
import type { HostLink } from '../vip/addresses.js';
import type { NeighbourFact } from './facts.js';

/** ArpAnswer: one MAC that answered, and the addresses known to belong to it. */
export interface ArpAnswer {
  readonly mac: string;
  /** Addresses the neighbour table (or a probe of the configured hosts) ties to this MAC. */
  readonly addresses: readonly string[];
  /** True for this director's own MAC on the interface. */
  readonly own: boolean;
}

/** ProbeResult: the answers to ARP who-has for one VIP. */
export interface ProbeResult {
  readonly vip: string;
  readonly iface: string;
  /** Sender address of the requests; `0.0.0.0` when the interface has no other address (DAD mode: first answer only). */
  readonly source: string;
  /** Whether the VIP is an address of this host (then this director itself answers for it). */
  readonly local: boolean;
  /** Every MAC that answers, this director's own first when it holds the VIP. */
  readonly answers: readonly ArpAnswer[];
  /** Why the probe could not run. */
  readonly error?: string;
}

/**
 * HostProbe: who answers ARP for one of the hosts this director must reach
 * by its own MAC: a peer director (keepalived's unicast_peer: VRRP adverts go
 * there by unicast) or a real server (DR forwards to its MAC). Exactly one
 * host should: a second one is a host claiming an address that is not its own.
 */
export interface HostProbe {
  readonly address: string;
  readonly role: 'peer' | 'real server';
  readonly iface: string;
  /** Sender address of the requests (one of this director's own, never a VIP). */
  readonly source: string;
  /** Every MAC that answered, lower case, once each, sorted; this director's own left out. */
  readonly macs: readonly string[];
  /** Why the probe could not run. */
  readonly error?: string;
}

/** ProbeOptions: how long to listen and how to run arping. */
export interface ProbeOptions {
  readonly run: (argv: readonly string[]) => Promise<RunResult>;
  /** Seconds to listen for answers per VIP (ARP has no "no more answers"). Default 2. */
  readonly seconds?: number;
  /**
   * The answers for the peers and real servers ({@link probeHosts}), which
   * name the MACs that answer for a VIP: a MAC that alone answers for a host
   * is that host's, and the neighbour table is not believed for an address
   * two MACs answer for (it holds whichever answered first).
   */
  readonly hosts?: readonly HostProbe[];
}

const REPLY = /reply from \S+ \[([0-9A-Fa-f:]+)\]/g;

/** parseArping returns the MACs in arping's output, lower case, once each, sorted. */
export function parseArping(stdout: string): string[] {
  const macs = new Set<string>();
  for (const match of stdout.matchAll(REPLY)) macs.add((match[1] ?? '').toLowerCase());
  return [...macs].sort();
}

function contains(network: { family: Family; address: string; prefix: number }, address: string): boolean {
  const parsed = parseAddress(address);
  if (parsed === undefined || parsed.family !== network.family) return false;
  const shift = BigInt((network.family === 4 ? 32 : 128) - network.prefix);
  return addressToBigInt(parsed) >> shift === addressToBigInt(network) >> shift;
}

/** probeIface picks the interface to ask on: the config's VIP interface, else the one holding the VIP, else the one whose network contains it. */
function probeIface(config: HostConfig, links: readonly HostLink[], vip: string): HostLink | undefined {
  const named = config.interfaces.vip;
  if (named !== undefined) return links.find((l) => l.ifname === named);
  const external = links.filter((l) => !l.loopback && l.answersArp);
  return external.find((l) => l.addresses.some((a) => a.address === vip)) ?? external.find((l) => l.addresses.some((a) => contains(a, vip)));
}

/**
 * hostOfMac ties MACs to the probed hosts they belong to: a MAC that alone
 * answers for a host is that host's; of a host two MACs answer for, the one
 * left after taking away MACs that are another host's is its own. A MAC no
 * probe pins down is not in the map.
 */
export function hostOfMac(hosts: readonly HostProbe[]): Map<string, HostProbe> {
  const alone = new Map<string, HostProbe>();
  for (const host of hosts) if (host.macs.length === 1 && host.macs[0] !== undefined && !alone.has(host.macs[0])) alone.set(host.macs[0], host);
  // Judged against the first pass only, so the answer does not depend on the order of the hosts.
  const owners = new Map(alone);
  for (const host of hosts) {
    const left = host.macs.filter((mac) => !alone.has(mac));
    if (host.macs.length > 1 && left.length === 1 && left[0] !== undefined && !owners.has(left[0])) owners.set(left[0], host);
  }
  return owners;
}

/** arpLink: the interface (not lo, answering ARP) whose network holds `address`, and this host's sender address on it (never a VIP). */
function arpLink(links: readonly HostLink[], address: string, vips: ReadonlySet<string>): { link: HostLink; source: string } | undefined {
  for (const link of links) {
    if (link.loopback || !link.answersArp) continue;
    if (!link.addresses.some((a) => a.family === 4 && contains(a, address))) continue;
    const source = link.addresses.find((a) => a.family === 4 && !vips.has(a.address) && contains(a, address))?.address ?? link.addresses.find((a) => a.family === 4 && !vips.has(a.address))?.address;
    if (source !== undefined) return { link, source };
  }
  return undefined;
}

/**
 * probeHosts sends ARP who-has for every IPv4 peer director and real server
 * of the config on a network of this host's (all at once: each arping
 * listens `seconds`) and lists every MAC that answers. A host elsewhere (a
 * real server behind a router, which DR cannot reach anyway) is not asked.
 */
export async function probeHosts(config: HostConfig, links: readonly HostLink[], macs: Readonly<Record<string, string>>, options: ProbeOptions): Promise<HostProbe[]> {
  const seconds = options.seconds ?? 2;
  const vips = new Set([...config.services, ...(config.vipAddresses ?? [])].map((v) => v.address));
  const hosts = new Map<string, HostProbe['role']>();
  for (const peer of config.peers) if (peer.family === 4) hosts.set(peer.address, 'peer');
  for (const rs of config.realServers) if (rs.family === 4 && !hosts.has(rs.address)) hosts.set(rs.address, 'real server');
  const asked = [...hosts].flatMap(([address, role]) => {
    const where = arpLink(links, address, vips);
    return where === undefined || where.link.addresses.some((a) => a.address === address) ? [] : [{ address, role, ...where }];
  });
  return Promise.all(
    asked.map(async ({ address, role, link, source }): Promise<HostProbe> => {
      const argv = ['arping', '-w', String(seconds), '-I', link.ifname, '-s', source, address];
      const result = await options.run(argv);
      const base = { address, role, iface: link.ifname, source };
      if (result.code !== 0 && result.code !== 1) return { ...base, macs: [], error: `${argv.join(' ')}: ${result.stderr.trim() || `exit ${result.code}`}` };
      return { ...base, macs: parseArping(result.stdout).filter((mac) => mac !== macs[link.ifname]) };
    }),
  );
}

/**
 * probeArp sends ARP who-has for every IPv4 VIP of the config and collects
 * the MACs that answer, naming them from the neighbour table; MACs it does
 * not know are matched against the configured real servers and peers by
 * asking for them too.
 */
export async function probeArp(
  config: HostConfig,
  links: readonly HostLink[],
  macs: Readonly<Record<string, string>>,
  neighbours: readonly NeighbourFact[],
  options: ProbeOptions,
): Promise<ProbeResult[]> {
  const seconds = options.seconds ?? 2;
  const vipList = [...new Set([...config.services, ...(config.vipAddresses ?? [])].filter((v) => v.family === 4).map((v) => v.address))];
  const vipSet = new Set(vipList);
  const known = new Map<string, Set<string>>();
  const learn = (mac: string, address: string): void => {
    const set = known.get(mac) ?? new Set<string>();
    set.add(address);
    known.set(mac, set);
  };
  const probed = new Set((options.hosts ?? []).filter((h) => h.error === undefined).map((h) => h.address));
  const claimed = new Set((options.hosts ?? []).filter((h) => h.macs.length > 1).map((h) => h.address));
  for (const [mac, host] of hostOfMac(options.hosts ?? [])) learn(mac, host.address);
  for (const n of neighbours) if (n.mac !== undefined && !n.state.includes('FAILED') && !claimed.has(n.address)) learn(n.mac, n.address);
  const results: ProbeResult[] = [];
  for (const vip of vipList) {
    const link = probeIface(config, links, vip);
    if (link === undefined) {
      results.push({ vip, iface: config.interfaces.vip ?? '?', source: '', local: false, answers: [], error: `no interface of this host faces ${vip}` });
      continue;
    }
    const source = link.addresses.find((a) => a.family === 4 && !vipSet.has(a.address))?.address;
    const argv = ['arping', '-w', String(seconds), '-I', link.ifname, ...(source === undefined ? ['-D'] : ['-s', source]), vip];
    const result = await options.run(argv);
    if (result.code !== 0 && result.code !== 1) {
      results.push({ vip, iface: link.ifname, source: source ?? '0.0.0.0', local: false, answers: [], error: `${argv.join(' ')}: ${result.stderr.trim() || `exit ${result.code}`}` });
      continue;
    }
    const ownMac = macs[link.ifname];
    const local = links.some((l) => l.addresses.some((a) => a.address === vip));
    const answered = parseArping(result.stdout).filter((mac) => mac !== ownMac);
    const unknown = answered.filter((mac) => !known.has(mac));
    if (unknown.length > 0 && source !== undefined) {
      const candidates = [...config.realServers, ...config.peers].filter((h) => h.family === 4 && !probed.has(h.address) && link.addresses.some((a) => contains(a, h.address)));
      for (const host of candidates) {
        const asked = await options.run(['arping', '-c', '1', '-w', '1', '-I', link.ifname, '-s', source, host.address]);
        for (const mac of parseArping(asked.stdout)) learn(mac, host.address);
      }
    }
    const answers: ArpAnswer[] = [];
    if (local && ownMac !== undefined) {
      answers.push({ mac: ownMac, addresses: link.addresses.filter((a) => a.family === 4).map((a) => a.address), own: true });
    }
    for (const mac of answered) answers.push({ mac, addresses: [...(known.get(mac) ?? [])].sort(), own: false });
    results.push({ vip, iface: link.ifname, source: source ?? '0.0.0.0', local, answers });
  }
  return results;
}
