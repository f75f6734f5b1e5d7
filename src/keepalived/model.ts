/**
 * The typed model of a keepalived configuration, as far as lbfw needs it:
 * VRRP instances (who the peers are, where the VIPs live), LVS virtual servers
 * and their real servers, and the global settings of the IPVS sync daemon.
 * Field names follow keepalived's keywords in camelCase; each doc comment names
 * the keyword of keepalived.conf(5) it mirrors. Every item remembers the file
 * and line it was written on. Whatever lbfw does not model stays available in
 * {@link KeepalivedModel.statements}.
 */
import type { Family } from '../config/model.js';

/** Located: where an item was written (line is 1-based). */
export interface Located {
  readonly file: string;
  readonly line: number;
}

/**
 * Statement: one keyword line of keepalived.conf with its words and, when a
 * `{` followed it, the block it opened. Value blocks such as
 * `virtual_ipaddress { ... }` hold one statement per line whose `keyword` is
 * the first word (the address).
 */
export interface Statement extends Located {
  readonly keyword: string;
  readonly args: readonly string[];
  readonly block?: readonly Statement[];
}

/** The `include` variants of keepalived.conf(5): `includer`, `includem`, ... add checks. */
export type IncludeVariant = 'include' | 'includer' | 'includem' | 'includew' | 'includeb' | 'includea';

/** IncludeDirective: an `include PATTERN` line. */
export interface IncludeDirective extends Located {
  readonly variant: IncludeVariant;
  /** The pattern as written (relative patterns are relative to `file`'s directory). */
  readonly pattern: string;
  /** The files it expanded to, in reading order; absent when the text was parsed without reading includes. */
  readonly matched?: readonly string[];
}

/** A single address of a VIP entry or peer, in canonical form. */
export interface KeepalivedAddress {
  readonly family: Family;
  readonly address: string;
}

/**
 * VirtualIpAddress: one line of `virtual_ipaddress` or
 * `virtual_ipaddress_excluded`: `<IPADDR>[/<MASK>] [dev ..] [label ..] [scope ..] ...`.
 */
export interface VirtualIpAddress extends KeepalivedAddress, Located {
  /** The `/MASK` written (host bits are kept: `192.0.2.10/24` is the VIP .10 on a /24), 32 or 128 when absent. */
  readonly prefix: number;
  /** `dev IFNAME`: absent means the interface of the vrrp_instance. */
  readonly dev?: string;
  /** `label LABEL`, e.g. `eth0:1`. */
  readonly label?: string;
  /** `scope site|link|host|nowhere|global` (or a number / rt_scopes name), as written. */
  readonly scope?: string;
  /** `brd ADDR` / `broadcast ADDR` (or `+`/`-`), as written. */
  readonly broadcast?: string;
  /** `peer ADDR`. */
  readonly peer?: string;
  /** `preferred_lft N|forever`, as written. */
  readonly preferredLft?: string;
  /** Flag words present: `home`, `-nodad`, `mngtmpaddr`, `noprefixroute`, `autojoin`, `no_track`, `use_vmac`. */
  readonly flags: readonly string[];
}

/** VrrpAuthentication: the `authentication { auth_type ..; auth_pass .. }` block. */
export interface VrrpAuthentication extends Located {
  /** `auth_type PASS|AH`. */
  readonly authType?: 'PASS' | 'AH';
  /** `auth_pass`: keepalived uses only the first 8 characters. */
  readonly authPass?: string;
}

/** TrackInterface: one line of `track_interface { IFNAME [weight N] }`. */
export interface TrackInterface extends Located {
  readonly name: string;
  /** `weight N`, -253..253 (keepalived turns the old ±254 into ±253). */
  readonly weight?: number;
}

/** UnicastPeer: one line of `unicast_peer { IPADDR [min_ttl N] [max_ttl N] }`. */
export interface UnicastPeer extends KeepalivedAddress, Located {
  readonly minTtl?: number;
  readonly maxTtl?: number;
}

/** VrrpState: `state MASTER|BACKUP`. */
export type VrrpState = 'MASTER' | 'BACKUP';

