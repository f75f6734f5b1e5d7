/**
 * buildKeepalived turns the statement tree into the typed
 * {@link KeepalivedModel}. It is pure: every problem is collected with its file
 * and line, and one {@link ConfigError} carries them all.
 *
 * Choices an operator may ask about:
 * - Values keepalived would refuse and then ignore or replace by a default
 *   (an address that does not parse, a number out of range, `state SLAVE`,
 *   `protocol ICMP`) are errors here, each naming what was expected: lbfw builds
 *   a firewall from these values, and a guessed value is worse than none.
 *   Ranges are keepalived's (vrrp_parser.c, check_parser.c, check_data.c).
 * - Keywords keepalived does not know in a block it reads are kept as data in
 *   `unknownKeywords` (keepalived logs "Unknown keyword" and goes on);
 *   keywords it has replaced are listed in `deprecated`.
 * - A port written as 0 means no port, as keepalived reads it since v2.0.7
 *   (check_data.c alloc_vs(): "Don't pass a zero for port number").
 */
import { ConfigError, type InputProblem } from '../errors.js';
import { addressToBigInt, bigIntToAddress, cidrToRange, familyBits, parseAddress, parseCidr } from '../net/address.js';
import { type LexContext, lexKeepalived, newLexContext } from './lexer.js';
import {
  AUTHENTICATION_KEYWORDS,
  CHECKER_KINDS,
  DEPRECATIONS,
  GLOBAL_DEFS_KEYWORDS,
  REAL_SERVER_KEYWORDS,
  ROOT_KEYWORDS,
  VIRTUAL_SERVER_KEYWORDS,
  VRRP_INSTANCE_KEYWORDS,
} from './keywords.js';
import type {
  DeprecatedKeyword,
  GlobalDefs,
  HealthChecker,
  IncludeDirective,
  KeepalivedAddress,
  KeepalivedModel,
  Located,
  LvsMethod,
  LvsSyncDaemon,
  RealServerEntry,
  SorryServer,
  Statement,
  TrackInterface,
  UnicastPeer,
  UnknownKeyword,
  VirtualIpAddress,
  VirtualServer,
  VirtualServerGroup,
  VirtualServerGroupEntry,
  VirtualServerProtocol,
  VirtualServerTarget,
  VrrpAuthentication,
  VrrpInstance,
  VrrpState,
} from './model.js';
import { parseTokens } from './parse.js';

/** What {@link buildKeepalived} starts from. */
export interface BuildInput {
  readonly statements: readonly Statement[];
  readonly files: readonly string[];
  readonly includes: readonly IncludeDirective[];
}

/** Options of {@link parseKeepalived}. */
export interface ParseKeepalivedOptions {
  /** keepalived's config id for `@ID` lines; absent: `@ID` lines are dropped, `@^ID` lines kept. */
  readonly configId?: string;
}

