/**
 * Quick flags: the same {@link HostConfig} from the command line, either on
 * their own (`lbfw apply --role realserver --vip 192.0.2.10:80`) or on top of a
 * config file. Problems are reported as a {@link ConfigError} whose file is
 * {@link COMMAND_LINE} and whose messages name the flag.
 *
 * - List flags (`--vip`, `--mgmt`, `--peer`, `--realserver`) may be repeated
 *   and each value may hold several items separated by commas. They ADD to a
 *   config file; an item already there is skipped (the file's origin stays).
 * - `--iface`, `--blacklist` and `--input-policy` REPLACE the file's value.
 *   `--iface` is `interfaces.vip` on a director, `interfaces.client` on a real
 *   server. A relative `--blacklist` is taken from the current directory.
 * - `--role` must agree with the file's role.
 */
import path from 'node:path';
import { ConfigError, type InputProblem } from '../errors.js';
import {
  DEFAULT_BLACKLIST_PATH,
  DEFAULT_SSH_PORT,
  type Cidr,
  type HostConfig,
  type InputPolicy,
  type Interfaces,
  type Origin,
  type Peer,
  type RealServer,
  type Role,
  type VipAddress,
  type VipService,
} from './model.js';
import { addUnique, cidrKey, peerKey, realServerKey, serviceKey } from './merge.js';
import {
  type Checked,
  REALSERVER_NEEDS_VIP,
  ROLES,
  checkHostAddress,
  checkInputPolicy,
  checkInterfaceName,
  checkRole,
  checkSource,
} from './values.js';
import { parseRealServerSpec, parseVipFlag } from './vip-spec.js';

/** The `file` of problems found in command-line flags. */
export const COMMAND_LINE = '<command line>';

/** QuickFlags are the host-describing flags of the CLI, as commander hands them over. */
export interface QuickFlags {
  readonly role?: string | undefined;
  /** `--vip ADDR:PORT[/PROTO]`, repeatable. */
  readonly vip?: readonly string[] | undefined;
  /** `--iface NAME`. */
  readonly iface?: string | undefined;
  /** `--mgmt ADDR[/LEN]`, repeatable: sources allowed to SSH in. */
  readonly mgmt?: readonly string[] | undefined;
  /** `--blacklist FILE`. */
  readonly blacklist?: string | undefined;
  /** `--peer ADDR`, repeatable (director only). */
  readonly peer?: readonly string[] | undefined;
  /** `--realserver ADDR[:PORT]`, repeatable (director only). */
  readonly realserver?: readonly string[] | undefined;
  /** `--input-policy drop|accept`. */
  readonly inputPolicy?: string | undefined;
}

/** What the flags other than `--role` say, checked against a role. */
interface FlagPart {
  readonly services: readonly VipService[];
  readonly vipAddresses: readonly VipAddress[];
  readonly peers: readonly Peer[];
  readonly realServers: readonly RealServer[];
  readonly sources: readonly Cidr[];
  readonly iface?: string;
  readonly blacklistPath?: string;
  readonly inputPolicy?: InputPolicy;
}

class FlagProblems {
  readonly problems: InputProblem[] = [];

  report(flag: string, message: string): undefined {
    this.problems.push({ file: COMMAND_LINE, line: 0, message: `${flag}: ${message}` });
    return undefined;
  }

  accept<T>(flag: string, result: Checked<T>): T | undefined {
    return result.ok ? result.value : this.report(flag, result.problem);
  }

  /** each checks every comma-separated item of a repeatable flag and keeps those that pass. */
  each<T>(flag: string, values: readonly string[] | undefined, check: (text: string, origin: Origin) => Checked<T>): T[] {
    const items = (values ?? []).flatMap((value) => value.split(',')).map((item) => item.trim());
    const origin: Origin = { kind: 'flag', flag };
    const kept: T[] = [];
    for (const item of items) {
      if (item === '') continue;
      const value = this.accept(flag, check(item, origin));
      if (value !== undefined) kept.push(value);
    }
    return kept;
  }

