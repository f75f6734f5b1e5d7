/**
 * The namespaces around a director that the hardening tests attack from:
 *
 *   peer   eth0 --- eth0 director eth1 --- eth0 client     (the client LAN; the attacker)
 *   192.0.2.2        192.0.2.1   203.0.113.1    203.0.113.2
 *   fe80::2          fe80::1     eth2 --- eth0 rs           (the real servers' LAN)
 *                                198.51.100.1  198.51.100.21
 *
 * eth0 is the VIP and VRRP interface (keepalived's `interface`), the VIPs sit
 * on the director's lo, the client and the real server route through the
 * director. Documentation prefixes only.
 */
import { connect, Netns } from '../../src/lab/netns.js';

/** The lab's addresses. */
export const ATTACK = {
  vip4: '192.0.2.10',
  vip6: '2001:db8::10',
  director4: '192.0.2.1',
  director6: '2001:db8::1',
  directorLl: 'fe80::1',
  peer4: '192.0.2.2',
  peer6: '2001:db8::2',
  peerLl: 'fe80::2',
  directorLan4: '203.0.113.1',
  directorLan6: '2001:db8:c::1',
  client4: '203.0.113.2',
  client6: '2001:db8:c::2',
  directorRs4: '198.51.100.1',
  directorRs6: '2001:db8:5::1',
  rs4: '198.51.100.21',
  rs6: '2001:db8:5::21',
} as const;

/** AttackLab: the four namespaces. */
export interface AttackLab {
  readonly director: Netns;
  readonly peer: Netns;
  readonly client: Netns;
  readonly rs: Netns;
  readonly destroy: () => Promise<void>;
}

/**
 * createAttackLab builds the namespaces (named `PREFIX-...`) and removes what
 * it made when a step fails. The director joins the VRRP and IPVS sync
 * groups on every interface (`autojoin`), as keepalived would on its own:
 * without a member the kernel never delivers a multicast packet to the
 * input hook, and the tests must see what the firewall does with it.
 */
export async function createAttackLab(prefix: string): Promise<AttackLab> {
  const made: Netns[] = [];
  const destroy = async (): Promise<void> => {
    for (const ns of [...made].reverse()) await ns.delete();
  };
  const make = async (name: string): Promise<Netns> => {
    const ns = await Netns.create(`${prefix}-${name}`);
    made.push(ns);
    return ns;
  };
  try {
    const director = await make('dir');
    const peer = await make('peer');
    const client = await make('cli');
    const rs = await make('rs');
    const a = ATTACK;
    await connect(
      { ns: director, ifname: 'eth0', addresses: [`${a.director4}/24`, `${a.director6}/64`, `${a.directorLl}/64`] },
      { ns: peer, ifname: 'eth0', addresses: [`${a.peer4}/24`, `${a.peer6}/64`, `${a.peerLl}/64`] },
    );
    await connect(
      { ns: director, ifname: 'eth1', addresses: [`${a.directorLan4}/24`, `${a.directorLan6}/64`] },
      { ns: client, ifname: 'eth0', addresses: [`${a.client4}/24`, `${a.client6}/64`] },
    );
    await connect(
      { ns: director, ifname: 'eth2', addresses: [`${a.directorRs4}/24`, `${a.directorRs6}/64`] },
      { ns: rs, ifname: 'eth0', addresses: [`${a.rs4}/24`, `${a.rs6}/64`] },
    );
    await director.ok(['ip', 'addr', 'add', `${a.vip4}/32`, 'dev', 'lo']);
    await director.ok(['ip', 'addr', 'add', `${a.vip6}/128`, 'dev', 'lo']);
    for (const iface of ['eth0', 'eth1']) {
      for (const group of ['224.0.0.18/32', '224.0.0.81/32', 'ff02::12/128']) {
        await director.ok(['ip', 'addr', 'add', group, 'dev', iface, 'autojoin']);
      }
    }
    await client.ok(['ip', 'route', 'add', 'default', 'via', a.directorLan4]);
    await client.ok(['ip', '-6', 'route', 'add', 'default', 'via', a.directorLan6]);
    await rs.ok(['ip', 'route', 'add', 'default', 'via', a.directorRs4]);
    await rs.ok(['ip', '-6', 'route', 'add', 'default', 'via', a.directorRs6]);
    await peer.ok(['ip', 'route', 'add', 'default', 'via', a.director4]);
    return { director, peer, client, rs, destroy };
  } catch (error) {
    await destroy();
    throw error;
  }
}
