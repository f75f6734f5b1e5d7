/**
 * Addresses and links: the VIPs where DR needs them (on an interface of the
 * active director; on lo of every real server, as a host prefix, and on no
 * interface that answers ARP), the interfaces the config names, and the
 * director's layer-2 reach to its real servers.
 */
import { familyBits, formatCidr, parseCidr } from '../../net/address.js';
import { forwardingMethod } from '../../keepalived/model.js';
import { planLoVips } from '../../vip/plan.js';
import type { Facts } from '../facts.js';
import { editFix, runFix } from '../fix.js';
import type { Check, Finding } from '../types.js';
import { applyFix, directorVipIfaces, holders, lbfwCommand, linkNamed, linksKnown, vips, where } from '../view.js';

/** vip-absent: a VIP is on no interface of the director. */
export const vipAbsent: Check = {
  id: 'vip-absent',
  title: 'every VIP is on an interface (unless keepalived is BACKUP here)',
  roles: ['director'],
  run: (facts) =>
    (linksKnown(facts) ? vips(facts) : []).flatMap((vip): Finding[] => {
      if (holders(facts, vip.address).length > 0) return [];
      const instance = vip.instance;
      const host = `${vip.address}/${familyBits(vip.family)}`;
      if (instance?.state === 'BACKUP') {
        return [
          {
            id: 'vip-absent',
            severity: 'info',
            subject: vip.address,
            what: `VIP ${vip.address} is on no interface; vrrp_instance ${instance.name} (${where(instance)}) is configured as BACKUP, so the peer director should hold it`,
            breaks: 'nothing while the peer is MASTER; if the peer is down and this director does not take over, the VIP is unreachable',
            ...editFix('check that the peer director holds the VIP (ip -br addr show there); journalctl -u keepalived here shows VRRP state changes'),
          },
        ];
      }
      const dev = vip.dev ?? directorVipIfaces(facts)[0] ?? 'IFACE';
      return [
        {
          id: 'vip-absent',
          severity: 'error',
          subject: vip.address,
          what:
            instance === undefined
              ? `VIP ${vip.address} is on no interface of this director`
              : `VIP ${vip.address} is on no interface although vrrp_instance ${instance.name} (${where(instance)}) is configured as ${instance.state ?? 'BACKUP (default)'}`,
          breaks: `nobody answers ARP for ${vip.address} here: clients cannot reach the VIP services through this director`,
          ...(instance === undefined
            ? runFix(`ip addr add ${host} dev ${dev}`)
            : runFix('systemctl restart keepalived', `journalctl -u keepalived says why it did not add ${vip.address} on ${dev}`)),
        },
      ];
    }),
};

/** vip-iface-down: the interface holding the VIPs is down. */
export const vipIfaceDown: Check = {
  id: 'vip-iface-down',
  title: 'the VIP interface is up',
  roles: ['director'],
  run: (facts) =>
    directorVipIfaces(facts).flatMap((ifname): Finding[] => {
      const link = linkNamed(facts, ifname);
      if (link === undefined || link.up) return [];
      return [
        {
          id: 'vip-iface-down',
          severity: 'error',
          subject: ifname,
          what: `the VIP interface ${ifname} is down`,
          breaks: `no client traffic for the VIPs arrives on ${ifname} and keepalived sends no VRRP adverts there`,
          ...runFix(`ip link set ${ifname} up`),
        },
      ];
    }),
};

/** iface-missing: the config names an interface this host does not have. */
export const ifaceMissing: Check = {
  id: 'iface-missing',
  title: 'the interfaces the config names exist',
  roles: ['director', 'realserver'],
  run: (facts) => {
    if (facts.links.length === 0) return [];
    const named: [string, string | undefined][] = [
      ['interfaces.vip', facts.config.interfaces.vip],
      ['interfaces.realservers', facts.config.interfaces.realServers],
      ['interfaces.client', facts.config.interfaces.client],
    ];
    const existing = facts.links.map((l) => l.ifname);
    // An interface keepalived.conf names is reported by vrrp-iface-missing, with its file:line.
    const fromKeepalived = new Set(
      (facts.keepalived?.model?.vrrpInstances ?? []).flatMap((i) => [...(i.interface === undefined ? [] : [i.interface]), ...i.virtualIpaddress.flatMap((v) => (v.dev === undefined ? [] : [v.dev]))]),
    );
    return named.flatMap(([field, ifname]): Finding[] => {
      if (ifname === undefined || existing.includes(ifname) || fromKeepalived.has(ifname)) return [];
      return [
        {
          id: 'iface-missing',
          severity: 'error',
          subject: ifname,
          what: `${field} names ${ifname}, which does not exist here (interfaces: ${existing.join(', ')})`,
          breaks: `the kernel settings lbfw keeps on ${ifname} cannot be applied or checked, so DR's ARP and rp_filter rules are not enforced where traffic really flows`,
          ...(facts.config.file === undefined
            ? editFix(`name the right interface with --iface: ${lbfwCommand(facts, 'apply').replace(`--iface ${ifname}`, '--iface IFACE')}`)
            : editFix(`set ${field} to the right interface in ${facts.config.file}`, lbfwCommand(facts, 'apply'))),
        },
      ];
    });
  },
};

