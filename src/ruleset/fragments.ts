/**
 * One-match helpers: each returns a fragment of a rule in the canonical
 * syntax `nft list` prints, so the text we load is the text we read back.
 */
import type { Family, Protocol } from '../config/model.js';

/** The address selector of a family: `ip` or `ip6`. */
export function ipKeyword(family: Family): 'ip' | 'ip6' {
  return family === 4 ? 'ip' : 'ip6';
}

/** Set name suffix of a family, e.g. `bl4_hosts` / `bl6_hosts`. */
export function familySuffix(family: Family): '4' | '6' {
  return family === 4 ? '4' : '6';
}

/** `ip saddr @set` / `ip6 saddr @set`. */
export function saddrInSet(family: Family, set: string): string {
  return `${ipKeyword(family)} saddr @${set}`;
}

/**
 * `ip saddr X` for one element, `ip saddr { X, Y }` for several (an
 * anonymous set). Elements must already be merged so nft sees no overlap.
 */
export function saddrIn(family: Family, elements: readonly string[]): string {
  const only = elements.length === 1 ? elements[0] : undefined;
  const match = only ?? `{ ${elements.join(', ')} }`;
  return `${ipKeyword(family)} saddr ${match}`;
}

/** `tcp dport 22`. */
export function dport(protocol: Protocol, port: number): string {
  return `${protocol} dport ${port}`;
}

/** `comment "..."` with quotes escaped away (nft comments cannot hold `"`). */
export function comment(text: string): string {
  return `comment "${text.replace(/["\\]/g, "'")}"`;
}
