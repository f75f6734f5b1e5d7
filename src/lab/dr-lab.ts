/**
 * The DR lab: a client, a director and real servers on one LAN (a bridge in
 * a "switch" namespace), as in a Direct Routing deployment where the router
 * (here: the client) ARPs for the VIP. Real kernels, real ARP.
 */
import { connect, Netns } from './netns.js';

/** LAN addresses of the lab (documentation prefix). */
export const DR_LAB = {
  prefix: 24,
  client: '203.0.113.100',
  director: '203.0.113.1',
  vip: '203.0.113.10',
  realServers: ['203.0.113.11', '203.0.113.12'],
} as const;

/** DrLab: the namespaces; every node's LAN interface is `eth0`. */
export interface DrLab {
  readonly switchNs: Netns;
  readonly client: Netns;
  readonly director: Netns;
  readonly realServers: readonly Netns[];
  /** Removes every namespace of the lab and the programs in them. */
  readonly destroy: () => Promise<void>;
}

/**
 * createDrLab builds the LAN. The director holds the VIP on eth0 (as
 * keepalived would); each real server holds the VIP on lo as /32 with the
 * kernel's default ARP settings: the classic mistake that lets real servers
 * answer ARP for the VIP. On failure it removes what it made.
 */
export async function createDrLab(prefix: string): Promise<DrLab> {
  const made: Netns[] = [];
  const destroy = async (): Promise<void> => {
    for (const ns of [...made].reverse()) await ns.delete();
  };
  const create = async (name: string): Promise<Netns> => {
    const ns = await Netns.create(`${prefix}-${name}`);
    made.push(ns);
    return ns;
  };
  try {
    const switchNs = await create('sw');
    await switchNs.ok(['ip', 'link', 'add', 'br0', 'type', 'bridge']);
    await switchNs.ok(['ip', 'link', 'set', 'br0', 'up']);
    const attach = async (node: Netns, port: string, address: string): Promise<void> => {
      await connect({ ns: switchNs, ifname: port, addresses: [] }, { ns: node, ifname: 'eth0', addresses: [`${address}/${DR_LAB.prefix}`] });
      await switchNs.ok(['ip', 'link', 'set', port, 'master', 'br0']);
    };
    const client = await create('client');
    await attach(client, 'p-client', DR_LAB.client);
    const director = await create('dir');
    await attach(director, 'p-dir', DR_LAB.director);
    await director.ok(['ip', 'addr', 'add', `${DR_LAB.vip}/${DR_LAB.prefix}`, 'dev', 'eth0']);
    const realServers: Netns[] = [];
    for (const [i, address] of DR_LAB.realServers.entries()) {
      const rs = await create(`rs${i + 1}`);
      await attach(rs, `p-rs${i + 1}`, address);
      await rs.ok(['ip', 'addr', 'add', `${DR_LAB.vip}/32`, 'dev', 'lo']);
      realServers.push(rs);
    }
    return { switchNs, client, director, realServers, destroy };
  } catch (error) {
    await destroy();
    throw error;
  }
}

/** macOf returns the MAC address of an interface in a namespace. */
export async function macOf(ns: Netns, ifname: string): Promise<string> {
  const links = JSON.parse(await ns.ok(['ip', '-j', 'link', 'show', ifname])) as { address?: string }[];
  return (links[0]?.address ?? '').toLowerCase();
}

/**
 * arpAnswers sends ARP who-has for `address` from `ns` out of `ifname` and
 * returns the MACs that answered. ARP has no "no more answers" message, so
 * the bounded listening window (`seconds`) is the measurement itself.
 */
export async function arpAnswers(ns: Netns, ifname: string, address: string, seconds = 2): Promise<string[]> {
  const result = await ns.exec(['arping', '-w', String(seconds), '-I', ifname, address]);
  const macs = new Set<string>();
  for (const match of result.stdout.matchAll(/reply from \S+ \[([0-9A-Fa-f:]+)\]/g)) macs.add((match[1] ?? '').toLowerCase());
  return [...macs].sort();
}
