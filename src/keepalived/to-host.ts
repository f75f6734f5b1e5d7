/**
 * From a keepalived model to lbfw's host model: the VIP services the director
 * must accept, the real servers it forwards to, the peer directors it talks
 * VRRP with, and the interface the VIPs live on. Each item keeps the file and
 * line of keepalived.conf it came from. What keepalived can express and lbfw's
 * host model cannot (firewall-mark services, all-port persistent services,
 * SCTP, multicast VRRP without named peers) becomes a note, never a guess.
 */
import type { ForwardingMethod, HostConfig, Interfaces, IpvsSync, Origin, Peer, Protocol, RealServer, VipService } from '../config/model.js';
import { IPVS_SYNC_GROUP4, IPVS_SYNC_PORT } from '../net/dr-protocol.js';
import { forwardingMethod } from './model.js';
import { DEFAULT_BLACKLIST_PATH, DEFAULT_SSH_PORT } from '../config/model.js';
import { addUnique, formatEndpoint, peerKey, realServerKey, serviceKey } from '../config/merge.js';
import { addressToBigInt, bigIntToAddress } from '../net/address.js';
import type { KeepalivedModel, Located, VirtualServer, VirtualServerGroup } from './model.js';

/**
 * KeepalivedNote: something in keepalived.conf that lbfw did not turn into
 * host items, and why (`note`), or a value keepalived reports and then
 * defaults or ignores (`warning`, with keepalived's outcome).
 */
export interface KeepalivedNote {
  readonly file: string;
  readonly line: number;
  readonly message: string;
  readonly severity: 'note' | 'warning';
}

/** The keepalived items of a host, before they are laid over an explicit config. */
export interface KeepalivedItems {
  readonly services: readonly VipService[];
  readonly realServers: readonly RealServer[];
  readonly peers: readonly Peer[];
  /** The `interface` of the first vrrp_instance that names one: where the VIPs live. */
  readonly vipInterface?: { readonly name: string; readonly origin: Origin };
  /** lvs_sync_daemon's port and group (the kernel's defaults for what it leaves out). */
  readonly ipvsSync?: IpvsSync;
  /**
   * `nat` when any virtual_server forwards by NAT (lvs_method NAT, or none:
   * keepalived's default): the forward chain must then pass the real
   * servers' replies, or every NAT request fails at the director.
   */
  readonly forwarding?: ForwardingMethod;
}

/** KeepalivedDerived: the items, the notes, and the complete host config built from `base` and the items. */
export interface KeepalivedDerived extends KeepalivedItems {
  readonly notes: readonly KeepalivedNote[];
  readonly config: HostConfig;
}

/**
 * A virtual_server_group range is expanded into one service per address up to
 * this many addresses; a larger range becomes a note (list it in lbfw.yaml as
 * explicit services, or accept it by prefix with an allow rule).
 */
export const MAX_RANGE_ADDRESSES = 256;

function origin(at: Located): Origin {
  return { kind: 'keepalived', file: at.file, line: at.line };
}

function describeTarget(server: VirtualServer): string {
  const t = server.target;
  if (t.kind === 'fwmark') return `virtual_server fwmark ${t.fwmark}`;
  if (t.kind === 'group') return `virtual_server group ${t.group}`;
  return `virtual_server ${formatEndpoint(t)}`;
}

class Collector {
  readonly services: VipService[] = [];
  readonly realServers: RealServer[] = [];
  readonly peers: Peer[] = [];
  readonly notes: KeepalivedNote[] = [];
  /** Some virtual_server forwards by NAT. */
  nat = false;

  note(at: Located, message: string): void {
    this.notes.push({ file: at.file, line: at.line, message, severity: 'note' });
  }

  /** protocolOf maps keepalived's protocol to lbfw's, with a note when it cannot or when keepalived picks one. */
  protocolOf(server: VirtualServer): Protocol | undefined {
    switch (server.protocol) {
      case 'TCP':
        return 'tcp';
      case 'UDP':
        return 'udp';
      case 'SCTP':
        this.note(server, `${describeTarget(server)}: protocol SCTP; lbfw accepts VIP services by tcp or udp only, so accept it by hand`);
        return undefined;
      case undefined:
        // check_data.c: "no protocol set - defaulting to UDP" (the kernel's default for protocol 0).
        this.note(server, `${describeTarget(server)}: no protocol line; keepalived then creates a UDP service, so lbfw accepts udp (add "protocol TCP" if TCP was meant)`);
        return 'udp';
    }
  }
}

