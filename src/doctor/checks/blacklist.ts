/**
 * The static blacklist against the addresses it must never cover: VIPs, real
 * servers, peer directors, management sources and the operator's session.
 */
import { runFix } from '../fix.js';
import type { Check } from '../types.js';
import { lbfwCommand } from '../view.js';

/** blacklist-protected: a blacklist entry covers a protected address. */
export const blacklistProtected: Check = {
  id: 'blacklist-protected',
  title: 'no blacklist entry covers a VIP, real server, peer or management source',
  roles: ['director', 'realserver'],
  run: (facts) =>
    (facts.blacklist?.hits ?? []).map((hit) => ({
      id: 'blacklist-protected',
      severity: 'error' as const,
      subject: `${hit.file}:${hit.line}`,
      what: `blacklist entry ${hit.entry} (${hit.file}:${hit.line}) covers ${hit.address} (${hit.role})`,
      breaks: `once loaded (apply --force), packets from ${hit.address} are dropped before anything else sees them: ${hit.role} is cut off`,
      ...runFix(`${lbfwCommand(facts, 'blacklist remove')} ${hit.entry}`),
    })),
};

/** The blacklist checks. */
export const BLACKLIST_CHECKS: readonly Check[] = [blacklistProtected];