/** IPVS schedulers keepalived accepts (check_parser.c lvs_schedulers[]). */
const LVS_SCHEDULERS: ReadonlySet<string> = new Set(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos']);
/** IPVS weights are a signed 32-bit value (ip_vs.h IPVS_WEIGHT_MAX = INT32_MAX). */
const WEIGHT_MAX = 2_147_483_647;
/** Firewall marks are 32-bit (ip_vs.h IPVS_FWMARK_MAX = UINT32_MAX). */
const FWMARK_MAX = 4_294_967_295;
/** check_parser.c LVS_MAX_TIMEOUT: 31 days. */
const PERSISTENCE_MAX = 86_400 * 31;
/** `persistence_timeout` without a value: IPVS_SVC_PERSISTENT_TIMEOUT, 6 minutes. */
const PERSISTENCE_DEFAULT = 360;
/** virtual_ipaddress options that take a value (vrrp_ipaddress.c alloc_ipaddress()). */
const VIP_VALUE_OPTIONS: ReadonlySet<string> = new Set(['dev', 'scope', 'brd', 'broadcast', 'label', 'peer', 'preferred_lft', 'track_group']);
/** virtual_ipaddress flag words. */
const VIP_FLAGS: ReadonlySet<string> = new Set(['home', '-nodad', 'mngtmpaddr', 'noprefixroute', 'autojoin', 'no_track', 'use_vmac']);

/** Reader walks the tree and collects problems, unknown and deprecated keywords. */
class Reader {
  readonly problems: InputProblem[] = [];
  readonly unknown: UnknownKeyword[] = [];

  report(at: Located, message: string): undefined {
    this.problems.push({ file: at.file, line: at.line, message });
    return undefined;
  }

  /** word returns argument `index` of `s`, or reports that `expected` is missing. */
  word(s: Statement, index: number, expected: string): string | undefined {
    const value = s.args[index];
    return value ?? this.report(s, `${s.keyword}: expected ${expected}`);
  }

  /** integer reads a decimal integer in [min, max]. */
  integer(at: Located, what: string, text: string | undefined, min: number, max: number): number | undefined {
    if (text === undefined) return this.report(at, `${what}: expected an integer ${min}-${max}`);
    const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      return this.report(at, `${what}: expected an integer ${min}-${max}; got "${text}"`);
    }
    return value;
  }

  /**
   * timer reads keepalived's <TIMER>: seconds with up to 6 decimals (TIMER_HZ is 1000000). Without
   * `max` there is no upper bound worth checking (keepalived's TIMER_MAXIMUM is ULONG_MAX - 1 µs).
   */
  timer(at: Located, what: string, text: string | undefined, min: number, max?: number): number | undefined {
    const value = text !== undefined && /^\d+(\.\d{1,6})?$/.test(text) ? Number(text) : Number.NaN;
    if (Number.isNaN(value) || value < min || (max !== undefined && value > max)) {
      const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
      return this.report(at, `${what}: expected seconds ${range} (e.g. 1 or 0.5); got ${text === undefined ? 'nothing' : `"${text}"`}`);
    }
    return value;
  }

  /** address reads one numeric IPv4 or IPv6 address (keepalived uses inet_pton: no names). */
  address(at: Located, what: string, text: string | undefined): KeepalivedAddress | undefined {
    const parsed = text === undefined ? undefined : parseAddress(text);
    if (parsed === undefined) {
      return this.report(at, `${what}: expected an IPv4 or IPv6 address; got ${text === undefined ? 'nothing' : `"${text}"`}`);
    }
    return parsed;
  }

  /** port reads an optional port; absent or all zeros means none (check_data.c alloc_vs()/alloc_rs()). */
  port(at: Located, what: string, text: string | undefined): number | undefined {
    if (text === undefined || /^0+$/.test(text)) return undefined;
    return this.integer(at, `${what} port`, text, 1, 65_535);
  }

  /** bool reads keepalived's <BOOL>; a missing value means true (e.g. `inhibit_on_failure`). */
  bool(s: Statement): boolean | undefined {
    const text = s.args[0];
    if (text === undefined || ['on', 'true', 'yes'].includes(text)) return true;
    if (['off', 'false', 'no'].includes(text)) return false;
    return this.report(s, `${s.keyword}: expected on|off|true|false|yes|no; got "${text}"`);
  }

  /** block returns the statements of the block `s` opened, or reports the missing `{`. */
  block(s: Statement, example: string): readonly Statement[] {
    if (s.block !== undefined) return s.block;
    this.report(s, `${s.keyword}: expected a block, e.g. ${example}`);
    return [];
  }

  /** known records the statements whose keyword keepalived does not know in `block`. */
  known(statements: readonly Statement[], keywords: ReadonlySet<string>, block: string): void {
    for (const s of statements) {
      if (!keywords.has(s.keyword)) this.unknown.push({ keyword: s.keyword, block, file: s.file, line: s.line });
    }
  }
}

function located(s: Located): Located {
  return { file: s.file, line: s.line };
}

/** deprecatedIn lists the deprecated keywords anywhere in the tree, with the block they were in. */
function deprecatedIn(statements: readonly Statement[], block: string, found: DeprecatedKeyword[]): DeprecatedKeyword[] {
  for (const s of statements) {
    const deprecation = DEPRECATIONS.find((d) => d.keyword === s.keyword && (d.block === undefined || d.block === block));
    if (deprecation !== undefined) {
      found.push({ keyword: s.keyword, block, replacement: deprecation.replacement, ...located(s) });
    }
    if (s.block !== undefined) deprecatedIn(s.block, s.keyword, found);
  }
  return found;
}

// ---------------------------------------------------------------- global_defs

