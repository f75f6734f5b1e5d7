/**
 * Which backend lbfw uses: `LBFW_BACKEND=nft|netlink|auto` (default auto:
 * netlink when the binding loads, else the `nft` program, saying why).
 */
import { UsageError } from '../errors.js';
import type { BackendName, NftBackend } from './backend.js';
import { NftCli } from './cli-backend.js';
import { loadNetlinkBackend } from './netlink-loader.js';

/** BackendPreference: what LBFW_BACKEND asks for. */
export type BackendPreference = 'nft' | 'netlink' | 'auto';

/** BackendChoice: the backend in use and why (for `lbfw plan` and `lbfw doctor`). */
export interface BackendChoice {
  readonly backend: NftBackend;
  readonly name: BackendName;
  /** Why this one, e.g. `LBFW_BACKEND=nft`, or why netlink could not be used. */
  readonly reason: string;
}

/** SelectOptions: where to read the preference and which namespace to work in. */
export interface SelectOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly netns?: string;
}

/** Why `auto` does not pick the netlink backend yet. */
export const NETLINK_NOT_DEFAULT = 'using the nft program: the netlink backend does not yet encode every rule of the hardened firewall (LBFW_BACKEND=netlink forces it)';

/** backendPreference reads LBFW_BACKEND; anything else than nft, netlink, auto or empty is a UsageError. */
export function backendPreference(env: Readonly<Record<string, string | undefined>>): BackendPreference {
  const value = (env['LBFW_BACKEND'] ?? '').trim();
  if (value === '' || value === 'auto') return 'auto';
  if (value === 'nft' || value === 'netlink') return value;
  throw new UsageError(`LBFW_BACKEND=${value}: expected nft, netlink or auto`);
}

/**
 * selectBackend creates the backend LBFW_BACKEND asks for. `netlink` that
 * cannot load is an error (the operator asked for it); `auto` falls back to
 * nft and says why.
 */
export function selectBackend(options: SelectOptions = {}): BackendChoice {
  const env = options.env ?? process.env;
  const preference = backendPreference(env);
  const where = options.netns === undefined ? {} : { netns: options.netns };
  if (preference === 'nft') return { backend: new NftCli(where), name: 'nft', reason: 'LBFW_BACKEND=nft' };
  // The netlink encoder does not yet cover every rule of the hardened
  // firewall (iifname, fib, notrack, limit, th sport, ICMP redirect): a table
  // it cannot encode exactly must never be loaded by it, so `auto` keeps the
  // nft program until it does; LBFW_BACKEND=netlink asks for it explicitly.
  if (preference === 'auto') return { backend: new NftCli(where), name: 'nft', reason: NETLINK_NOT_DEFAULT };
  const netlink = loadNetlinkBackend(where);
  if (typeof netlink !== 'string') return { backend: netlink, name: 'netlink', reason: preference === 'netlink' ? 'LBFW_BACKEND=netlink' : 'the netlink binding loaded' };
  if (preference === 'netlink') throw new UsageError(`LBFW_BACKEND=netlink, but ${netlink}`);
  return { backend: new NftCli(where), name: 'nft', reason: `using the nft program: ${netlink}` };
}
