/**
 * The running nftables ruleset (every table, not only lbfw's) against the
 * traffic DR needs: VIP services must pass the input hook (IPVS hooks
 * LOCAL_IN after the filter chains), VRRP and the IPVS sync daemon must reach
 * the director from its peers, and no output chain may drop (DR transmits
 * through LOCAL_OUT).
 */
import { IPVS_SYNC_GROUP4, IPVS_SYNC_PORT, VRRP_GROUP4, VRRP_GROUP6, VRRP_PROTOCOL } from '../../net/dr-protocol.js';
import type { Family } from '../../config/model.js';
import { formatEndpoint } from '../../config/merge.js';
import { TABLE_FAMILY, TABLE_NAME } from '../../ruleset/types.js';
import type { Facts } from '../facts.js';
import { chainName, describeDrop, describeRule, EXTERNAL, droppedBy, unjudgedExpressions, untrackedBy, type HookVerdict, type Packet } from '../nft-eval.js';
import { forwardingMethod } from '../../keepalived/model.js';
import { isLabDrTable } from './ipvs.js';
import { editFix, runFix } from '../fix.js';
import type { Check, Finding, Severity } from '../types.js';
import { clientIfaces, directorRsIfaces, directorVipIfaces, lbfwCommand, nftModel, sysctlNumber } from '../view.js';

/** A packet DR needs, with how messages name it and the nft match that accepts it. */
interface Needed {
  readonly label: string;
  readonly packet: Packet;
  /** The nft rule body that accepts it, e.g. `ip saddr 192.0.2.2 meta l4proto vrrp`. */
  readonly accept: string;
  /**
   * What to add to lbfw's config when lbfw's own table drops it; absent when
   * the config already has it (the running table is then stale).
   */
  readonly configHint?: string;
}

function isLbfwTable(verdict: HookVerdict): boolean {
  return verdict.chain.family === TABLE_FAMILY && verdict.chain.table === TABLE_NAME;
}

/**
 * The lab's DR emulation table stands in for IPVS (it duplicates VIP packets
 * to the real servers and drops the original), so its drops are forwarding,
 * not filtering.
 */
function isLabEmulation(verdict: HookVerdict): boolean {
  return isLabDrTable(verdict.chain);
}

function ipWord(family: Family): string {
  return family === 4 ? 'ip' : 'ip6';
}

function blockedFindings(facts: Facts, id: string, severity: Severity, needed: readonly Needed[], breaks: (n: Needed) => string, hook = 'input'): Finding[] {
  const model = nftModel(facts);
  if (model === undefined) return [];
  const seen = new Set<string>();
  return needed.flatMap((n): Finding[] => {
    const dropped = droppedBy(model, hook, n.packet, isLabEmulation);
    if (dropped === undefined) return [];
    const key = `${n.label}|${chainName(dropped.chain)}`;
    if (seen.has(key)) return [];
    seen.add(key);
    const c = dropped.chain;
    return [
      {
        id,
        severity,
        subject: `${n.label} / ${chainName(c)}`,
        what: `${n.label}: ${describeDrop(dropped)}`,
        breaks: breaks(n),
        ...(!isLbfwTable(dropped)
          ? runFix(`nft insert rule ${c.family} ${c.table} ${c.name} ${n.accept} accept`)
          : n.configHint === undefined
            ? runFix(lbfwCommand(facts, 'apply'))
            : editFix(n.configHint, lbfwCommand(facts, 'apply'))),
      },
    ];
  });
}

function singleOr(ifaces: readonly string[]): string {
  return ifaces.length === 1 ? (ifaces[0] ?? EXTERNAL) : EXTERNAL;
}