function readLvsSyncDaemon(r: Reader, s: Statement): LvsSyncDaemon | undefined {
  const iface = r.word(s, 0, 'an interface: lvs_sync_daemon <INTERFACE> [[inst] <VRRP_INSTANCE>] [id <SYNC_ID>]');
  if (iface === undefined) return undefined;
  let result: { -readonly [K in keyof LvsSyncDaemon]: LvsSyncDaemon[K] } = { interface: iface, ...located(s) };
  const what = (option: string) => `lvs_sync_daemon ${option}`;
  for (let i = 1; i < s.args.length; i++) {
    const option = s.args[i] ?? '';
    const value = s.args[i + 1];
    switch (option) {
      case 'inst':
        if (value === undefined) r.report(s, `${what(option)}: expected a vrrp_instance name`);
        else result = { ...result, instance: value };
        i++;
        break;
      case 'id': {
        const id = r.integer(s, what(option), value, 0, 255);
        if (id !== undefined) result = { ...result, id };
        i++;
        break;
      }
      case 'maxlen': {
        const maxlen = r.integer(s, what(option), value, 1, 65_535 - 20 - 8);
        if (maxlen !== undefined) result = { ...result, maxlen };
        i++;
        break;
      }
      case 'port': {
        const port = r.integer(s, what(option), value, 1, 65_535);
        if (port !== undefined) result = { ...result, port };
        i++;
        break;
      }
      case 'ttl': {
        const ttl = r.integer(s, what(option), value, 1, 255);
        if (ttl !== undefined) result = { ...result, ttl };
        i++;
        break;
      }
      case 'group': {
        const group = r.address(s, what(option), value);
        if (group !== undefined) result = { ...result, group };
        i++;
        break;
      }
      default:
        // global_parser.c lvs_syncd_handler(): the old form `lvs_sync_daemon IF INSTANCE [SYNCID]`.
        if (i === 1) {
          result = { ...result, instance: option };
        } else if (i === 2) {
          const id = r.integer(s, 'lvs_sync_daemon sync id', option, 0, 255);
          if (id !== undefined) result = { ...result, id };
        } else {
          r.report(s, `lvs_sync_daemon: unknown option "${option}"; expected inst, id, maxlen, port, ttl or group`);
        }
    }
  }
  return result;
}

function readGlobalDefs(r: Reader, blocks: readonly Statement[]): GlobalDefs | undefined {
  const first = blocks[0];
  if (first === undefined) return undefined;
  let result: { -readonly [K in keyof GlobalDefs]: GlobalDefs[K] } = located(first);
  for (const block of blocks) {
    const statements = r.block(block, 'global_defs { router_id lb1 }');
    r.known(statements, GLOBAL_DEFS_KEYWORDS, 'global_defs');
    for (const s of statements) {
      switch (s.keyword) {
        case 'router_id': {
          const routerId = r.word(s, 0, 'a name');
          if (routerId !== undefined) result = { ...result, routerId };
          break;
        }
        case 'vrrp_mcast_group4': {
          const group = r.address(s, 'vrrp_mcast_group4', s.args[0]);
          if (group !== undefined && group.family !== 4) r.report(s, `vrrp_mcast_group4: expected an IPv4 multicast address; got "${s.args[0]}"`);
          else if (group !== undefined) result = { ...result, vrrpMcastGroup4: group };
          break;
        }
        case 'lvs_sync_daemon': {
          const daemon = readLvsSyncDaemon(r, s);
          if (daemon !== undefined) result = { ...result, lvsSyncDaemon: daemon };
          break;
        }
      }
    }
  }
  return result;
}

// ---------------------------------------------------------------- vrrp_instance

