/**
 * A pending confirmation: after `apply --confirm N`, the previous table comes
 * back by itself unless `lbfw confirm` runs within N seconds.
 */
import { readJsonFile, removeFile, writeJsonFile } from './json-file.js';

/** ConfirmTimer: what carries out the restore, so that others can tell whether it still runs. */
export type ConfirmTimer =
  /** A systemd transient timer and its service (`systemd-run --on-active`). */
  | { readonly kind: 'systemd'; readonly unit: string }
  /** A detached lbfw process in its own session. */
  | { readonly kind: 'process'; readonly pid: number };

/** PendingConfirm is the record a confirm timer and `lbfw confirm` share. */
export interface PendingConfirm {
  /** Identifies this apply; a timer acts only on its own token. */
  readonly token: string;
  /** The backup to restore when the deadline passes. */
  readonly backupId: string;
  readonly deadline: string;
  /** Pid of the detached timer process (records written before `timer` existed). */
  readonly timerPid?: number;
  readonly timer?: ConfirmTimer;
  /**
   * When the timer began its restore: set before the restore's commit, so a
   * timer killed during it is not taken for one that never started.
   */
  readonly restoring?: string;
}

/** readPending returns the pending confirmation, if any. */
export async function readPending(file: string): Promise<PendingConfirm | undefined> {
  return (await readJsonFile(file, 'remove it to drop the pending confirmation')) as PendingConfirm | undefined;
}

/** writePending records a pending confirmation. */
export async function writePending(file: string, pending: PendingConfirm): Promise<void> {
  await writeJsonFile(file, pending);
}

/** clearPending removes the pending confirmation. */
export const clearPending = removeFile;
