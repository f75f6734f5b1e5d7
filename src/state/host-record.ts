/**
 * Host records: what `lbfw apply` found before it changed the host outside
 * the firewall (the kernel settings it wrote, lbfw's sysctl.d file, the VIPs
 * it added or narrowed on lo, its record of those VIPs), so that `lbfw
 * rollback` can put the whole host back, not only the table. One record per
 * apply that changed something, kept under STATE/host-records, newest last;
 * ids sort like firewall backup ids (both start with the ISO time).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../blacklist/atomic-write.js';
import { StateError } from '../errors.js';
import { readInputFile, readInputFileIfPresent } from '../system/input-file.js';
import type { VipAction } from '../vip/plan.js';

/** How many host records are kept (as many as firewall backups). */
export const HOST_RECORDS_KEPT = 10;

/** A file's content before the change; `null` when it did not exist. */
export interface FileBefore {
  readonly file: string;
  readonly previous: string | null;
}

/** HostRecord: the host outside the firewall as it was before one apply. */
export interface HostRecord {
  readonly id: string;
  readonly createdAt: string;
  /** The sysctl writes apply made, in order, with the value each key had before. */
  readonly sysctls: readonly { readonly key: string; readonly previous: string }[];
  /** The VIP changes on lo apply made, in order. */
  readonly vips: readonly VipAction[];
  /** lbfw's sysctl.d file and record of VIPs, as they were. */
  readonly files: readonly FileBefore[];
}

/** hostRecordsDir: where a state directory keeps its host records. */
export function hostRecordsDir(stateDir: string): string {
  return path.join(stateDir, 'host-records');
}

/** readFileBefore reads a file's current content for a record (null when missing). */
export async function readFileBefore(file: string): Promise<FileBefore> {
  try {
    return { file, previous: (await readInputFileIfPresent(file, { what: 'file lbfw manages', maxBytes: 16 * 1024 * 1024 })) ?? null };
  } catch (error) {
    throw error;
  }
}

/** saveHostRecord stores a record (given without id and time) and prunes old ones. */
export async function saveHostRecord(stateDir: string, record: Omit<HostRecord, 'id' | 'createdAt'>): Promise<HostRecord> {
  const dir = hostRecordsDir(stateDir);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const now = new Date();
  const id = `${now.toISOString().replace(/[:.]/g, '-')}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const full: HostRecord = { id, createdAt: now.toISOString(), ...record };
  await writeFileAtomic(path.join(dir, `${id}.json`), `${JSON.stringify(full, null, 2)}\n`);
  const all = await listHostRecords(stateDir);
  for (const old of all.slice(0, Math.max(0, all.length - HOST_RECORDS_KEPT))) await removeHostRecord(stateDir, old.id);
  return full;
}

/** listHostRecords returns the records, oldest first. */
export async function listHostRecords(stateDir: string): Promise<HostRecord[]> {
  const dir = hostRecordsDir(stateDir);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records: HostRecord[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = path.join(dir, name);
    try {
      const stat = await fs.stat(file);
      // Records are a few KB; anything huge is not lbfw's.
      if (!stat.isFile() || stat.size > 4 * 1024 * 1024) throw new Error('not a regular file of a sane size');
      const data = JSON.parse(await readInputFile(file, { what: 'host record', maxBytes: 4 * 1024 * 1024 })) as HostRecord;
      if (typeof data.id !== 'string' || !Array.isArray(data.sysctls) || !Array.isArray(data.vips) || !Array.isArray(data.files)) throw new Error('not a host record');
      records.push(data);
    } catch (error) {
      throw new StateError(`host record ${file} is unreadable (${(error as Error).message}): remove it, and rollback no longer restores that apply's kernel settings and VIPs`);
    }
  }
  return records;
}

/** removeHostRecord deletes one record. */
export async function removeHostRecord(stateDir: string, id: string): Promise<void> {
  await fs.rm(path.join(hostRecordsDir(stateDir), `${id}.json`), { force: true });
}
