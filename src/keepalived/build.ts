/**
 * buildKeepalived turns the statement tree into the typed
 * {@link KeepalivedModel}. It is pure: every problem is collected with its file
 * and line, and one {@link ConfigError} carries them all.
 *
 * Choices an operator may ask about:
 * - A value keepalived reports and then ignores, defaults or skips (an
 *   address that does not parse, a number out of range, `state SLAVE`,
 *   lower-case `lb_kind dr`, `persistence_timeout 0`) is a warning naming the
 *   file, the line and keepalived's outcome, and the model holds what
 *   keepalived will run with: the firewall must match the running keepalived,
 *   not the intent. Ranges and outcomes are keepalived 2.2.7's (vrrp_parser.c,
 *   check_parser.c, check_data.c, global_parser.c).
 * - A keyword without its value is an error: keepalived exits on it
 *   (parser.c null_strvec()).
 * - Addresses are read as keepalived's inet_stosockaddr() reads them where it
 *   uses it (unicast_src_ip, unicast_peer, virtual_server, real_server,
 *   sorry_server): whatever follows the first `-` or `/` is dropped, so
 *   `192.0.2.1/24` is 192.0.2.1 (a dropped `-range` gets a warning).
 * - Keywords keepalived does not know in a block it reads are kept as data in
 *   `unknownKeywords` (keepalived logs "Unknown keyword" and goes on);
 *   keywords it has replaced are listed in `deprecated`.
 * - A port written as 0 means no port, as keepalived reads it since v2.0.7
 *   (check_data.c alloc_vs(): "Don't pass a zero for port number").
 */
import path from 'node:path';
import { addressToBigInt, bigIntToAddress, cidrToRange, familyBits, parseAddress, parseCidr } from '../net/address.js';
import { excerpt } from '../text/excerpt.js';
import { lexKeepalived } from './lexer.js';
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
  SkippedServer,
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
import { ProblemLog } from './problems.js';
import { IPVS_SYNC_GROUP4, IPVS_SYNC_PORT, VRRP_GROUP4 } from '../net/dr-protocol.js';

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
  /** The environment `${_ENV NAME}` reads (default: none). */
  readonly env?: Readonly<Record<string, string | undefined>>;
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

/** quote shows a value of the input in a message: short, control bytes escaped. */
function quote(text: string | undefined): string {
  return text === undefined ? 'nothing' : `"${excerpt(text)}"`;
}

/** Reader walks the tree and collects problems, unknown and deprecated keywords. */
class Reader {
  readonly unknown: UnknownKeyword[] = [];

  constructor(readonly log: ProblemLog) {}

  /** report: an error (lbfw builds nothing from this file). */
  report(at: Located, message: string): undefined {
    this.log.error(at, message);
    return undefined;
  }

  /** warn: keepalived reports this and goes on with `outcome`; so does lbfw. */
  warn(at: Located, message: string, outcome: string): undefined {
    this.log.warning(at, `${message}; keepalived ${outcome}`);
    return undefined;
  }

  /** word returns argument `index` of `s`, or reports that `expected` is missing (keepalived exits then). */
  word(s: Statement, index: number, expected: string): string | undefined {
    const value = s.args[index];
    return value ?? this.report(s, `${s.keyword}: expected ${expected} (keepalived stops on a missing parameter)`);
  }