function addVirtualServer(c: Collector, server: VirtualServer, groups: ReadonlyMap<string, VirtualServerGroup>): void {
  const target = server.target;
  for (const rs of server.realServers) {
    c.realServers.push({ family: rs.family, address: rs.address, ...(rs.port === undefined ? {} : { port: rs.port }), origin: origin(rs) });
  }
  // The sorry server takes the traffic when the quorum is lost: the director forwards to it like to a real server.
  if (server.sorryServer !== undefined) {
    const s = server.sorryServer;
    c.realServers.push({ family: s.family, address: s.address, ...(s.port === undefined ? {} : { port: s.port }), origin: origin(s) });
  }
  const method = forwardingMethod(server);
  const written = server.lvsMethod === undefined ? 'no lvs_method (keepalived defaults to NAT)' : `lvs_method ${server.lvsMethod}`;
  if (method === 'NAT') {
    c.nat = true;
    c.note(server, `${describeTarget(server)}: ${written}; lbfw's forward chain passes the real servers' replies (forwarding: nat, unless lbfw.yaml says otherwise), and the director needs the director-nat profile (ip_forward)`);
  } else if (method !== 'DR') {
    c.note(server, `${describeTarget(server)}: ${written}; lbfw's director rules are made for Direct Routing (DR) and NAT`);
  }
  if (target.kind === 'fwmark') {
    c.note(server, `${describeTarget(server)}: a firewall-mark service has no address, protocol and port; list the traffic it marks as services in lbfw.yaml`);
    return;
  }
  const protocol = c.protocolOf(server);
  if (protocol === undefined) return;
  if (target.kind === 'address') {
    if (target.port === undefined) {
      c.note(server, `${describeTarget(server)}: no port (a persistent all-ports service); lbfw accepts VIP services by port, so list the ports in lbfw.yaml`);
      return;
    }
    c.services.push({ family: target.family, address: target.address, protocol, port: target.port, origin: origin(server) });
    return;
  }
  const group = groups.get(target.group);
  if (group === undefined) {
    c.note(server, `${describeTarget(server)}: no virtual_server_group ${target.group} is defined; keepalived ignores this virtual server`);
    return;
  }
  for (const entry of group.entries) {
    if (entry.kind === 'fwmark') {
      c.note(entry, `virtual_server_group ${group.name} fwmark ${entry.fwmark}: a firewall-mark service has no address, protocol and port; list it as services in lbfw.yaml`);
      continue;
    }
    const where = `virtual_server_group ${group.name} ${entry.first === entry.last ? entry.first : `${entry.first}-${entry.last}`}`;
    if (entry.port === undefined) {
      c.note(entry, `${where}: no port (all ports); list the ports in lbfw.yaml`);
      continue;
    }
    const first = addressToBigInt({ family: entry.family, address: entry.first });
    const last = addressToBigInt({ family: entry.family, address: entry.last });
    if (last - first + 1n > BigInt(MAX_RANGE_ADDRESSES)) {
      c.note(entry, `${where}: ${last - first + 1n} addresses, more than lbfw expands (${MAX_RANGE_ADDRESSES}); accept the range by hand`);
      continue;
    }
    for (let value = first; value <= last; value++) {
      c.services.push({ family: entry.family, address: bigIntToAddress(entry.family, value), protocol, port: entry.port, origin: origin(entry) });
    }
  }
}

