/**
 * Real server services: DR delivers the client's packets unchanged, to the
 * VIP and the service port, so a service must listen on the VIP (or on the
 * wildcard address) and that port.
 */
import type { VipService } from '../../config/model.js';
import { formatEndpoint } from '../../config/merge.js';
import { addressToBigInt, bigIntToAddress } from '../../net/address.js';
import type { ListeningSocket } from '../proc-net.js';
import type { V6onlySocket } from '../ss.js';
import { editFix } from '../fix.js';
import type { Check, Finding } from '../types.js';

/** socketIpv4: the IPv4 address a socket listens on, for IPv4 sockets and IPv4-mapped IPv6 ones. */
function socketIpv4(socket: ListeningSocket): string | undefined {
  if (socket.family === 4) return socket.address;
  const value = addressToBigInt({ family: 6, address: socket.address });
  return value >> 32n === 0xffffn ? bigIntToAddress(4, value & 0xffffffffn) : undefined;
}

/**
 * accepts says whether the socket receives connections for the service. An
 * IPv6 wildcard socket also receives IPv4 unless the program set
 * IPV6_V6ONLY, which only sock_diag (`ss -e`, given as `v6only`) shows.
 */
export function accepts(socket: ListeningSocket, service: Pick<VipService, 'family' | 'address' | 'protocol' | 'port'>, v6only?: readonly V6onlySocket[]): boolean {
  if (socket.protocol !== service.protocol || socket.port !== service.port) return false;
  if (socket.family === 6 && socket.address === '::') return service.family === 6 || !isV6only(socket, v6only);
  if (service.family === 4) {
    const v4 = socketIpv4(socket);
    return v4 === '0.0.0.0' || v4 === service.address;
  }
  return socket.family === 6 && socket.address === service.address;
}

/**
 * isV6only: ss says the IPv6 wildcard socket has IPV6_V6ONLY set (and no
 * dual-stack socket shares the port). Without ss the socket gets the benefit
 * of the doubt.
 */
function isV6only(socket: ListeningSocket, v6only: readonly V6onlySocket[] | undefined): boolean {
  const same = (v6only ?? []).filter((s) => s.protocol === socket.protocol && s.port === socket.port);
  return same.some((s) => s.address === '::' && s.v6only) && !same.some((s) => !s.v6only);
}

/** rs-not-listening: nothing listens for a VIP service. */
export const rsNotListening: Check = {
  id: 'rs-not-listening',
  title: 'a socket listens on every VIP service (on the VIP or the wildcard address)',
  roles: ['realserver'],
  run: (facts) => {
    const sockets = facts.listening;
    if (sockets === undefined) return [];
    return facts.config.services.flatMap((service): Finding[] => {
      if (sockets.some((s) => accepts(s, service, facts.v6only))) return [];
      const samePort = sockets.filter((s) => s.protocol === service.protocol && s.port === service.port);
      const v6onlyWildcard = service.family === 4 && samePort.some((s) => s.family === 6 && s.address === '::');
      const elsewhere =
        samePort.length === 0
          ? `no ${service.protocol} socket listens on port ${service.port} at all`
          : v6onlyWildcard
            ? `the socket on [::]:${service.port} has IPV6_V6ONLY set (ss -lnte shows v6only:1), so it takes IPv6 clients only`
            : `port ${service.port} is open only on ${samePort.map((s) => formatEndpoint(s)).join(', ')}, not on the VIP`;
      const ss = service.protocol === 'tcp' ? 'ss -ltnp' : 'ss -lunp';
      return [
        {
          id: 'rs-not-listening',
          severity: 'error',
          subject: `${formatEndpoint(service)}/${service.protocol}`,
          what: `nothing listens for ${service.protocol} ${formatEndpoint(service)}: ${elsewhere}`,
          breaks: `DR delivers clients' packets to ${formatEndpoint(service)} unchanged; with no socket there the kernel answers with a reset (tcp) or ICMP port unreachable (udp)`,
          ...(v6onlyWildcard
            ? editFix(`make the service also listen on 0.0.0.0:${service.port} (or turn IPV6_V6ONLY off for its [::]:${service.port} socket, e.g. its ipv6only/bindv6only setting) and restart it`, [], `check with: ss -ltne 'sport = :${service.port}'`)
            : editFix(`make the service listen on ${service.family === 4 ? '0.0.0.0' : '[::]'}:${service.port} or ${formatEndpoint(service)} and restart it`, [], `check with: ${ss} 'sport = :${service.port}'`)),
        },
      ];
    });
  },
};

/** The listening-socket checks. */
export const LISTEN_CHECKS: readonly Check[] = [rsNotListening];
