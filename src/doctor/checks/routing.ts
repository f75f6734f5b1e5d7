/**
 * The real server's way back to the clients. Direct Routing replies leave
 * the real server straight to the client, by its own routing table: without
 * a route to the client (no default route) or through a gateway that does
 * not answer ARP, every reply is lost although the requests arrive.
 */
import type { Family } from '../../config/model.js';
import { addressToRange, cidrToRange, parseAddress, parseCidr, rangesOverlap } from '../../net/address.js';
import type { Facts, RouteLookup } from '../facts.js';
import { editFix, runFix } from '../fix.js';
import type { Check, Finding } from '../types.js';
import { vips } from '../view.js';

/** Neighbour states that mean the gateway did not answer (ip-neighbour(8)). */
const DEAD = new Set(['FAILED', 'INCOMPLETE']);

function deadGateway(facts: Facts, gateway: string, dev: string | undefined): string | undefined {
  const entry = facts.neighbours.find((n) => n.address === gateway && (dev === undefined || n.dev === dev));
  const state = entry?.state.find((s) => DEAD.has(s));
  return state;
}

function breaksFor(target: string): string {
  return `the director delivers the clients' requests, but this server's replies to ${target} never leave: every connection through the VIPs from there hangs`;
}

function lookupFinding(facts: Facts, lookup: RouteLookup): Finding[] {
  if (lookup.route === undefined) {
    return [
      {
        id: 'rs-no-route-back',
        severity: 'error',
        subject: lookup.target,
        what: `there is no route from this real server back to client ${lookup.target} (ip route get ${lookup.target}: ${lookup.error ?? 'no answer'})`,
        breaks: breaksFor(lookup.target),
        ...editFix(`add a route through a router on ${facts.config.interfaces.client ?? 'the client-facing interface'} that reaches ${lookup.target}: ip route add default via GATEWAY (GATEWAY: that router's address)`),
      },
    ];
  }
  const gateway = lookup.route.gateway;
  if (gateway === undefined) return [];
  const state = deadGateway(facts, gateway, lookup.route.dev);
  if (state === undefined) return [];
  return [
    {
      id: 'rs-no-route-back',
      severity: 'error',
      subject: lookup.target,
      what: `the route back to client ${lookup.target} goes via gateway ${gateway} on ${lookup.route.dev ?? '?'}, which does not answer ARP (neighbour state ${state})`,
      breaks: breaksFor(lookup.target),
      ...deadRouteFix(facts, lookup.target, gateway, lookup.route.dev),
    },
  ];
}

/** covers says whether a route's destination (`default`, a prefix or an address) holds `target`. */
function covers(dst: string, target: string): boolean {
  if (dst === 'default') return true;
  const network = parseCidr(dst.includes('/') ? dst : `${dst}/${dst.includes(':') ? 128 : 32}`)?.cidr;
  const address = parseAddress(target);
  if (network === undefined || address === undefined) return false;
  return rangesOverlap(cidrToRange(network), addressToRange(address));
}

/**
 * deadRouteFix: when a route more specific than the default sends the
 * replies to a dead gateway while the default route's gateway answers,
 * deleting that route is the fix (one command); otherwise the operator must
 * name a gateway that answers.
 */
function deadRouteFix(facts: Facts, target: string, gateway: string, dev: string | undefined): Pick<Finding, 'fix' | 'fixSteps'> {
  const family = target.includes(':') ? 6 : 4;
  const alive = facts.routes.find((r) => r.family === family && r.dst === 'default' && r.gateway !== undefined && r.gateway !== gateway && deadGateway(facts, r.gateway, r.dev) === undefined);
  const specific = facts.routes.filter((r) => r.family === family && r.dst !== 'default' && r.gateway === gateway && (dev === undefined || r.dev === dev) && covers(r.dst, target));
  const only = specific.length === 1 ? specific[0] : undefined;
  if (alive !== undefined && only !== undefined) {
    return runFix(`ip ${family === 6 ? '-6 ' : ''}route del ${only.dst} via ${gateway}${only.dev === undefined ? '' : ` dev ${only.dev}`}`, `the default route via ${alive.gateway ?? '?'} then carries the replies; ip neigh show ${gateway} shows that ${gateway} does not answer`);
  }
  return editFix(`route ${target} through a gateway that answers: ip route replace ${target} via GATEWAY dev ${dev ?? 'IFACE'} (GATEWAY: that router's address)`, [], `ip neigh show ${gateway} shows that ${gateway} does not answer`);
}

/** rs-no-route-back: the real server cannot send its replies back to the clients. */
export const rsNoRouteBack: Check = {
  id: 'rs-no-route-back',
  title: 'the real server has a working route back to the clients (--client ADDR, else the default route)',
  roles: ['realserver'],
  run: (facts) => {
    const clients = facts.routeLookups.filter((l) => l.purpose === 'client');
    if (clients.length > 0) return clients.flatMap((l) => lookupFinding(facts, l));
    if (facts.routes.length === 0) return [];
    const families = new Set<Family>(vips(facts).map((v) => v.family));
    return [...families].flatMap((family): Finding[] => {
      const defaults = facts.routes.filter((r) => r.family === family && r.dst === 'default');
      if (defaults.length === 0) {
        return [
          {
            id: 'rs-no-route-back',
            severity: 'error',
            subject: `IPv${family} default route`,
            what: `this real server has no IPv${family} default route: it reaches only ${facts.routes.filter((r) => r.family === family).map((r) => r.dst).join(', ') || 'no network'}`,
            breaks: `replies to clients outside those networks have no way out: the director delivers their requests, the answers are dropped here (run lbfw doctor --client ADDR to check a given client)`,
            ...editFix(`add a default route through a router that answers: ip ${family === 6 ? '-6 ' : ''}route add default via GATEWAY (GATEWAY: that router's address)`),
          },
        ];
      }
      return defaults.flatMap((route): Finding[] => {
        const state = route.gateway === undefined ? undefined : deadGateway(facts, route.gateway, route.dev);
        if (state === undefined || route.gateway === undefined) return [];
        return [
          {
            id: 'rs-no-route-back',
            severity: 'error',
            subject: `default via ${route.gateway}`,
            what: `the IPv${family} default gateway ${route.gateway} on ${route.dev ?? '?'} does not answer ARP (neighbour state ${state})`,
            breaks: 'replies to every client outside the connected networks are lost: the director delivers the requests, the answers never leave this server',
            ...editFix(`route through a router that answers: ip ${family === 6 ? '-6 ' : ''}route replace default via GATEWAY (GATEWAY: that router's address)`, [], `ip neigh show ${route.gateway} shows that ${route.gateway} does not answer`),
          },
        ];
      });
    });
  },
};

/** The routing checks. */
export const ROUTING_CHECKS: readonly Check[] = [rsNoRouteBack];
