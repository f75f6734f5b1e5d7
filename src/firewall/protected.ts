/**
 * The addresses a blacklist must never cover: blocking them would cut off a
 * service, a backend, the VRRP peer or the operator.
 */
import type { HostConfig } from '../config/model.js';
import { addressToRange, cidrToRange, formatCidr } from '../net/address.js';
import { sshClientAddress, type ProtectedRange } from '../blacklist/safety.js';

/** protectedRanges lists what the blacklist must not cover on this host. */
export function protectedRanges(config: HostConfig, env: Record<string, string | undefined>): ProtectedRange[] {
  const ranges: ProtectedRange[] = [
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
