/**
 * Kernel settings that decide whether Direct Routing works, judged on their
 * EFFECTIVE value (the kernel combines `all` and the interface: max for
 * rp_filter/arp_ignore/arp_announce, OR for send_redirects/proxy_arp), with
 * the judge `lbfw verify` uses, so the doctor and verify never disagree.
 */
import type { Role } from '../../config/model.js';
import type { SysctlResult } from '../../sysctl/judge.js';
import type { Facts } from '../facts.js';
import type { Check, Finding, Severity } from '../types.js';
import { applyFix, clientIfaces, directorRsIfaces, directorVipIfaces, judgeConf, vips } from '../view.js';

/** sidePhrase says which of `all` and the interface must change, from the judge's writes. */
export function sidePhrase(result: SysctlResult, iface: string): string {
  const fix = result.fix ?? '';
  const all = /\.conf\.all\./.test(fix);
  const own = fix.includes(`.conf.${iface.replaceAll('.', '/')}.`);
  if (all && own) return `both all and ${iface} must change`;
  if (all) return `all must change (${iface} alone cannot bring the effective value down)`;
  if (own) return `${iface} must change`;
  return '';
}

interface ConfRule {
  readonly id: string;
  readonly title: string;
  readonly roles: readonly Role[];
  readonly severity: Severity;
  readonly name: string;
  readonly value: string;
  readonly ifaces: (facts: Facts) => readonly string[];
  readonly breaks: (iface: string, facts: Facts) => string;
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

function confCheck(rule: ConfRule): Check {
  return {
    id: rule.id,
    title: rule.title,
    roles: rule.roles,
    run: (facts) =>
      rule.ifaces(facts).flatMap((iface): Finding[] => {
        const result = judgeConf(facts, iface, rule.name, rule.value, rule.title);
        if (result === undefined || result.status !== 'fail') return [];
        const side = sidePhrase(result, iface);
        return [
          {
            id: rule.id,
            severity: rule.severity,
            subject: iface,
            what: `${result.message}${side === '' ? '' : `; ${side}`}`,
            breaks: rule.breaks(iface, facts),
            ...applyFix(facts, result.fix),
          },
        ];
      }),
  };
}

const directorIfaces = (facts: Facts): string[] => unique([...directorVipIfaces(facts), ...directorRsIfaces(facts)]);

/**
 * rp_filter on the director's VIP interface. Strict (1) is an error: it
 * drops client packets whenever the route back leaves by another interface.
 * Loose (2) drops a packet only when the host has NO route back to its
 * source at all (ip-sysctl.rst): with a default route of the family nothing
 * is dropped, so it is a warning (the seed rule still says 0); without one
 * it is an error.
 */
export const rpFilterVip: Check = {
  id: 'rp-filter-vip',
  title: 'effective rp_filter is 0 on the VIP (ingress) interface (loose 2 only warned)',
  roles: ['director'],
  run: (facts) =>
    directorVipIfaces(facts).flatMap((iface): Finding[] => {
      const result = judgeConf(facts, iface, 'rp_filter', '0', 'effective rp_filter is 0 on the VIP (ingress) interface');
      if (result === undefined || result.status !== 'fail') return [];
      const side = sidePhrase(result, iface);
      const what = `${result.message}${side === '' ? '' : `; ${side}`}`;
      const fix = applyFix(facts, result.fix);
      if (result.effective !== 2) {
        return [
          {
            id: 'rp-filter-vip',
            severity: 'error',
            subject: iface,
            what,
            breaks: `the kernel drops client packets for the VIPs arriving on ${iface} whenever its route back to the client leaves by another interface (several uplinks, VRRP failover, policy routing), before IPVS sees them`,
            ...fix,
          },
        ];
      }
      const defaults = facts.routes.filter((r) => r.dst === 'default' && r.family === 4);
      const via = defaults.map((r) => `${r.gateway === undefined ? '' : `via ${r.gateway} `}dev ${r.dev ?? '?'}`.trim());
      return [
        {
          id: 'rp-filter-vip',
          severity: defaults.length === 0 ? 'error' : 'warning',
          subject: iface,
          what: `${what} (loose mode)`,
          breaks:
            defaults.length === 0
              ? `loose mode drops a client packet when this host has no route at all back to its source, and there is no IPv4 default route: clients outside the connected networks${facts.routes.length === 0 ? '' : ` (${facts.routes.filter((r) => r.family === 4 && r.dst !== 'default').map((r) => r.dst).join(', ')})`} get no answer`
              : `nothing today: loose mode drops only packets from sources with no route back at all, and the default route (${via.join('; ')}) covers every client; if that route goes (a failover, a policy-routing change), clients it covered are dropped before IPVS sees them`,
          ...fix,
        },
      ];
    }),
};

/** send_redirects on the director's VIP and real-server interfaces. */
export const sendRedirects = confCheck({
  id: 'send-redirects',
  title: 'ICMP redirects are off (all and interface) on the VIP and real-server interfaces',
  roles: ['director'],
  severity: 'warning',
  name: 'send_redirects',
  value: '0',
  ifaces: directorIfaces,
  breaks: (iface) =>
    `packets routed back out of ${iface} make the director send ICMP redirects that teach clients and real servers to bypass it`,
});

/** proxy_arp on the interfaces that matter for the role. */
export const proxyArp = confCheck({
  id: 'proxy-arp',
  title: 'proxy ARP is off on the DR interfaces',
  roles: ['director', 'realserver'],
  severity: 'warning',
  name: 'proxy_arp',
  value: '0',
  ifaces: (facts) => (facts.role === 'director' ? directorIfaces(facts) : clientIfaces(facts)),
  breaks: (iface) =>
    `${iface} answers ARP for addresses it merely routes to, which on a DR segment pulls other hosts' traffic (VIPs, real servers) to this host`,
});

/** hasIpv4Vip: ARP matters only for IPv4 VIPs (IPv6 uses neighbour discovery, and the kernel does not answer ND for addresses on lo). */
function hasIpv4Vip(facts: Facts): boolean {
  return vips(facts).some((v) => v.family === 4);
}

/**
 * What each arp_ignore value does (ip-sysctl.rst, arp.c arp_ignore()), for
 * an ARP request for the VIP that arrives on `iface` while the VIP is on lo.
 */
function arpIgnoreBreaks(value: number, iface: string): string {
  if (value === 8) {
    return `arp_ignore 8 answers no ARP request at all on ${iface}: the director cannot learn this server's MAC address, so the packets it forwards by Direct Routing never arrive (and nobody else on ${iface} can reach this server by IPv4)`;
  }
  if (value === 3) {
    return `arp_ignore 3 answers for every local address of scope global or link on any interface, and the VIP on lo has scope global: this server answers ARP for the VIP on ${iface}, so the router or clients may send VIP traffic straight to it, bypassing the director`;
  }
  const meaning = value >= 4 && value <= 7 ? `arp_ignore ${value} is reserved and acts as 0: ` : value > 8 ? `arp_ignore ${value} is not a defined value and acts as 0: ` : '';
  return `${meaning}this real server answers ARP for the VIP (held on lo) on ${iface}, so the router or clients may send VIP traffic straight to it, bypassing the director and its balancing`;
}

/** arp_ignore on the real server's client-facing interfaces. */
export const rsArpIgnore: Check = {
  id: 'rs-arp-ignore',
  title: 'effective arp_ignore is 1 or 2 on the client-facing interfaces (IPv4 VIPs)',
  roles: ['realserver'],
  run: (facts) =>
    (hasIpv4Vip(facts) ? clientIfaces(facts) : []).flatMap((iface): Finding[] => {
      const result = judgeConf(facts, iface, 'arp_ignore', '1|2', 'effective arp_ignore is 1 or 2 on the client-facing interfaces');
      if (result === undefined || result.status !== 'fail') return [];
      const side = sidePhrase(result, iface);
      return [
        {
          id: 'rs-arp-ignore',
          severity: 'error',
          subject: iface,
          what: `${result.message}${side === '' ? '' : `; ${side}`}`,
          breaks: arpIgnoreBreaks(result.effective ?? 0, iface),
          ...applyFix(facts, result.fix),
        },
      ];
    }),
};

/** arp_announce on the real server's client-facing interfaces (only IPv4 VIPs can leak through ARP). */
export const rsArpAnnounce = confCheck({
  id: 'rs-arp-announce',
  title: 'effective arp_announce is 2 on the client-facing interfaces (IPv4 VIPs)',
  roles: ['realserver'],
  severity: 'error',
  name: 'arp_announce',
  value: '2',
  ifaces: (facts) => (hasIpv4Vip(facts) ? clientIfaces(facts) : []),
  breaks: (iface) =>
    `ARP requests this server sends on ${iface} may carry the VIP as sender address, teaching neighbours this server's MAC for the VIP`,
});

function multiHomed(facts: Facts): string[] {
  return facts.links.filter((l) => !l.loopback && l.up && l.addresses.some((a) => a.family === 4)).map((l) => l.ifname);
}

/** Strict rp_filter on a real server. */
export const rsRpFilterStrict: Check = {
  id: 'rs-rp-filter-strict',
  title: 'no strict rp_filter on a multi-homed real server',
  roles: ['realserver'],
  run: (facts) => {
    const homes = multiHomed(facts);
    return clientIfaces(facts).flatMap((iface): Finding[] => {
      const result = judgeConf(facts, iface, 'rp_filter', '2|0', 'strict reverse-path filtering on a real server');
      if (result === undefined || result.effective !== 1) return [];
      const many = homes.length > 1;
      return [
        {
          id: 'rs-rp-filter-strict',
          severity: many ? 'warning' : 'info',
          subject: iface,
          what: `${result.message}${many ? `; this server has ${homes.length} interfaces with IPv4 addresses (${homes.join(', ')})` : '; this server has one interface with IPv4 addresses, so strict mode does no harm yet'}`,
          breaks: many
            ? `client packets for the VIP arriving on ${iface} are dropped whenever the route back to the client leaves by another interface`
            : 'a second interface or a policy route added later will silently drop client packets whose return route leaves by another interface',
          ...applyFix(facts, result.fix),
        },
      ];
    });
  },
};

/** Keys with a check of their own; lbfw-sysctl does not report them twice. */
const COVERED = /\.(rp_filter|arp_ignore|arp_announce|send_redirects|proxy_arp)$|^net\.ipv4\.vs\.expire_(nodest_conn|quiescent_template)$/;

/**
 * A NAT director's forwarding keys: without them no real server's reply
 * reaches a client, so every request fails (shown with real traffic in
 * doctor-classes-v6-nat.test.ts): an error, where the profile's other keys
 * are warnings.
 */
const NAT_FORWARDING = /^net\.ipv4\.(ip_forward|conf\.[^.]+\.forwarding)$/;

/** Every other key of lbfw's profile that `lbfw verify` finds failing. */
export const lbfwSysctl: Check = {
  id: 'lbfw-sysctl',
  title: "the other kernel settings of lbfw's profile pass `lbfw verify`",
  roles: ['director', 'realserver'],
  run: (facts) => {
    const sysctl = facts.lbfwVerify?.result?.sysctl;
    if (sysctl === undefined) return [];
    return sysctl.results
      .filter((r) => r.status === 'fail' && !COVERED.test(r.key))
      .map((r) => ({
        id: 'lbfw-sysctl',
        severity: sysctl.profile === 'director-nat' && NAT_FORWARDING.test(r.key) ? ('error' as const) : ('warning' as const),
        subject: r.key,
        what: `${r.message} (profile ${sysctl.profile})`,
        breaks: r.reason,
        ...applyFix(facts, r.fix),
      }));
  },
};

/** The sysctl checks. */
export const SYSCTL_CHECKS: readonly Check[] = [rpFilterVip, sendRedirects, proxyArp, rsArpIgnore, rsArpAnnounce, rsRpFilterStrict, lbfwSysctl];
