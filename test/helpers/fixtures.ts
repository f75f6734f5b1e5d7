/**
 * Host models and blacklists shared by the unit tests. Only documentation
 * addresses appear (RFC 5737: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24;
 * RFC 3849: 2001:db8::/32). Every address is written in the canonical form
 * the config parser produces, so fixtures never depend on address parsing.
 */
import type { NormalisedBlacklist } from '../../src/blacklist/normalise.js';
import type { AllowRule, Cidr, Family, HostConfig, Origin, Peer, Protocol, VipService } from '../../src/config/model.js';

/** Where fixture items come from: nowhere in particular. */
const FIXTURE: Origin = { kind: 'default' };

function familyOf(address: string): Family {
  return address.includes(':') ? 6 : 4;
}

/** cidr turns `ADDR/LEN` (canonical, no host bits) into a Cidr. */
export function cidr(text: string): Cidr {
  const [address = '', prefix = ''] = text.split('/');
  return { family: familyOf(address), address, prefix: Number(prefix) };
}

/** service is one VIP service. */
export function service(address: string, protocol: Protocol, port: number): VipService {
  return { family: familyOf(address), address, protocol, port, origin: FIXTURE };
}

/** peer is one peer director. */
export function peer(address: string): Peer {
  return { family: familyOf(address), address, origin: FIXTURE };
}

/** allowRule is one `management.allow` entry. */
export function allowRule(sources: readonly string[], protocol: Protocol, port: number, comment?: string): AllowRule {
  return { sources: sources.map(cidr), protocol, port, ...(comment === undefined ? {} : { comment }), origin: FIXTURE };
}

/**
 * A dual-stack director. Its lists are written the way an operator might:
 * services out of order, management sources that overlap or touch, and an
 * allow rule with sources of both families, one of them inside another.
 */
export const DIRECTOR: HostConfig = {
  file: '/etc/lbfw/lbfw.yaml',
  role: 'director',
  interfaces: { vip: 'eth0', realServers: 'eth1' },
  services: [
    service('192.0.2.10', 'tcp', 443),
    service('2001:db8::10', 'tcp', 443),
    service('192.0.2.11', 'udp', 53),
    service('192.0.2.10', 'tcp', 80),
  ],
  peers: [peer('2001:db8::2'), peer('192.0.2.2')],
  realServers: [
    { family: 4, address: '192.0.2.21', origin: FIXTURE },
    { family: 4, address: '192.0.2.22', port: 80, origin: FIXTURE },
  ],
  management: {
    sources: [
      // 198.51.100.32/27 lies inside the first /25, the second /25 touches
      // it: together one /24.
      cidr('198.51.100.0/25'),
      cidr('198.51.100.32/27'),
      cidr('198.51.100.128/25'),
      // These two touch but make no single prefix: 192.0.2.64-192.0.2.111.
      cidr('192.0.2.64/27'),
      cidr('192.0.2.96/28'),
      cidr('2001:db8:100:1::/64'),
      cidr('2001:db8:100::/48'),
    ],
    sshPort: 2222,
    allow: [
      allowRule(['198.51.100.7/32', '2001:db8:200::/48', '192.0.2.50/32', '198.51.100.6/31'], 'tcp', 9100, 'node exporter'),
      allowRule(['192.0.2.128/26'], 'udp', 161, 'snmp'),
    ],
  },
  blacklistPath: '/etc/lbfw/static_blacklist',
  inputPolicy: 'drop',
};

/** A dual-stack real server: VIPs on its loopback, SSH from one management prefix. */
export const REALSERVER: HostConfig = {
  file: '/etc/lbfw/lbfw.yaml',
  role: 'realserver',
  interfaces: { client: 'eth0' },
  services: [service('192.0.2.10', 'tcp', 80), service('2001:db8::10', 'tcp', 443)],
  peers: [],
  realServers: [],
  management: { sources: [cidr('198.51.100.0/24')], sshPort: 22, allow: [] },
  blacklistPath: '/etc/lbfw/static_blacklist',
  inputPolicy: 'drop',
};

/** A small normalised blacklist with elements in all four sets. */
export const BLACKLIST: NormalisedBlacklist = {
  hosts4: ['203.0.113.7', '203.0.113.9'],
  nets4: ['203.0.113.16-203.0.113.20', '203.0.113.64/26'],
  hosts6: ['2001:db8:bad::1'],
  nets6: ['2001:db8:dead::/48'],
};

/** The blacklist of a host that blocks nobody. */
export const EMPTY_BLACKLIST: NormalisedBlacklist = { hosts4: [], nets4: [], hosts6: [], nets6: [] };