function vrrpNeeded(facts: Facts): Needed[] {
  const instances = facts.keepalived?.model?.vrrpInstances ?? [];
  const peers = facts.config.peers;
  if (peers.length === 0 && instances.length === 0) return [];
  const unicast = instances.some((i) => i.unicastPeer.length > 0);
  const group4 = facts.keepalived?.model?.globalDefs?.vrrpMcastGroup4?.address ?? VRRP_GROUP4;
  const groupOf = (family: Family): string => (family === 4 ? group4 : VRRP_GROUP6);
  const iifname = singleOr([...new Set(instances.flatMap((i) => (i.interface === undefined ? [] : [i.interface])))]);
  const hint = 'list the peer director under peers: in the config';
  if (peers.length > 0) {
    return peers.map((peer) => ({
      label: `VRRP (IP protocol ${VRRP_PROTOCOL}) from peer ${peer.address}${unicast ? '' : ` to ${groupOf(peer.family)}`}`,
      packet: {
        family: peer.family,
        saddr: peer.address,
        ...(unicast ? {} : { daddr: groupOf(peer.family) }),
        l4proto: VRRP_PROTOCOL,
        iifname,
        ctState: 'new',
      },
      accept: `${ipWord(peer.family)} saddr ${peer.address} meta l4proto vrrp`,
    }));
  }
  const families = new Set<Family>(instances.flatMap((i) => i.virtualIpaddress.map((v) => v.family)));
  if (families.size === 0) families.add(4);
  return [...families].map((family) => ({
    label: `VRRP (IP protocol ${VRRP_PROTOCOL}) to ${groupOf(family)}`,
    packet: { family, daddr: groupOf(family), l4proto: VRRP_PROTOCOL, iifname, ctState: 'new' },
    accept: `${ipWord(family)} daddr ${groupOf(family)} meta l4proto vrrp`,
    configHint: hint,
  }));
}

/** fw-blocks-vrrp: VRRP from the peers is dropped. */
export const fwBlocksVrrp: Check = {
  id: 'fw-blocks-vrrp',
  title: `the input hook accepts VRRP (IP protocol ${VRRP_PROTOCOL}) from the peer directors`,
  roles: ['director'],
  run: (facts) =>
    blockedFindings(facts, 'fw-blocks-vrrp', 'error', vrrpNeeded(facts), () =>
      'this director never hears the peer\'s VRRP adverts, so both directors become MASTER and hold the VIPs at once (split brain: ARP flapping, broken connections)'),
};

function syncNeeded(facts: Facts): Needed[] {
  const model = facts.keepalived?.model;
  const daemon = model?.globalDefs?.lvsSyncDaemon;
  const legacy = model?.vrrpInstances.find((i) => i.lvsSyncDaemonInterface !== undefined)?.lvsSyncDaemonInterface;
  const iface = daemon?.interface ?? legacy;
  if (iface === undefined) return [];
  const group = daemon?.group?.family === 4 ? daemon.group.address : IPVS_SYNC_GROUP4;
  const port = daemon?.port ?? IPVS_SYNC_PORT;
  const peers = facts.config.peers.filter((p) => p.family === 4);
  const base = { family: 4 as const, daddr: group, l4proto: 17, dport: port, iifname: iface, ctState: 'new' };
  const hint = 'list the peer director under peers: in the config';
  if (peers.length === 0) {
    return [{ label: `IPVS sync (UDP ${port} to ${group})`, packet: base, accept: `ip daddr ${group} udp dport ${port}`, configHint: hint }];
  }
  return peers.map((peer) => ({
    label: `IPVS sync (UDP ${port} to ${group}) from peer ${peer.address}`,
    packet: { ...base, saddr: peer.address },
    accept: `ip saddr ${peer.address} ip daddr ${group} udp dport ${port}`,
  }));
}

/** fw-blocks-sync: the IPVS connection sync from the peers is dropped. */
export const fwBlocksSync: Check = {
  id: 'fw-blocks-sync',
  title: `the input hook accepts IPVS sync (UDP ${IPVS_SYNC_PORT} to ${IPVS_SYNC_GROUP4}) from the peers`,
  roles: ['director'],
  run: (facts) =>
    blockedFindings(facts, 'fw-blocks-sync', 'warning', syncNeeded(facts), () =>
      'the backup director never learns the master\'s connections, so on failover every established connection through the VIPs breaks'),
};

/**
 * The replies of NAT real servers: keepalived.conf forwards them by NAT
 * (lvs_method NAT, or none: keepalived's default), so they come back through
 * this director's forward hook, from the real server's address and port.
 * lbfw's forward chain accepts them only with `forwarding: nat` (derived
 * from keepalived.conf unless lbfw.yaml says otherwise).
 */
function natRepliesNeeded(facts: Facts): Needed[] {
  const iifname = singleOr(directorRsIfaces(facts));
  const hint = facts.config.file === undefined ? undefined : `set forwarding: nat in ${facts.config.file} (or remove its forwarding: dr)`;
  return (facts.keepalived?.model?.virtualServers ?? []).flatMap((vs) =>
    vs.realServers
      .filter((rs) => forwardingMethod(vs, rs) === 'NAT' && rs.port !== undefined && vs.protocol !== 'SCTP')
      .map((rs): Needed => {
        const protocol = vs.protocol === 'UDP' ? 'udp' : 'tcp';
        return {
          label: `NAT reply of real server ${protocol} ${formatEndpoint({ family: rs.family, address: rs.address, port: rs.port ?? 0 })}`,
          packet: { family: rs.family, saddr: rs.address, l4proto: protocol === 'tcp' ? 6 : 17, sport: rs.port ?? 0, iifname },
          accept: `${ipWord(rs.family)} saddr ${rs.address} ${protocol} sport ${rs.port ?? 0}`,
          ...(facts.config.forwarding === 'nat' || hint === undefined ? {} : { configHint: hint }),
        };
      }),
  );
}