/** readVip reads one `virtual_ipaddress` line: `<IPADDR>[/<MASK>] [dev ..] [label ..] ...`. */
function readVip(r: Reader, s: Statement, block: string): VirtualIpAddress | undefined {
  // Cut at the first `/` only: `192.0.2.10/24/7` must be refused, not read as /24.
  const slash = s.keyword.indexOf('/');
  const addressText = slash === -1 ? s.keyword : s.keyword.slice(0, slash);
  const prefixText = slash === -1 ? undefined : s.keyword.slice(slash + 1);
  const address = parseAddress(addressText);
  if (address === undefined) {
    return r.report(s, `${block}: expected <IPADDR>[/<MASK>] [dev IFNAME] ...; got "${s.keyword}"`);
  }
  let prefix = familyBits(address.family);
  if (prefixText !== undefined) {
    const parsed = r.integer(s, `${block} ${s.keyword} prefix`, prefixText, 0, familyBits(address.family));
    if (parsed === undefined) return undefined;
    prefix = parsed;
  }
  const values = new Map<string, string>();
  const flags: string[] = [];
  for (let i = 0; i < s.args.length; i++) {
    const option = s.args[i] ?? '';
    if (VIP_VALUE_OPTIONS.has(option)) {
      const value = s.args[i + 1];
      if (value === undefined) return r.report(s, `${block} ${s.keyword}: expected a value after "${option}"`);
      values.set(option === 'broadcast' ? 'brd' : option, value);
      i++;
    } else if (VIP_FLAGS.has(option)) {
      flags.push(option);
    } else {
      // vrrp_ipaddress.c: "Unknown configuration entry '%s' for ip address - ignoring".
      r.unknown.push({ keyword: option, block, ...located(s) });
    }
  }
  const dev = values.get('dev');
  const label = values.get('label');
  const scope = values.get('scope');
  const broadcast = values.get('brd');
  const peer = values.get('peer');
  const preferredLft = values.get('preferred_lft');
  return {
    ...address,
    prefix,
    ...(dev === undefined ? {} : { dev }),
    ...(label === undefined ? {} : { label }),
    ...(scope === undefined ? {} : { scope }),
    ...(broadcast === undefined ? {} : { broadcast }),
    ...(peer === undefined ? {} : { peer }),
    ...(preferredLft === undefined ? {} : { preferredLft }),
    flags,
    ...located(s),
  };
}

function readTrackInterface(r: Reader, s: Statement): TrackInterface | undefined {
  if (s.args.length === 0) return { name: s.keyword, ...located(s) };
  if (s.args[0] !== 'weight') return r.report(s, `track_interface ${s.keyword}: expected "weight N" after the interface; got "${s.args[0]}"`);
  // vrrp_track.c alloc_track_if(): -254..254 accepted, ±254 become ±253.
  const weight = r.integer(s, `track_interface ${s.keyword} weight`, s.args[1], -254, 254);
  if (weight === undefined) return undefined;
  return { name: s.keyword, weight: Math.max(-253, Math.min(253, weight)), ...located(s) };
}

function readUnicastPeer(r: Reader, s: Statement): UnicastPeer | undefined {
  const address = r.address(s, 'unicast_peer', s.keyword);
  if (address === undefined) return undefined;
  let peer: { -readonly [K in keyof UnicastPeer]: UnicastPeer[K] } = { ...address, ...located(s) };
  for (let i = 0; i < s.args.length; i += 2) {
    const option = s.args[i] ?? '';
    if (option !== 'min_ttl' && option !== 'max_ttl') {
      r.unknown.push({ keyword: option, block: 'unicast_peer', ...located(s) });
      continue;
    }
    const ttl = r.integer(s, `unicast_peer ${s.keyword} ${option}`, s.args[i + 1], 0, 255);
    if (ttl !== undefined) peer = option === 'min_ttl' ? { ...peer, minTtl: ttl } : { ...peer, maxTtl: ttl };
  }
  return peer;
}

function readAuthentication(r: Reader, s: Statement): VrrpAuthentication {
  const statements = r.block(s, 'authentication { auth_type PASS; auth_pass secret }');
  r.known(statements, AUTHENTICATION_KEYWORDS, 'authentication');
  let result: { -readonly [K in keyof VrrpAuthentication]: VrrpAuthentication[K] } = located(s);
  for (const a of statements) {
    if (a.keyword === 'auth_type') {
      const type = r.word(a, 0, 'PASS or AH');
      if (type === 'PASS' || type === 'AH') result = { ...result, authType: type };
      else if (type !== undefined) r.report(a, `auth_type: expected PASS or AH; got "${type}"`);
    } else if (a.keyword === 'auth_pass') {
      const pass = r.word(a, 0, 'a password');
      if (pass !== undefined) result = { ...result, authPass: pass };
    }
  }
  return result;
}

function defined<T>(items: ReadonlyArray<T | undefined>): T[] {
  return items.filter((item): item is T => item !== undefined);
}

