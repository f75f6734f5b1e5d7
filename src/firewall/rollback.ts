/**
 * rollback: put back the table saved before the last change.
 */
import { StateError } from '../errors.js';
import type { NftBackend } from '../nft/backend.js';
import { listBackups, readBackupTable, removeBackup, type Backup } from '../state/backups.js';
import { clearPending } from '../state/pending.js';
import { withLock } from '../state/lock.js';
import type { StatePaths } from '../state/paths.js';
import { commitTable, reconcileRecord } from './reconcile.js';
import { faultPoint } from '../system/fault-point.js';
import { assertMayChange, resolveOptions, type FirewallOptions } from './options.js';
import { restoreHostRecords, type HostRestore } from '../host/rollback.js';

/** RollbackResult: which backup was restored. */
export interface RollbackResult {
  readonly restored: Backup;
  /** Backups still available for further rollbacks. */
  readonly remaining: number;
  /** Kernel settings, sysctl.d file and VIPs put back from the applies that backup predates. */
  readonly host: readonly HostRestore[];
}

/**
 * restoreBackup replaces lbfw's table with a saved one in one transaction
 * (or removes the table when there was none then). The caller holds the lock.
 */
export async function restoreBackup(backend: NftBackend, paths: StatePaths, backup: Backup): Promise<void> {
  const table = await readBackupTable(paths.backups, backup);
  // Under a pending record: what runs afterwards is recorded exactly (one
  // kernel transaction), and a kill mid-way is settled by the next command.
  await commitTable(backend, paths, table);
}

/**
 * rollbackFirewall restores the newest backup and removes it, so a second
 * rollback goes one step further back. Cancels a pending confirmation.
 */
export async function rollbackFirewall(options: FirewallOptions = {}): Promise<RollbackResult> {
  const resolved = resolveOptions(options);
  assertMayChange(resolved, 'rollback');
  return withLock(resolved.paths.lock, { waitSeconds: resolved.waitSeconds, purpose: 'rollback' }, async () => {
    const backups = await listBackups(resolved.paths.backups);
    const newest = backups[backups.length - 1];
    if (newest === undefined) throw new StateError(`no backup to roll back to in ${resolved.paths.backups}`);
    await reconcileRecord(resolved.backend, resolved.paths);
    faultPoint('rollback:after-reconcile');
    await restoreBackup(resolved.backend, resolved.paths, newest);
    faultPoint('rollback:after-restore');
    await removeBackup(resolved.paths.backups, newest.id);
    faultPoint('rollback:after-remove-backup');
    await clearPending(resolved.paths.pending);
    const host = await restoreHostRecords(resolved.paths.dir, backups[backups.length - 2]?.id);
    return { restored: newest, remaining: backups.length - 1, host };
  });
}
