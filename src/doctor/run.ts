/**
 * runChecks runs checks against facts. A check that throws becomes an error
 * finding of its own id, never a crash: the other checks still run.
 */
import { editFix } from './fix.js';
import { suggest } from '../config/values.js';
import { UsageError } from '../errors.js';
import type { Facts } from './facts.js';
import { CHECKS } from './registry.js';
import { SEVERITIES, type Check, type DoctorReport, type Finding } from './types.js';

/** selectChecks returns the checks named by `ids` (all when absent); an unknown id is a {@link UsageError}. */
export function selectChecks(ids: readonly string[] | undefined, checks: readonly Check[] = CHECKS): Check[] {
  if (ids === undefined || ids.length === 0) return [...checks];
  const known = checks.map((c) => c.id);
  const unknown = ids.filter((id) => !known.includes(id));
  if (unknown.length > 0) {
    const hints = unknown.map((id) => {
      const near = suggest(id, known);
      return near === undefined ? id : `${id} (did you mean ${near}?)`;
    });
    throw new UsageError(`unknown check id${unknown.length === 1 ? '' : 's'} ${hints.join(', ')}; lbfw doctor --list shows the ${known.length} checks`);
  }
  return checks.filter((c) => ids.includes(c.id));
}

/** crashFinding is the finding a check that threw leaves behind. */
export function crashFinding(check: Pick<Check, 'id'>, error: unknown): Finding {
  const message = error instanceof Error ? error.message : String(error);
  return {
    id: check.id,
    severity: 'error',
    what: `check ${check.id} crashed: ${message}`,
    breaks: `the host was not judged by ${check.id}`,
    ...editFix('report it to the lbfw maintainers with the facts: lbfw facts > facts.json'),
  };
}

/** sortFindings orders findings worst first, then by id; the order within one id is kept. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  const rank = (f: Finding): number => SEVERITIES.indexOf(f.severity);
  return findings
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => rank(a.finding) - rank(b.finding) || (a.finding.id < b.finding.id ? -1 : a.finding.id > b.finding.id ? 1 : 0) || a.index - b.index)
    .map(({ finding }) => finding);
}

/**
 * runChecks runs the checks named by `ids` (all when absent) that apply to
 * the facts' role. Checks of the other role are not run, even when named.
 */
export function runChecks(facts: Facts, ids?: readonly string[], checks: readonly Check[] = CHECKS): DoctorReport {
  const selected = selectChecks(ids, checks).filter((c) => c.roles.includes(facts.role));
  const findings: Finding[] = [];
  for (const check of selected) {
    try {
      findings.push(...check.run(facts));
    } catch (error) {
      findings.push(crashFinding(check, error));
    }
  }
  const sorted = sortFindings(findings);
  return { ok: !sorted.some((f) => f.severity === 'error'), role: facts.role, findings: sorted, checksRun: selected.map((c) => c.id) };
}