function readVrrpInstance(r: Reader, s: Statement): VrrpInstance | undefined {
  const name = r.word(s, 0, 'a name: vrrp_instance NAME { ... }');
  const statements = r.block(s, 'vrrp_instance VI_1 { interface eth0 ... }');
  if (name === undefined) return undefined;
  r.known(statements, VRRP_INSTANCE_KEYWORDS, 'vrrp_instance');
  let result: { -readonly [K in keyof VrrpInstance]: VrrpInstance[K] } = {
    name,
    virtualIpaddress: [],
    virtualIpaddressExcluded: [],
    trackInterface: [],
    unicastPeer: [],
    nopreempt: false,
    ...located(s),
  };
  for (const v of statements) {
    const what = `vrrp_instance ${name} ${v.keyword}`;
    switch (v.keyword) {
      case 'state': {
        const state = r.word(v, 0, 'MASTER or BACKUP');
        if (state === 'MASTER' || state === 'BACKUP') result = { ...result, state: state satisfies VrrpState };
        else if (state !== undefined) r.report(v, `state: expected MASTER or BACKUP; got "${state}"`);
        break;
      }
      case 'interface': {
        const iface = r.word(v, 0, 'an interface name');
        if (iface !== undefined) result = { ...result, interface: iface };
        break;
      }
      case 'virtual_router_id': {
        const id = r.integer(v, what, v.args[0], 1, 255);
        if (id !== undefined) result = { ...result, virtualRouterId: id };
        break;
      }
      case 'priority': {
        const priority = r.integer(v, what, v.args[0], 1, 255);
        if (priority !== undefined) result = { ...result, priority };
        break;
      }
      case 'advert_int': {
        // vrrp_parser.c vrrp_adv_handler(): TIMER_HZ / 100 up to 255 seconds.
        const advertInt = r.timer(v, what, v.args[0], 0.01, 255);
        if (advertInt !== undefined) result = { ...result, advertInt };
        break;
      }
      case 'authentication':
        result = { ...result, authentication: readAuthentication(r, v) };
        break;
      case 'virtual_ipaddress':
      case 'virtual_ipaddress_excluded': {
        const vips = defined(r.block(v, `${v.keyword} { 192.0.2.10/24 dev eth0 }`).map((line) => readVip(r, line, v.keyword)));
        result =
          v.keyword === 'virtual_ipaddress'
            ? { ...result, virtualIpaddress: [...result.virtualIpaddress, ...vips] }
            : { ...result, virtualIpaddressExcluded: [...result.virtualIpaddressExcluded, ...vips] };
        break;
      }
      case 'track_interface':
        result = { ...result, trackInterface: [...result.trackInterface, ...defined(r.block(v, 'track_interface { eth0 }').map((line) => readTrackInterface(r, line)))] };
        break;
      case 'unicast_src_ip': {
        const address = r.address(v, what, v.args[0]);
        if (address !== undefined) result = { ...result, unicastSrcIp: { ...address, ...located(v) } };
        break;
      }
      case 'unicast_peer':
        result = { ...result, unicastPeer: [...result.unicastPeer, ...defined(r.block(v, 'unicast_peer { 192.0.2.2 }').map((line) => readUnicastPeer(r, line)))] };
        break;
      case 'lvs_sync_daemon_interface': {
        const iface = r.word(v, 0, 'an interface name');
        if (iface !== undefined) result = { ...result, lvsSyncDaemonInterface: iface };
        break;
      }
      case 'nopreempt':
        result = { ...result, nopreempt: true };
        break;
    }
  }
  return result;
}

// ---------------------------------------------------------------- virtual_server

function readTarget(r: Reader, s: Statement): VirtualServerTarget | undefined {
  const first = r.word(s, 0, '<IPADDR> [<PORT>], fwmark <INTEGER> or group <STRING>');
  if (first === undefined) return undefined;
  if (first === 'fwmark') {
    const fwmark = r.integer(s, 'virtual_server fwmark', s.args[1], 0, FWMARK_MAX);
    return fwmark === undefined ? undefined : { kind: 'fwmark', fwmark };
  }
  if (first === 'group') {
    const group = r.word(s, 1, 'the name of a virtual_server_group');
    return group === undefined ? undefined : { kind: 'group', group };
  }
  const address = r.address(s, 'virtual_server', first);
  if (address === undefined) return undefined;
  const port = r.port(s, `virtual_server ${first}`, s.args[1]);
  if (port === undefined && s.args[1] !== undefined && !/^0+$/.test(s.args[1])) return undefined;
  return { kind: 'address', ...address, ...(port === undefined ? {} : { port }) };
}

