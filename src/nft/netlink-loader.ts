/**
 * Where the netlink backend plugs in. This stub says the binding is not
 * built; the native addon's branch replaces this file with one that loads
 * the addon and returns its backend (keep the signature).
 */
import type { NftBackend } from './backend.js';

/** NetlinkBackendOptions: what the netlink backend is created with. */
export interface NetlinkBackendOptions {
  /** Work in this named network namespace (/run/netns/NAME). */
  readonly netns?: string;
}

/**
 * loadNetlinkBackend returns the netlink backend, or a sentence saying why
 * it cannot be used here (addon not built, not loadable, no permission).
 */
export function loadNetlinkBackend(_options: NetlinkBackendOptions): NftBackend | string {
  return 'the netlink binding is not part of this build';
}