/** fw-blocks-nat-replies: the forward hook drops the replies of NAT real servers. */
export const fwBlocksNatReplies: Check = {
  id: 'fw-blocks-nat-replies',
  title: 'the forward hook accepts the replies of real servers that keepalived forwards by NAT',
  roles: ['director'],
  run: (facts) =>
    blockedFindings(
      facts,
      'fw-blocks-nat-replies',
      'error',
      natRepliesNeeded(facts),
      (n) => `with NAT every reply of ${n.packet.saddr ?? 'the real server'} is routed through this director, which drops it: clients of its virtual_server get no answer`,
      'forward',
    ),
};

function serviceNeeded(facts: Facts, iifname: string): Needed[] {
  const services = facts.config.services.map((s) => ({
    label: `VIP service ${s.protocol} ${formatEndpoint(s)}`,
    packet: { family: s.family, daddr: s.address, l4proto: s.protocol === 'tcp' ? 6 : 17, dport: s.port, iifname, ctState: 'new' },
    accept: `${ipWord(s.family)} daddr ${s.address} ${s.protocol} dport ${s.port}`,
  }));
  const addresses = (facts.config.vipAddresses ?? []).map((v) => ({
    label: `VIP ${v.address} (tcp, any port)`,
    packet: { family: v.family, daddr: v.address, l4proto: 6, iifname, ctState: 'new' },
    accept: `${ipWord(v.family)} daddr ${v.address}`,
  }));
  return [...services, ...addresses];
}

/** fw-blocks-vip: the director's input hook drops VIP service traffic. */
export const fwBlocksVip: Check = {
  id: 'fw-blocks-vip',
  title: 'the input hook accepts the VIP services (IPVS sees them only after the filter)',
  roles: ['director'],
  run: (facts) =>
    blockedFindings(facts, 'fw-blocks-vip', 'error', serviceNeeded(facts, singleOr(directorVipIfaces(facts))), (n) =>
      `IPVS hooks LOCAL_IN after the filter chains: the dropped packets never reach it, so clients of ${n.packet.daddr ?? 'the VIP'} get no answer`),
};

/** rs-fw-blocks-vip: the real server's input hook drops VIP service traffic. */
export const rsFwBlocksVip: Check = {
  id: 'rs-fw-blocks-vip',
  title: "the real server's input hook accepts the VIP services",
  roles: ['realserver'],
  run: (facts) =>
    blockedFindings(facts, 'rs-fw-blocks-vip', 'error', serviceNeeded(facts, singleOr(clientIfaces(facts))), (n) =>
      `the director forwards clients' packets for ${n.packet.daddr ?? 'the VIP'} to this server, which drops them: those clients get no answer from it`),
};

/**
 * The packet IPVS DR transmits through LOCAL_OUT: the client's packet,
 * unchanged, leaving by the interface towards the real servers. With
 * net.ipv4.vs.conntrack=0 (the default) IPVS sends it untracked; the lab's
 * emulation (nf_dup) does too.
 */
function drOutputPackets(facts: Facts): Needed[] {
  const oifname = singleOr(directorRsIfaces(facts));
  const tracked = sysctlNumber(facts, 'net.ipv4.vs.conntrack') === 1;
  return facts.config.services.map((s) => ({
    label: `DR forwarding of ${s.protocol} ${formatEndpoint(s)}`,
    packet: { family: s.family, daddr: s.address, l4proto: s.protocol === 'tcp' ? 6 : 17, dport: s.port, oifname, ...(tracked ? {} : { ctState: 'untracked' }) },
    accept: `${ipWord(s.family)} daddr ${s.address} ${s.protocol} dport ${s.port}`,
  }));
}

