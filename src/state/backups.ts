/**
 * Backups of lbfw's table taken before each commit, newest last. `rollback`
 * restores the newest and removes it, so repeated rollbacks walk back in time.
 * A table is saved typed (src/state/ruleset-file.ts), so restoring it is a
 * Transaction like any other.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { StateError } from '../errors.js';
import { readInputFile } from '../system/input-file.js';
import { writeFileAtomic } from '../blacklist/atomic-write.js';
import type { Ruleset } from '../nft/model/objects.js';
import { encodeRuleset, readRulesetFile } from './ruleset-file.js';
import { faultPoint } from '../system/fault-point.js';

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
  /**
   * Rules of the running table that lbfw could not type (someone added them
   * by hand): left out of the backup, named here so the loss is visible.
   */
  readonly omittedRules?: readonly string[];
}

function metaPath(dir: string, id: string): string {
  return path.join(dir, `${id}.json`);
}

function tablePath(dir: string, id: string): string {
  return path.join(dir, `${id}.table`);
}

/** Where lbfw before the typed backend kept a backup's table (nft text), removed with it. */
function legacyTablePath(dir: string, id: string): string {
  return path.join(dir, `${id}.nft`);
}

/** The record names (`ID.json`) of `dir`, oldest first (ids sort by time); none when it does not exist. */
async function recordNames(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function readBackupRecord(dir: string, name: string): Promise<Backup> {
  try {
    return JSON.parse(await readInputFile(path.join(dir, name), { what: 'backup record', maxBytes: 16 * 1024 * 1024 })) as Backup;
  } catch (error) {
    throw new StateError(`backup ${path.join(dir, name)} is unreadable: ${(error as Error).message}`);
  }
}

/** listBackups returns the saved backups, oldest first. */
export async function listBackups(dir: string): Promise<Backup[]> {
  const backups: Backup[] = [];
  for (const name of await recordNames(dir)) backups.push(await readBackupRecord(dir, name));
  return backups;
}

/** SavedTable: what runs now, typed, or undefined when there is no table. */
export interface SavedTable {
  readonly ruleset: Ruleset;
  readonly omittedRules: readonly string[];
}

/**
 * saveBackup stores `table` (undefined = no table) and prunes old backups.
 * Only the newest record is read: it may already hold this table, and
 * pruning goes by the ids in the names (a boot-time apply reads one record,
 * not ten, twice).
 */
export async function saveBackup(dir: string, table: SavedTable | undefined, reason: string): Promise<Backup> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await removeOrphanTables(dir);
  // Bounded by content, not by runs: runs killed before their commit each
  // saved the same running table; the newest backup already holds it.
  const encoded = table === undefined ? undefined : encodeRuleset(table.ruleset);
  const names = await recordNames(dir);
  const newestName = names.at(-1);
  const newest = newestName === undefined ? undefined : await readBackupRecord(dir, newestName);
  if (newest !== undefined && JSON.stringify(newest.omittedRules ?? []) === JSON.stringify(table?.omittedRules ?? []) && (await sameTable(dir, newest, table?.ruleset))) return newest;
  const now = new Date();
  // Sortable and unique even for two backups in the same millisecond.
  const id = `${now.toISOString().replace(/[:.]/g, '-')}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const omitted = table?.omittedRules ?? [];
  const backup: Backup = { id, createdAt: now.toISOString(), reason, tableExisted: table !== undefined, ...(omitted.length === 0 ? {} : { omittedRules: omitted }) };
  // The record's write below flushes the directory for both names.
  if (encoded !== undefined) await writeFileAtomic(tablePath(dir, id), encoded, { durable: 'content' });
  faultPoint('backup:after-table');
  await writeFileAtomic(metaPath(dir, id), `${JSON.stringify(backup, null, 2)}\n`);
  const all = [...names, `${id}.json`].sort();
  for (const old of all.slice(0, Math.max(0, all.length - BACKUPS_KEPT))) await removeBackup(dir, old.slice(0, -'.json'.length));
  return backup;
}

/**
 * removeOrphanTables removes saved tables whose backup record was never
 * written: a run killed between the two writes of saveBackup left them, and
 * nothing lists (so nothing prunes) a table without its record. The caller
 * holds the lock, so no other run is between its two writes.
 */
async function removeOrphanTables(dir: string): Promise<void> {
  const names = await fs.readdir(dir);
  const records = new Set(names.filter((n) => n.endsWith('.json')));
  for (const name of names.filter((n) => n.endsWith('.table'))) {
    if (!records.has(`${name.slice(0, -'.table'.length)}.json`)) await fs.rm(path.join(dir, name), { force: true });
  }
}

/** backupHolds says whether `backup` holds exactly the table `ruleset` (its sets' purposes aside). */
export async function backupHolds(dir: string, backup: Backup, ruleset: Ruleset): Promise<boolean> {
  return sameTable(dir, backup, ruleset);
}

/** sameTable: does `backup` hold exactly `encoded` (undefined: no table)? */
async function sameTable(dir: string, backup: Backup, table: Ruleset | undefined): Promise<boolean> {
  if (table === undefined || !backup.tableExisted) return table === undefined && !backup.tableExisted;
  const saved = await readRulesetFile(tablePath(dir, backup.id)).catch(() => undefined);
  return saved !== undefined && contentOf(saved).equals(contentOf(table));
}

/** A table's content: its encoding without the sets' purposes (notes, not what runs). */
function contentOf(ruleset: Ruleset): Buffer {
  return encodeRuleset({ ...ruleset, sets: ruleset.sets.map((s) => ({ ...s, purpose: '' })) });
}

/** readBackupTable returns the saved table, or undefined when there was no table. */
export async function readBackupTable(dir: string, backup: Backup): Promise<Ruleset | undefined> {
  if (!backup.tableExisted) return undefined;
  const ruleset = await readRulesetFile(tablePath(dir, backup.id));
  if (ruleset === undefined) {
    const legacy = await fs.stat(legacyTablePath(dir, backup.id)).then(() => true, () => false);
    throw new StateError(
      legacy
        ? `backup ${backup.id} was saved as nft text by an older lbfw: load it with \`nft -f ${legacyTablePath(dir, backup.id)}\` after \`nft delete table inet lbfw\``
        : `backup ${backup.id} has no saved table`,
    );
  }
  return ruleset;
}

/** removeBackup deletes one backup. */
export async function removeBackup(dir: string, id: string): Promise<void> {
  await fs.rm(tablePath(dir, id), { force: true });
  await fs.rm(legacyTablePath(dir, id), { force: true });
  await fs.rm(metaPath(dir, id), { force: true });
}
