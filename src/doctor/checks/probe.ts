/**
 * The answers of `lbfw doctor --probe`: who answers ARP for the VIPs.
 */
import type { Facts } from '../facts.js';
import type { ArpAnswer } from '../probe.js';
import { editFix, runFix } from '../fix.js';
import type { Check, Finding } from '../types.js';
import { lbfwCommand } from '../view.js';

function owner(facts: Facts, answer: ArpAnswer): { readonly name: string; readonly kind: 'real server' | 'peer' | 'unknown' } {
  const rs = answer.addresses.find((a) => facts.config.realServers.some((r) => r.address === a));
  if (rs !== undefined) return { name: `real server ${rs}`, kind: 'real server' };
  const peer = answer.addresses.find((a) => facts.config.peers.some((p) => p.address === a));
  if (peer !== undefined) return { name: `peer director ${peer}`, kind: 'peer' };
  if (answer.addresses.length > 0) return { name: answer.addresses.join(', '), kind: 'unknown' };
  return { name: 'a host the neighbour table does not know', kind: 'unknown' };
}

function describe(facts: Facts, answer: ArpAnswer): string {
  return answer.own ? `${answer.mac} (this director)` : `${answer.mac} (${owner(facts, answer).name})`;
}

/** arp-probe: only the director holding a VIP answers ARP for it. */
export const arpProbe: Check = {
  id: 'arp-probe',
  title: 'only the director holding a VIP answers ARP for it (with --probe)',
  roles: ['director'],
  run: (facts) =>
    (facts.probe ?? []).flatMap((probe): Finding[] => {
      if (probe.error !== undefined) {
        return [
          {
            id: 'arp-probe',
            severity: 'warning',
            subject: `${probe.vip} on ${probe.iface}`,
            what: `the ARP probe for ${probe.vip} could not run: ${probe.error}`,
            breaks: 'real servers answering ARP for the VIP go undetected',
            ...runFix(['apt-get install iputils-arping', `${lbfwCommand(facts, 'doctor')} --probe`]),
          },
        ];
      }
      const listing: Finding = {
        id: 'arp-probe',
        severity: 'info',
        subject: `${probe.vip} on ${probe.iface}`,
        what:
          probe.answers.length === 0
            ? `ARP who-has ${probe.vip} on ${probe.iface} (from ${probe.source}): nobody answered`
            : `ARP who-has ${probe.vip} on ${probe.iface} (from ${probe.source}) is answered by ${probe.answers.map((a) => describe(facts, a)).join(', ')}`,
        breaks: 'nothing: this lists who answers',
      };
      const foreign = probe.answers.filter((a) => !a.own);
      const problems = foreign.flatMap((answer): Finding[] => {
        const who = owner(facts, answer);
        if (who.kind === 'peer' && !probe.local) return [];
        // Every fix here is on another host, so it is an edit: no command line runs here.
        const fix =
          who.kind === 'real server'
            ? editFix(`on ${who.name.replace('real server ', '')}: lbfw apply --role realserver --vip ${probe.vip} (arp_ignore 1 and arp_announce 2 on its client-facing interface), then flush the router's ARP entry: ip neigh flush to ${probe.vip}`)
            : who.kind === 'peer'
              ? editFix(`find out why both directors hold ${probe.vip}: journalctl -u keepalived on both (VRRP adverts not heard?)`)
              : editFix(`find the host with MAC ${answer.mac} (ip neigh | grep -i ${answer.mac}) and remove ${probe.vip} from its ARP-answering interfaces or set arp_ignore=1 there`);
        return [
          {
            id: 'arp-probe',
            severity: 'error',
            subject: `${probe.vip} ${answer.mac}`,
            what: `${answer.mac}, ${who.name}, answers ARP for VIP ${probe.vip} on ${probe.iface}${probe.local ? ' beside this director' : ''}`,
            breaks: `clients and the router that cache ${answer.mac} for ${probe.vip} send VIP traffic straight to it, bypassing the director's balancing and failover`,
            ...fix,
          },
        ];
      });
      return [listing, ...problems];
    }),
};

/** The probe checks. */
export const PROBE_CHECKS: readonly Check[] = [arpProbe];
