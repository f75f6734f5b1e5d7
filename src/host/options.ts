/**
 * Options of the whole-host operations (`lbfw plan`, `apply`, `verify`):
 * kernel settings, VIPs on lo, firewall.
 */
import path from 'node:path';
import type { BlacklistOptions, FirewallOptions } from '../firewall/options.js';
import type { PersistLocation } from '../sysctl/persist.js';
import type { SysctlOptions } from '../sysctl/host.js';
import { statePaths } from '../state/paths.js';

/** The parts of a host lbfw manages, in the order apply handles them. */
export const HOST_PARTS = ['sysctl', 'vips', 'firewall'] as const;

/** HostPart: one of {@link HOST_PARTS}. */
export type HostPart = (typeof HOST_PARTS)[number];

/** HostOptions: firewall options plus where kernel settings come from and go. */
export interface HostOptions extends FirewallOptions, BlacklistOptions {
  /**
   * Prefix of the files lbfw reads and writes outside its state directory:
   * `ROOT/etc/sysctl.d`, `ROOT/etc/lbfw/profiles`. Default `$LBFW_ROOT` or `/`.
   */
  readonly root?: string;
  /** Sysctl profile name; default by role. */
  readonly profile?: string;
  /** The parts to handle; default all. */
  readonly only?: readonly HostPart[];
  /** Restore the previous firewall unless `confirm` runs within this many seconds. */
  readonly confirmSeconds?: number;
}

/** Where the sysctl layer reads profiles and /proc/sys, and where it persists. */
export interface SysctlPaths {
  readonly sysctl: SysctlOptions;
  readonly persist: PersistLocation;
  /** True when --root or LBFW_ROOT named the root (not the default `/`). */
  readonly explicitRoot: boolean;
  /** The record of the VIPs lbfw put on lo. */
  readonly vipRecord: string;
}

/** includes says whether a part is to be handled. */
export function includes(options: HostOptions, part: HostPart): boolean {
  return options.only === undefined || options.only.includes(part);
}

/** sysctlPaths resolves the root-relative paths of the sysctl layer. */
export function sysctlPaths(options: HostOptions): SysctlPaths {
  const env = options.env ?? process.env;
  // An empty LBFW_ROOT counts as unset, never as the current directory.
  const named = options.root ?? (env['LBFW_ROOT'] === '' ? undefined : env['LBFW_ROOT']);
  const root = path.resolve(named ?? '/');
  const under = (p: string): string => path.join(root, p);
  return {
    sysctl: { userDir: under('etc/lbfw/profiles'), ...(options.profile === undefined ? {} : { profile: options.profile }) },
    persist: {
      dir: under('etc/sysctl.d'),
      // systemd-sysctl's search path (sysctl.d(5)), under the same root.
      searchDirs: ['etc/sysctl.d', 'run/sysctl.d', 'usr/local/lib/sysctl.d', 'usr/lib/sysctl.d', 'lib/sysctl.d'].map(under),
      sysctlConf: under('etc/sysctl.conf'),
    },
    vipRecord: path.join(statePaths(options.stateDir, env).dir, 'vips.json'),
    explicitRoot: named !== undefined,
  };
}
