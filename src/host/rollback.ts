/**
 * The host part of `lbfw rollback`: puts back the kernel settings, lbfw's
 * sysctl.d file and the VIPs on lo from the host records (state/host-record.ts)
 * taken by the applies that the restored firewall backup predates.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../blacklist/atomic-write.js';
import { listHostRecords, removeHostRecord, type HostRecord } from '../state/host-record.js';
import { writeSysctl, type ProcOptions } from '../sysctl/procfs.js';
import { undoVipActions } from '../vip/apply.js';

/** HostRestore: what one record's restore put back. */
export interface HostRestore {
  readonly id: string;
  readonly createdAt: string;
  /** `key=value` as written back. */
  readonly sysctls: readonly string[];
  /** The VIP changes undone, e.g. `add 192.0.2.10`. */
  readonly vips: readonly string[];
  /** Files put back (or removed when they did not exist before). */
  readonly files: readonly string[];
  /** Keys that could not be written back (an interface gone since), with why. */
  readonly problems: readonly string[];
}

async function restoreRecord(record: HostRecord, proc: ProcOptions): Promise<HostRestore> {
  await undoVipActions(record.vips);
  const sysctls: string[] = [];
  const problems: string[] = [];
  // Reverse order: a key written twice ends at its first previous value.
  for (const write of [...record.sysctls].reverse()) {
    try {
      await writeSysctl(write.key, write.previous, proc);
      sysctls.push(`${write.key}=${write.previous}`);
    } catch (error) {
      problems.push(`${write.key}: ${(error as Error).message}`);
    }
  }
  for (const file of record.files) {
    if (file.previous === null) await fs.rm(file.file, { force: true });
    else {
      await fs.mkdir(path.dirname(file.file), { recursive: true });
      await writeFileAtomic(file.file, file.previous);
    }
  }
  return {
    id: record.id,
    createdAt: record.createdAt,
    sysctls,
    vips: record.vips.map((a) => `${a.kind} ${a.address}`),
    files: record.files.map((f) => f.file),
    problems,
  };
}

/**
 * restoreHostRecords restores, newest first, every host record taken after
 * `afterId` (all of them when undefined: the firewall went back past the first
 * apply) and removes each once restored. The caller holds lbfw's lock.
 */
export async function restoreHostRecords(stateDir: string, afterId: string | undefined, proc: ProcOptions = {}): Promise<HostRestore[]> {
  const records = (await listHostRecords(stateDir)).filter((r) => afterId === undefined || r.id > afterId).reverse();
  const restored: HostRestore[] = [];
  for (const record of records) {
    restored.push(await restoreRecord(record, proc));
    await removeHostRecord(stateDir, record.id);
  }
  return restored;
}
