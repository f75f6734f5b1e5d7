/**
 * Which ban backend lbfw uses, in a module of its own so that the library's
 * public types (index.d.ts) name only the BanBackend interface and never the
 * netlink binding's Node-typed surface: a TypeScript consumer needs no
 * @types/node to import lbfw.
 */
import type { BanBackend } from './ban-backend.js';
import { NftBanCli } from './ban-cli.js';
import { NetlinkBanBackend } from './ban-netlink.js';
import { loadNative } from './netlink/native.js';
import { hasNetAdmin } from './privilege.js';

/** NetlinkBanOptions: the namespace to work in (tests) and the nft program for the reads. */
export interface NetlinkBanOptions {
  readonly netns?: string;
  readonly nft?: string;
}

/**
 * banBackend picks the ban backend: `LBFW_BACKEND=nft` the nft program;
 * otherwise netlink when the binding loads and lbfw may use it, else nft.
 */
export function banBackend(options: NetlinkBanOptions & { readonly env?: Readonly<Record<string, string | undefined>> } = {}): BanBackend {
  const env = options.env ?? process.env;
  const where = { ...(options.netns === undefined ? {} : { netns: options.netns }), ...(options.nft === undefined ? {} : { nft: options.nft }) };
  // LBFW_BACKEND's other values are checked where the ruleset backend is chosen.
  if ((env['LBFW_BACKEND'] ?? '').trim() === 'nft' || !hasNetAdmin()) return new NftBanCli(where);
  const native = loadNative(env);
  return typeof native === 'string' ? new NftBanCli(where) : new NetlinkBanBackend(native, where);
}
