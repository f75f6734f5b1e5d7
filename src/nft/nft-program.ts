/**
 * Where the nft program is. Its own module so that callers which only run
 * nft (the ban backend) do not load the ruleset backend's parser and renderer.
 */
import { existsSync } from 'node:fs';

/**
 * Where Debian and others install nft. Looked up before PATH because an npm
 * script's PATH starts with node_modules/.bin, which can hold an unrelated
 * `nft` (@vercel/nft, a dependency of ava, installs one).
 */
const SYSTEM_NFT = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft', '/usr/local/sbin/nft'];

/** systemNft returns the path of the system's nft program, or `nft` from PATH as a last resort. */
export function systemNft(): string {
  return SYSTEM_NFT.find((candidate) => existsSync(candidate)) ?? 'nft';
}
