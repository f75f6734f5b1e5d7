/**
 * A pending confirmation: after `apply --confirm N`, the previous table comes
 * back by itself unless `lbfw confirm` runs within N seconds.
 */
import { readJsonFile, removeFile, writeJsonFile } from './json-file.js';

/** PendingConfirm is the record a confirm timer and `lbfw confirm` share. */
export interface PendingConfirm {
  /** Identifies this apply; a timer acts only on its own token. */
  readonly token: string;
  /** The backup to restore when the deadline passes. */
  readonly backupId: string;
  readonly deadline: string;
  /** Pid of the detached timer process. */
  readonly timerPid?: number;
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
