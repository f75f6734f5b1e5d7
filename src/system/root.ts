/**
 * Commands that create network namespaces (the lab, the demo) need root
 * itself, not only CAP_NET_ADMIN: `ip netns add` mounts under /run/netns.
 */
import { PermissionError } from '../errors.js';

/** assertRoot throws PermissionError naming the command and why it needs root. */
export function assertRoot(command: string, why: string, uid: number | undefined = process.getuid?.()): void {
  if (uid !== 0) throw new PermissionError(`lbfw ${command} needs root (${why}): run it with sudo`);
}