/** VrrpInstance: a `vrrp_instance NAME { ... }` block. */
export interface VrrpInstance extends Located {
  readonly name: string;
  /** `state`. */
  readonly state?: VrrpState;
  /** `interface`: where VRRP adverts are sent and, by default, the VIPs live. */
  readonly interface?: string;
  /** `virtual_router_id` 1..255. */
  readonly virtualRouterId?: number;
  /** `priority` 1..255. */
  readonly priority?: number;
  /** `advert_int` in seconds (fractions allowed). */
  readonly advertInt?: number;
  /** `authentication { }`. */
  readonly authentication?: VrrpAuthentication;
  /** `virtual_ipaddress { }`. */
  readonly virtualIpaddress: readonly VirtualIpAddress[];
  /** `virtual_ipaddress_excluded { }`. */
  readonly virtualIpaddressExcluded: readonly VirtualIpAddress[];
  /** `track_interface { }`. */
  readonly trackInterface: readonly TrackInterface[];
  /** `unicast_src_ip`. */
  readonly unicastSrcIp?: KeepalivedAddress & Located;
  /** `unicast_peer { }`: empty means multicast VRRP. */
  readonly unicastPeer: readonly UnicastPeer[];
  /** `lvs_sync_daemon_interface` (deprecated: use global_defs `lvs_sync_daemon`). */
  readonly lvsSyncDaemonInterface?: string;
  /** `nopreempt`. */
  readonly nopreempt: boolean;
}

/**
 * LvsSyncDaemon: global_defs `lvs_sync_daemon <INTERFACE> [[inst] <VRRP_INSTANCE>]
 * [id <SYNC_ID>] [maxlen <LEN>] [port <PORT>] [ttl <TTL>] [group <IP ADDR>]`,
 * or a vrrp_instance's deprecated `lvs_sync_daemon_interface <INTERFACE>`
 * (the first of them wins, as in keepalived). Without `port`/`group` the
 * kernel uses UDP 8848 to 224.0.0.81 (src/net/dr-protocol.ts).
 */
export interface LvsSyncDaemon extends Located {
  readonly interface: string;
  readonly instance?: string;
  readonly id?: number;
  readonly maxlen?: number;
  readonly port?: number;
  readonly ttl?: number;
  readonly group?: KeepalivedAddress;
}

/** GlobalDefs: the `global_defs { }` settings lbfw uses (every global_defs block merged). */
export interface GlobalDefs extends Located {
  /** `router_id`. */
  readonly routerId?: string;
  /** `vrrp_mcast_group4` (default 224.0.0.18). */
  readonly vrrpMcastGroup4?: KeepalivedAddress;
  /** `lvs_sync_daemon`. */
  readonly lvsSyncDaemon?: LvsSyncDaemon;
}

/** What a `virtual_server` line names: `<IPADDR> [<PORT>]`, `fwmark <INTEGER>` or `group <STRING>`. */
export type VirtualServerTarget =
  | {
      readonly kind: 'address';
      readonly family: Family;
      readonly address: string;
      /** Absent (or written as 0) for a persistent all-ports service. */
      readonly port?: number;
    }
  | { readonly kind: 'fwmark'; readonly fwmark: number }
  | { readonly kind: 'group'; readonly group: string };

/** LvsMethod: `lvs_method` / `lb_kind`. */
export type LvsMethod = 'DR' | 'NAT' | 'TUN';

/** VirtualServerProtocol: `protocol TCP|UDP|SCTP` (keepalived compares without case). */
export type VirtualServerProtocol = 'TCP' | 'UDP' | 'SCTP';

/**
 * HealthChecker: a checker block of a real server (`TCP_CHECK`, `HTTP_GET`,
 * `SSL_GET`, `MISC_CHECK`, `DNS_CHECK`, ...), kept generic: its kind and its
 * statements. `connect_port` and `connect_ip` are read out because they
 * decide which port the director's checks reach.
 */
export interface HealthChecker extends Located {
  readonly kind: string;
  readonly settings: readonly Statement[];
  readonly connectPort?: number;
  readonly connectIp?: KeepalivedAddress;
}

/** RealServerEntry: `real_server <IPADDR> [<PORT>] { ... }`. */
export interface RealServerEntry extends KeepalivedAddress, Located {
  /** Absent when not written or written as 0. */
  readonly port?: number;
  /** `weight` (default 1). */
  readonly weight?: number;
  /** `inhibit_on_failure [<BOOL>]`. */
  readonly inhibitOnFailure?: boolean;
  /** `lvs_method` of this real server (defaults to the virtual server's). */
  readonly lvsMethod?: LvsMethod;
  readonly healthCheckers: readonly HealthChecker[];
}

/** SorryServer: `sorry_server <IPADDR> [<PORT>]`. */
export interface SorryServer extends KeepalivedAddress, Located {
  readonly port?: number;
}

