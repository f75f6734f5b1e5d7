/**
 * Options shared by the firewall operations (plan, apply, verify, rollback,
 * confirm, blacklist changes).
 */
import type { NftBackend } from '../nft/backend.js';
import { selectBackend } from '../nft/select.js';
import { assertNetAdmin } from '../nft/privilege.js';
import { statePaths, type StatePaths } from '../state/paths.js';

/** FirewallOptions: how an operation reaches nftables and lbfw's state. */
export interface FirewallOptions {
  /** nftables backend. Default: what selectBackend picks (LBFW_BACKEND), in the current namespace. */
  readonly backend?: NftBackend;
  /** State directory. Default: LBFW_STATE_DIR or /var/lib/lbfw. */
  readonly stateDir?: string;
  /** Environment (SSH_CONNECTION, LBFW_STATE_DIR). Default: process.env. */
  readonly env?: Record<string, string | undefined>;
  /** Seconds to wait for another lbfw run's lock. Default 60. */
  readonly waitSeconds?: number;
}

/** BlacklistOptions: how bad or dangerous blacklist entries are treated. */
export interface BlacklistOptions {
  /** Load the good lines and report the bad ones instead of refusing. */
  readonly skipInvalid?: boolean;
  /** Load entries that cover protected addresses (reported as forced). */
  readonly force?: boolean;
}

/** Default lock wait in seconds. */
export const DEFAULT_WAIT_SECONDS = 60;

/** Resolved options with every default filled in. */
export interface Resolved {
  readonly backend: NftBackend;
  /** Why this backend: `given by the caller`, `LBFW_BACKEND=nft`, or why netlink could not be used. */
  readonly backendReason: string;
  readonly paths: StatePaths;
  readonly env: Record<string, string | undefined>;
  readonly waitSeconds: number;
}

/** resolveOptions fills in the defaults. */
export function resolveOptions(options: FirewallOptions): Resolved {
  const env = options.env ?? process.env;
  const choice = options.backend === undefined ? selectBackend({ env }) : { backend: options.backend, reason: 'given by the caller' };
  return {
    backend: choice.backend,
    backendReason: choice.reason,
    paths: statePaths(options.stateDir, env),
    env,
    waitSeconds: options.waitSeconds ?? DEFAULT_WAIT_SECONDS,
  };
}

/**
 * assertMayChange fails early without CAP_NET_ADMIN, unless the backend is
 * the in-memory fake (unit tests run without root).
 */
export function assertMayChange(resolved: Pick<Resolved, 'backend'>, command: string): void {
  if (resolved.backend.name !== 'fake') assertNetAdmin(command);
}

/**
 * hostNetns is the network namespace the backend works in, when it names
 * one: the host facts lbfw reads (own addresses) must come from there.
 */
export function hostNetns(resolved: Resolved): string | undefined {
  return resolved.backend.netns;
}
