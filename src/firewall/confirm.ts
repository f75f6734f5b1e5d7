/**
 * Confirmed apply: a detached timer restores the previous table unless the
 * operator runs `lbfw confirm` in time, so a rule that locks out the SSH
 * session undoes itself.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assertNetAdmin } from '../nft/privilege.js';
import { listBackups, removeBackup, type Backup } from '../state/backups.js';
import { withLock } from '../state/lock.js';
import { forgetCurrent } from '../state/current.js';
import { clearPending, readPending, writePending, type PendingConfirm } from '../state/pending.js';
import type { StatePaths } from '../state/paths.js';
import { resolveOptions, type FirewallOptions, type Resolved } from './options.js';
import { restoreBackup } from './rollback.js';

/** ArmedConfirm: a pending confirmation and its deadline. */
export interface ArmedConfirm {
  readonly token: string;
  readonly deadline: string;
  readonly seconds: number;
  readonly timerPid: number;
}

const TIMER_SCRIPT = fileURLToPath(new URL('../cli/confirm-timer.js', import.meta.url));

function stopTimer(pending: PendingConfirm): void {
  if (pending.timerPid === undefined) return;
  try {
    process.kill(pending.timerPid, 'SIGTERM');
  } catch {
    // Already gone: nothing to stop.
  }
}

/**
 * cancelPending drops a pending confirmation (its timer included). Returns
 * whether there was one. The caller holds the lock.
 */
export async function cancelPending(paths: StatePaths): Promise<boolean> {
  const pending = await readPending(paths.pending);
  if (pending === undefined) return false;
  stopTimer(pending);
  await clearPending(paths.pending);
  return true;
}

/**
 * armConfirmTimer records a pending confirmation and starts a detached
 * timer process (its own session: it survives the SSH session dying).
 * The caller holds the lock.
 */
export async function armConfirmTimer(resolved: Resolved, backup: Backup, seconds: number): Promise<ArmedConfirm> {
  const token = randomBytes(8).toString('hex');
  const deadline = new Date(Date.now() + seconds * 1000).toISOString();
  const netns = resolved.backend.netns;
  const args = [TIMER_SCRIPT, resolved.paths.dir, token, String(seconds), ...(netns === undefined ? [] : [netns])];
  const child = spawn(process.execPath, args, { detached: true, stdio: 'ignore' });
  child.unref();
  const timerPid = child.pid ?? 0;
  await writePending(resolved.paths.pending, { token, backupId: backup.id, deadline, timerPid });
  return { token, deadline, seconds, timerPid };
}

/** ConfirmResult: whether a pending apply was confirmed. */
export interface ConfirmResult {
  readonly confirmed: boolean;
  /** The deadline that was pending, when there was one. */
  readonly deadline?: string;
  /** When nothing was pending: the last thing a confirm timer did, if any. */
  readonly lastExpiry?: string;
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
    stopTimer(pending);
    await clearPending(resolved.paths.pending);
    return { confirmed: true, deadline: pending.deadline };
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
    let outcome: ExpiryOutcome = 'backup-missing';
    if (backup !== undefined) {
      await restoreBackup(resolved.backend, resolved.paths.backups, backup);
      await forgetCurrent(resolved.paths);
      await removeBackup(resolved.paths.backups, backup.id);
      outcome = 'restored';
    }
    await clearPending(resolved.paths.pending);
    const line = `${new Date().toISOString()} confirm deadline ${pending.deadline} passed: ${outcome} ${pending.backupId}\n`;
    await fs.appendFile(resolved.paths.confirmLog, line);
    return outcome;
  });
}
