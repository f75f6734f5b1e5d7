/**
 * Where lbfw keeps its state: the lock, backups of previous tables, the
 * record of the last apply and a pending confirmation.
 */
import path from 'node:path';

/** Default state directory (FHS: variable state of a program). */
export const DEFAULT_STATE_DIR = '/var/lib/lbfw';

/** StatePaths names every file in a state directory. */
export interface StatePaths {
  readonly dir: string;
  readonly lock: string;
  readonly backups: string;
  /** lbfw's record of the table it last wrote (see state/current.ts). */
  readonly current: string;
  /** Live element edits since that record was written (see state/current.ts). */
  readonly journal: string;
  /** The record of a table about to be committed, confirmed once it runs (see state/current.ts). */
  readonly pendingRecord: string;
  /** Journal lines of a live edit about to be committed, confirmed once it ran. */
  readonly pendingJournal: string;
  readonly pending: string;
  readonly confirmLog: string;
}

/** statePaths resolves the state directory: explicit, then LBFW_STATE_DIR, then the default. */
export function statePaths(dir?: string, env: Record<string, string | undefined> = process.env): StatePaths {
  const root = path.resolve(dir ?? env['LBFW_STATE_DIR'] ?? DEFAULT_STATE_DIR);
  return {
    dir: root,
    lock: path.join(root, 'lock'),
    backups: path.join(root, 'backups'),
    current: path.join(root, 'current.table'),
    journal: path.join(root, 'current.journal'),
    pendingRecord: path.join(root, 'pending.table'),
    pendingJournal: path.join(root, 'pending.journal'),
    pending: path.join(root, 'pending-confirm.json'),
    confirmLog: path.join(root, 'confirm.log'),
  };
}
