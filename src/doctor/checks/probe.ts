/**
 * The answers of `lbfw doctor --probe`: who answers ARP for the VIPs, and
 * for the peer directors and real servers.
 */
import type { Facts } from '../facts.js';
import { hostOfMac, type ArpAnswer, type HostProbe } from '../probe.js';
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

/** What a second answer breaks, by the role of the host it claims. */
function claimBreaks(host: HostProbe): string {
  return host.role === 'peer'
    ? `this director sends its unicast VRRP adverts to the MAC its ARP cache holds for ${host.address}; while that is the other host, the peer hears none, becomes MASTER too, and both directors hold the VIPs (split brain) until the cache is refreshed, which happens again whenever the entry expires`
    : `DR forwards ${host.address}'s share of the connections to the MAC this director's ARP cache holds for it; while that is the other host, that host gets them, and drops them or answers them in place of ${host.address}`;
}

/**
 * arp-claimed: exactly one host answers ARP for each peer director and real
 * server. A second answer is a host that claims an address it does not
 * have, most often a real server with the VIP on lo with a prefix wider than
 * /32 (the whole prefix is local to it, and with arp_ignore 0 it answers for
 * all of it), and which of the two the director's ARP cache holds is a race.
 */
export const arpClaimed: Check = {
  id: 'arp-claimed',
  title: 'exactly one host answers ARP for each peer director and real server (with --probe)',
  roles: ['director'],
  run: (facts) => {
    const hosts = facts.hostProbe ?? [];
    // A MAC that is another host's (hostOfMac) is the one claiming an address.
    const owners = hostOfMac(hosts);
    return hosts.flatMap((host): Finding[] => {
      if (host.error !== undefined) {
        return [
          {
            id: 'arp-claimed',
            severity: 'warning',
            subject: `${host.address} on ${host.iface}`,
            what: `the ARP probe for ${host.role} ${host.address} could not run: ${host.error}`,
            breaks: 'a host answering ARP for the peer director or a real server goes undetected',
            ...runFix(['apt-get install iputils-arping', `${lbfwCommand(facts, 'doctor')} --probe`]),
          },
        ];
      }
      if (host.macs.length < 2) return [];
      const named = host.macs.map((mac) => {
        const owner = owners.get(mac);
        return { mac, who: owner === undefined ? undefined : `${owner.role === 'peer' ? 'peer director' : owner.role} ${owner.address}` };
      });
      const claimants = named.filter((n) => n.who !== undefined && owners.get(n.mac) !== host);
      const alsoFor = (mac: string): string[] => hosts.filter((h) => h !== host && h.macs.length > 1 && h.macs.includes(mac)).map((h) => h.address);
      const described = named
        .map((n) => {
          const others = alsoFor(n.mac);
          return `${n.mac}${n.who === undefined ? '' : ` (${n.who})`}${others.length === 0 ? '' : `, which also answers for ${others.join(', ')}`}`;
        })
        .join(' and ');
      const suspects = claimants.length > 0 ? claimants : named.filter((n) => alsoFor(n.mac).length > 0);
      const target = suspects.length === 0 ? `the host with MAC ${host.macs.join(' or ')} that is not ${host.address}` : suspects.map((n) => `${n.mac}${n.who === undefined ? '' : ` (${n.who})`}`).join(', ');
      return [
        {
          id: 'arp-claimed',
          severity: 'error',
          subject: `${host.address} on ${host.iface}`,
          what: `ARP who-has ${host.address} (${host.role === 'peer' ? 'the peer director' : 'a real server'}) on ${host.iface} is answered by ${host.macs.length} hosts: ${described}`,
          breaks: claimBreaks(host),
          // The fix is on the claiming host, so it is an edit; then this director forgets the MAC it may have cached.
          ...editFix(
            `on ${target}: stop it answering for addresses that are not its own (a VIP on lo wider than /32 makes the whole prefix its own: lbfw doctor there reports rs-vip-wide-prefix, and lbfw apply --role realserver fixes it; or an address with arp_ignore 0)`,
            `ip neigh flush to ${host.address} dev ${host.iface}`,
          ),
        },
      ];
    });
  },
};

/** The probe checks. */
export const PROBE_CHECKS: readonly Check[] = [arpProbe, arpClaimed];
