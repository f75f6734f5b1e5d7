/**
 * apply: replace lbfw's table in one kernel transaction, after saving the
 * previous one, then read it back and compare with what was meant.
 */
import type { HostConfig } from '../config/model.js';
import { LbfwError } from '../errors.js';
import { assertNetAdmin } from '../nft/privilege.js';
import { compareRuleset, type Drift } from '../ruleset/compare.js';
import { parseListing } from '../ruleset/listing.js';
import { renderReplaceScript } from '../ruleset/render.js';
import { saveBackup, type Backup } from '../state/backups.js';
import { withLock } from '../state/lock.js';
import { writeFileAtomic } from '../blacklist/atomic-write.js';
import { armConfirmTimer, cancelPending, type ArmedConfirm } from './confirm.js';
import { resolveOptions, type BlacklistOptions, type FirewallOptions } from './options.js';
import { prepareFirewall, type PreparedFirewall } from './prepare.js';
import { createHash } from 'node:crypto';

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

/** What apply records about the last successful apply. */
export interface AppliedRecord {
  readonly appliedAt: string;
  /** sha256 of the loaded script: tells whether config or blacklist changed since. */
  readonly scriptSha256: string;
  readonly configFile?: string;
  readonly blacklistPath: string;
}

/**
 * applyFirewall builds the ruleset from `config` and the blacklist and
 * replaces `table inet lbfw` with it atomically. Bad input throws before any
 * change; other tables are never touched.
 */
export async function applyFirewall(config: HostConfig, options: ApplyOptions = {}): Promise<ApplyResult> {
  const resolved = resolveOptions(options);
  assertNetAdmin('apply');
  const prepared = await prepareFirewall(config, resolved.env, options);
  const script = renderReplaceScript(prepared.ruleset);
  return withLock(resolved.paths.lock, { waitSeconds: resolved.waitSeconds, purpose: 'apply' }, async () => {
    const supersededConfirm = await cancelPending(resolved.paths);
    const before = await resolved.backend.listTable();
    const backup = await saveBackup(resolved.paths.backups, before, 'apply');
    await resolved.backend.run(script);
    const after = await resolved.backend.listTable();
    const drift = compareRuleset(prepared.ruleset, after === undefined ? undefined : parseListing(after));
    if (drift.length > 0) throw new ApplyMismatchError(drift, backup);
    const record: AppliedRecord = {
      appliedAt: new Date().toISOString(),
      scriptSha256: createHash('sha256').update(script).digest('hex'),
      ...(config.file === undefined ? {} : { configFile: config.file }),
      blacklistPath: config.blacklistPath,
    };
    await writeFileAtomic(resolved.paths.applied, `${JSON.stringify(record, null, 2)}\n`);
    const confirm =
      options.confirmSeconds === undefined ? undefined : await armConfirmTimer(resolved, backup, options.confirmSeconds);
    return {
      ...prepared,
      backup,
      elementsLoaded: prepared.ruleset.sets.reduce((n, s) => n + s.elements.length, 0),
      ...(confirm === undefined ? {} : { confirm }),
      supersededConfirm,
    };
  });
}