/** output-chain-drop: an output chain drops what IPVS DR transmits (by policy or by a rule). */
export const outputChainDrop: Check = {
  id: 'output-chain-drop',
  title: 'no output chain drops what IPVS DR transmits (policy drop, or a rule that drops it)',
  roles: ['director'],
  run: (facts) => {
    const model = nftModel(facts);
    if (model === undefined) return [];
    const seen = new Set<string>();
    return drOutputPackets(facts).flatMap((n): Finding[] => {
      const dropped = droppedBy(model, 'output', n.packet, isLabEmulation);
      if (dropped === undefined) return [];
      const c = dropped.chain;
      const key = `${chainName(c)}|${n.packet.family}`;
      if (seen.has(key)) return [];
      seen.add(key);
      const byPolicy = dropped.verdict.kind === 'drop' && dropped.verdict.byPolicy;
      return [
        {
          id: 'output-chain-drop',
          severity: 'error',
          subject: chainName(c),
          what: `${n.label}: ${describeDrop(dropped)}${byPolicy ? '' : ` (its policy is ${c.policy ?? 'accept'}, but the rule drops first)`}`,
          breaks: 'IPVS sends Direct Routing packets to the real servers through LOCAL_OUT: the output chain drops them, so no request reaches a real server',
          ...runFix(
            byPolicy
              ? `nft 'chain ${c.family} ${c.table} ${c.name} { type ${c.type ?? 'filter'} hook output priority ${c.prio ?? 0}; policy accept; }'`
              : `nft insert rule ${c.family} ${c.table} ${c.name} ${n.accept} accept`,
          ),
        },
      ];
    });
  },
};

/**
 * rs-fw-blocks-health-check: the real server accepts the VIP service but
 * drops the same port on its own address, where keepalived's TCP_CHECK and
 * HTTP_GET connect.
 */
export const rsFwBlocksHealthCheck: Check = {
  id: 'rs-fw-blocks-health-check',
  title: "the real server's input hook accepts the service ports on its own addresses (keepalived's health checks)",
  roles: ['realserver'],
  run: (facts) => {
    const ifaces = clientIfaces(facts);
    const own = facts.links.filter((l) => ifaces.includes(l.ifname)).flatMap((l) => l.addresses.filter((a) => a.family === 4 || !a.address.startsWith('fe80')));
    const needed: Needed[] = facts.config.services.flatMap((s) =>
      own
        .filter((a) => a.family === s.family)
        .map((a) => ({
          label: `health check ${s.protocol} ${formatEndpoint({ family: a.family, address: a.address, port: s.port })} (this server's own address)`,
          packet: { family: a.family, daddr: a.address, l4proto: s.protocol === 'tcp' ? 6 : 17, dport: s.port, iifname: a.ifname, ctState: 'new' },
          accept: `${ipWord(a.family)} daddr ${a.address} ${s.protocol} dport ${s.port}`,
        })),
    );
    return blockedFindings(facts, 'rs-fw-blocks-health-check', 'error', needed, () =>
      "keepalived's TCP_CHECK/HTTP_GET connect to the real server's own address, not the VIP: they fail, the director marks this server down and sends it no clients (with every server so, the service is down)");
  },
};

/**
 * conntrack-tcp-loose: with nf_conntrack_tcp_loose=0 conntrack does not pick
 * up a TCP flow it saw only one direction of, so every packet after the
 * first SYN of a DR connection is `ct state invalid` on the director (which
 * never sees the replies); a rule dropping invalid before IPVS kills them.
 * Measured in the lab: with tcp_loose=1 the same rule lets requests through.
 * VIP packets that a raw-priority `notrack` untracks (lbfw's own table does)
 * have no conntrack state at all, so no invalid rule can drop them.
 */
export const conntrackTcpLoose: Check = {
  id: 'conntrack-tcp-loose',
  title: 'no rule drops ct state invalid on the VIP services while nf_conntrack_tcp_loose is 0',
  roles: ['director'],
  run: (facts) => {
    if (sysctlNumber(facts, 'net.netfilter.nf_conntrack_tcp_loose') !== 0) return [];
    const model = nftModel(facts);
    if (model === undefined) return [];
    const iifname = singleOr(directorVipIfaces(facts));
    return facts.config.services
      .filter((s) => s.protocol === 'tcp')
      .flatMap((s): Finding[] => {
        const packet: Packet = { family: s.family, daddr: s.address, l4proto: 6, dport: s.port, iifname, ctState: 'invalid' };
        // Untracked packets never get a conntrack state, so `ct state invalid` cannot match them (lbfw's own table untracks VIP services).
        if (untrackedBy(model, packet) !== undefined) return [];
        const dropped = droppedBy(model, 'prerouting', packet, isLabEmulation) ?? droppedBy(model, 'input', packet, isLabEmulation);
        if (dropped === undefined || dropped.verdict.kind !== 'drop' || dropped.verdict.byPolicy) return [];
        const c = dropped.chain;
        return [
          {
            id: 'conntrack-tcp-loose',
            severity: 'error',
            subject: `${formatEndpoint(s)} / ${chainName(c)}`,
            what: `net.netfilter.nf_conntrack_tcp_loose is 0 and ${describeDrop(dropped)} for tcp ${formatEndpoint(s)} when conntrack calls it invalid`,
            breaks: 'the director sees only the client-to-VIP half of each connection: with tcp_loose 0 conntrack marks every packet after the first SYN invalid, the rule drops it, and no connection through the VIP completes',
            ...runFix(
              'sysctl -w net.netfilter.nf_conntrack_tcp_loose=1',
              `or accept the VIP services before that rule: nft insert rule ${c.family} ${c.table} ${c.name} ${ipWord(s.family)} daddr ${s.address} tcp dport ${s.port} accept`,
            ),
          },
        ];
      });
  },
};

