/**
 * The firewall lab: a director namespace with a VIP service, a clean client
 * and a blacklisted client on separate links, IPv4 and IPv6. The demo and
 * the system tests build on it.
 */
import { startHttpService } from './http-service.js';
import { connect, Netns } from './netns.js';

/** The lab's addresses: documentation prefixes only. */
export const DEMO = {
  vip4: '192.0.2.10',
  vip6: '2001:db8::10',
  clean4: '203.0.113.2',
  clean6: '2001:db8:a::2',
  bad4: '198.51.100.66',
  bad6: '2001:db8:b::66',
} as const;

/** FirewallLab: the three namespaces. */
export interface FirewallLab {
  readonly director: Netns;
  readonly clean: Netns;
  readonly bad: Netns;
  /** Removes every namespace of the lab and the programs in them. */
  readonly destroy: () => Promise<void>;
}

/**
 * createFirewallLab builds the namespaces (named `PREFIX-...`), links,
 * routes, the VIPs on the director's lo and a TCP service on port 80 of every
 * director address. On failure it removes what it made before rethrowing.
 */
export async function createFirewallLab(prefix: string): Promise<FirewallLab> {
  const made: Netns[] = [];
  const destroy = async (): Promise<void> => {
    for (const ns of [...made].reverse()) await ns.delete();
  };
  try {
    const director = await Netns.create(`${prefix}-dir`);
    made.push(director);
    const clean = await Netns.create(`${prefix}-clean`);
    made.push(clean);
    const bad = await Netns.create(`${prefix}-bad`);
    made.push(bad);
    await connect(
      { ns: director, ifname: 'eth-clean', addresses: ['203.0.113.1/28', '2001:db8:a::1/64'] },
      { ns: clean, ifname: 'eth0', addresses: [`${DEMO.clean4}/28`, `${DEMO.clean6}/64`] },
    );
    await connect(
      // The director's own address lies outside the blacklisted networks: lbfw
      // refuses an entry that covers the host's own addresses.
      { ns: director, ifname: 'eth-bad', addresses: ['198.51.100.78/28', '2001:db8:b::1/64'] },
      { ns: bad, ifname: 'eth0', addresses: [`${DEMO.bad4}/28`, `${DEMO.bad6}/64`] },
    );
    await director.ok(['ip', 'addr', 'add', `${DEMO.vip4}/32`, 'dev', 'lo']);
    await director.ok(['ip', 'addr', 'add', `${DEMO.vip6}/128`, 'dev', 'lo']);
    await clean.ok(['ip', 'route', 'add', 'default', 'via', '203.0.113.1']);
    await clean.ok(['ip', '-6', 'route', 'add', 'default', 'via', '2001:db8:a::1']);
    await bad.ok(['ip', 'route', 'add', 'default', 'via', '198.51.100.78']);
    await bad.ok(['ip', '-6', 'route', 'add', 'default', 'via', '2001:db8:b::1']);
    await startHttpService(director, { name: 'lbfw', host: '::', port: 80 });
    return { director, clean, bad, destroy };
  } catch (error) {
    await destroy();
    throw error;
  }
}
