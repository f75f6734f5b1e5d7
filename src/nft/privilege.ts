/**
 * Early permission check, so an unprivileged run fails with one clear line
 * instead of a confusing nft error halfway through.
 */
import { readFileSync } from 'node:fs';
import { PermissionError } from '../errors.js';

/** CAP_NET_ADMIN bit number (include/uapi/linux/capability.h). */
const CAP_NET_ADMIN = 12n;

/** hasNetAdmin says whether this process may change nftables and network sysctls. */
export function hasNetAdmin(statusText?: string): boolean {
  let text = statusText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/status', 'utf8');
    } catch {
      return process.getuid?.() === 0;
    }
  }
  const match = /^CapEff:\s*([0-9a-fA-F]+)$/m.exec(text);
  if (match?.[1] === undefined) return process.getuid?.() === 0;
  return ((BigInt(`0x${match[1]}`) >> CAP_NET_ADMIN) & 1n) === 1n;
}

/** assertNetAdmin throws PermissionError naming the command when privileges are missing. */
export function assertNetAdmin(command: string): void {
  if (!hasNetAdmin()) {
    throw new PermissionError(`lbfw ${command} needs root or CAP_NET_ADMIN: run it with sudo`);
  }
}
