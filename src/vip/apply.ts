/**
 * Puts the VIPs of a real server on `lo` and records which ones lbfw added,
 * so that VIPs removed from the config are removed from lo too.
 */
import type { HostConfig } from '../config/model.js';
import { readJsonFile, writeJsonFile } from '../state/json-file.js';
import { run, runOk } from '../system/run.js';
import { assertNetAdmin } from '../nft/privilege.js';
import { familyBits } from '../net/address.js';
import { readLinks } from './addresses.js';
import { planLoVips, type VipAction, type VipPlan } from './plan.js';

/** VipOptions: where the record of added VIPs lives, and the namespace to work in. */
export interface VipOptions {
  /** File listing the VIPs lbfw added (JSON array). */
  readonly recordFile: string;
  /** Work inside this named namespace instead of the current one (tests). */
  readonly netns?: string;
}

async function readRecord(file: string): Promise<string[]> {
  const data = await readJsonFile(file, 'remove it: lbfw then forgets which VIPs it added to lo');
  return Array.isArray(data) ? data.filter((x): x is string => typeof x === 'string') : [];
}

function ipArgv(action: VipAction): string[][] {
  const host = `${action.address}/${familyBits(action.family)}`;
  switch (action.kind) {
    case 'add':
      return [['ip', 'addr', 'add', host, 'dev', 'lo']];
    case 'narrow':
      // One interface cannot hold the same address twice with two prefixes:
      // delete the wide one, then add the /32 (/128).
      return [
        ['ip', 'addr', 'del', `${action.address}/${action.fromPrefix}`, 'dev', 'lo'],
        ['ip', 'addr', 'add', host, 'dev', 'lo'],
      ];
    case 'remove':
      return [['ip', 'addr', 'del', `${action.address}/${action.prefix}`, 'dev', 'lo']];
  }
}

/** planVips reads the host and says what applyVips would change. */
export async function planVips(config: HostConfig, options: VipOptions): Promise<VipPlan> {
  return planLoVips(config, await readLinks(options.netns), await readRecord(options.recordFile));
}

/** VipApplyResult: the plan and whether it was carried out. */
export interface VipApplyResult extends VipPlan {
  readonly applied: readonly VipAction[];
}

/** applyVips carries out the plan (idempotent: a second run finds nothing to do). */
export async function applyVips(config: HostConfig, options: VipOptions): Promise<VipApplyResult> {
  assertNetAdmin('apply');
  const recorded = await readRecord(options.recordFile);
  const plan = planLoVips(config, await readLinks(options.netns), recorded);
  const prefix = options.netns === undefined ? [] : ['ip', 'netns', 'exec', options.netns];
  for (const action of plan.actions) for (const argv of ipArgv(action)) await runOk([...prefix, ...argv]);
  const added = plan.actions.filter((a) => a.kind !== 'remove').map((a) => a.address);
  const removed = new Set(plan.actions.filter((a) => a.kind === 'remove').map((a) => a.address));
  const record = [...new Set([...recorded.filter((a) => !removed.has(a)), ...added])];
  await writeJsonFile(options.recordFile, record);
  return { ...plan, applied: plan.actions };
}

function undoArgv(action: VipAction): string[][] {
  const host = `${action.address}/${familyBits(action.family)}`;
  switch (action.kind) {
    case 'add':
      return [['ip', 'addr', 'del', host, 'dev', 'lo']];
    case 'narrow':
      return [
        ['ip', 'addr', 'del', host, 'dev', 'lo'],
        ['ip', 'addr', 'add', `${action.address}/${action.fromPrefix}`, 'dev', 'lo'],
      ];
    case 'remove':
      return [['ip', 'addr', 'add', `${action.address}/${action.prefix}`, 'dev', 'lo']];
  }
}

/**
 * undoVipActions reverses actions applyVips carried out, newest first (for
 * rollback). A step whose result is already there (the address was removed
 * or re-added by hand) is skipped, so undoing twice changes nothing more.
 */
export async function undoVipActions(actions: readonly VipAction[], netns?: string): Promise<void> {
  const prefix = netns === undefined ? [] : ['ip', 'netns', 'exec', netns];
  for (const action of [...actions].reverse()) {
    for (const argv of undoArgv(action)) {
      const result = await run([...prefix, ...argv]);
      // EADDRNOTAVAIL (del of a missing address) and EEXIST (add of a present one): already undone.
      if (result.code !== 0 && !/Cannot assign|File exists|does not exist/i.test(result.stderr)) {
        throw new Error(`${argv.join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`);
      }
    }
  }
}
