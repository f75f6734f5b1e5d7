/**
 * Confirmed apply: a timer restores the previous table unless the operator
 * runs `lbfw confirm` in time, so a rule that locks out the SSH session
 * undoes itself. The timer waits for the lock as long as it takes (a slow
 * apply or a hung command must not cost the restore), and a timer that died
 * is noticed by every later command instead of passing for a cancelled one.
 */
import { promises as fs } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { LockError } from '../errors.js';
import { assertNetAdmin } from '../nft/privilege.js';
import { backupHolds, listBackups, removeBackup, type Backup } from '../state/backups.js';
import { readCurrent } from '../state/current.js';
import { faultPoint } from '../system/fault-point.js';
import { withLock } from '../state/lock.js';
import { clearPending, readPending, writePending, type ConfirmTimer, type PendingConfirm } from '../state/pending.js';
import type { StatePaths } from '../state/paths.js';
import { startTimer, stopTimer, systemdAvailable, timerAlive } from './confirm-timer.js';
import { resolveOptions, type FirewallOptions, type Resolved } from './options.js';
import { restoreBackup } from './rollback.js';
import { reconcileRecord } from './reconcile.js';

/** ArmedConfirm: a pending confirmation and its deadline. */
export interface ArmedConfirm {
  readonly token: string;
  readonly deadline: string;
  readonly seconds: number;
  /** Pid of the detached timer process (0 when systemd carries the timer). */
  readonly timerPid: number;
  readonly timer: ConfirmTimer;
}

/** How late a restore may be before it counts as missed: the timer's own start-up and a short lock wait. */
export const CONFIRM_GRACE_SECONDS = 30;

/** ConfirmState: a pending confirmation and whether its restore will still happen. */
export interface ConfirmState {
  readonly pending: PendingConfirm;
  /** The timer still runs. */
  readonly timerAlive: boolean;
  /** The deadline passed more than {@link CONFIRM_GRACE_SECONDS} ago and the restore has not happened. */
  readonly overdue: boolean;
  /** What is wrong, in one line, when something is: the restore will not (or did not) happen in time. */
  readonly problem?: string;
}

/**
 * confirmState reads the pending confirmation, if any, and judges it: a
 * dead timer or a deadline long past means the automatic restore the
 * operator relies on is not going to happen (or happen late).
 */
export async function confirmState(paths: StatePaths, now: Date = new Date()): Promise<ConfirmState | undefined> {
  const pending = await readPending(paths.pending);
  if (pending === undefined) return undefined;
  const alive = await timerAlive(pending);
  const lateBy = (now.getTime() - Date.parse(pending.deadline)) / 1000;
  const overdue = lateBy > CONFIRM_GRACE_SECONDS;
  const remedy = '`lbfw rollback` restores the previous firewall, `lbfw confirm` keeps this one';
  const problem = !alive && pending.restoring !== undefined
    ? `the confirm timer of the apply due ${pending.deadline} died during its restore (begun ${pending.restoring}): the previous firewall may or may not run now; \`lbfw confirm\` says which and settles it`
    : !alive
    ? `the confirm timer of the apply due ${pending.deadline} is not running (killed?): nothing will restore the previous firewall; ${remedy}`
    : overdue
      ? `the confirm deadline ${pending.deadline} passed ${Math.round(lateBy)} s ago and the previous firewall is not back yet (the timer waits for the lock); ${remedy}`
      : undefined;
  return { pending, timerAlive: alive, overdue, ...(problem === undefined ? {} : { problem }) };
}

/**
 * cancelPending drops a pending confirmation (its timer included). Returns
 * whether there was one. The caller holds the lock.
 */
export async function cancelPending(paths: StatePaths): Promise<boolean> {
  const pending = await readPending(paths.pending);
  if (pending === undefined) return false;
  if (await timerAlive(pending)) await stopTimer(pending);
  await clearPending(paths.pending);
  return true;
}

