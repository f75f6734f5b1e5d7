/**
 * The addresses a blacklist must never cover: blocking them would cut off a
 * service, a backend, the VRRP peer or the operator.
 */
import type { HostConfig } from '../config/model.js';
import { addressToRange, cidrToRange, formatCidr, parseCidr } from '../net/address.js';
import { sshClientAddress, type ProtectedRange } from '../blacklist/safety.js';
import type { OwnAddresses } from '../host/own-addresses.js';

/**
 * Ranges no host may block, whatever its config: its own loopback (local
 * services, keepalived's checks talk over lo) and IPv6 link-local (neighbour
 * discovery, router advertisements, VRRPv3). Any entry that covers the whole
 * address space (`::/0`, `0.0.0.0-255.255.255.255`) covers these too.
 */
const ALWAYS: readonly { readonly cidr: string; readonly role: string }[] = [
  { cidr: '127.0.0.0/8', role: 'loopback (the host talking to itself)' },
  { cidr: '::1/128', role: 'IPv6 loopback (the host talking to itself)' },
  { cidr: 'fe80::/10', role: 'IPv6 link-local (neighbour discovery, VRRPv3)' },
];

function fixedRanges(): ProtectedRange[] {
  return ALWAYS.flatMap(({ cidr, role }) => {
    const parsed = parseCidr(cidr);
    return parsed === undefined ? [] : [{ range: cidrToRange(parsed.cidr), address: cidr, role }];
  });
}

/**
 * protectedRanges lists what the blacklist must not cover on this host;
 * `own` adds the host's own addresses and default gateways.
 */
export function protectedRanges(config: HostConfig, env: Record<string, string | undefined>, own?: OwnAddresses): ProtectedRange[] {
  const ranges: ProtectedRange[] = [
    ...fixedRanges(),
    ...(own?.addresses ?? []).map((a) => ({ range: addressToRange(a), address: a.address, role: 'an address of this host' })),
    ...(own?.gateways ?? []).map((a) => ({ range: addressToRange(a), address: a.address, role: 'the default gateway' })),
    ...config.services.map((s) => ({
      range: addressToRange(s),
      address: s.address,
      role: `VIP ${s.address} ${s.protocol}/${s.port}`,
    })),
    ...(config.vipAddresses ?? []).map((v) => ({ range: addressToRange(v), address: v.address, role: `VIP ${v.address}` })),
    ...config.realServers.map((r) => ({ range: addressToRange(r), address: r.address, role: 'real server' })),
    ...config.peers.map((p) => ({ range: addressToRange(p), address: p.address, role: 'peer director' })),
    ...config.management.sources.map((c) => ({ range: cidrToRange(c), address: formatCidr(c), role: 'management source' })),
    ...config.management.allow.flatMap((rule) =>
      rule.sources.map((c) => ({
        range: cidrToRange(c),
        address: formatCidr(c),
        role: `allowed source (${rule.comment ?? `${rule.protocol}/${rule.port}`})`,
      })),
    ),
  ];
  const ssh = sshClientAddress(env);
  if (ssh !== undefined) {
    ranges.push({ range: addressToRange(ssh), address: ssh.address, role: 'your SSH session (SSH_CONNECTION)' });
  }
  return ranges;
}