/** lo-down: the loopback interface is down. */
export const loDown: Check = {
  id: 'lo-down',
  title: 'lo is up',
  roles: ['director', 'realserver'],
  run: (facts) => {
    const lo = facts.links.find((l) => l.loopback);
    if (lo === undefined || lo.up) return [];
    return [
      {
        id: 'lo-down',
        // DR itself keeps working (measured), so this is a warning, not an error.
        severity: 'warning',
        subject: lo.ifname,
        what: `${lo.ifname} is down`,
        // Measured in the lab (kernel 6.18): with lo down, DR traffic to a VIP on lo is still
        // delivered (the address stays in the local table), but nothing reaches 127.0.0.1.
        breaks:
          `traffic over loopback: nothing reaches 127.0.0.1 or ::1, so local clients of local services (monitoring agents, a local resolver, health checks run on this host) fail` +
          (facts.role === 'realserver' ? `; DR traffic for the VIPs on ${lo.ifname} is still delivered (their addresses stay local), so clients do not notice yet` : ''),
        ...runFix(`ip link set ${lo.ifname} up`),
      },
    ];
  },
};

/**
 * onNoarpLink: the VIP is on an up interface that never answers ARP or ND
 * (a dummy, or `ip link set IFACE arp off`): as valid a place as lo.
 */
function onNoarpLink(facts: Facts, address: string): boolean {
  return facts.links.some((l) => !l.loopback && !l.answersArp && l.up && l.addresses.some((a) => a.address === address));
}

/** rs-vip-not-on-lo: a VIP is missing from lo of a real server. */
export const rsVipNotOnLo: Check = {
  id: 'rs-vip-not-on-lo',
  title: 'every VIP is on lo (or on another interface that never answers ARP: a dummy, arp off)',
  roles: ['realserver'],
  run: (facts) =>
    (linksKnown(facts) ? planLoVips(facts.config, facts.links, []).actions : []).flatMap((action): Finding[] => {
      if (action.kind !== 'add' || onNoarpLink(facts, action.address)) return [];
      const lo = facts.links.find((l) => l.loopback)?.ifname ?? 'lo';
      return [
        {
          id: 'rs-vip-not-on-lo',
          severity: 'error',
          subject: action.address,
          what: `VIP ${action.address} is not on ${lo}`,
          breaks: `packets the director forwards to this real server for ${action.address} are not addressed to it: the kernel drops them (or forwards them) instead of handing them to the service`,
          ...applyFix(facts, `ip addr add ${action.address}/${familyBits(action.family)} dev ${lo}`),
        },
      ];
    }),
};

/** rs-vip-wide-prefix: a VIP on lo with a prefix wider than a host. */
export const rsVipWidePrefix: Check = {
  id: 'rs-vip-wide-prefix',
  title: 'VIPs on lo are /32 (/128)',
  roles: ['realserver'],
  run: (facts) =>
    planLoVips(facts.config, facts.links, []).actions.flatMap((action): Finding[] => {
      if (action.kind !== 'narrow') return [];
      const lo = facts.links.find((l) => l.loopback)?.ifname ?? 'lo';
      const network = parseCidr(`${action.address}/${action.fromPrefix}`);
      const range = network === undefined ? `${action.address}/${action.fromPrefix}` : formatCidr(network.cidr);
      const host = familyBits(action.family);
      return [
        {
          id: 'rs-vip-wide-prefix',
          severity: 'error',
          subject: action.address,
          what: `VIP ${action.address} is on ${lo} as /${action.fromPrefix}, not /${host}: the whole of ${range} becomes local to this server`,
          breaks: `this server treats every address of ${range} as its own: it cannot reach its neighbours in that range (the director, the router, other servers), and while arp_ignore is 0 it answers ARP for them, taking the directors' unicast VRRP adverts to each other (both hold the VIP) and the other real servers' DR traffic`,
          ...applyFix(facts, `ip addr del ${action.address}/${action.fromPrefix} dev ${lo} && ip addr add ${action.address}/${host} dev ${lo}`),
        },
      ];
    }),
};