  throwIfAny(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}

function withOrigin<T extends object>(result: Checked<T>, origin: Origin): Checked<T & { origin: Origin }> {
  return result.ok ? { ok: true, value: { ...result.value, origin } } : result;
}

function directorOnly(problems: FlagProblems, flag: string, values: readonly string[] | undefined, role: Role, meaning: string): boolean {
  if (role === 'director' || values === undefined || values.length === 0) return true;
  problems.report(flag, `is only for role director (${meaning}); a ${role} does not take it`);
  return false;
}

function readFlagPart(problems: FlagProblems, flags: QuickFlags, role: Role): FlagPart {
  const vips = problems.each('--vip', flags.vip, (text, origin) => withOrigin(parseVipFlag(text), origin));
  const services = vips.filter((v): v is VipService => 'port' in v);
  const vipAddresses = vips.filter((v) => !('port' in v));
  const sources = problems.each('--mgmt', flags.mgmt, (text) => checkSource(text));
  const peers = directorOnly(problems, '--peer', flags.peer, role, 'other directors sharing the VIPs')
    ? problems.each('--peer', flags.peer, (text, origin) => withOrigin(checkHostAddress(text), origin))
    : [];
  const realServers = directorOnly(problems, '--realserver', flags.realserver, role, 'the backends a director forwards to')
    ? problems.each('--realserver', flags.realserver, (text, origin) => withOrigin(parseRealServerSpec(text), origin))
    : [];
  const iface = flags.iface === undefined ? undefined : problems.accept('--iface', checkInterfaceName(flags.iface));
  const inputPolicy = flags.inputPolicy === undefined ? undefined : problems.accept('--input-policy', checkInputPolicy(flags.inputPolicy));
  let blacklistPath: string | undefined;
  if (flags.blacklist !== undefined) {
    blacklistPath =
      flags.blacklist.trim() === ''
        ? problems.report('--blacklist', 'expected the path of the static blacklist file; got an empty string')
        : path.resolve(flags.blacklist);
  }
  return {
    services: addUnique([], services, serviceKey),
    vipAddresses: addUnique([], vipAddresses, peerKey),
    peers: addUnique([], peers, peerKey),
    realServers: addUnique([], realServers, realServerKey),
    sources: addUnique([], sources, cidrKey),
    ...(iface === undefined ? {} : { iface }),
    ...(blacklistPath === undefined ? {} : { blacklistPath }),
    ...(inputPolicy === undefined ? {} : { inputPolicy }),
  };
}

/** withIface puts `--iface` where the role keeps its traffic interface. */
function withIface(interfaces: Interfaces, role: Role, iface: string | undefined): Interfaces {
  if (iface === undefined) return interfaces;
  return role === 'director' ? { ...interfaces, vip: iface } : { ...interfaces, client: iface };
}

/**
 * buildQuickConfig makes a host config from flags alone. `--role` is required;
 * a real server needs at least one `--vip`. Defaults are those of the file:
 * SSH port 22, the default blacklist path, input policy drop, no management
 * sources.
 */
export function buildQuickConfig(flags: QuickFlags): HostConfig {
  const problems = new FlagProblems();
  let role: Role | undefined;
  if (flags.role === undefined) {
    problems.report('--role', `is required without a config file; expected --role ${ROLES.join(' or --role ')}`);
  } else {
    role = problems.accept('--role', checkRole(flags.role));
  }
  // Without a valid role, check the other flags as for a director so that only their own problems show.
  const part = readFlagPart(problems, flags, role ?? 'director');
  if (role === 'realserver' && part.services.length === 0 && part.vipAddresses.length === 0 && (flags.vip ?? []).length === 0) {
    problems.report('--vip', REALSERVER_NEEDS_VIP);
  }
  // A missing or bad role has been reported, so there is always a problem to throw when it is undefined.
  if (role === undefined || problems.problems.length > 0) throw new ConfigError(problems.problems);
  return {
    role,
    interfaces: withIface({}, role, part.iface),
    services: part.services,
    ...(part.vipAddresses.length === 0 ? {} : { vipAddresses: part.vipAddresses }),
    peers: part.peers,
    realServers: part.realServers,
    management: { sources: part.sources, sshPort: DEFAULT_SSH_PORT, allow: [] },
    blacklistPath: part.blacklistPath ?? DEFAULT_BLACKLIST_PATH,
    inputPolicy: part.inputPolicy ?? 'drop',
  };
}

/**
 * mergeFlags lays explicit flags over a config (usually read from a file):
 * list flags add the items not there yet, `--iface`, `--blacklist` and
 * `--input-policy` replace, and a `--role` other than the config's is refused.
 */
export function mergeFlags(base: HostConfig, flags: QuickFlags): HostConfig {
  const problems = new FlagProblems();
  if (flags.role !== undefined) {
    const role = problems.accept('--role', checkRole(flags.role));
    if (role !== undefined && role !== base.role) {
      problems.report(
        '--role',
        `${role} conflicts with "role: ${base.role}" in ${base.file ?? 'the config'}; drop --role or change the config`,
      );
    }
  }
  const part = readFlagPart(problems, flags, base.role);
  problems.throwIfAny();
  return {
    ...base,
    interfaces: withIface(base.interfaces, base.role, part.iface),
    services: addUnique(base.services, part.services, serviceKey),
    ...(part.vipAddresses.length === 0 ? {} : { vipAddresses: addUnique(base.vipAddresses ?? [], part.vipAddresses, peerKey) }),
    peers: addUnique(base.peers, part.peers, peerKey),
    realServers: addUnique(base.realServers, part.realServers, realServerKey),
    management: { ...base.management, sources: addUnique(base.management.sources, part.sources, cidrKey) },
    blacklistPath: part.blacklistPath ?? base.blacklistPath,
    inputPolicy: part.inputPolicy ?? base.inputPolicy,
  };
}