/**
 * armConfirmTimer records a pending confirmation and starts its timer
 * (systemd where it runs, else a detached process). The caller holds the lock.
 */
export async function armConfirmTimer(resolved: Resolved, backup: Backup, seconds: number): Promise<ArmedConfirm> {
  // Loaded here, not at start-up: only an apply with --confirm needs it (a
  // builtin by name: the start-up bundle keeps no dynamic import()).
  const { randomBytes } = process.getBuiltinModule('node:crypto');
  const token = randomBytes(8).toString('hex');
  const deadline = new Date(Date.now() + seconds * 1000).toISOString();
  const netns = resolved.backend.netns;
  // Recorded before the timer starts: a timer that fires finds its record.
  const pending: PendingConfirm = { token, backupId: backup.id, deadline };
  await writePending(resolved.paths.pending, pending);
  faultPoint('confirm:after-pending');
  const timer = await startTimer({ stateDir: resolved.paths.dir, token, seconds, lockWaitSeconds: Math.max(1, resolved.waitSeconds), netns }, systemdAvailable(netns));
  faultPoint('confirm:after-timer');
  const timerPid = timer.kind === 'process' ? timer.pid : 0;
  await writePending(resolved.paths.pending, { ...pending, timer, ...(timer.kind === 'process' ? { timerPid } : {}) });
  return { token, deadline, seconds, timerPid, timer };
}

/** ConfirmResult: whether a pending apply was confirmed. */
export interface ConfirmResult {
  readonly confirmed: boolean;
  /** The deadline that was pending, when there was one. */
  readonly deadline?: string;
  /** Whether a running timer was stopped (false: it had died, nothing would have restored). */
  readonly timerStopped?: boolean;
  /** When nothing was pending: the last thing a confirm timer did, if any. */
  readonly lastExpiry?: string;
  /** The timer died after its restore ran: the previous firewall runs, there was nothing left to keep. */
  readonly restoredAlready?: boolean;
}

/**
 * restoreRan settles whether a dead timer's restore went through: its
 * backup is gone (removed only after the restore's commit), or the record
 * of the running table, reconciled with the kernel, is the backup's table.
 * The caller holds the lock.
 */
async function restoreRan(resolved: Resolved, pending: PendingConfirm): Promise<boolean> {
  const backup = (await listBackups(resolved.paths.backups)).find((b) => b.id === pending.backupId);
  if (backup === undefined) return true;
  await reconcileRecord(resolved.backend, resolved.paths);
  const record = await readCurrent(resolved.paths).catch(() => undefined);
  return record !== undefined && (await backupHolds(resolved.paths.backups, backup, record.ruleset));
}

async function lastLine(file: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(file, 'utf8')).trimEnd().split('\n').pop();
  } catch {
    return undefined;
  }
}

/** confirmApply keeps the current table: the pending automatic restore is cancelled. */
export async function confirmApply(options: FirewallOptions = {}): Promise<ConfirmResult> {
  const resolved = resolveOptions(options);
  assertNetAdmin('confirm');
  return withLock(resolved.paths.lock, { waitSeconds: resolved.waitSeconds, purpose: 'confirm' }, async () => {
    const pending = await readPending(resolved.paths.pending);
    if (pending === undefined) {
      const lastExpiry = await lastLine(resolved.paths.confirmLog);
      return { confirmed: false, ...(lastExpiry === undefined ? {} : { lastExpiry }) };
    }
    const alive = await timerAlive(pending);
    if (alive) await stopTimer(pending);
    // A timer that died during its restore may have put the previous table
    // back: then there is nothing to keep, and saying "kept" would be false.
    if (!alive && pending.restoring !== undefined && (await restoreRan(resolved, pending))) {
      await clearPending(resolved.paths.pending);
      await logConfirm(resolved.paths, `confirm deadline ${pending.deadline} passed: restored ${pending.backupId} (the timer died before it finished; settled by \`lbfw confirm\`)`);
      return { confirmed: false, deadline: pending.deadline, restoredAlready: true };
    }
    await clearPending(resolved.paths.pending);
    return { confirmed: true, deadline: pending.deadline, timerStopped: alive };
  });
}

