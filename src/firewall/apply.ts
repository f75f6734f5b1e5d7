/**
 * apply: replace lbfw's table in one kernel transaction, after saving the
 * previous one, then read it back and compare with what was meant.
 */
import type { HostConfig } from '../config/model.js';
import { BlacklistError, LbfwError } from '../errors.js';
import type { Ruleset } from '../nft/model/objects.js';
import type { Drift } from '../ruleset/compare.js';
import { saveBackup, type Backup } from '../state/backups.js';
import { withLock } from '../state/lock.js';
import { armConfirmTimer, cancelPending, type ArmedConfirm } from './confirm.js';
import { assertMayChange, hostNetns, resolveOptions, type BlacklistOptions, type FirewallOptions, type Resolved } from './options.js';
import { prepareFirewall, type PreparedFirewall } from './prepare.js';
import { proveCommit, runningTable, type CommitReadBack } from './read-back.js';
import { commitTable, reconcileRecord } from './reconcile.js';
import { faultPoint } from '../system/fault-point.js';

export { runningTable } from './read-back.js';

/** ApplyOptions: FirewallOptions plus blacklist handling and the confirm timer. */
export interface ApplyOptions extends FirewallOptions, BlacklistOptions {
  /** Restore the previous table unless `confirm` runs within this many seconds. */
  readonly confirmSeconds?: number;
}

/** ApplyResult: what apply did. */
export interface ApplyResult extends PreparedFirewall {
  /** The table as it was before, saved for rollback. */
  readonly backup: Backup;
  /** Elements loaded into all sets. */
  readonly elementsLoaded: number;
  /** Set when `confirmSeconds` was given. */
  readonly confirm?: ArmedConfirm;
  /** A confirmation of an earlier apply that this apply superseded. */
  readonly supersededConfirm: boolean;
  /** How the table was read back after the commit (and why in full, when it was). */
  readonly readBack: Omit<CommitReadBack, 'drift'>;
}

/** ApplyMismatchError: the commit succeeded but the kernel lists something else than meant. */
export class ApplyMismatchError extends LbfwError {
  readonly drift: readonly Drift[];
  readonly backup: Backup;

  constructor(drift: readonly Drift[], backup: Backup) {
    super(
      'APPLY_MISMATCH',
      `the table was loaded but reads back different from what was meant (${drift.length} differences; ` +
        `\`lbfw rollback\` restores the previous table): ${drift[0]?.subject}: ${drift[0]?.message}`,
    );
    this.drift = drift;
    this.backup = backup;
  }
}

/** Elements of a table's blacklist sets. */
function blacklistElements(ruleset: Ruleset): number {
  return ruleset.sets.filter((s) => /^bl[46]_/.test(s.name)).reduce((n, s) => n + s.elements.count, 0);
}

/**
 * assertNotShrunkBySkipping: with --skip-invalid, a file whose format
 * changed (a `;` comment style, a count column) can leave far fewer entries
 * than the running blacklist holds; a cron job must not wipe a working
 * blacklist that way. Less than half of the running elements is refused
 * unless forced.
 */
function assertNotShrunkBySkipping(prepared: PreparedFirewall, running: Ruleset | undefined, force: boolean): void {
  if (prepared.skipped.length === 0 || running === undefined || force) return;
  const before = blacklistElements(running);
  const after = blacklistElements(prepared.ruleset);
  if (after * 2 >= before) return;
  const file = prepared.skipped[0]?.file ?? 'the blacklist';
  throw new BlacklistError([
    {
      file,
      line: 0,
      message: `${prepared.skipped.length} bad lines skipped (--skip-invalid) leave ${after} blacklist elements where ${before} run now: refusing to shrink the running blacklist below half; fix the file, or pass --force`,
    },
  ]);
}

/**
 * applyFirewall builds the ruleset from `config` and the blacklist and
 * replaces `table inet lbfw` with it atomically. Bad input throws before any
 * change; other tables are never touched.
 */
export async function applyFirewall(config: HostConfig, options: ApplyOptions = {}): Promise<ApplyResult> {
  const resolved = resolveOptions(options);
  assertMayChange(resolved, 'apply');
  // The blacklist is read under the lock: a `blacklist add` that finished a
  // moment ago must be in what this apply loads.
  return withLock(resolved.paths.lock, { waitSeconds: resolved.waitSeconds, purpose: 'apply' }, async () =>
    applyPreparedFirewall(await prepareFirewall(config, resolved.env, options, hostNetns(resolved)), resolved, options),
  );
}

/**
 * applyPreparedFirewall is the locked part of apply: back up, commit, read
 * back, record, arm the confirm timer. The caller holds the lock and has
 * checked the input with prepareFirewall.
 */
export async function applyPreparedFirewall(
  prepared: PreparedFirewall,
  resolved: Resolved,
  options: Pick<ApplyOptions, 'confirmSeconds' | 'force'> = {},
): Promise<ApplyResult> {
  // A run killed before its record was confirmed left it pending: settle it with the kernel first.
  await reconcileRecord(resolved.backend, resolved.paths);
  faultPoint('apply:after-reconcile');
  const supersededConfirm = await cancelPending(resolved.paths);
  const running = await runningTable(resolved);
  assertNotShrunkBySkipping(prepared, running?.ruleset, options.force === true);
  const backup = await saveBackup(resolved.paths.backups, running, 'apply');
  faultPoint('apply:after-backup');
  // The record goes down as pending before the commit and is confirmed only
  // after the read-back: a kill in between leaves nothing stale behind.
  let readBack: Omit<CommitReadBack, 'drift'> | undefined;
  await commitTable(resolved.backend, resolved.paths, prepared.ruleset, async (receipt) => {
    const { drift, ...how } = await proveCommit(resolved.backend, prepared.ruleset, receipt);
    if (drift.length > 0) throw new ApplyMismatchError(drift, backup);
    readBack = how;
  });
  const confirm =
    options.confirmSeconds === undefined ? undefined : await armConfirmTimer(resolved, backup, options.confirmSeconds);
  return {
    ...prepared,
    backup,
    elementsLoaded: prepared.ruleset.sets.reduce((n, s) => n + s.elements.count, 0),
    ...(confirm === undefined ? {} : { confirm }),
    supersededConfirm,
    readBack: readBack ?? { method: 'full', provenSets: 0 },
  };
}
