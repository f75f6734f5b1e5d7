/**
 * Reconciling lbfw's record of the running table with the kernel after a
 * run was killed between writing a pending record (state/current.ts) and
 * confirming it. Called under the lock at the start of every command that
 * reads or changes the record, so no backup is ever rendered from a record
 * of a table that does not run.
 */
import { elementsFromHex } from '../nft/model/elements.js';
import type { CommitReceipt, NftBackend } from '../nft/backend.js';
import { Transaction } from '../nft/transaction.js';
import type { Ruleset } from '../nft/model/objects.js';
import {
  confirmPendingEdits,
  confirmPendingRecord,
  dropPendingEdits,
  forgetCurrent,
  readCurrent,
  readPendingEdits,
  readPendingRecord,
  writePendingRecord,
} from '../state/current.js';
import type { StatePaths } from '../state/paths.js';
import { promises as fs } from 'node:fs';
import { readBackDrift } from './read-back.js';
import { faultPoint } from '../system/fault-point.js';
import { NftError } from '../errors.js';
import { NetlinkUnknownOutcomeError } from '../nft/netlink/errors.js';

/** What reconciling found: nothing pending, a pending change that ran, one that did not, or an unclear one. */
export type Reconciled = 'clean' | 'confirmed' | 'dropped' | 'forgotten';

async function pendingEditsRan(backend: NftBackend, ruleset: Ruleset, lines: readonly string[]): Promise<'all' | 'none' | 'mixed'> {
  let ran = 0;
  for (const line of lines) {
    const match = /^([+-]) (\S+) (\S+)$/.exec(line);
    const set = match === null ? undefined : ruleset.sets.find((s) => s.name === match[2]);
    if (match === null || set === undefined) return 'mixed';
    const found = await backend.lookupElements(set.name, elementsFromHex(set.key, set.interval, [match[3] as string]));
    if ((found.count > 0) === (match[1] === '+')) ran++;
  }
  return ran === lines.length ? 'all' : ran === 0 ? 'none' : 'mixed';
}

/**
 * reconcileRecord settles a pending record: a table that runs exactly as
 * recorded becomes the record; anything else drops the record, so the next
 * backup is read from the kernel. A pending live edit is looked up element
 * by element (an edit is one transaction: all of it ran, or none).
 */
export async function reconcileRecord(backend: NftBackend, paths: StatePaths): Promise<Reconciled> {
  const pendingRecord = await readPendingRecord(paths).catch(() => undefined);
  if (pendingRecord !== undefined || (await exists(paths.pendingRecord))) {
    const runs = pendingRecord !== undefined && (await backend.tableExists()) && (await readBackDrift(backend, pendingRecord)).length === 0;
    if (runs) {
      await confirmPendingRecord(paths);
      return 'confirmed';
    }
    await forgetCurrent(paths);
    return 'forgotten';
  }
  const lines = await readPendingEdits(paths).catch(() => ['unreadable']);
  if (lines === undefined) return 'clean';
  const record = await readCurrent(paths).catch(() => undefined);
  if (record === undefined) {
    await forgetCurrent(paths);
    return 'forgotten';
  }
  const ran = await pendingEditsRan(backend, record.ruleset, lines);
  if (ran === 'all') await confirmPendingEdits(paths, lines);
  else if (ran === 'none') await dropPendingEdits(paths);
  else await forgetCurrent(paths);
  return ran === 'all' ? 'confirmed' : ran === 'none' ? 'dropped' : 'forgotten';
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(() => true, () => false);
}

/**
 * commitTable replaces the running table with `ruleset` (or removes it)
 * under a pending record; `readBack` proves the commit before the record is
 * confirmed (it throws to refuse it). A failed commit drops the pending record.
 */
export async function commitTable(
  backend: NftBackend,
  paths: StatePaths,
  ruleset: Ruleset | undefined,
  readBack?: (receipt: CommitReceipt) => Promise<void>,
): Promise<void> {
  if (ruleset === undefined) {
    // No table: no record is the true one, before and after.
    await forgetCurrent(paths);
    await backend.run(new Transaction().deleteTable());
    return;
  }
  await writePendingRecord(paths, ruleset);
  faultPoint('table:after-pending');
  try {
    const receipt = await backend.run(new Transaction().replaceTable(ruleset));
    faultPoint('table:after-commit');
    await readBack?.(receipt);
    faultPoint('table:after-read-back');
  } catch (error) {
    // A refused commit changed nothing: the old record stays true. When the
    // outcome is unknown (or the read-back refuses it), no record is the true one.
    if (error instanceof NftError && !(error instanceof NetlinkUnknownOutcomeError)) await fs.rm(paths.pendingRecord, { force: true });
    else await forgetCurrent(paths);
    throw error;
  }
  await confirmPendingRecord(paths);
}
