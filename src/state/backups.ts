/**
 * Backups of lbfw's table taken before each commit, newest last. `rollback`
 * restores the newest and removes it, so repeated rollbacks walk back in time.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { StateError } from '../errors.js';
import { writeFileAtomic } from '../blacklist/atomic-write.js';

/** How many backups are kept; older ones are removed. */
export const BACKUPS_KEPT = 10;

/** Backup describes one saved table. */
export interface Backup {
  readonly id: string;
  readonly createdAt: string;
  /** Why it was taken, e.g. `apply`, `blacklist add`. */
  readonly reason: string;
  /** False when lbfw had no table then: restoring it removes the table. */
  readonly tableExisted: boolean;
}

function metaPath(dir: string, id: string): string {
  return path.join(dir, `${id}.json`);
}

function tablePath(dir: string, id: string): string {
  return path.join(dir, `${id}.nft`);
}

/** listBackups returns the saved backups, oldest first. */
export async function listBackups(dir: string): Promise<Backup[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const backups: Backup[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    try {
      backups.push(JSON.parse(await fs.readFile(path.join(dir, name), 'utf8')) as Backup);
    } catch (error) {
      throw new StateError(`backup ${path.join(dir, name)} is unreadable: ${(error as Error).message}`);
    }
  }
  return backups;
}

/** saveBackup stores `listing` (undefined = no table) and prunes old backups. */
export async function saveBackup(dir: string, listing: string | undefined, reason: string): Promise<Backup> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const now = new Date();
  // Sortable and unique even for two backups in the same millisecond.
  const id = `${now.toISOString().replace(/[:.]/g, '-')}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const backup: Backup = { id, createdAt: now.toISOString(), reason, tableExisted: listing !== undefined };
  if (listing !== undefined) await writeFileAtomic(tablePath(dir, id), listing);
  await writeFileAtomic(metaPath(dir, id), `${JSON.stringify(backup, null, 2)}\n`);
  const all = await listBackups(dir);
  for (const old of all.slice(0, Math.max(0, all.length - BACKUPS_KEPT))) await removeBackup(dir, old.id);
  return backup;
}

/** readBackupTable returns the saved table text, or undefined when there was no table. */
export async function readBackupTable(dir: string, backup: Backup): Promise<string | undefined> {
  if (!backup.tableExisted) return undefined;
  try {
    return await fs.readFile(tablePath(dir, backup.id), 'utf8');
  } catch (error) {
    throw new StateError(`backup ${backup.id} has no saved table: ${(error as Error).message}`);
  }
}

/** removeBackup deletes one backup. */
export async function removeBackup(dir: string, id: string): Promise<void> {
  await fs.rm(tablePath(dir, id), { force: true });
  await fs.rm(metaPath(dir, id), { force: true });
}