function readLvsMethod(r: Reader, s: Statement): LvsMethod | undefined {
  const method = r.word(s, 0, 'NAT, DR or TUN');
  if (method === 'NAT' || method === 'DR' || method === 'TUN') return method;
  if (method !== undefined) r.report(s, `${s.keyword}: expected NAT, DR or TUN; got "${method}"`);
  return undefined;
}

/** readServerAddress reads `<IPADDR> [<PORT>]` of a real or sorry server. */
function readServerAddress(r: Reader, s: Statement): (KeepalivedAddress & { port?: number }) | undefined {
  const address = r.address(s, s.keyword, s.args[0]);
  if (address === undefined) return undefined;
  const portText = s.args[1];
  const port = r.port(s, `${s.keyword} ${s.args[0]}`, portText);
  if (port === undefined && portText !== undefined && !/^0+$/.test(portText)) return undefined;
  return port === undefined ? address : { ...address, port };
}

function readChecker(r: Reader, s: Statement): HealthChecker {
  const settings = s.block ?? [];
  let checker: { -readonly [K in keyof HealthChecker]: HealthChecker[K] } = { kind: s.keyword, settings, ...located(s) };
  for (const c of settings) {
    if (c.keyword === 'connect_port') {
      const port = r.integer(c, `${s.keyword} connect_port`, c.args[0], 1, 65_535);
      if (port !== undefined) checker = { ...checker, connectPort: port };
    } else if (c.keyword === 'connect_ip') {
      const address = r.address(c, `${s.keyword} connect_ip`, c.args[0]);
      if (address !== undefined) checker = { ...checker, connectIp: address };
    }
  }
  return checker;
}

function readRealServer(r: Reader, s: Statement): RealServerEntry | undefined {
  const endpoint = readServerAddress(r, s);
  const statements = r.block(s, 'real_server 192.0.2.21 80 { weight 1 TCP_CHECK { } }');
  if (endpoint === undefined) return undefined;
  r.known(statements, REAL_SERVER_KEYWORDS, 'real_server');
  let result: { -readonly [K in keyof RealServerEntry]: RealServerEntry[K] } = { ...endpoint, healthCheckers: [], ...located(s) };
  for (const v of statements) {
    if (CHECKER_KINDS.has(v.keyword)) {
      result = { ...result, healthCheckers: [...result.healthCheckers, readChecker(r, v)] };
      continue;
    }
    switch (v.keyword) {
      case 'weight': {
        const weight = r.integer(v, `real_server ${s.args[0]} weight`, v.args[0], 0, WEIGHT_MAX);
        if (weight !== undefined) result = { ...result, weight };
        break;
      }
      case 'inhibit_on_failure': {
        const inhibit = r.bool(v);
        if (inhibit !== undefined) result = { ...result, inhibitOnFailure: inhibit };
        break;
      }
      case 'lvs_method': {
        const method = readLvsMethod(r, v);
        if (method !== undefined) result = { ...result, lvsMethod: method };
        break;
      }
    }
  }
  return result;
}

