/**
 * A pending confirmation: after `apply --confirm N`, the previous table comes
 * back by itself unless `lbfw confirm` runs within N seconds.
 */
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../blacklist/atomic-write.js';

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
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as PendingConfirm;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** writePending records a pending confirmation. */
export async function writePending(file: string, pending: PendingConfirm): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(pending, null, 2)}\n`);
}

/** clearPending removes the pending confirmation. */
export async function clearPending(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}
