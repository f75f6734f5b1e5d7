/**
 * The holes of issue 12 in a host firewall other than lbfw's (another nft
 * table, iptables-nft, legacy iptables): the doctor sends each attack packet
 * through the running ruleset (nft-eval) and reports the hole only when the
 * ruleset CERTAINLY lets it through, naming the chain and rule that accept it.
 *
 * Skipped when lbfw's own table is loaded (its drops are final on every hook
 * and it has these protections; `lbfw-drift` reports a stale one) and when
 * no firewall filters the input hook at all (nothing to judge).
 *
 * Every finding here is a warning: none of these holes breaks Direct Routing
 * by itself (errors are kept for that), each lets an attacker break or abuse
 * it. accept_redirects / accept_ra are kernel settings of the director
 * profiles, reported by `lbfw-sysctl`; the redirect check here is the
 * firewall's half.
 */
import type { Family } from '../../config/model.js';
import { formatEndpoint } from '../../config/merge.js';
import { VRRP_GROUP4, VRRP_GROUP6, VRRP_PROTOCOL, VRRP_TTL } from '../../net/dr-protocol.js';
import { TABLE_FAMILY, TABLE_NAME } from '../../ruleset/types.js';
import type { Facts } from '../facts.js';
import { LEGACY_TABLE_PREFIX } from '../iptables-save.js';
import { baseChains, describePass, EXTERNAL, passedBy, type HookVerdict, type NftModel, type Packet } from '../nft-eval.js';
import { editFix, runFix } from '../fix.js';
import type { Check, Finding } from '../types.js';
import { isLabDrTable } from './ipvs.js';
import { clientIfaces, directorVipIfaces, hasTable, lbfwCommand, nftModel, sysctlNumber, vips } from '../view.js';

/** A hole's fix in both syntaxes: the nft rule body and the iptables options after `-I CHAIN`. */
interface HandRule {
  readonly nft: string;
  readonly iptables: string;
}

const isLabEmulation = (v: HookVerdict): boolean => isLabDrTable(v.chain);

/**
 * foreignModel is the ruleset to judge, or undefined when the checks do not
 * apply: lbfw's table is loaded, or no base chain (other than the lab's DR
 * emulation) filters the input hook.
 */
function foreignModel(facts: Facts): NftModel | undefined {
  const model = nftModel(facts);
  if (model === undefined || hasTable(facts, TABLE_FAMILY, TABLE_NAME)) return undefined;
  const filters = baseChains(model, 'input').some((c) => !isLabDrTable(c));
  return filters ? model : undefined;
}

/** The chain a hand-written drop goes into: the first that accepts by a rule, else the first that passes by policy. */
function targetChain(verdicts: readonly HookVerdict[]): HookVerdict | undefined {
  return verdicts.find((v) => v.verdict.rule !== undefined) ?? verdicts[0];
}

const IPTABLES_TABLES = new Set(['filter', 'raw', 'mangle', 'security']);

/** byHand is the command that inserts the drop at the top of the accepting chain, in that chain's own tool. */
function byHand(verdicts: readonly HookVerdict[], family: Family, rule: HandRule): string | undefined {
  const target = targetChain(verdicts)?.chain;
  if (target === undefined) return undefined;
  const tool = family === 4 ? 'iptables' : 'ip6tables';
  if (target.table.startsWith(LEGACY_TABLE_PREFIX)) {
    const table = target.table.slice(LEGACY_TABLE_PREFIX.length);
    return `${tool}-legacy${table === 'filter' ? '' : ` -t ${table}`} -I ${target.name} ${rule.iptables}`;
  }
  if ((target.family === 'ip' || target.family === 'ip6') && IPTABLES_TABLES.has(target.table) && target.name === target.name.toUpperCase()) {
    return `${tool}-nft${target.table === 'filter' ? '' : ` -t ${target.table}`} -I ${target.name} ${rule.iptables}`;
  }
  return `nft insert rule ${target.family} ${target.table} ${target.name} '${rule.nft}'`;
}

