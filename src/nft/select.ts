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
  // The netlink encoder writes every rule shape of the builder as nft
  // itself does (test/system/netlink-parity.test.ts), so `auto` takes it
  // whenever the binding loads and may be used here.
  const netlink = loadNetlinkBackend({ ...where, env });
  if (typeof netlink !== 'string') return { backend: netlink, name: 'netlink', reason: preference === 'netlink' ? 'LBFW_BACKEND=netlink' : 'the netlink binding loaded' };
  if (preference === 'netlink') throw new UsageError(`LBFW_BACKEND=netlink, but ${netlink}`);
  return { backend: new NftCli(where), name: 'nft', reason: `using the nft program: ${netlink}` };
}