/** keepalivedItems derives the host items of a keepalived model and the notes on what it left out. */
export function keepalivedItems(model: KeepalivedModel): KeepalivedItems & { readonly notes: readonly KeepalivedNote[] } {
  const c = new Collector();
  const groups = new Map(model.virtualServerGroups.map((group) => [group.name, group]));
  for (const server of model.virtualServers) addVirtualServer(c, server, groups);

  let vipInterface: { name: string; origin: Origin } | undefined;
  for (const instance of model.vrrpInstances) {
    for (const peer of instance.unicastPeer) c.peers.push({ family: peer.family, address: peer.address, origin: origin(peer) });
    if (instance.unicastPeer.length === 0) {
      c.note(instance, `vrrp_instance ${instance.name} uses multicast VRRP, so keepalived.conf does not name the other director; list it under peers in lbfw.yaml`);
    }
    if (instance.interface === undefined) continue;
    if (vipInterface === undefined) {
      vipInterface = { name: instance.interface, origin: origin(instance) };
    } else if (vipInterface.name !== instance.interface) {
      c.note(instance, `vrrp_instance ${instance.name} uses interface ${instance.interface}; lbfw takes ${vipInterface.name} (the first vrrp_instance) as the VIP interface`);
    }
  }
  const daemon = model.globalDefs?.lvsSyncDaemon;
  const ipvsSync: IpvsSync | undefined =
    daemon === undefined
      ? undefined
      : { port: daemon.port ?? IPVS_SYNC_PORT, group: daemon.group ?? { family: 4, address: IPVS_SYNC_GROUP4 }, origin: origin(daemon) };
  const warnings: KeepalivedNote[] = model.warnings.map((w) => ({ file: w.file, line: w.line, message: w.message, severity: 'warning' }));
  return {
    services: addUnique([], c.services, serviceKey),
    realServers: addUnique([], c.realServers, realServerKey),
    peers: addUnique([], c.peers, peerKey),
    ...(vipInterface === undefined ? {} : { vipInterface }),
    ...(ipvsSync === undefined ? {} : { ipvsSync }),
    ...(c.nat ? { forwarding: 'nat' as const } : {}),
    notes: [...warnings, ...c.notes],
  };
}

/**
 * mergeKeepalived lays keepalived items over an explicit host config: services,
 * real servers and peers not there yet are added (an item already in the
 * config keeps its origin); `interfaces.vip` is filled only when the config
 * has none. A real server's config takes the services only: peers, real
 * servers and the VIP interface are director settings.
 */
export function mergeKeepalived(config: HostConfig, items: KeepalivedItems): HostConfig {
  const services = addUnique(config.services, items.services, serviceKey);
  if (config.role !== 'director') return { ...config, services };
  const interfaces: Interfaces =
    config.interfaces.vip === undefined && items.vipInterface !== undefined ? { ...config.interfaces, vip: items.vipInterface.name } : config.interfaces;
  return {
    ...config,
    interfaces,
    services,
    peers: addUnique(config.peers, items.peers, peerKey),
    realServers: addUnique(config.realServers, items.realServers, realServerKey),
    ...(config.ipvsSync === undefined && items.ipvsSync !== undefined ? { ipvsSync: items.ipvsSync } : {}),
    // An explicit `forwarding` in lbfw.yaml wins; otherwise keepalived.conf's lvs_method decides.
    ...(config.forwarding === undefined && items.forwarding !== undefined ? { forwarding: items.forwarding } : {}),
  };
}

/**
 * hostFromKeepalived derives a director's host config from keepalived.conf.
 * `base` holds what keepalived.conf cannot say (management sources, the
 * blacklist path, the input policy) and wins over it; what `base` leaves out
 * takes lbfw's defaults: role director, SSH port 22, no management sources,
 * the default blacklist path, input policy drop.
 */
export function hostFromKeepalived(model: KeepalivedModel, base: Partial<HostConfig> = {}): KeepalivedDerived {
  const items = keepalivedItems(model);
  const explicit: HostConfig = {
    ...(base.file === undefined ? {} : { file: base.file }),
    role: base.role ?? 'director',
    interfaces: base.interfaces ?? {},
    services: base.services ?? [],
    peers: base.peers ?? [],
    realServers: base.realServers ?? [],
    management: base.management ?? { sources: [], sshPort: DEFAULT_SSH_PORT, allow: [] },
    blacklistPath: base.blacklistPath ?? DEFAULT_BLACKLIST_PATH,
    inputPolicy: base.inputPolicy ?? 'drop',
    ...(base.forwarding === undefined ? {} : { forwarding: base.forwarding }),
  };
  return { ...items, config: mergeKeepalived(explicit, items) };
}