/** The fix of every hole: lbfw's firewall has the protection (`lbfw apply` builds it); by hand, the one rule. */
function fixLine(facts: Facts, verdicts: readonly HookVerdict[], family: Family, rule: HandRule | undefined, configHint?: string): Pick<Finding, 'fix' | 'fixSteps'> {
  const apply = lbfwCommand(facts, 'apply');
  const hand = rule === undefined ? undefined : byHand(verdicts, family, rule);
  const note = `lbfw's firewall has this protection${hand === undefined ? '' : `; or by hand: ${hand}`}`;
  return configHint === undefined ? runFix(apply, note) : editFix(configHint, apply, note);
}

/** A subject naming the chains that let the packet through. */
function chainsSubject(label: string, verdicts: readonly HookVerdict[]): string {
  const chains = verdicts.filter((v) => v.verdict.rule !== undefined).map((v) => `${v.chain.family} ${v.chain.table} ${v.chain.name}`);
  return chains.length === 0 ? label : `${label} / ${chains.join(', ')}`;
}

const ipWord = (family: Family): string => (family === 4 ? 'ip' : 'ip6');
const hopWord = (family: Family): string => (family === 4 ? 'ip ttl' : 'ip6 hoplimit');
const isLinkLocal = (address: string): boolean => /^fe[89ab][0-9a-f]:/i.test(address);

/** A non-VIP, non-link-local address of the host in `family`, with its interface (the host's own traffic). */
function ownAddress(facts: Facts, family: Family): { address: string; ifname: string } | undefined {
  const vipSet = new Set(vips(facts).map((v) => v.address));
  for (const link of facts.links) {
    if (link.loopback) continue;
    const found = link.addresses.find((a) => a.family === family && !vipSet.has(a.address) && !isLinkLocal(a.address));
    if (found !== undefined) return { address: found.address, ifname: link.ifname };
  }
  return undefined;
}

/** The interface keepalived sends VRRP on: the config's, else the one interface of the vrrp_instances. */
function vrrpIface(facts: Facts): string | undefined {
  if (facts.config.interfaces.vip !== undefined) return facts.config.interfaces.vip;
  const named = [...new Set((facts.keepalived?.model?.vrrpInstances ?? []).flatMap((i) => (i.interface === undefined ? [] : [i.interface])))];
  if (named.length === 1) return named[0];
  const vipIfaces = directorVipIfaces(facts);
  return vipIfaces.length === 1 ? vipIfaces[0] : undefined;
}

// ---------------------------------------------------------------- (1) VRRP without TTL 255, on any interface

/** The VRRP families of this director: its peers', else its instances' VIPs'. */
function vrrpFamilies(facts: Facts): Family[] {
  const fromPeers = facts.config.peers.map((p) => p.family);
  const fromInstances = (facts.keepalived?.model?.vrrpInstances ?? []).flatMap((i) => i.virtualIpaddress.map((v) => v.family));
  return [...new Set<Family>([...fromPeers, ...fromInstances])].sort();
}