/** fw-unjudged: rules the doctor could not evaluate (iptables-nft matches without iptables-nft-save). */
export const fwUnjudged: Check = {
  id: 'fw-unjudged',
  title: 'every firewall rule on the input and output hooks could be judged',
  roles: ['director', 'realserver'],
  run: (facts) => {
    const model = nftModel(facts);
    if (model === undefined) return [];
    const hooked = new Set(model.chains.filter((c) => c.hook === 'input' || c.hook === 'output' || c.hook === 'prerouting').map((c) => `${c.family}|${c.table}`));
    return model.rules
      .filter((r) => hooked.has(`${r.family}|${r.table}`))
      .flatMap((rule): Finding[] => {
        const unjudged = unjudgedExpressions(rule);
        if (unjudged.length === 0) return [];
        return [
          {
            id: 'fw-unjudged',
            severity: 'warning',
            subject: `${rule.family} ${rule.table} ${rule.chain}${rule.handle === undefined ? '' : ` handle ${rule.handle}`}`,
            what: `rule ${describeRule(rule)} of chain ${rule.family} ${rule.table} ${rule.chain} could not be judged: ${unjudged.join('; ')}`,
            breaks: 'the doctor cannot say whether this rule drops DR traffic (VIP services, VRRP, sync): it gave the traffic the benefit of the doubt',
            ...editFix(`check the rule by hand: ${rule.family === 'ip6' ? 'ip6tables' : 'iptables'}-nft-save | grep -n -- '-A ${rule.chain}' (or install iptables so the doctor can read it)`),
          },
        ];
      });
  },
};

/** fw-legacy-iptables: legacy ip_tables rules exist (nft does not show them). */
export const fwLegacyIptables: Check = {
  id: 'fw-legacy-iptables',
  title: 'legacy iptables rules (invisible to nft) are named and judged',
  roles: ['director', 'realserver'],
  run: (facts) => {
    const tables = facts.iptables?.legacyTables;
    if (tables === undefined) return [];
    return (['ip', 'ip6'] as const).flatMap((family): Finding[] => {
      const names = tables[family];
      if (names.length === 0) return [];
      const tool = family === 'ip' ? 'iptables-legacy-save' : 'ip6tables-legacy-save';
      const text = facts.iptables?.legacySave?.[family];
      const rules = text === undefined ? undefined : text.split('\n').filter((l) => l.startsWith('-A ')).length;
      const judged = text !== undefined;
      return [
        {
          id: 'fw-legacy-iptables',
          severity: judged ? 'info' : 'warning',
          subject: `legacy ${family === 'ip' ? 'iptables' : 'ip6tables'}`,
          what: `legacy ${family === 'ip' ? 'ip_tables' : 'ip6_tables'} tables exist in this namespace (${names.join(', ')})${rules === undefined ? '' : ` with ${rules} rule${rules === 1 ? '' : 's'}`}: nft list ruleset does not show them, the kernel runs them beside nftables`,
          breaks: judged
            ? `nothing by itself: the doctor read them with ${tool} and judged them with the nft rules (their findings name "iptables-legacy" tables)`
            : `the doctor cannot see those rules (${tool} is not installed): any of them may drop DR traffic unnoticed`,
          ...(judged ? editFix(`move them to nftables or iptables-nft to manage one firewall (${tool} shows them)`) : runFix(['apt-get install iptables', tool])),
        },
      ];
    });
  },
};

/** The firewall checks. */
export const FIREWALL_CHECKS: readonly Check[] = [fwBlocksVrrp, fwBlocksSync, fwBlocksNatReplies, fwBlocksVip, rsFwBlocksVip, rsFwBlocksHealthCheck, outputChainDrop, conntrackTcpLoose, fwUnjudged, fwLegacyIptables];
