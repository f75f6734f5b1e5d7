/**
 * plan: what `apply` would load, without changing anything.
 */
import type { HostConfig } from '../config/model.js';
import { Transaction } from '../nft/transaction.js';
import { renderScript } from '../nft/render/script.js';
import { resolveOptions, type BlacklistOptions, type FirewallOptions } from './options.js';
import { prepareFirewall, type PreparedFirewall } from './prepare.js';

/** PlanOptions: `check` also asks the kernel to validate the transaction (`nft -c`). */
export interface PlanOptions extends FirewallOptions, BlacklistOptions {
  readonly check?: boolean;
}

/** FirewallPlan: the ruleset and the exact transaction apply would commit. */
export interface FirewallPlan extends PreparedFirewall {
  /** The transaction as the script `nft -f -` would receive (the netlink backend sends the same operations). */
  readonly script: string;
  /** True when the kernel accepted the transaction in check mode. */
  readonly checked: boolean;
  /** The backend apply would use, and why. */
  readonly backend: string;
  readonly backendReason: string;
}

/**
 * planFirewall builds the ruleset and its transaction. With `check`, the
 * kernel validates it without committing: this costs as much as a real load
 * on big sets (DESIGN.md, section 3), so it is never part of apply.
 */
export async function planFirewall(config: HostConfig, options: PlanOptions = {}): Promise<FirewallPlan> {
  const resolved = resolveOptions(options);
  const prepared = await prepareFirewall(config, resolved.env, options);
  const tx = new Transaction().replaceTable(prepared.ruleset);
  if (options.check === true) await resolved.backend.check(tx);
  return { ...prepared, script: renderScript(tx), checked: options.check === true, backend: resolved.backend.name, backendReason: resolved.backendReason };
}
