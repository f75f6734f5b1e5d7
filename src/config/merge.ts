/**
 * Identity and union of model items. Two sources of the same host (the YAML
 * file, quick flags, later keepalived.conf) are combined by adding the items
 * whose identity is not there yet; the item seen first keeps its origin.
 */
import type { Cidr, Family, Peer, RealServer, VipService } from './model.js';

/** formatEndpoint renders `ADDR[:PORT]` with IPv6 in brackets when a port follows. */
export function formatEndpoint(endpoint: { readonly family: Family; readonly address: string; readonly port?: number }): string {
  if (endpoint.port === undefined) return endpoint.address;
  return endpoint.family === 6 ? `[${endpoint.address}]:${endpoint.port}` : `${endpoint.address}:${endpoint.port}`;
}

/** serviceKey identifies a VIP service: the same address, protocol and port is the same service. */
export function serviceKey(service: Pick<VipService, 'family' | 'address' | 'protocol' | 'port'>): string {
  return `${formatEndpoint(service)}/${service.protocol}`;
}

/** peerKey identifies a peer by its address. */
export function peerKey(peer: Pick<Peer, 'address'>): string {
  return peer.address;
}

/** realServerKey identifies a real server by address and port (no port is its own identity: any port). */
export function realServerKey(server: Pick<RealServer, 'family' | 'address' | 'port'>): string {
  return formatEndpoint(server);
}

/** cidrKey identifies a prefix. */
export function cidrKey(cidr: Cidr): string {
  return `${cidr.address}/${cidr.prefix}`;
}

/** addUnique returns `list` followed by the items of `extra` whose key is not there yet. */
export function addUnique<T>(list: readonly T[], extra: readonly T[], key: (item: T) => string): readonly T[] {
  const seen = new Set(list.map(key));
  const result = [...list];
  for (const item of extra) {
    const k = key(item);
    if (seen.has(k)) continue;
    seen.add(k);
    result.push(item);
  }
  return result;
}
