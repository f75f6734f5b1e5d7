/**
 * The overlimit protection: the ban table's dynamic sets must not fill up
 * (full means fail-open: the kernel's adds fail silently), and both
 * directors of a pair must run it with the same thresholds, or a VRRP
 * failover silently changes who gets banned.
 */
import { fillAlarms, fillAlarmText, type FillAlarm } from '../../ban/fill.js';
import { BAN_FAMILY, BAN_TABLE } from '../../ban/table.js';
import type { OverlimitConfig } from '../../config/model.js';
import { DEFAULT_OVERLIMIT } from '../../config/overlimit.js';
import type { SetFill } from '../../nft/ban-backend.js';
import { ELEMENTS_OMITTED } from '../nft-eval.js';
import type { Facts } from '../facts.js';
import { editFix, runFix } from '../fix.js';
import type { Check, Finding } from '../types.js';
import { hasTable, lbfwCommand } from '../view.js';

/** banSetFill reads the fill of every sized set of the ban table from the facts' ruleset. */
export function banSetFill(facts: Facts): SetFill[] {
  const out: SetFill[] = [];
  for (const item of facts.nftRuleset ?? []) {
    const set = (item as { set?: Record<string, unknown> } | null)?.set;
    if (set === undefined || set['family'] !== BAN_FAMILY || set['table'] !== BAN_TABLE || typeof set['size'] !== 'number') continue;
    const omitted = set[ELEMENTS_OMITTED];
    const elements = typeof omitted === 'number' ? omitted : Array.isArray(set['elem']) ? set['elem'].length : 0;
    out.push({ set: String(set['name']), elements, size: set['size'] });
  }
  return out;
}

/** ban-set-fill: a set of inet lbfw_ban is 80% full or more. */
export const banSetFillCheck: Check = {
  id: 'ban-set-fill',
  title: 'no set of the ban table (bans, SYN-rate meters) is 80% full',
  roles: ['director'],
  run: (facts) =>
    fillAlarms(banSetFill(facts)).map((alarm: FillAlarm) => ({
      id: 'ban-set-fill',
      severity: alarm.full ? ('error' as const) : ('warning' as const),
      subject: `${BAN_FAMILY} ${BAN_TABLE} ${alarm.set}`,
      what: fillAlarmText(alarm),
      breaks: 'when a dynamic set is full the kernel drops new elements silently: new bans and SYN-rate meters stop working (fail-open)',
      ...editFix(`raise overlimit.set_size${alarm.set.startsWith('synmeter') ? ' (or syn_rate.meter_size)' : ''} in the config`, [`nft delete table ${BAN_FAMILY} ${BAN_TABLE}`, lbfwCommand(facts, 'overlimit')], 'the two commands rebuild the ban table at the new size'),
    })),
};

/** The settings that decide who is banned: compared across the pair. */
function thresholds(config: OverlimitConfig | undefined): string {
  const c = config ?? DEFAULT_OVERLIMIT;
  return JSON.stringify({
    maxConnections: c.maxConnections,
    services: c.services.map((s) => `${s.address}:${s.port}/${s.protocol}=${s.maxConnections}`).sort(),
    states: [...c.states].sort(),
    prefix4: c.prefix4,
    prefix6: c.prefix6,
    banSeconds: c.banSeconds,
    escalation: c.escalation,
    synRate: c.synRate ?? null,
  });
}

/** ban-peer: the peer director has no ban table or other thresholds. */
export const banPeerCheck: Check = {
  id: 'ban-peer',
  title: 'the peer director runs lbfw overlimit with the same thresholds',
  roles: ['director'],
  run: (facts) => {
    const peer = facts.peerBan;
    if (peer === undefined) return [];
    const subject = peer.hostname ?? peer.file;
    const findings: Finding[] = [];
    if (peer.error !== undefined) {
      return [{ id: 'ban-peer', severity: 'warning', subject: peer.file, what: `the peer's facts file cannot be read: ${peer.error}`, breaks: 'the peer\'s overlimit protection cannot be compared', ...editFix('on the peer: lbfw facts > peer-facts.json, and pass that file with --peer-facts') }];
    }
    if (peer.hasBanTable === false) {
      findings.push({
        id: 'ban-peer',
        severity: 'warning',
        subject,
        what: `the peer director ${subject} has no ban table (inet ${BAN_TABLE}): lbfw overlimit has not run there`,
        breaks: 'after a VRRP failover to the peer, clients over the connection limit are no longer banned',
        ...editFix('on the peer: install the lbfw-overlimit timer (examples/lbfw-overlimit.timer) and run `lbfw overlimit` once'),
      });
    }
    if (thresholds(peer.overlimit) !== thresholds(facts.config.overlimit)) {
      findings.push({
        id: 'ban-peer',
        severity: 'warning',
        subject,
        what: `the peer director ${subject} runs lbfw overlimit with other thresholds than this host (overlimit: in lbfw.yaml differs)`,
        breaks: 'a VRRP failover changes who gets banned and for how long',
        ...editFix('copy the overlimit: section of lbfw.yaml so both directors have the same one'),
      });
    }
    return findings;
  },
};

/** ban-table-missing: overlimit is configured but its table is not loaded here. */
export const banTableMissing: Check = {
  id: 'ban-table-missing',
  title: 'the ban table exists where overlimit is configured',
  roles: ['director'],
  run: (facts) =>
    facts.config.overlimit === undefined || facts.nftRuleset === undefined || hasTable(facts, BAN_FAMILY, BAN_TABLE)
      ? []
      : [
          {
            id: 'ban-table-missing',
            severity: 'warning',
            subject: `${BAN_FAMILY} ${BAN_TABLE}`,
            what: `overlimit: is configured but table ${BAN_FAMILY} ${BAN_TABLE} is not loaded: lbfw overlimit has not run on this host`,
            breaks: 'clients over the connection limit are not banned, and the SYN-rate autoban is off',
            ...runFix(lbfwCommand(facts, 'overlimit'), 'enable the lbfw-overlimit timer so it keeps running'),
          },
        ],
};

/** The ban checks. */
export const BAN_CHECKS: readonly Check[] = [banSetFillCheck, banTableMissing, banPeerCheck];