  /** integer reads a decimal integer in [min, max]; a bad one is a warning with keepalived's `outcome`. */
  integer(at: Located, what: string, text: string | undefined, min: number, max: number, outcome = 'ignores it'): number | undefined {
    if (text === undefined) return this.report(at, `${what}: expected an integer ${min}-${max} (keepalived stops on a missing parameter)`);
    const value = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      return this.warn(at, `${what}: expected an integer ${min}-${max}; got ${quote(text)}`, outcome);
    }
    return value;
  }

  /**
   * timer reads keepalived's <TIMER>: seconds with up to 6 decimals (TIMER_HZ is 1000000). Without
   * `max` there is no upper bound worth checking (keepalived's TIMER_MAXIMUM is ULONG_MAX - 1 µs).
   */
  timer(at: Located, what: string, text: string | undefined, min: number, max?: number): number | undefined {
    if (text === undefined) return this.report(at, `${what}: expected seconds (keepalived stops on a missing parameter)`);
    const value = /^\d+(\.\d{1,6})?$/.test(text) ? Number(text) : Number.NaN;
    if (Number.isNaN(value) || value < min || (max !== undefined && value > max)) {
      const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
      return this.warn(at, `${what}: expected seconds ${range} (e.g. 1 or 0.5); got ${quote(text)}`, 'ignores it');
    }
    return value;
  }

  /** address reads one numeric address as inet_pton does (no names); a bad one is a warning with `outcome`. */
  address(at: Located, what: string, text: string | undefined, outcome: string): KeepalivedAddress | undefined {
    if (text === undefined) return this.report(at, `${what}: expected an IPv4 or IPv6 address (keepalived stops on a missing parameter)`);
    const parsed = parseAddress(text);
    return parsed ?? this.warn(at, `${what}: expected an IPv4 or IPv6 address; got ${quote(text)}`, outcome);
  }

  /**
   * sockaddr reads an address as keepalived's inet_stosockaddr() does: the text
   * after the first `-` or `/` is dropped. A dropped range gets a warning: it
   * does not mean what it says.
   */
  sockaddr(at: Located, what: string, text: string | undefined, outcome: string): KeepalivedAddress | undefined {
    if (text === undefined) return this.address(at, what, text, outcome);
    const cut = text.search(/[-/]/);
    const parsed = this.address(at, what, cut === -1 ? text : text.slice(0, cut), outcome);
    if (parsed !== undefined && cut !== -1 && text[cut] === '-') {
      this.warn(at, `${what} ${quote(text)}: a range is not a list of addresses here`, `uses ${parsed.address} alone`);
    }
    return parsed;
  }

  /** port reads an optional port; absent or all zeros means none (check_data.c alloc_vs()/alloc_rs()). */
  port(at: Located, what: string, text: string | undefined, outcome: string): number | undefined {
    if (text === undefined || /^0+$/.test(text)) return undefined;
    return this.integer(at, `${what} port`, text, 1, 65_535, outcome);
  }

  /** bool reads keepalived's <BOOL>; a missing value means true (e.g. `inhibit_on_failure`). */
  bool(s: Statement): boolean | undefined {
    const text = s.args[0];
    if (text === undefined || ['on', 'true', 'yes'].includes(text)) return true;
    if (['off', 'false', 'no'].includes(text)) return false;
    return this.warn(s, `${s.keyword}: expected on|off|true|false|yes|no; got ${quote(text)}`, 'ignores it');
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
      if (keywords.has(s.keyword)) continue;
      this.unknown.push({ keyword: s.keyword, block, file: s.file, line: s.line });
      if (s.block !== undefined) {
        // process_stream(): an unknown keyword takes no block: "Unexpected '{' - ignoring", then its lines
        // are read at this level and its '}' closes the enclosing block.
        this.warn(s, `unknown keyword ${quote(s.keyword)}${block === '' ? '' : ` in ${block}`} opens a block`, "ignores the '{', reads the block's lines as if they were outside it, and its '}' closes the enclosing block");
      }
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

/** isMulticast: 224.0.0.0/4 or ff00::/8. */
function isMulticast(address: KeepalivedAddress): boolean {
  return address.family === 4 ? Number(address.address.split('.')[0]) >= 224 && Number(address.address.split('.')[0]) <= 239 : /^ff/i.test(address.address);
}

/** readLvsSyncDaemon mirrors global_parser.c lvs_syncd_handler(): every bad option is reported and ignored. */
function readLvsSyncDaemon(r: Reader, s: Statement): LvsSyncDaemon | undefined {
  const iface = s.args[0];
  if (iface === undefined) return r.warn(s, 'lvs_sync_daemon: expected an interface: lvs_sync_daemon <INTERFACE> [[inst] <VRRP_INSTANCE>] [id <SYNC_ID>] [port <PORT>] [group <ADDR>]', 'ignores the line');
  // IP_VS_IFNAME_MAXLEN is 16, with the NUL.
  if (iface.length >= 16) return r.warn(s, `lvs_sync_daemon: interface name ${quote(iface)} is too long`, 'ignores the line');
  let result: { -readonly [K in keyof LvsSyncDaemon]: LvsSyncDaemon[K] } = { interface: iface, ...located(s) };
  const what = (option: string) => `lvs_sync_daemon ${option}`;
  for (let i = 1; i < s.args.length; i++) {
    const option = s.args[i] ?? '';
    const value = s.args[i + 1];
    const known = ['inst', 'id', 'maxlen', 'port', 'ttl', 'group'].includes(option);
    if (known && value === undefined && option !== 'inst') {
      r.warn(s, `${what(option)}: no value`, option === 'id' ? 'uses the virtual_router_id' : 'ignores it');
      continue;
    }
    switch (option) {
      case 'inst':
        if (value === undefined) r.report(s, `${what(option)}: expected a vrrp_instance name (keepalived stops on a missing parameter)`);
        else if (result.instance !== undefined) r.warn(s, `${what(option)} ${quote(value)}: the instance is already ${quote(result.instance)}`, 'ignores it');
        else result = { ...result, instance: value };
        i++;
        break;
      case 'id': {
        const id = r.integer(s, what(option), value, 0, 255, 'uses the virtual_router_id');
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
        const port = r.integer(s, what(option), value, 1, 65_535, `ignores it (the sync daemon uses UDP port ${IPVS_SYNC_PORT})`);
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
        const group = r.address(s, what(option), value, `ignores it (the sync daemon uses ${IPVS_SYNC_GROUP4})`);
        if (group !== undefined && !isMulticast(group)) r.warn(s, `${what(option)} ${quote(value)}: not a multicast address`, `ignores it (the sync daemon uses ${IPVS_SYNC_GROUP4})`);
        else if (group !== undefined) result = { ...result, group };
        i++;
        break;
      }
      default:
        // The old form `lvs_sync_daemon IF INSTANCE [SYNCID]`.
        if (i === 1) {
          result = { ...result, instance: option };
        } else if (i === 2) {
          const id = r.integer(s, 'lvs_sync_daemon sync id', option, 0, 255, 'uses the virtual_router_id');
          if (id !== undefined) {
            r.warn(s, 'lvs_sync_daemon: a bare sync id is the old form; write "id N"', `uses id ${id}`);
            result = { ...result, id };
          }
        } else {
          r.warn(s, `lvs_sync_daemon: unknown option ${quote(option)}; expected inst, id, maxlen, port, ttl or group`, 'ignores it');
        }
    }
  }
  return result;
}

function readGlobalDefs(r: Reader, blocks: readonly Statement[], daemon: { current?: LvsSyncDaemon }): GlobalDefs | undefined {
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
          const group = r.address(s, 'vrrp_mcast_group4', s.args[0], `skips it (VRRP uses ${VRRP_GROUP4})`);
          if (group !== undefined && (group.family !== 4 || !isMulticast(group))) r.warn(s, `vrrp_mcast_group4: expected an IPv4 multicast address; got ${quote(s.args[0])}`, `skips it (VRRP uses ${VRRP_GROUP4})`);
          else if (group !== undefined) result = { ...result, vrrpMcastGroup4: group };
          break;
        }
        case 'lvs_sync_daemon': {
          if (daemon.current !== undefined) {
            r.warn(s, `lvs_sync_daemon: already given at ${path.basename(daemon.current.file)}:${daemon.current.line}`, 'ignores this one');
            break;
          }
          const read = readLvsSyncDaemon(r, s);
          if (read !== undefined) daemon.current = read;
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
  // vrrp_ipaddress.c parse_ipaddress(): cut at the first `/`. A prefix with trailing text
  // (`192.0.2.10/24/7`) is reported "using 32", yet keepalived 2.2.7 installs the leading
  // number: its --dump-conf and the interface show 192.0.2.10/24 (keepalived-differential test).
  const slash = s.keyword.indexOf('/');
  const addressText = slash === -1 ? s.keyword : s.keyword.slice(0, slash);
  const prefixText = slash === -1 ? undefined : s.keyword.slice(slash + 1);
  const address = parseAddress(addressText);
  if (address === undefined) {
    return r.warn(s, `${block}: expected <IPADDR>[/<MASK>] [dev IFNAME] ...; got ${quote(s.keyword)}`, 'skips this address');
  }
  let prefix = familyBits(address.family);
  const leading = prefixText === undefined ? undefined : /^(\d+)\D/.exec(prefixText)?.[1];
  if (leading !== undefined && Number(leading) <= familyBits(address.family)) {
    prefix = Number(leading);
    r.warn(s, `${block} ${s.keyword} prefix: expected an integer 0-${familyBits(address.family)}; got ${quote(prefixText ?? '')}`, `says it uses /${familyBits(address.family)} but installs /${prefix} (the leading number)`);
  } else if (prefixText !== undefined) {
    const parsed = r.integer(s, `${block} ${s.keyword} prefix`, prefixText, 0, familyBits(address.family), `uses /${prefix}`);
    if (parsed !== undefined) prefix = parsed;
  }
  const values = new Map<string, string>();
  const flags: string[] = [];
  for (let i = 0; i < s.args.length; i++) {
    const option = s.args[i] ?? '';
    if (VIP_VALUE_OPTIONS.has(option)) {
      const value = s.args[i + 1];
      if (value === undefined) return r.report(s, `${block} ${s.keyword}: expected a value after "${option}" (keepalived stops on a missing parameter)`);
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
  if (s.args[0] !== 'weight') return r.warn(s, `track_interface ${s.keyword}: expected "weight N" after the interface; got ${quote(s.args[0])}`, 'ignores the extra words');
  // vrrp_track.c alloc_track_if(): -254..254 accepted, ±254 become ±253.
  const weight = r.integer(s, `track_interface ${s.keyword} weight`, s.args[1], -254, 254, 'skips this interface');
  if (weight === undefined) return undefined;
  return { name: s.keyword, weight: Math.max(-253, Math.min(253, weight)), ...located(s) };
}

/** readUnicastPeer mirrors vrrp_data.c alloc_vrrp_unicast_peer(). */
function readUnicastPeer(r: Reader, s: Statement, family: { value?: 4 | 6 }, instance: string): UnicastPeer | undefined {
  const address = r.sockaddr(s, `vrrp_instance ${instance} unicast_peer`, s.keyword, 'skips this peer');
  if (address === undefined) return undefined;
  if (family.value !== undefined && address.family !== family.value) {
    return r.warn(s, `vrrp_instance ${instance} unicast_peer ${quote(s.keyword)}: not of the instance's address family (IPv${family.value})`, 'skips this peer');
  }
  family.value = address.family;
  let peer: { -readonly [K in keyof UnicastPeer]: UnicastPeer[K] } = { ...address, ...located(s) };
  for (let i = 0; i < s.args.length; i += 2) {
    const option = s.args[i] ?? '';
    if (s.args[i + 1] === undefined) {
      r.warn(s, `unicast_peer ${s.keyword}: ${quote(option)} has no value`, 'ignores it');
      break;
    }
    const ttl = r.integer(s, `unicast_peer ${s.keyword} ${option}`, s.args[i + 1], 0, 255);
    if (ttl === undefined) continue;
    if (option !== 'min_ttl' && option !== 'max_ttl') {
      r.warn(s, `unicast_peer ${s.keyword}: unknown option ${quote(option)}`, 'ignores the rest of the line');
      break;
    }
    peer = option === 'min_ttl' ? { ...peer, minTtl: ttl } : { ...peer, maxTtl: ttl };
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
      else if (type !== undefined) r.warn(a, `auth_type: expected PASS or AH; got ${quote(type)}`, 'ignores it');
    } else if (a.keyword === 'auth_pass') {
      const pass = r.word(a, 0, 'a password');
      // vrrp_auth_pass_handler(): auth_data holds 8 bytes.
      if (pass !== undefined && pass.length > 8) r.warn(a, 'auth_pass: longer than 8 characters', 'uses the first 8');
      if (pass !== undefined) result = { ...result, authPass: pass };
    }
  }
  return result;
}

function defined<T>(items: ReadonlyArray<T | undefined>): T[] {
  return items.filter((item): item is T => item !== undefined);
}

function readVrrpInstance(r: Reader, s: Statement, daemon: { current?: LvsSyncDaemon }): VrrpInstance | undefined {
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
  /** The instance's address family, set by the first unicast_src_ip or peer (vrrp->family). */
  const family: { value?: 4 | 6 } = {};
  for (const v of statements) {
    const what = `vrrp_instance ${name} ${v.keyword}`;
    switch (v.keyword) {
      case 'state': {
        // vrrp_state_handler(): case-sensitive; anything else is BACKUP; BACKUP after MASTER is ignored.
        const state = r.word(v, 0, 'MASTER or BACKUP');
        if (state === 'MASTER') result = { ...result, state };
        else if (state === 'BACKUP' && result.state === 'MASTER') r.warn(v, `${what} BACKUP: state was already set to MASTER`, 'ignores BACKUP');
        else if (state === 'BACKUP') result = { ...result, state };
        else if (state !== undefined) {
          r.warn(v, `${what}: expected MASTER or BACKUP (upper case); got ${quote(state)}`, 'defaults to BACKUP');
          result = { ...result, state: 'BACKUP' satisfies VrrpState };
        }
        break;
      }
      case 'interface': {
        const iface = r.word(v, 0, 'an interface name');
        if (iface !== undefined && iface.length >= 16) r.warn(v, `${what}: interface name ${quote(iface)} is too long`, 'ignores it');
        else if (iface !== undefined) result = { ...result, interface: iface };
        break;
      }
      case 'virtual_router_id': {
        const id = r.integer(v, what, v.args[0], 1, 255, 'ignores it (and refuses an instance without one)');
        if (id !== undefined) result = { ...result, virtualRouterId: id };
        break;
      }
      case 'priority': {
        // vrrp_prio_handler(): "Priority not valid! must be between 1 & 255. Using default 100".
        const priority = r.integer(v, what, v.args[0], 1, 255, 'uses the default, 100');
        result = { ...result, priority: priority ?? 100 };
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
        // vrrp_srcip_handler(): inet_stosockaddr(), so `192.0.2.1/24` is 192.0.2.1.
        const address = r.sockaddr(v, what, v.args[0], 'skips it');
        if (address === undefined) break;
        if (family.value !== undefined && address.family !== family.value) {
          r.warn(v, `${what} ${quote(v.args[0])}: not of the instance's address family (IPv${family.value})`, 'skips it');
          break;
        }
        family.value = address.family;
        result = { ...result, unicastSrcIp: { ...address, ...located(v) } };
        break;
      }
      case 'unicast_peer':
        result = { ...result, unicastPeer: [...result.unicastPeer, ...defined(r.block(v, 'unicast_peer { 192.0.2.2 }').map((line) => readUnicastPeer(r, line, family, name)))] };
        break;
      case 'lvs_sync_daemon_interface': {
        // vrrp_lvs_syncd_handler(): sets the global sync daemon unless one is set already.
        const iface = r.word(v, 0, 'an interface name');
        if (iface === undefined) break;
        result = { ...result, lvsSyncDaemonInterface: iface };
        if (daemon.current !== undefined) r.warn(v, `${what}: the sync daemon is already set at ${path.basename(daemon.current.file)}:${daemon.current.line}`, 'ignores this one');
        else daemon.current = { interface: iface, instance: name, ...located(v) };
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

/** readTarget mirrors check_data.c alloc_vs(); a target keepalived cannot read skips the whole block. */
function readTarget(r: Reader, s: Statement): VirtualServerTarget | undefined {
  const first = r.word(s, 0, '<IPADDR> [<PORT>], fwmark <INTEGER> or group <STRING>');
  if (first === undefined) return undefined;
  const skip = 'skips this virtual_server and its block';
  if (first === 'fwmark') {
    const fwmark = r.integer(s, 'virtual_server fwmark', s.args[1], 0, FWMARK_MAX, skip);
    return fwmark === undefined ? undefined : { kind: 'fwmark', fwmark };
  }
  if (first === 'group') {
    const group = r.word(s, 1, 'the name of a virtual_server_group');
    return group === undefined ? undefined : { kind: 'group', group };
  }
  const address = r.sockaddr(s, 'virtual_server', first, skip);
  if (address === undefined) return undefined;
  const portText = s.args[1];
  const port = r.port(s, `virtual_server ${first}`, portText, skip);
  if (port === undefined && portText !== undefined && !/^0+$/.test(portText)) return undefined;
  return { kind: 'address', ...address, ...(port === undefined ? {} : { port }) };
}

/** readLvsMethod mirrors svr_forwarding_handler(): NAT, DR or TUN exactly as written (strcmp). */
function readLvsMethod(r: Reader, s: Statement, fallback: string): LvsMethod | undefined {
  const method = r.word(s, 0, 'NAT, DR or TUN');
  if (method === 'NAT' || method === 'DR' || method === 'TUN') return method;
  if (method !== undefined) {
    const hint = ['NAT', 'DR', 'TUN'].includes(method.toUpperCase()) ? ` (keepalived compares case-sensitively: write ${method.toUpperCase()})` : '';
    r.warn(s, `${s.keyword}: expected NAT, DR or TUN; got ${quote(method)}${hint}`, `ignores it and keeps ${fallback}`);
  }
  return undefined;
}

/** readServerAddress reads `<IPADDR> [<PORT>]` of a real or sorry server (alloc_rs()/alloc_ssvr()). */
function readServerAddress(r: Reader, s: Statement, outcome: string): (KeepalivedAddress & { port?: number }) | undefined {
  const address = r.sockaddr(s, s.keyword, s.args[0], outcome);
  if (address === undefined) return undefined;
  const portText = s.args[1];
  const port = r.port(s, `${s.keyword} ${s.args[0]}`, portText, outcome);
  if (port === undefined && portText !== undefined && !/^0+$/.test(portText)) return undefined;
  return port === undefined ? address : { ...address, port };
}

function readChecker(r: Reader, s: Statement): HealthChecker {
  const settings = s.block ?? [];
  let checker: { -readonly [K in keyof HealthChecker]: HealthChecker[K] } = { kind: s.keyword, settings, ...located(s) };
  for (const c of settings) {
    if (c.keyword === 'connect_port') {
      const port = r.integer(c, `${s.keyword} connect_port`, c.args[0], 1, 65_535, 'ignores it (the check connects to the real server port)');
      if (port !== undefined) checker = { ...checker, connectPort: port };
    } else if (c.keyword === 'connect_ip') {
      const address = r.address(c, `${s.keyword} connect_ip`, c.args[0], 'ignores it (the check connects to the real server address)');
      if (address !== undefined) checker = { ...checker, connectIp: address };
    }
  }
  return checker;
}

function readRealServer(r: Reader, s: Statement): RealServerEntry | undefined {
  const endpoint = readServerAddress(r, s, 'skips this real_server and its block');
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
        const weight = r.integer(v, `real_server ${s.args[0]} weight`, v.args[0], 0, WEIGHT_MAX, 'ignores it (weight 1)');
        if (weight !== undefined) result = { ...result, weight };
        break;
      }
      case 'inhibit_on_failure': {
        const inhibit = r.bool(v);
        if (inhibit !== undefined) result = { ...result, inhibitOnFailure: inhibit };
        break;
      }
      case 'lvs_method': {
        const method = readLvsMethod(r, v, "the virtual server's method");
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
  // Pushed to, not copied: a virtual server may have 100,000 real servers.
  const realServers: RealServerEntry[] = [];
  const skipped: SkippedServer[] = [];
  let result: { -readonly [K in keyof VirtualServer]: VirtualServer[K] } = { target, realServers, skippedServers: skipped, ...located(s) };
  /** The virtual server's family: its address, else its first real or sorry server (vs->af). */
  let family: 4 | 6 | undefined = target.kind === 'address' ? target.family : undefined;
  for (const v of statements) {
    switch (v.keyword) {
      case 'lvs_sched':
      case 'lb_algo': {
        const sched = r.word(v, 0, 'a scheduler');
        if (sched !== undefined && LVS_SCHEDULERS.has(sched)) result = { ...result, lvsSched: sched };
        else if (sched !== undefined) r.warn(v, `${v.keyword}: expected one of ${[...LVS_SCHEDULERS].join('|')}; got ${quote(sched)}`, 'ignores it');
        break;
      }
      case 'lvs_method':
      case 'lb_kind': {
        const method = readLvsMethod(r, v, result.lvsMethod ?? 'the default, NAT');
        if (method !== undefined) result = { ...result, lvsMethod: method };
        break;
      }
      case 'protocol': {
        // check_parser.c proto_handler() compares with strcasecmp().
        const protocol = r.word(v, 0, 'TCP, UDP or SCTP')?.toUpperCase();
        if (protocol === 'TCP' || protocol === 'UDP' || protocol === 'SCTP') result = { ...result, protocol: protocol satisfies VirtualServerProtocol };
        else if (protocol !== undefined) r.warn(v, `protocol: expected TCP, UDP or SCTP; got ${quote(v.args[0])}`, 'ignores it');
        break;
      }
      case 'persistence_timeout': {
        // pto_handler(): no value is 360 s; a bad one (0 too) is reported and ignored: no persistence.
        const timeout = v.args[0] === undefined ? PERSISTENCE_DEFAULT : r.integer(v, 'persistence_timeout', v.args[0], 1, PERSISTENCE_MAX, 'ignores it: the service is not persistent');
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
        const endpoint = readServerAddress(r, v, 'skips the sorry server');
        if (endpoint === undefined) break;
        if (family !== undefined && endpoint.family !== family) {
          r.warn(v, `sorry_server ${quote(v.args[0])}: IPv${endpoint.family} in an IPv${family} virtual_server`, 'skips the sorry server');
          skipped.push({ ...endpoint, ...located(v) });
          break;
        }
        result = { ...result, sorryServer: { ...endpoint, ...located(v) } satisfies SorryServer };
        break;
      }
      case 'real_server': {
        const server = readRealServer(r, v);
        if (server === undefined) break;
        // rs_end_handler(): a real server of the other family is dropped, unless it is tunnelled.
        if (family !== undefined && server.family !== family && (server.lvsMethod ?? result.lvsMethod) !== 'TUN') {
          r.warn(v, `real_server ${quote(v.args[0])}: IPv${server.family} in an IPv${family} virtual_server`, 'skips this real server ("Address family of virtual server and real server don\'t match")');
          skipped.push(server);
          break;
        }
        if (family === undefined && (server.lvsMethod ?? result.lvsMethod) !== 'TUN') family = server.family;
        realServers.push(server);
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
  // alloc_vsg_entry(): "Invalid virtual server group IP address ... - skipping".
  if (first === undefined) return r.warn(s, `virtual_server_group entry ${quote(text)}: ${expected}`, 'skips this entry');
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
    const fwmark = r.integer(s, `virtual_server_group ${group} fwmark`, s.args[0], 0, FWMARK_MAX, 'skips this entry');
    if (fwmark === undefined) return undefined;
    const family = s.args[1];
    if (family === undefined) return { kind: 'fwmark', fwmark, ...located(s) };
    if (family === 'inet' || family === 'inet6') return { kind: 'fwmark', fwmark, family: family === 'inet' ? 4 : 6, ...located(s) };
    return r.warn(s, `virtual_server_group ${group} fwmark ${fwmark}: expected inet or inet6 after it; got ${quote(family)}`, 'skips this entry');
  }
  const range = readGroupRange(r, s);
  if (range === undefined) return undefined;
  const portText = s.args[0];
  const port = r.port(s, `virtual_server_group ${group} ${s.keyword}`, portText, 'skips this entry');
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

/**
 * buildKeepalived builds the typed model of a parsed configuration. Errors
 * (in `log` already or found here) throw one ConfigError; warnings go into
 * the model.
 */
export function buildKeepalived(input: BuildInput, log: ProblemLog = new ProblemLog()): KeepalivedModel {
  const r = new Reader(log);
  r.known(input.statements, ROOT_KEYWORDS, '');
  const vrrpInstances: VrrpInstance[] = [];
  const virtualServers: VirtualServer[] = [];
  const virtualServerGroups: VirtualServerGroup[] = [];
  const globalBlocks: Statement[] = [];
  // The sync daemon is set once, by the first lvs_sync_daemon (global_defs) or lvs_sync_daemon_interface (vrrp_instance).
  const daemon: { current?: LvsSyncDaemon } = {};
  let globalDefs: GlobalDefs | undefined;
  for (const s of input.statements) {
    switch (s.keyword) {
      case 'global_defs': {
        globalBlocks.push(s);
        const read = readGlobalDefs(r, [s], daemon);
        if (read !== undefined) globalDefs = globalDefs === undefined ? read : { ...globalDefs, ...read, file: globalDefs.file, line: globalDefs.line };
        break;
      }
      case 'vrrp_instance': {
        const instance = readVrrpInstance(r, s, daemon);
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
  if (daemon.current !== undefined) {
    const lvsSyncDaemon = daemon.current;
    globalDefs = globalDefs === undefined ? { file: lvsSyncDaemon.file, line: lvsSyncDaemon.line, lvsSyncDaemon } : { ...globalDefs, lvsSyncDaemon };
  }
  log.throwIfErrors((problems) => inReadingOrder(problems, input.files));
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
    warnings: log.warningList(),
  };
}

/**
 * parseKeepalived reads the text of one keepalived.conf without touching the
 * file system: `include` lines are listed in `includes` but not followed.
 * `${_PWD}` is the directory of `file`.
 */
export function parseKeepalived(text: string, file: string, options: ParseKeepalivedOptions = {}): KeepalivedModel {
  const log = new ProblemLog();
  const dir = path.dirname(path.resolve(file));
  const tokens = lexKeepalived({ path: file, real: path.resolve(file), dir, text }, log, {
    ...(options.configId === undefined ? {} : { configId: options.configId }),
    env: options.env ?? {},
  });
  // Brace errors after a lexing error (an unterminated quote swallows the rest of its line) would only mislead.
  log.throwIfErrors();
  const tree = parseTokens(tokens, log);
  log.throwIfErrors();
  return buildKeepalived({ statements: tree.statements, files: [file], includes: tree.includes }, log);
}
