/**
 * Where the netlink backend plugs in: loads lbfw-netlink (native/) and
 * returns the NetlinkBackend, or a sentence saying why it cannot be used
 * here (turned off, not built and why, not loadable, not privileged).
 */
import type { NftBackend } from './backend.js';
import { systemNft } from './cli-backend.js';
import { NetlinkBackend } from './netlink/backend.js';
import { loadNative } from './netlink/native.js';
import { hasNetAdmin } from './privilege.js';

/** NetlinkBackendOptions: what the netlink backend is created with. */
export interface NetlinkBackendOptions {
  /** Work in this named network namespace (/run/netns/NAME). */
  readonly netns?: string;
  /** Where to read LBFW_NO_NATIVE (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * loadNetlinkBackend returns the netlink backend, or a sentence saying why
 * it cannot be used here (addon not built, not loadable, no permission).
 */
export function loadNetlinkBackend(options: NetlinkBackendOptions): NftBackend | string {
  const native = loadNative(options.env ?? process.env);
  if (typeof native === 'string') return native;
  if (!hasNetAdmin()) return 'the netlink binding needs root or CAP_NET_ADMIN';
  return new NetlinkBackend(native, { ...(options.netns === undefined ? {} : { netns: options.netns }), nft: systemNft() });
}
