/**
 * verify: is the running firewall still what the config and blacklist mean?
 */
import type { HostConfig } from '../config/model.js';
import type { Drift } from '../ruleset/compare.js';
import { readBackDrift } from './read-back.js';
import type { PendingConfirm } from '../state/pending.js';
import { confirmState } from './confirm.js';
import { assertMayChange, hostNetns, resolveOptions, type BlacklistOptions, type FirewallOptions } from './options.js';
import { prepareFirewall } from './prepare.js';

/** FirewallVerifyResult: drift is empty when the running table is what was meant. */
export interface FirewallVerifyResult {
  readonly ok: boolean;
  readonly drift: readonly Drift[];
  /** A confirmation still pending from `apply --confirm`. */
  readonly pendingConfirm?: PendingConfirm;
  /** Set when the pending confirmation's restore will not happen in time (dead timer, deadline long past): not ok. */
  readonly confirmProblem?: string;
}

/** verifyFirewall compares the running lbfw table with the one the inputs build. */
export async function verifyFirewall(
  config: HostConfig,
  options: FirewallOptions & BlacklistOptions = {},
): Promise<FirewallVerifyResult> {
  const resolved = resolveOptions(options);
  assertMayChange(resolved, 'verify');
  const prepared = await prepareFirewall(config, resolved.env, options, hostNetns(resolved));
  const drift = await readBackDrift(resolved.backend, prepared.ruleset);
  const confirm = await confirmState(resolved.paths);
  return {
    ok: drift.length === 0 && confirm?.problem === undefined,
    drift,
    ...(confirm === undefined ? {} : { pendingConfirm: confirm.pending }),
    ...(confirm?.problem === undefined ? {} : { confirmProblem: confirm.problem }),
  };
}
