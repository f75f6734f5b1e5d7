/**
 * Plain-text rendering of the kernel-settings and VIP parts of plan, apply
 * and verify.
 */
import type { SysctlResult } from '../sysctl/judge.js';
import type { SysctlWrite, UnresolvedSetting } from '../sysctl/writes.js';
import type { SysctlPersistResult } from '../sysctl/host.js';
import { describeAction, type VipPlan } from '../vip/plan.js';

/** inferredLines says which interfaces lbfw read from the host, and why. */
export function inferredLines(inferred: readonly { role: string; ifname: string; why: string }[]): string[] {
  return inferred.map((i) => `interface ${i.role}: ${i.ifname} (not in the config; ${i.why})`);
}

/** writeLines renders sysctl writes: key, old -> new, why. */
export function writeLines(writes: readonly SysctlWrite[]): string[] {
  return writes.map((w) => `  ${w.key}: ${w.previous} -> ${w.value}   # ${w.reasons.join(' ')}`);
}

/** resultCounts summarises verdicts, e.g. `7 pass, 1 fail, 2 skip`. */
export function resultCounts(results: readonly SysctlResult[]): string {
  const count = (status: SysctlResult['status']): number => results.filter((r) => r.status === status).length;
  return `${count('pass')} pass, ${count('fail')} fail, ${count('skip')} skip`;
}

/** failLines renders failing and skipped settings with their fix and reason. */
export function failLines(results: readonly SysctlResult[], showSkips: boolean): string[] {
  return results.flatMap((r) => {
    if (r.status === 'fail') {
      return [`  FAIL ${r.key}: ${r.message}`, ...(r.fix === undefined ? [] : [`       fix: ${r.fix}`]), `       why: ${r.reason}`];
    }
    if (r.status === 'skip' && showSkips) return [`  skip ${r.key}: ${r.message}`];
    return [];
  });
}

/** unresolvedLines renders settings no write can fix. */
export function unresolvedLines(unresolved: readonly UnresolvedSetting[]): string[] {
  return unresolved.map((u) => `  cannot fix ${u.key}: ${u.message}`);
}

/** persistLines renders the sysctl.d file and what overrides it at boot. */
export function persistLines(persisted: SysctlPersistResult): string[] {
  return [
    `  persisted: ${persisted.file} (${persisted.written ? 'written' : 'already up to date'})`,
    ...persisted.overriddenBy.map((o) => `  WARNING: ${o.message}`),
  ];
}

/** vipLines renders a VIP plan: actions (done or to do) and warnings. */
export function vipLines(plan: VipPlan, done: boolean): string[] {
  return [
    ...plan.actions.map((a) => `  ${done ? 'did' : 'will'}: ${describeAction(a)}`),
    ...plan.inPlace.map((address) => `  ok: VIP ${address} is on lo as a host prefix`),
    ...plan.warnings.map((w) => `  WARNING: ${w.message}\n       fix: ${w.fix}`),
  ];
}
