/**
 * lbfw's own view of the host (`lbfw verify`) and the completeness of the
 * facts themselves.
 */
import { TABLE_FAMILY, TABLE_NAME } from '../../ruleset/types.js';
import { editFix, runFix } from '../fix.js';
import type { Check, Finding } from '../types.js';
import { hasTable, lbfwCommand } from '../view.js';

/** How many drift lines one finding names. */
const DRIFT_SHOWN = 5;

/** lbfw-drift: the running lbfw table differs from what the config builds. */
export const lbfwDrift: Check = {
  id: 'lbfw-drift',
  title: "the running lbfw table is what the config and blacklist build (skipped without lbfw's table)",
  roles: ['director', 'realserver'],
  run: (facts) => {
    if (!hasTable(facts, TABLE_FAMILY, TABLE_NAME)) return [];
    const verify = facts.lbfwVerify;
    if (verify?.error !== undefined) {
      return [
        {
          id: 'lbfw-drift',
          severity: 'info',
          subject: `table ${TABLE_FAMILY} ${TABLE_NAME}`,
          what: `lbfw verify could not compare the running table: ${verify.error}`,
          breaks: 'drift of the running firewall from the config goes unnoticed',
          ...runFix(lbfwCommand(facts, 'verify')),
        },
      ];
    }
    const drift = verify?.result?.firewall?.drift ?? [];
    if (drift.length === 0) return [];
    const shown = drift.slice(0, DRIFT_SHOWN).map((d) => `${d.subject}: ${d.message}`);
    const more = drift.length > DRIFT_SHOWN ? `; ... (${drift.length} in all)` : '';
    return [
      {
        id: 'lbfw-drift',
        severity: 'warning',
        subject: `table ${TABLE_FAMILY} ${TABLE_NAME}`,
        what: `the running table ${TABLE_FAMILY} ${TABLE_NAME} differs from what the config and blacklist build (${drift.length} difference${drift.length === 1 ? '' : 's'}): ${shown.join('; ')}${more}`,
        breaks: 'the firewall does not do what the config says: someone changed it by hand, or the config changed without an apply',
        ...runFix(lbfwCommand(facts, 'apply'), `${lbfwCommand(facts, 'verify')} lists every difference`),
      },
    ];
  },
};

/** lbfw-confirm: an `apply --confirm` whose automatic restore will not happen (dead timer, missed deadline). */
export const lbfwConfirm: Check = {
  id: 'lbfw-confirm',
  title: 'a pending `apply --confirm` still has a timer that will restore the previous firewall',
  roles: ['director', 'realserver'],
  run: (facts) => {
    const firewall = facts.lbfwVerify?.result?.firewall;
    const problem = firewall?.confirmProblem;
    if (problem === undefined) return [];
    return [
      {
        id: 'lbfw-confirm',
        severity: 'error',
        subject: `confirm deadline ${firewall?.pendingConfirm?.deadline ?? ''}`.trim(),
        what: problem,
        breaks: 'the firewall loaded by `apply --confirm` stays even if it locked you out: the safety net is gone',
        ...runFix('lbfw rollback', 'or `lbfw confirm` to keep the running firewall'),
      },
    ];
  },
};

/** facts-incomplete: a source of facts could not be read. */
export const factsIncomplete: Check = {
  id: 'facts-incomplete',
  title: 'every source of facts could be read',
  roles: ['director', 'realserver'],
  run: (facts) =>
    facts.errors.map((e): Finding => ({
      id: 'facts-incomplete',
      severity: 'warning',
      subject: e.source,
      what: `could not read ${e.source}: ${e.message}`,
      breaks: 'the checks that need it had nothing to judge, so problems there go unreported',
      ...editFix('run lbfw doctor as root inside the network namespace of the host (ip netns exec NS lbfw doctor)'),
    })),
};

/** The checks of lbfw itself. */
export const LBFW_CHECKS: readonly Check[] = [lbfwDrift, lbfwConfirm, factsIncomplete];