/** fw-vrrp-spoofable: VRRP from a peer's address passes with a routed TTL, or on another interface. */
export const fwVrrpSpoofable: Check = {
  id: 'fw-vrrp-spoofable',
  title: "VRRP is accepted only with TTL / hop limit 255 on keepalived's interface (a host firewall other than lbfw's)",
  roles: ['director'],
  run: (facts) => {
    const model = foreignModel(facts);
    if (model === undefined) return [];
    const iface = vrrpIface(facts);
    const unicast = (facts.keepalived?.model?.vrrpInstances ?? []).some((i) => i.unicastPeer.length > 0);
    const other = facts.links.find((l) => !l.loopback && l.ifname !== iface)?.ifname;
    return vrrpFamilies(facts).flatMap((family): Finding[] => {
      const peer = facts.config.peers.find((p) => p.family === family && !isLinkLocal(p.address))?.address;
      const own = iface === undefined ? undefined : facts.links.find((l) => l.ifname === iface)?.addresses.find((a) => a.family === family && !isLinkLocal(a.address))?.address;
      const daddr = unicast ? own : family === 4 ? VRRP_GROUP4 : VRRP_GROUP6;
      const base: Packet = { family, l4proto: VRRP_PROTOCOL, ctState: 'new', ...(peer === undefined ? {} : { saddr: peer }), ...(daddr === undefined ? {} : { daddr }) };
      const from = `VRRP (IP protocol ${VRRP_PROTOCOL})${peer === undefined ? '' : ` with the peer's source ${peer}`}`;
      const findings: Finding[] = [];
      const offLink = passedBy(model, 'input', { ...base, hopLimit: 63, iifname: iface ?? EXTERNAL }, isLabEmulation);
      if (offLink !== undefined) {
        findings.push({
          id: 'fw-vrrp-spoofable',
          severity: 'warning',
          subject: chainsSubject(`VRRP IPv${family} TTL`, offLink),
          what: `${from} ${peer === undefined ? 'with' : 'and'} ${family === 4 ? 'TTL' : 'hop limit'} 63 (routed, so not from the link) is accepted${iface === undefined ? '' : ` on ${iface}`}: ${describePass(offLink)}`,
          breaks: `anyone who can route a packet here can forge the peer's advert with priority 255 and take the VIPs or make this director give them up${unicast ? ' (keepalived skips its own TTL check with unicast_peer)' : ''}: a real peer's VRRP always arrives with ${family === 4 ? 'TTL' : 'hop limit'} ${VRRP_TTL}`,
          ...fixLine(facts, offLink, family, { nft: `meta l4proto vrrp ${hopWord(family)} != ${VRRP_TTL} drop`, iptables: `-p vrrp -m ${family === 4 ? 'ttl ! --ttl-eq' : 'hl ! --hl-eq'} ${VRRP_TTL} -j DROP` }),
        });
      }
      if (iface !== undefined && other !== undefined) {
        const wrongLink = passedBy(model, 'input', { ...base, hopLimit: VRRP_TTL, iifname: other }, isLabEmulation);
        if (wrongLink !== undefined) {
          findings.push({
            id: 'fw-vrrp-spoofable',
            severity: 'warning',
            subject: chainsSubject(`VRRP IPv${family} interface`, wrongLink),
            what: `${from} arriving on ${other}, not keepalived's interface ${iface}, is accepted: ${describePass(wrongLink)}`,
            breaks: `a host on the ${other} link can send adverts that keepalived takes for the peer's and take the VIPs: VRRP belongs on ${iface} only`,
            ...fixLine(facts, wrongLink, family, { nft: `meta l4proto vrrp iifname != "${iface}" drop`, iptables: `-p vrrp ! -i ${iface} -j DROP` }),
          });
        }
      }
      return findings;
    });
  },
};

// ---------------------------------------------------------------- (2) VRRPv3 over IPv6 from any link-local sender

/** A link-local source no peer has: the rogue on the link. */
const ROGUE_LINK_LOCAL = 'fe80::bad:1';

