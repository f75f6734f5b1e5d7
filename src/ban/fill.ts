/**
 * The fill alarm: a dynamic set that fills up stops matching without a word
 * (the kernel's adds from the packet path fail silently: fail-open), so any
 * sized set of the ban table past 80% is reported by overlimit, verify and
 * the doctor. Pure.
 */
import type { SetFill } from '../nft/ban-backend.js';

/** Fill ratio at which a set is reported. */
export const FILL_ALARM_RATIO = 0.8;

/** FillAlarm: one set past the alarm ratio. */
export interface FillAlarm extends SetFill {
  /** elements / size. */
  readonly ratio: number;
  readonly full: boolean;
}

/** fillAlarms returns the sets at or past {@link FILL_ALARM_RATIO} of their size. */
export function fillAlarms(fill: readonly SetFill[], ratio = FILL_ALARM_RATIO): FillAlarm[] {
  return fill
    .filter((f) => f.size > 0 && f.elements / f.size >= ratio)
    .map((f) => ({ ...f, ratio: f.elements / f.size, full: f.elements >= f.size }));
}

/** fillAlarmText says what an alarm means, for the CLI and the doctor. */
export function fillAlarmText(alarm: FillAlarm): string {
  const pct = Math.round(alarm.ratio * 100);
  return `set ${alarm.set} of inet lbfw_ban holds ${alarm.elements} of ${alarm.size} elements (${pct}%)${alarm.full ? ': FULL, new bans and meters fail silently' : ''}`;
}
