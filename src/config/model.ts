/**
 * The typed host model that every lbfw decision is made from. It is filled
 * from the YAML config, from quick command-line flags, and (later) from
 * keepalived.conf; each item remembers where it came from so that `plan`
 * can show it.
 */

/** Address family: 4 (IPv4) or 6 (IPv6). */
export type Family = 4 | 6;

/** Role of the host in a Direct Routing setup. */
export type Role = 'director' | 'realserver';

/** Transport protocol of a VIP service. */
export type Protocol = 'tcp' | 'udp';

/** Input chain policy. */
export type InputPolicy = 'drop' | 'accept';

/** Where a piece of the model came from. */
export type Origin =
  | { readonly kind: 'config'; readonly file: string; readonly line: number }
  | { readonly kind: 'flag'; readonly flag: string }
  | { readonly kind: 'keepalived'; readonly file: string; readonly line: number }
  | { readonly kind: 'default' };

/** A single address in canonical text form (ipaddr.js `toString()`: compressed IPv6). */
export interface Address {
  readonly family: Family;
  readonly address: string;
}

/** A network prefix in canonical form: `address` has no host bits set. */
export interface Cidr {
  readonly family: Family;
  readonly address: string;
  readonly prefix: number;
}

/** VipService: traffic to `address` with `protocol` and destination `port` is accepted. */
export interface VipService extends Address {
  readonly protocol: Protocol;
  readonly port: number;
  readonly origin: Origin;
}

/** VipAddress: a VIP given without a port (`--vip ADDR`): every protocol and port to it is accepted. */
export interface VipAddress extends Address {
  readonly origin: Origin;
}

/** Peer: another director (VRRP and IPVS sync traffic is accepted from it). */
export interface Peer extends Address {
  readonly origin: Origin;
}

/** RealServer: a backend reached by Direct Routing. `port` is absent when any port is meant. */
export interface RealServer extends Address {
  readonly port?: number;
  readonly origin: Origin;
}

/** AllowRule: an extra accepted input, e.g. monitoring (`tcp 9100 from 198.51.100.0/24`). */
export interface AllowRule {
  readonly sources: readonly Cidr[];
  readonly protocol: Protocol;
  readonly port: number;
  readonly comment?: string;
  readonly origin: Origin;
}

/** Management: who may administer the host. */
export interface Management {
  /** Sources allowed to reach the SSH port. Empty means nobody (apart from `allow` rules). */
  readonly sources: readonly Cidr[];
  readonly sshPort: number;
  readonly allow: readonly AllowRule[];
}

/** Interfaces: names of the interfaces that matter for DR. */
export interface Interfaces {
  /** Director: where the VIPs live and client traffic arrives. */
  readonly vip?: string;
  /** Director: the interface that faces the real servers (may equal `vip`). */
  readonly realServers?: string;
  /** Real server: the client-facing interface(s), where ARP for the VIP arrives. */
  readonly client?: string;
  /** Director: where the IPVS sync daemon talks to the peers (default: the VIP interface). */
  readonly sync?: string;
}

/** How the director forwards to the real servers (keepalived's lvs_method). */
export type ForwardingMethod = 'dr' | 'nat';

/** HostConfig: everything lbfw needs to know about this host. */
export interface HostConfig {
  /** The config file it was read from, if any. */
  readonly file?: string;
  readonly role: Role;
  readonly interfaces: Interfaces;
  readonly services: readonly VipService[];
  /** VIPs without a port (quick flag `--vip ADDR`): all traffic to them is accepted. */
  readonly vipAddresses?: readonly VipAddress[];
  readonly peers: readonly Peer[];
  readonly realServers: readonly RealServer[];
  readonly management: Management;
  /** Path of the static_blacklist file. */
  readonly blacklistPath: string;
  /** keepalived.conf that VIPs, services, real servers, peers and the VIP interface are read from. */
  readonly keepalivedPath?: string;
  /** keepalived's config id `keepalivedPath` was read with (`--keepalived-id`); absent: keepalived's default, the host name. */
  readonly keepalivedId?: string;
  /**
   * The IPVS sync daemon's UDP port and multicast group, from keepalived's
   * lvs_sync_daemon; absent: the kernel's defaults (src/net/dr-protocol.ts).
   */
  readonly ipvsSync?: IpvsSync;
  readonly inputPolicy: InputPolicy;
  /**
   * Director: how IPVS forwards (default `dr`). It decides what the forward
   * chain lets through: nothing for DR, the real servers' replies for NAT.
   */
  readonly forwarding?: ForwardingMethod;
  /** Real server: the directors, the only sources of health checks (empty: unknown, any source). */
  readonly directors?: readonly Peer[];
  /** Real server: its own addresses (RIPs) that the health checks connect to (empty: any local address of the family). */
  readonly addresses?: readonly Address[];
  /** `lbfw overlimit` settings; absent means the defaults (see overlimit/settings.ts). */
  readonly overlimit?: OverlimitConfig;
}