/** fw-vrrp6-any-link-local: VRRPv3 over IPv6 passes from any link-local sender. */
export const fwVrrp6AnyLinkLocal: Check = {
  id: 'fw-vrrp6-any-link-local',
  title: "VRRPv3 over IPv6 is accepted only from the peers' link-local addresses (a host firewall other than lbfw's)",
  roles: ['director'],
  run: (facts) => {
    const model = foreignModel(facts);
    if (model === undefined || !vrrpFamilies(facts).includes(6)) return [];
    const iface = vrrpIface(facts);
    const passed = passedBy(model, 'input', { family: 6, saddr: ROGUE_LINK_LOCAL, daddr: VRRP_GROUP6, hopLimit: VRRP_TTL, l4proto: VRRP_PROTOCOL, iifname: iface ?? EXTERNAL, ctState: 'new' }, isLabEmulation);
    if (passed === undefined) return [];
    const known = facts.config.peers.filter((p) => p.family === 6 && isLinkLocal(p.address)).map((p) => p.address);
    const allowed = known.length === 1 ? (known[0] ?? '') : `{ ${known.join(', ')} }`;
    // Without the peers' link-local addresses no rule by hand can tell the peer from a rogue.
    const rule: HandRule | undefined =
      known.length === 0 ? undefined : { nft: `meta l4proto vrrp ip6 saddr fe80::/10 ip6 saddr != ${allowed} drop`, iptables: `-p vrrp -s fe80::/10 ${known.length === 1 ? `! -s ${allowed} ` : ''}-j DROP` };
    return [
      {
        id: 'fw-vrrp6-any-link-local',
        severity: 'warning',
        subject: chainsSubject('VRRPv3 IPv6', passed),
        what: `VRRPv3 to ${VRRP_GROUP6} from ${ROGUE_LINK_LOCAL}, a link-local address of no peer${iface === undefined ? '' : ` on ${iface}`}, is accepted: ${describePass(passed)}`,
        breaks: 'VRRPv3 has no authentication: any host on the link can send adverts with priority 255 and take the IPv6 VIPs (traffic hijacked, or dropped)',
        ...fixLine(facts, passed, 6, rule, known.length > 0 ? undefined : "list the peer director's link-local address (fe80::...) under peers: in the config"),
      },
    ];
  },
};

// ---------------------------------------------------------------- (3) IPv4-mapped IPv6 sources

/** An IPv4-mapped source (RFC 4291, 2.5.5.2): what a dual-stack socket would see as 203.0.113.99. */
const MAPPED_SOURCE = '::ffff:203.0.113.99';

/** fw-ipv4-mapped: an IPv4-mapped IPv6 source reaches an IPv6 VIP service. */
export const fwIpv4Mapped: Check = {
  id: 'fw-ipv4-mapped',
  title: 'IPv4-mapped IPv6 sources (::ffff:0:0/96) are dropped while an IPv6 VIP service is open (a host firewall other than lbfw\'s)',
  roles: ['director', 'realserver'],
  run: (facts) => {
    const model = foreignModel(facts);
    if (model === undefined) return [];
    const ifaces = facts.role === 'director' ? directorVipIfaces(facts) : clientIfaces(facts);
    const iifname = ifaces.length === 1 ? (ifaces[0] ?? EXTERNAL) : EXTERNAL;
    const open = facts.config.services
      .filter((s) => s.family === 6)
      .flatMap((s) => {
        const passed = passedBy(model, 'input', { family: 6, saddr: MAPPED_SOURCE, daddr: s.address, l4proto: s.protocol === 'tcp' ? 6 : 17, dport: s.port, iifname, ctState: 'new' }, isLabEmulation);
        return passed === undefined ? [] : [{ service: s, passed }];
      });
    const first = open[0];
    if (first === undefined) return [];
    const services = open.map((o) => `${o.service.protocol} ${formatEndpoint(o.service)}`).join(', ');
    return [
      {
        id: 'fw-ipv4-mapped',
        severity: 'warning',
        subject: chainsSubject('IPv4-mapped sources', first.passed),
        what: `a packet from ${MAPPED_SOURCE} to ${services} is accepted: ${describePass(first.passed)}`,
        breaks: 'a dual-stack socket sees an IPv4-mapped source as the IPv4 address itself: a blacklisted IPv4 host gets past the IPv4 blacklist, and a forged source makes the service send its replies (UDP: amplified) to an IPv4 victim',
        ...fixLine(facts, first.passed, 6, { nft: 'ip6 saddr ::ffff:0.0.0.0/96 drop', iptables: '-s ::ffff:0.0.0.0/96 -j DROP' }),
      },
    ];
  },
};

// ---------------------------------------------------------------- (4) invalid packets and ICMP errors without a flow

/** VIPs of a family: on a director their traffic must stay stateless, so a by-hand rule leaves them out. */
function vipExclusion(facts: Facts, family: Family): string {
  if (facts.role !== 'director') return '';
  const addresses = [...new Set(vips(facts).filter((v) => v.family === family).map((v) => v.address))];
  if (addresses.length === 0) return `meta nfproto ipv${family} `;
  return `${ipWord(family)} daddr != ${addresses.length === 1 ? addresses[0] : `{ ${addresses.join(', ')} }`} `;
}