/** VirtualServer: a `virtual_server ... { ... }` block. */
export interface VirtualServer extends Located {
  readonly target: VirtualServerTarget;
  /** `lvs_sched` (or the deprecated `lb_algo`): rr, wrr, lc, ... */
  readonly lvsSched?: string;
  /** `lvs_method` (or the deprecated `lb_kind`). */
  readonly lvsMethod?: LvsMethod;
  /** `protocol`; when absent keepalived creates a UDP service for an address target. */
  readonly protocol?: VirtualServerProtocol;
  /** `persistence_timeout` in seconds (360 when written without a value). */
  readonly persistenceTimeout?: number;
  /** `delay_loop` in seconds. */
  readonly delayLoop?: number;
  /** `inhibit_on_failure` at virtual server level (the default of its real servers). */
  readonly inhibitOnFailure?: boolean;
  readonly sorryServer?: SorryServer;
  readonly realServers: readonly RealServerEntry[];
  /**
   * Real and sorry servers of the other address family, which keepalived
   * drops with a warning ("Address family of virtual server and real server
   * don't match"): kept so the doctor can name what never gets traffic.
   */
  readonly skippedServers?: readonly SkippedServer[];
}

/** SkippedServer: a real_server or sorry_server keepalived drops for its address family. */
export type SkippedServer = RealServerEntry | SorryServer;

/**
 * VirtualServerGroupEntry: one line of a `virtual_server_group`:
 * `<IPADDR>[-<END>|/<LEN>] [<PORT>]` (first and last are equal for a single
 * address) or `fwmark <INTEGER> [inet|inet6]`.
 */
export type VirtualServerGroupEntry =
  | (Located & {
      readonly kind: 'addresses';
      readonly family: Family;
      readonly first: string;
      readonly last: string;
      readonly port?: number;
    })
  | (Located & { readonly kind: 'fwmark'; readonly fwmark: number; readonly family?: Family });

/** VirtualServerGroup: `virtual_server_group NAME { ... }`. */
export interface VirtualServerGroup extends Located {
  readonly name: string;
  readonly entries: readonly VirtualServerGroupEntry[];
}

/** DeprecatedKeyword: a keyword keepalived still accepts but has replaced. */
export interface DeprecatedKeyword extends Located {
  readonly keyword: string;
  /** The block it was found in (`virtual_server`, `vrrp_instance`, ...) or `''` at the top level. */
  readonly block: string;
  /** What to write instead. */
  readonly replacement: string;
}

/** UnknownKeyword: a keyword keepalived does not know in that block; keepalived logs and ignores it. */
export interface UnknownKeyword extends Located {
  readonly keyword: string;
  /** The block it was found in or `''` at the top level. */
  readonly block: string;
}

/** KeepalivedModel: one keepalived configuration with all its included files. */
export interface KeepalivedModel {
  /** Every file read, the main file first, in the order keepalived reads them. */
  readonly files: readonly string[];
  readonly includes: readonly IncludeDirective[];
  /** The whole configuration as a statement tree, includes spliced in. */
  readonly statements: readonly Statement[];
  readonly globalDefs?: GlobalDefs;
  readonly vrrpInstances: readonly VrrpInstance[];
  readonly virtualServers: readonly VirtualServer[];
  readonly virtualServerGroups: readonly VirtualServerGroup[];
  readonly deprecated: readonly DeprecatedKeyword[];
  readonly unknownKeywords: readonly UnknownKeyword[];
  /**
   * What keepalived reports and then defaults, ignores or skips (the model
   * holds keepalived's outcome), and what lbfw could only guess (`${_RANDOM}`):
   * each names its file and line. The first 100, then one that counts the rest.
   */
  readonly warnings: readonly KeepalivedWarning[];
}

/** KeepalivedWarning: a value keepalived reports and then defaults or ignores, and what it does instead. */
export interface KeepalivedWarning extends Located {
  readonly message: string;
}

/**
 * forwardingMethod is how keepalived forwards to a real server: the
 * real_server's own lvs_method, else its virtual_server's, else keepalived's
 * default, NAT (check_data.c). Every reader of lvs_method asks here.
 */
export function forwardingMethod(server: { readonly lvsMethod?: LvsMethod }, realServer?: { readonly lvsMethod?: LvsMethod }): LvsMethod {
  return realServer?.lvsMethod ?? server.lvsMethod ?? 'NAT';
}