/** IpvsSync: where the IPVS connection sync daemon sends (keepalived `lvs_sync_daemon ... port N group ADDR`). */
export interface IpvsSync {
  readonly port: number;
  readonly group: { readonly family: Family; readonly address: string };
  readonly origin: Origin;
}

/** Default location of the host config. */
export const DEFAULT_CONFIG_PATH = '/etc/lbfw/lbfw.yaml';
/** Default location of the static blacklist. */
export const DEFAULT_BLACKLIST_PATH = '/etc/lbfw/static_blacklist';
/** keepalived's own default config, read when it exists and nothing else is named. */
export const DEFAULT_KEEPALIVED_PATH = '/etc/keepalived/keepalived.conf';
/** Default SSH port for management rules. */
export const DEFAULT_SSH_PORT = 22;

/** OverlimitServiceLimit: a per-VIP-service limit of `lbfw overlimit` (`overlimit.services`). */
export interface OverlimitServiceLimit extends Address {
  readonly protocol: Protocol;
  readonly port: number;
  /** More connections than this (in the counted states) from one client to this service is an offence. */
  readonly maxConnections: number;
  readonly origin: Origin;
}

/** SynRateConfig: the in-kernel autoban of sources opening connections too fast (`overlimit.syn_rate`). */
export interface SynRateConfig {
  /** New connections (SYNs) per second one source may open to one VIP service. */
  readonly perSecond: number;
  /** Extra SYNs allowed in a burst above the rate. */
  readonly burst: number;
  /** Elements of each meter set (one per source . VIP . port); full means fail-open. */
  readonly meterSize: number;
  /** How long the kernel bans a source that went over the rate. */
  readonly banSeconds: number;
}

/** OverlimitConfig: thresholds, exemptions and ban timing of `lbfw overlimit` (`overlimit:`). */
export interface OverlimitConfig {
  /** More connections than this from one client, over all services, is an offence (default 100). */
  readonly maxConnections: number;
  readonly services: readonly OverlimitServiceLimit[];
  /** IPVS states that count (default ESTABLISHED, as the old cron job did). */
  readonly states: readonly string[];
  /** Clients are counted and banned per prefix of this length (default /32 and /64). */
  readonly prefix4: number;
  readonly prefix6: number;
  /** Sources never banned, besides the automatic ones (VIPs, real servers, peers, management, own networks). */
  readonly exempt: readonly Cidr[];
  /** Ban time of a first offence in seconds (default 600). */
  readonly banSeconds: number;
  /** Ban times of the 2nd, 3rd, ... offence within `historySeconds` (the last one repeats). */
  readonly escalation: readonly number[];
  /** How long an offence counts for escalation (default one day). */
  readonly historySeconds: number;
  /** Elements of each ban set (default 65536). */
  readonly setSize: number;
  readonly synRate?: SynRateConfig;
  /** On kernels before 6.14 (quadratic reads), refuse a table with more rows than this (default 200000). */
  readonly maxRowsOldKernel: number;
  /** Prometheus textfile written after every run, when set. */
  readonly metricsFile?: string;
  /**
   * Whether clients on a network this host is connected to (the prefix of
   * any of its addresses) are exempt (`exempt_connected_networks`, default
   * true): they are the site's own routers, peers and servers.
   */
  readonly exemptConnectedNetworks: boolean;
}
