/**
 * The flags that say which host lbfw works on (config file, quick flags,
 * state directory), shared by every command that needs them.
 */
import path from 'node:path';
import { Command, Option } from 'commander';
import { loadConfigWithNotes } from '../config/load.js';
import type { HostConfig } from '../config/model.js';
import type { FirewallOptions } from '../firewall/options.js';
import type { Io } from './io.js';
import { HOST_PARTS, type HostOptions, type HostPart } from '../host/options.js';
import { UsageError } from '../errors.js';
import { excerpt } from '../text/excerpt.js';

/** HostFlags: what commander parses from the shared flags. */
export interface HostFlags {
  readonly config?: string;
  readonly keepalived?: string;
  readonly keepalivedId?: string;
  readonly role?: string;
  readonly vip?: string[];
  readonly iface?: string;
  readonly mgmt?: string[];
  readonly peer?: string[];
  readonly realserver?: string[];
  readonly blacklist?: string;
  readonly inputPolicy?: string;
  readonly stateDir?: string;
  readonly wait?: string;
  readonly json?: boolean;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * hostFlagWords gives back the host-choosing flags as they were given, so a
 * command lbfw prints (the doctor's fixes) names the same host.
 */
export function hostFlagWords(flags: HostFlags & { readonly root?: string }): string[] {
  const words: string[] = [];
  const one = (name: string, value: string | undefined): void => {
    if (value !== undefined) words.push(name, value);
  };
  const many = (name: string, values: readonly string[] | undefined): void => {
    for (const value of values ?? []) words.push(name, value);
  };
  one('--config', flags.config);
  one('--keepalived', flags.keepalived);
  one('--keepalived-id', flags.keepalivedId);
  one('--role', flags.role);
  many('--vip', flags.vip);
  one('--iface', flags.iface);
  many('--mgmt', flags.mgmt);
  many('--peer', flags.peer);
  many('--realserver', flags.realserver);
  one('--blacklist', flags.blacklist);
  one('--input-policy', flags.inputPolicy);
  one('--state-dir', flags.stateDir);
  one('--root', flags.root);
  return words;
}

/** addHostOptions adds the config and quick-config flags to a command. */
export function addHostOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'host config (default: $LBFW_CONFIG or /etc/lbfw/lbfw.yaml)')
    .option('--keepalived <file>', 'read VIPs, services, real servers and peers from keepalived.conf (default: /etc/keepalived/keepalived.conf when it exists)')
    .option('--keepalived-id <id>', "keepalived's config id for @ID lines of keepalived.conf, as keepalived -i (default: the host name up to its first dot)")
    .addOption(new Option('--role <role>', 'quick config: host role').choices(['director', 'realserver']))
    .option('--vip <addr:port[/proto]>', 'quick config: a VIP service (repeatable)', collect)
    .option('--iface <name>', 'quick config: VIP interface (director) or client-facing interface (real server)')
    .option('--mgmt <cidr>', 'quick config: management source allowed to SSH in (repeatable)', collect)
    .option('--peer <addr>', 'quick config: peer director (repeatable)', collect)
    .option('--realserver <addr[:port]>', 'quick config: real server (repeatable)', collect)
    .option('--blacklist <file>', 'static blacklist (default /etc/lbfw/static_blacklist)')
    .addOption(new Option('--input-policy <policy>', 'input chain policy').choices(['drop', 'accept']))
    .option('--state-dir <dir>', 'lbfw state: backups, lock (default: $LBFW_STATE_DIR or /var/lib/lbfw)')
    .option('--wait <seconds>', 'wait this long for another lbfw run to finish', '60');
}

/** PartFlags: the flags choosing which parts of the host plan/apply/verify handle. */
export interface PartFlags {
  readonly root?: string;
  readonly profile?: string;
  readonly only?: string;
}

/** addPartOptions adds --root, --profile and --only. */
export function addPartOptions(command: Command): Command {
  return command
    .option('--root <dir>', 'prefix for /etc/sysctl.d and /etc/lbfw/profiles (default: $LBFW_ROOT or /)')
    .option('--profile <name>', 'sysctl profile (default: director-dr or realserver-dr by role)')
    .option('--only <parts>', `handle only these parts, comma-separated: ${HOST_PARTS.join(',')}`);
}

/** hostOptionsFrom maps the part flags onto library options. */
export function hostOptionsFrom(flags: HostFlags & PartFlags, io: Io): HostOptions {
  let only: HostPart[] | undefined;
  if (flags.only !== undefined) {
    only = flags.only.split(',').map((p) => p.trim()) as HostPart[];
    const unknown = only.filter((p) => !HOST_PARTS.includes(p));
    if (unknown.length > 0) throw new UsageError(`--only takes ${HOST_PARTS.join(', ')}; not ${unknown.join(', ')}`);
  }
  return {
    ...firewallOptionsFrom(flags, io),
    ...(flags.root === undefined ? {} : { root: flags.root }),
    ...(flags.profile === undefined ? {} : { profile: flags.profile }),
    ...(only === undefined ? {} : { only }),
  };
}

/** addStateOptions adds only the state-directory flags (rollback, confirm). */
export function addStateOptions(command: Command): Command {
  return command
    .option('--state-dir <dir>', 'lbfw state: backups, lock (default: $LBFW_STATE_DIR or /var/lib/lbfw)')
    .option('--wait <seconds>', 'wait this long for another lbfw run to finish', '60');
}

/**
 * hostConfigFrom loads the config the flags describe; what keepalived.conf
 * defines but lbfw cannot express is noted on stderr.
 */
export async function hostConfigFrom(flags: HostFlags & Pick<PartFlags, 'root'>, io: Io): Promise<HostConfig> {
  // --root (or LBFW_ROOT) prefixes the default paths lbfw reads too, so a
  // lab node or a test never picks up the host's own /etc files.
  const root = flags.root ?? (io.env['LBFW_ROOT'] === '' ? undefined : io.env['LBFW_ROOT']);
  const loaded = await loadConfigWithNotes({
    ...(root === undefined ? {} : { defaultPath: path.join(root, 'etc/lbfw/lbfw.yaml'), defaultKeepalivedPath: path.join(root, 'etc/keepalived/keepalived.conf') }),
    ...(flags.config === undefined ? {} : { configPath: flags.config }),
    ...(flags.keepalived === undefined ? {} : { keepalivedPath: flags.keepalived }),
    ...(flags.keepalivedId === undefined ? {} : { keepalivedId: flags.keepalivedId }),
    env: io.env,
    flags: {
      role: flags.role,
      vip: flags.vip,
      iface: flags.iface,
      mgmt: flags.mgmt,
      peer: flags.peer,
      realserver: flags.realserver,
      blacklist: flags.blacklist,
      inputPolicy: flags.inputPolicy,
    },
  });
  for (const note of loaded.notes) io.err(`${note.severity}: ${note.file}:${note.line}: ${note.message}\n`);
  return loaded.config;
}

/** firewallOptionsFrom maps the state flags onto library options. */
export function firewallOptionsFrom(flags: Pick<HostFlags, 'stateDir' | 'wait'>, io: Io): FirewallOptions {
  const text = flags.wait ?? '60';
  const wait = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !Number.isFinite(wait) || wait > 86400) {
    throw new UsageError(`--wait takes seconds from 0 to 86400, not "${excerpt(text)}"`);
  }
  return {
    env: io.env,
    ...(flags.stateDir === undefined ? {} : { stateDir: flags.stateDir }),
    waitSeconds: wait,
  };
}
