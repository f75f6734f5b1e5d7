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
import { baseChains, chainName, describeDrop, EXTERNAL, droppedBy, type HookVerdict, type Packet } from '../nft-eval.js';
import { LAB_DR_TABLE } from './ipvs.js';
import type { Check, Finding, Severity } from '../types.js';
import { clientIfaces, directorVipIfaces, lbfwCommand, nftModel } from '../view.js';

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
  return verdict.chain.family === LAB_DR_TABLE.family && verdict.chain.table === LAB_DR_TABLE.name;
}

function ipWord(family: Family): string {
  return family === 4 ? 'ip' : 'ip6';
}

function blockedFindings(facts: Facts, id: string, severity: Severity, needed: readonly Needed[], breaks: (n: Needed) => string): Finding[] {
  const model = nftModel(facts);
  if (model === undefined) return [];
  const seen = new Set<string>();
  return needed.flatMap((n): Finding[] => {
    const dropped = droppedBy(model, 'input', n.packet, isLabEmulation);
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
        fix: isLbfwTable(dropped)
          ? `${n.configHint === undefined ? '' : `${n.configHint}, then `}${lbfwCommand(facts.config, 'apply')}`
          : `nft insert rule ${c.family} ${c.table} ${c.name} ${n.accept} accept`,
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

/** output-chain-drop: an output base chain with policy drop. */
export const outputChainDrop: Check = {
  id: 'output-chain-drop',
  title: 'no output chain has policy drop (IPVS DR transmits through LOCAL_OUT)',
  roles: ['director'],
  run: (facts) => {
    const model = nftModel(facts);
    if (model === undefined) return [];
    return baseChains(model, 'output')
      .filter((c) => c.policy === 'drop')
      .map((c) => ({
        id: 'output-chain-drop',
        severity: 'error' as const,
        subject: chainName(c),
        what: `chain ${chainName(c)} (hook output, priority ${c.prio ?? 0}) has policy drop`,
        breaks: 'IPVS sends Direct Routing packets to the real servers through LOCAL_OUT: a dropping output chain silently stops forwarding for every packet it does not explicitly accept',
        fix: `nft 'chain ${c.family} ${c.table} ${c.name} { type ${c.type ?? 'filter'} hook output priority ${c.prio ?? 0}; policy accept; }'`,
      }));
  },
};

/** The firewall checks. */
export const FIREWALL_CHECKS: readonly Check[] = [fwBlocksVrrp, fwBlocksSync, fwBlocksVip, rsFwBlocksVip, outputChainDrop];
