/**
 * `lbfw doctor --probe`: ask the LAN who has each VIP (ARP who-has from the
 * director's VIP interface) and list every MAC that answers. On a working DR
 * segment only the director holding the VIP answers; a real server that
 * answers is the classic DR failure (arp_ignore/arp_announce not set), and
 * clients that cache its MAC bypass the director.
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

/** ProbeOptions: how long to listen and how to run arping. */
export interface ProbeOptions {
  readonly run: (argv: readonly string[]) => Promise<RunResult>;
  /** Seconds to listen for answers per VIP (ARP has no "no more answers"). Default 2. */
  readonly seconds?: number;
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
  for (const n of neighbours) if (n.mac !== undefined && !n.state.includes('FAILED')) learn(n.mac, n.address);
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
      const candidates = [...config.realServers, ...config.peers].filter((h) => h.family === 4 && link.addresses.some((a) => contains(a, h.address)));
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
