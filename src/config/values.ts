/**
 * Checks of single config values, shared by the YAML loader and the quick
 * command-line flags so that both accept exactly the same text and say the
 * same thing when they refuse it. Each check returns a {@link Checked} result;
 * the caller adds where the value came from (file:line or the flag).
 */
import type { Address, Cidr, InputPolicy, Protocol, Role } from './model.js';
import { formatCidr, parseAddress, parseCidr } from '../net/address.js';

/** Checked is a value that passed its check, or the reason it did not. */
export type Checked<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

/** ok wraps a value that passed its check. */
export function ok<T>(value: T): Checked<T> {
  return { ok: true, value };
}

/** fail wraps the reason a value did not pass its check. */
export function fail<T>(problem: string): Checked<T> {
  return { ok: false, problem };
}

/** ROLES lists the accepted values of `role` / `--role`. */
export const ROLES: readonly Role[] = ['director', 'realserver'];
/** PROTOCOLS lists the accepted transport protocols. */
export const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp'];
/** INPUT_POLICIES lists the accepted values of `input_policy` / `--input-policy`. */
export const INPUT_POLICIES: readonly InputPolicy[] = ['drop', 'accept'];

/** What an allowed port looks like, for messages. */
export const PORT_ALLOWED = 'an integer 1-65535';

/** Message used wherever a real server has no VIP service. */
export const REALSERVER_NEEDS_VIP =
  'a real server needs at least one VIP service to accept (add one under services:, or pass --vip ADDR:PORT[/PROTO])';

function oneOf<T extends string>(text: string, allowed: readonly T[], what: string): Checked<T> {
  const found = allowed.find((value) => value === text.toLowerCase());
  return found === undefined
    ? fail(`"${text}" is not ${what}; expected one of: ${allowed.join(', ')}`)
    : ok(found);
}

/** checkRole accepts `director` or `realserver` (case-insensitive). */
export function checkRole(text: string): Checked<Role> {
  return oneOf(text, ROLES, 'a role');
}

/** checkProtocol accepts `tcp` or `udp` (case-insensitive). */
export function checkProtocol(text: string): Checked<Protocol> {
  return oneOf(text, PROTOCOLS, 'a protocol');
}

/** checkInputPolicy accepts `drop` or `accept` (case-insensitive). */
export function checkInputPolicy(text: string): Checked<InputPolicy> {
  return oneOf(text, INPUT_POLICIES, 'an input policy');
}

/** checkPortNumber accepts an integer 1-65535. */
export function checkPortNumber(value: number): Checked<number> {
  return Number.isInteger(value) && value >= 1 && value <= 65535
    ? ok(value)
    : fail(`${value} is not a port; expected ${PORT_ALLOWED}`);
}

/** checkPortText accepts decimal digits naming a port 1-65535 (`80`, not `0x50` or `http`). */
export function checkPortText(text: string): Checked<number> {
  return /^\d{1,5}$/.test(text) ? checkPortNumber(Number(text)) : fail(`"${text}" is not a port; expected ${PORT_ALLOWED}`);
}

/**
 * checkHostAddress accepts one IPv4 or IPv6 address and returns its canonical
 * form. A prefix is refused with a hint, because a VIP, a peer or a real server
 * is always one host.
 */
export function checkHostAddress(text: string): Checked<Address> {
  const address = parseAddress(text);
  if (address !== undefined) return ok(address);
  if (text.includes('/') && parseCidr(text) !== undefined) {
    return fail(`"${text}" is a prefix; expected a single IPv4 or IPv6 address (no /LEN)`);
  }
  return fail(`"${text}" is not an IP address; expected a single IPv4 or IPv6 address, e.g. 192.0.2.10 or 2001:db8::10`);
}

/**
 * checkSource accepts an address or `ADDR/LEN` as a traffic source. Host bits
 * are refused rather than silently cleared: `198.51.100.7/24` either means the
 * host or the network, and a firewall should not guess which.
 */
export function checkSource(text: string): Checked<Cidr> {
  const parsed = parseCidr(text);
  if (parsed === undefined) {
    return fail(`"${text}" is not an address or prefix; expected e.g. 198.51.100.0/24, 198.51.100.7 or 2001:db8:100::/48`);
  }
  if (parsed.hostBitsSet) {
    return fail(
      `"${text}" has host bits set; write the network ${formatCidr(parsed.cidr)} or the single address ${text.slice(0, text.indexOf('/'))}`,
    );
  }
  return ok(parsed.cidr);
}

/**
 * checkInterfaceName accepts what the kernel accepts as a device name
 * (net/core/dev.c dev_valid_name): 1-15 bytes, not `.` or `..`, no `/`, `:`
 * or white space.
 */
export function checkInterfaceName(text: string): Checked<string> {
  const valid =
    text.length > 0 &&
    Buffer.byteLength(text) < 16 &&
    text !== '.' &&
    text !== '..' &&
    !/[/:\s]/.test(text);
  return valid
    ? ok(text)
    : fail(`"${text}" is not an interface name; expected a Linux device name of 1-15 characters without "/", ":" or spaces, e.g. eth0`);
}

/**
 * suggest returns the allowed word closest to `word` when it is probably a
 * typo of it (edit distance at most 2), for "did you mean" hints.
 */
export function suggest(word: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const distance = editDistance(word.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