function readVirtualServer(r: Reader, s: Statement): VirtualServer | undefined {
  const target = readTarget(r, s);
  const statements = r.block(s, 'virtual_server 192.0.2.10 80 { ... }');
  if (target === undefined) return undefined;
  r.known(statements, VIRTUAL_SERVER_KEYWORDS, 'virtual_server');
  let result: { -readonly [K in keyof VirtualServer]: VirtualServer[K] } = { target, realServers: [], ...located(s) };
  for (const v of statements) {
    switch (v.keyword) {
      case 'lvs_sched':
      case 'lb_algo': {
        const sched = r.word(v, 0, 'a scheduler');
        if (sched !== undefined && LVS_SCHEDULERS.has(sched)) result = { ...result, lvsSched: sched };
        else if (sched !== undefined) r.report(v, `${v.keyword}: expected one of ${[...LVS_SCHEDULERS].join('|')}; got "${sched}"`);
        break;
      }
      case 'lvs_method':
      case 'lb_kind': {
        const method = readLvsMethod(r, v);
        if (method !== undefined) result = { ...result, lvsMethod: method };
        break;
      }
      case 'protocol': {
        // check_parser.c proto_handler() compares with strcasecmp().
        const protocol = r.word(v, 0, 'TCP, UDP or SCTP')?.toUpperCase();
        if (protocol === 'TCP' || protocol === 'UDP' || protocol === 'SCTP') result = { ...result, protocol: protocol satisfies VirtualServerProtocol };
        else if (protocol !== undefined) r.report(v, `protocol: expected TCP, UDP or SCTP; got "${v.args[0]}"`);
        break;
      }
      case 'persistence_timeout': {
        const timeout = v.args[0] === undefined ? PERSISTENCE_DEFAULT : r.integer(v, 'persistence_timeout', v.args[0], 1, PERSISTENCE_MAX);
        if (timeout !== undefined) result = { ...result, persistenceTimeout: timeout };
        break;
      }
      case 'delay_loop': {
        // check_parser.c vs_delay_handler(): read_timer(.., 1, 0, ..), at least 1 µs.
        const delay = r.timer(v, 'delay_loop', v.args[0], 0.000_001);
        if (delay !== undefined) result = { ...result, delayLoop: delay };
        break;
      }
      case 'inhibit_on_failure':
        // check_parser.c vs_inhibit_handler() takes no value.
        result = { ...result, inhibitOnFailure: true };
        break;
      case 'sorry_server': {
        const endpoint = readServerAddress(r, v);
        if (endpoint !== undefined) result = { ...result, sorryServer: { ...endpoint, ...located(v) } satisfies SorryServer };
        break;
      }
      case 'real_server': {
        const server = readRealServer(r, v);
        if (server !== undefined) result = { ...result, realServers: [...result.realServers, server] };
        break;
      }
    }
  }
  return result;
}

// ---------------------------------------------------------------- virtual_server_group

/** readGroupRange reads `ADDR`, `ADDR/LEN`, `A.B.C.D-E`, `ADDR-ADDR` (check_data.c alloc_vsg_entry()). */
function readGroupRange(r: Reader, s: Statement): { family: 4 | 6; first: string; last: string } | undefined {
  const text = s.keyword;
  const expected = 'expected ADDR, ADDR/LEN, ADDR-END or ADDR-ADDR, then an optional port';
  if (text.includes('/')) {
    const parsed = parseCidr(text);
    if (parsed === undefined || parsed.cidr.prefix === 0) return r.report(s, `virtual_server_group entry "${text}": ${expected}`);
    if (parsed.hostBitsSet) return r.report(s, `virtual_server_group entry "${text}": host bits are set; expected ${parsed.cidr.address}/${parsed.cidr.prefix}`);
    const range = cidrToRange(parsed.cidr);
    return { family: parsed.cidr.family, first: parsed.cidr.address, last: bigIntToAddress(parsed.cidr.family, range.last) };
  }
  const dash = text.indexOf('-');
  const first = parseAddress(dash === -1 ? text : text.slice(0, dash));
  if (first === undefined) return r.report(s, `virtual_server_group entry "${text}": ${expected}`);
  if (dash === -1) return { family: first.family, first: first.address, last: first.address };
  const endText = text.slice(dash + 1);
  let last: string | undefined;
  if (endText.includes(first.family === 4 ? '.' : ':')) {
    last = parseAddress(endText)?.address;
    if (last !== undefined && parseAddress(last)?.family !== first.family) last = undefined;
  } else if (first.family === 4 ? /^\d{1,3}$/.test(endText) && Number(endText) <= 255 : /^[0-9a-fA-F]{1,4}$/.test(endText)) {
    // inet_stor(): the end replaces the last octet (IPv4, decimal) or the last 16 bits (IPv6, hex).
    const base = addressToBigInt(first);
    const bits = first.family === 4 ? 8n : 16n;
    const end = BigInt(first.family === 4 ? Number(endText) : Number.parseInt(endText, 16));
    last = bigIntToAddress(first.family, ((base >> bits) << bits) | end);
  }
  if (last === undefined) return r.report(s, `virtual_server_group entry "${text}": bad range end "${endText}"; ${expected}`);
  if (addressToBigInt({ family: first.family, address: last }) <= addressToBigInt(first)) {
    return r.report(s, `virtual_server_group entry "${text}": the range end must be above its start`);
  }
  return { family: first.family, first: first.address, last };
}