/** rs-vip-on-arp-iface: a VIP on an interface that answers ARP. */
export const rsVipOnArpIface: Check = {
  id: 'rs-vip-on-arp-iface',
  title: 'no VIP is on an interface that answers ARP (IPv4) or neighbour discovery (IPv6)',
  roles: ['realserver'],
  run: (facts) =>
    planLoVips(facts.config, facts.links, []).warnings.map((warning) => {
      const nd = warning.address.includes(':');
      const protocol = nd ? 'neighbour solicitations (IPv6 ND)' : 'ARP';
      return {
        id: 'rs-vip-on-arp-iface',
        severity: 'error' as const,
        subject: `${warning.address} on ${warning.ifname}`,
        what: `VIP ${warning.address} is on ${warning.ifname}, which answers ${protocol}${nd ? ' for it (arp_ignore does not apply to ND; an address on lo is never answered)' : ''}`,
        breaks: `clients and routers can learn this real server's MAC for the VIP ${nd ? 'by neighbour discovery ' : ''}and send VIP traffic straight to it, bypassing the director (and it fights the director over the address)`,
        ...runFix(warning.fix),
      };
    }),
};

/**
 * forwardedByDr says whether the director sends to this real server by
 * Direct Routing: always for real servers of lbfw's config, and for those of
 * keepalived.conf unless every virtual_server naming it uses NAT or TUN
 * (keepalived's own default is NAT, so lvs_method must say DR).
 */
function forwardedByDr(facts: Facts, address: string): boolean {
  const servers = facts.keepalived?.model?.virtualServers ?? [];
  const methods = servers.flatMap((vs) => vs.realServers.filter((rs) => rs.address === address).map((rs) => forwardingMethod(vs, rs)));
  const configured = facts.config.realServers.some((rs) => rs.address === address && rs.origin.kind !== 'keepalived');
  return configured || methods.length === 0 || methods.some((m) => m === 'DR');
}

/**
 * gatewayFix: name the real server by an address on the director's own
 * network where keepalived.conf names it (then reload keepalived), or
 * connect the director to its network, or forward it by TUN or NAT.
 */
function gatewayFix(facts: Facts, target: string, dev: string | undefined): Pick<Finding, 'fix' | 'fixSteps'> {
  const connect = `give ${dev ?? 'the interface facing the real servers'} an address in ${target}'s network (ip addr add ADDRESS/PREFIX dev ${dev ?? 'IFACE'}) or forward to it with lvs_method TUN or NAT instead of DR`;
  const origin = facts.config.realServers.find((rs) => rs.address === target)?.origin;
  if (origin?.kind !== 'keepalived') return editFix(connect);
  return editFix(`name the real server by its address on a network of this director at ${where(origin)}`, 'systemctl reload keepalived', `or ${connect}`);
}

/** rs-not-connected: a real server is reached through a router. */
export const rsNotConnected: Check = {
  id: 'rs-not-connected',
  title: 'every real server is on a directly connected network (no gateway)',
  roles: ['director'],
  run: (facts) =>
    facts.routeLookups
      .filter((l) => l.purpose === 'real server' && forwardedByDr(facts, l.target))
      .flatMap((lookup): Finding[] => {
        const breaks = `DR hands the packet to ${lookup.target} by its MAC address on a shared LAN; through a router the frame goes to the router, which sends it back to the VIP (a loop) or drops it`;
        if (lookup.route === undefined) {
          return [
            {
              id: 'rs-not-connected',
              severity: 'error',
              subject: lookup.target,
              what: `there is no route from this director to real server ${lookup.target} (ip route get ${lookup.target}: ${lookup.error ?? 'no answer'})`,
              breaks,
              ...editFix(`connect the director to ${lookup.target}'s network: ip addr add ADDRESS/PREFIX dev IFACE with an address of that network`),
            },
          ];
        }
        if (lookup.route.gateway === undefined) return [];
        return [
          {
            id: 'rs-not-connected',
            severity: 'error',
            subject: lookup.target,
            what: `real server ${lookup.target} is reached via gateway ${lookup.route.gateway} on ${lookup.route.dev ?? '?'}, not on a directly connected network`,
            breaks,
            ...gatewayFix(facts, lookup.target, lookup.route.dev),
          },
        ];
      }),
};

/** The address and link checks. */
export const VIP_CHECKS: readonly Check[] = [vipAbsent, vipIfaceDown, ifaceMissing, loDown, rsVipNotOnLo, rsVipWidePrefix, rsVipOnArpIface, rsNotConnected];