/** What a confirm timer did when its deadline passed. */
export type ExpiryOutcome = 'restored' | 'confirmed-meanwhile' | 'backup-missing';

/**
 * expireConfirm is what the timer runs at the deadline: if the pending
 * confirmation with `token` is still there, the saved table comes back.
 */
export async function expireConfirm(options: FirewallOptions, token: string): Promise<ExpiryOutcome> {
  const resolved = resolveOptions(options);
  return withLock(resolved.paths.lock, { waitSeconds: resolved.waitSeconds, purpose: 'confirm timeout' }, async () => {
    const pending = await readPending(resolved.paths.pending);
    if (pending?.token !== token) return 'confirmed-meanwhile';
    const backup = (await listBackups(resolved.paths.backups)).find((b) => b.id === pending.backupId);
    faultPoint('expire:after-lock');
    let outcome: ExpiryOutcome = 'backup-missing';
    if (backup !== undefined) {
      // Marked before the commit: a timer killed from here on is known to have begun its restore.
      await writePending(resolved.paths.pending, { ...pending, restoring: new Date().toISOString() });
      faultPoint('expire:after-mark');
      await reconcileRecord(resolved.backend, resolved.paths);
      await restoreBackup(resolved.backend, resolved.paths, backup);
      await removeBackup(resolved.paths.backups, backup.id);
      faultPoint('expire:after-remove-backup');
      outcome = 'restored';
    }
    // Logged before the pending confirmation goes: a timer killed in between
    // leaves it (and `lbfw confirm` settles it), never a silent restore.
    await logConfirm(resolved.paths, `confirm deadline ${pending.deadline} passed: ${outcome} ${pending.backupId}`);
    faultPoint('expire:after-log');
    await clearPending(resolved.paths.pending);
    return outcome;
  });
}

/** logConfirm appends one line to the confirm log, where `lbfw confirm` and people look. */
export async function logConfirm(paths: StatePaths, line: string): Promise<void> {
  await fs.mkdir(paths.dir, { recursive: true, mode: 0o700 });
  await fs.appendFile(paths.confirmLog, `${new Date().toISOString()} ${line}\n`);
}

/** Options of {@link expireWhenPossible}. */
export interface ExpireRetry {
  /** Seconds one attempt waits for the lock. */
  readonly lockWaitSeconds: number;
  /** Seconds between attempts that failed otherwise, doubling up to {@link maxBackoffSeconds}. */
  readonly backoffSeconds: number;
  readonly maxBackoffSeconds: number;
}

/** Default retry pacing of the timer. */
export const EXPIRE_RETRY: ExpireRetry = { lockWaitSeconds: 60, backoffSeconds: 2, maxBackoffSeconds: 60 };

/**
 * expireWhenPossible runs expireConfirm until it gets through: a held lock
 * is waited for again and again, any other failure is logged and retried
 * with backoff. Ends once the restore ran or the confirmation is gone.
 */
export async function expireWhenPossible(options: FirewallOptions, token: string, retry: ExpireRetry = EXPIRE_RETRY): Promise<ExpiryOutcome> {
  const resolved = resolveOptions(options);
  let backoff = retry.backoffSeconds;
  for (let attempt = 1; ; attempt++) {
    try {
      return await expireConfirm({ ...options, waitSeconds: retry.lockWaitSeconds }, token);
    } catch (error) {
      if ((await readPending(resolved.paths.pending))?.token !== token) return 'confirmed-meanwhile';
      const busy = error instanceof LockError;
      await logConfirm(resolved.paths, `confirm restore attempt ${attempt} failed, retrying: ${error instanceof Error ? error.message : String(error)}`).catch(() => undefined);
      if (!busy) {
        await delay(backoff * 1000);
        backoff = Math.min(backoff * 2, retry.maxBackoffSeconds);
      }
    }
  }
}