function readGroupEntry(r: Reader, s: Statement, group: string): VirtualServerGroupEntry | undefined {
  if (s.keyword === 'fwmark') {
    const fwmark = r.integer(s, `virtual_server_group ${group} fwmark`, s.args[0], 0, FWMARK_MAX);
    if (fwmark === undefined) return undefined;
    const family = s.args[1];
    if (family === undefined) return { kind: 'fwmark', fwmark, ...located(s) };
    if (family === 'inet' || family === 'inet6') return { kind: 'fwmark', fwmark, family: family === 'inet' ? 4 : 6, ...located(s) };
    return r.report(s, `virtual_server_group ${group} fwmark ${fwmark}: expected inet or inet6 after it; got "${family}"`);
  }
  const range = readGroupRange(r, s);
  if (range === undefined) return undefined;
  const portText = s.args[0];
  const port = r.port(s, `virtual_server_group ${group} ${s.keyword}`, portText);
  if (port === undefined && portText !== undefined && !/^0+$/.test(portText)) return undefined;
  return { kind: 'addresses', ...range, ...(port === undefined ? {} : { port }), ...located(s) };
}

function readVirtualServerGroup(r: Reader, s: Statement): VirtualServerGroup | undefined {
  const name = r.word(s, 0, 'a name: virtual_server_group NAME { ... }');
  const statements = r.block(s, 'virtual_server_group web { 192.0.2.10 80 }');
  if (name === undefined) return undefined;
  return { name, entries: defined(statements.map((entry) => readGroupEntry(r, entry, name))), ...located(s) };
}

// ---------------------------------------------------------------- entry points

/** inReadingOrder sorts located items by file (in the order each was first read), then line. */
function inReadingOrder<T extends Located>(items: readonly T[], files: readonly string[]): T[] {
  const rank = (file: string) => {
    const index = files.indexOf(file);
    return index === -1 ? files.length : index;
  };
  return [...items].sort((a, b) => rank(a.file) - rank(b.file) || a.line - b.line);
}

/** buildKeepalived builds the typed model of a parsed configuration; it throws one ConfigError with every problem. */
export function buildKeepalived(input: BuildInput): KeepalivedModel {
  const r = new Reader();
  r.known(input.statements, ROOT_KEYWORDS, '');
  const vrrpInstances: VrrpInstance[] = [];
  const virtualServers: VirtualServer[] = [];
  const virtualServerGroups: VirtualServerGroup[] = [];
  const globalBlocks: Statement[] = [];
  for (const s of input.statements) {
    switch (s.keyword) {
      case 'global_defs':
        globalBlocks.push(s);
        break;
      case 'vrrp_instance': {
        const instance = readVrrpInstance(r, s);
        if (instance !== undefined) vrrpInstances.push(instance);
        break;
      }
      case 'virtual_server': {
        const server = readVirtualServer(r, s);
        if (server !== undefined) virtualServers.push(server);
        break;
      }
      case 'virtual_server_group': {
        const group = readVirtualServerGroup(r, s);
        if (group !== undefined) virtualServerGroups.push(group);
        break;
      }
    }
  }
  const globalDefs = readGlobalDefs(r, globalBlocks);
  if (r.problems.length > 0) throw new ConfigError(inReadingOrder(r.problems, input.files));
  return {
    files: input.files,
    includes: input.includes,
    statements: input.statements,
    ...(globalDefs === undefined ? {} : { globalDefs }),
    vrrpInstances,
    virtualServers,
    virtualServerGroups,
    deprecated: inReadingOrder(deprecatedIn(input.statements, '', []), input.files),
    unknownKeywords: inReadingOrder(r.unknown, input.files),
  };
}

/**
 * parseKeepalived reads the text of one keepalived.conf without touching the
 * file system: `include` lines are listed in `includes` but not followed.
 */
export function parseKeepalived(text: string, file: string, options: ParseKeepalivedOptions = {}): KeepalivedModel {
  const problems: InputProblem[] = [];
  const context: LexContext = newLexContext(options.configId);
  const tokens = lexKeepalived(text, file, context, problems);
  // Brace errors after a lexing error (an unterminated quote swallows the rest of its line) would only mislead.
  if (problems.length > 0) throw new ConfigError(problems);
  const tree = parseTokens(tokens, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return buildKeepalived({ statements: tree.statements, files: [file], includes: tree.includes });
}