function iptablesVipExclusion(facts: Facts, family: Family): string {
  const addresses = facts.role === 'director' ? [...new Set(vips(facts).filter((v) => v.family === family).map((v) => v.address))] : [];
  return addresses.length === 1 ? `! -d ${addresses[0]} ` : '';
}

/** fw-invalid-accepted: a packet conntrack calls invalid reaches the host's own services. */
export const fwInvalidAccepted: Check = {
  id: 'fw-invalid-accepted',
  title: "packets conntrack calls invalid are dropped for the host's own traffic (a host firewall other than lbfw's)",
  roles: ['director', 'realserver'],
  run: (facts) => {
    const model = foreignModel(facts);
    if (model === undefined) return [];
    const port = facts.config.management.sshPort;
    return ([4, 6] as const).flatMap((family): Finding[] => {
      const own = ownAddress(facts, family);
      if (own === undefined) return [];
      const passed = passedBy(model, 'input', { family, daddr: own.address, l4proto: 6, dport: port, iifname: own.ifname, ctState: 'invalid' }, isLabEmulation);
      if (passed === undefined) return [];
      return [
        {
          id: 'fw-invalid-accepted',
          severity: 'warning',
          subject: chainsSubject(`ct state invalid IPv${family}`, passed),
          what: `a TCP packet to ${formatEndpoint({ family, address: own.address, port })} that conntrack calls invalid (SYN+FIN, out of window, no connection) is accepted: ${describePass(passed)}`,
          breaks: "scans and state tricks that conntrack already recognises (flag combinations, forged segments of the host's own connections) reach its services and TCP stack instead of being dropped",
          ...fixLine(facts, passed, family, {
            nft: `${vipExclusion(facts, family)}ct state invalid drop`,
            iptables: `${iptablesVipExclusion(facts, family)}-m conntrack --ctstate INVALID -j DROP`,
          }),
        },
      ];
    });
  },
};

const ICMP_ERROR = { 4: { type: 3, name: 'destination-unreachable', text: '"fragmentation needed"' }, 6: { type: 2, name: 'packet-too-big', text: '"packet too big"' } } as const;

/** fw-icmp-error-unrelated: an ICMP error quoting no flow of the host reaches it. */
export const fwIcmpErrorUnrelated: Check = {
  id: 'fw-icmp-error-unrelated',
  title: "ICMP errors to the host's own addresses are accepted only as ct state related (a host firewall other than lbfw's)",
  roles: ['director', 'realserver'],
  run: (facts) => {
    const model = foreignModel(facts);
    if (model === undefined) return [];
    return ([4, 6] as const).flatMap((family): Finding[] => {
      const own = ownAddress(facts, family);
      if (own === undefined) return [];
      const error = ICMP_ERROR[family];
      // Conntrack finds no flow for a forged error and calls it invalid.
      const passed = passedBy(model, 'input', { family, daddr: own.address, l4proto: family === 4 ? 1 : 58, icmpType: error.type, iifname: own.ifname, ctState: 'invalid' }, isLabEmulation);
      if (passed === undefined) return [];
      const icmp = family === 4 ? 'icmp' : 'icmpv6';
      return [
        {
          id: 'fw-icmp-error-unrelated',
          severity: 'warning',
          subject: chainsSubject(`ICMP errors IPv${family}`, passed),
          what: `an ICMP${family === 4 ? '' : 'v6'} ${error.text} to ${own.address} that quotes no flow of this host is accepted: ${describePass(passed)}`,
          breaks: "anyone can forge errors for this host's own connections (SSH, package updates, keepalived's checks): a forged \"fragmentation needed\" shrinks their path MTU, forged unreachables abort connections being set up; a real error is always ct state related",
          ...fixLine(facts, passed, family, {
            nft: `${vipExclusion(facts, family)}${icmp} type ${error.name} ct state != related drop`,
            iptables: `${iptablesVipExclusion(facts, family)}-p ${family === 4 ? 'icmp --icmp-type' : 'ipv6-icmp --icmpv6-type'} ${error.name} -m conntrack ! --ctstate RELATED -j DROP`,
          }),
        },
      ];
    });
  },
};

// ---------------------------------------------------------------- (5) ICMP redirects

/** fw-icmp-redirect: ICMP redirects quoting a live flow (ct state related) are accepted. */
export const fwIcmpRedirect: Check = {
  id: 'fw-icmp-redirect',
  title: "ICMP redirects are dropped, even as ct state related (a host firewall other than lbfw's)",
  roles: ['director', 'realserver'],
  run: (facts) => {
    const model = foreignModel(facts);
    if (model === undefined) return [];
    return ([4, 6] as const).flatMap((family): Finding[] => {
      const own = ownAddress(facts, family);
      if (own === undefined) return [];
      const packet: Packet = { family, daddr: own.address, l4proto: family === 4 ? 1 : 58, icmpType: family === 4 ? 5 : 137, hopLimit: 255, iifname: own.ifname, ctState: 'related' };
      const passed = passedBy(model, 'input', packet, isLabEmulation);
      if (passed === undefined) return [];
      const name = family === 4 ? 'icmp type redirect' : 'icmpv6 type nd-redirect';
      const sysctl = family === 4 ? 'net.ipv4.conf.*.accept_redirects' : 'net.ipv6.conf.*.accept_redirects';
      return [
        {
          id: 'fw-icmp-redirect',
          severity: 'warning',
          subject: chainsSubject(`ICMP redirects IPv${family}`, passed),
          what: `an ${family === 4 ? 'ICMP redirect' : 'ICMPv6 redirect'} to ${own.address} quoting a live flow (ct state related) is accepted: ${describePass(passed)}`,
          breaks: `wherever ${sysctl} is not 0 the kernel follows it and reroutes the flow's destination through the attacker's gateway (traffic hijacked); a director or real server never needs a redirect${facts.role === 'director' ? " (lbfw's director profile sets accept_redirects 0: lbfw-sysctl reports it when it is not)" : ''}`,
          ...fixLine(facts, passed, family, { nft: `${name} drop`, iptables: family === 4 ? '-p icmp --icmp-type redirect -j DROP' : '-p ipv6-icmp --icmpv6-type redirect -j DROP' }),
        },
      ];
    });
  },
};

// ---------------------------------------------------------------- (6) the real server's service port on every address

/** rs-fw-service-any-address: the service port is open, from anyone, on addresses the health checks do not use. */
export const rsFwServiceAnyAddress: Check = {
  id: 'rs-fw-service-any-address',
  title: "the real server accepts a service port only on the VIP and its own addresses of the service's family (a host firewall other than lbfw's)",
  roles: ['realserver'],
  run: (facts) => {
    const model = foreignModel(facts);
    if (model === undefined) return [];
    const vipSet = new Set(vips(facts).map((v) => v.address));
    const named = new Set((facts.config.addresses ?? []).map((a) => a.address));
    const addresses = facts.links.filter((l) => !l.loopback).flatMap((l) => l.addresses.filter((a) => !vipSet.has(a.address) && !isLinkLocal(a.address)));
    const seen = new Set<string>();
    return facts.config.services.flatMap((s): Finding[] => {
      const l4proto = s.protocol === 'tcp' ? 6 : 17;
      // A port some service of that family uses is meant to be open there.
      const needed = (family: Family): boolean => facts.config.services.some((o) => o.family === family && o.protocol === s.protocol && o.port === s.port);
      return addresses.flatMap((a): Finding[] => {
        const stray = !needed(a.family) || (named.size > 0 && !named.has(a.address));
        const key = `${a.address}|${s.protocol}|${s.port}`;
        if (!stray || seen.has(key)) return [];
        seen.add(key);
        const passed = passedBy(model, 'input', { family: a.family, daddr: a.address, l4proto, dport: s.port, iifname: a.ifname, ctState: 'new' }, isLabEmulation);
        if (passed === undefined) return [];
        const endpoint = formatEndpoint({ family: a.family, address: a.address, port: s.port });
        return [
          {
            id: 'rs-fw-service-any-address',
            severity: 'warning',
            subject: chainsSubject(`${s.protocol} ${endpoint}`, passed),
            what: `${s.protocol} ${endpoint} is accepted from any source (${a.family === s.family ? `${a.address} is not among the config's addresses:` : `the service ${formatEndpoint(s)} is IPv${s.family} only;`} the health checks never connect there): ${describePass(passed)}`,
            breaks: `clients can reach the backend directly on ${a.address}, past the director's balancing and blacklist${a.family === s.family ? '' : `, and in IPv${a.family}, where nobody meant to offer it`}`,
            ...fixLine(
              facts,
              passed,
              a.family,
              { nft: `${ipWord(a.family)} daddr ${a.address} ${s.protocol} dport ${s.port} drop`, iptables: `-d ${a.address} -p ${s.protocol} --dport ${s.port} -j DROP` },
              'list the health-check sources under directors: and this server\'s own addresses under addresses: in the config',
            ),
          },
        ];
      });
    });
  },
};

// ---------------------------------------------------------------- (7) forwarding

/** A port DR never exposes on a real server, for the forwarded probe. */
const BACKEND_PORT = 22;

/** fw-forward-open: ip_forward is on and the forward hook passes anything to the real servers. */
export const fwForwardOpen: Check = {
  id: 'fw-forward-open',
  title: "with ip_forward on, the forward hook does not pass arbitrary traffic to the real servers (a host firewall other than lbfw's)",
  roles: ['director'],
  run: (facts) => {
    const model = foreignModel(facts);
    if (model === undefined || sysctlNumber(facts, 'net.ipv4.ip_forward') !== 1) return [];
    const rs = facts.config.realServers.find((r) => r.family === 4)?.address;
    const ifaces = directorVipIfaces(facts);
    const packet: Packet = { family: 4, l4proto: 6, dport: BACKEND_PORT, iifname: ifaces.length === 1 ? (ifaces[0] ?? EXTERNAL) : EXTERNAL, ctState: 'new', ...(rs === undefined ? {} : { daddr: rs }) };
    const passed = passedBy(model, 'forward', packet, isLabEmulation);
    if (passed === undefined) return [];
    const nat = facts.config.forwarding === 'nat';
    const target = rs === undefined ? `port ${BACKEND_PORT} behind this director` : formatEndpoint({ family: 4, address: rs, port: BACKEND_PORT });
    const how = passed.length === 0 ? 'no chain filters the forward hook' : describePass(passed);
    return [
      {
        id: 'fw-forward-open',
        severity: 'warning',
        subject: passed.length === 0 ? 'forward hook' : chainsSubject('forward', passed),
        what: `net.ipv4.ip_forward is 1 and a new TCP connection from outside to ${target} is forwarded: ${how}`,
        breaks: `this director routes anyone to the real servers' other ports (SSH, admin interfaces), which ${nat ? 'NAT' : 'Direct Routing'} never exposes: ${nat ? 'NAT needs only the real servers\' replies forwarded' : 'DR forwards nothing (IPVS transmits through LOCAL_OUT), so ip_forward is not needed at all'}`,
        ...(nat
          ? runFix(lbfwCommand(facts, 'apply'), "lbfw's forward chain drops by policy and accepts the real servers' replies")
          : runFix(['sysctl -w net.ipv4.ip_forward=0', lbfwCommand(facts, 'apply')], "remove ip_forward from /etc/sysctl.d too; lbfw's forward chain drops by policy")),
      },
    ];
  },
};

/** The checks of issue 12's holes in a foreign firewall. */
export const HARDENING_CHECKS: readonly Check[] = [fwVrrpSpoofable, fwVrrp6AnyLinkLocal, fwIpv4Mapped, fwInvalidAccepted, fwIcmpErrorUnrelated, fwIcmpRedirect, rsFwServiceAnyAddress, fwForwardOpen];
