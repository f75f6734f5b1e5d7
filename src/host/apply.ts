/**
 * `lbfw apply` for a whole host: kernel settings, then the VIPs on lo (real
 * servers), then the firewall, under one lock, after every input was checked.
 */
import type { HostConfig } from '../config/model.js';
import { applyPreparedFirewall, type ApplyResult } from '../firewall/apply.js';
import { resolveOptions } from '../firewall/options.js';
import { prepareFirewall } from '../firewall/prepare.js';
import { assertNetAdmin } from '../nft/privilege.js';
import { withLock } from '../state/lock.js';
import { applySysctls, persistSysctls, planSysctls, type SysctlApplyResult, type SysctlPersistResult } from '../sysctl/host.js';
import { applyVips, type VipApplyResult } from '../vip/apply.js';
import { includes, sysctlPaths, type HostOptions } from './options.js';
import { readInferredInterfaces, withInferred, type InferredInterface } from './interfaces.js';

/** HostApplyResult: what each part did; a part left out by `only` is absent. */
export interface HostApplyResult {
  /** Interfaces the config left out and lbfw read from the host. */
  readonly inferred: readonly InferredInterface[];
  readonly sysctl?: SysctlApplyResult;
  readonly persisted?: SysctlPersistResult;
  readonly vips?: VipApplyResult;
  readonly firewall?: ApplyResult;
}

/**
 * applyHost checks every input first (config, blacklist, profile), so bad
 * input changes nothing; then, holding the lock, writes the sysctls and
 * persists them, puts the VIPs on lo (real servers), and replaces the
 * firewall. Kernel settings go first: the firewall is the part that can lock
 * the operator out, and `--confirm` guards it.
 */
export async function applyHost(given: HostConfig, options: HostOptions = {}): Promise<HostApplyResult> {
  const inferred = await readInferredInterfaces(given);
  const config = withInferred(given, inferred);
  const resolved = resolveOptions(options);
  const paths = sysctlPaths(options);
  assertNetAdmin('apply');
  const prepared = includes(options, 'firewall') ? await prepareFirewall(config, resolved.env, options) : undefined;
  // Loading the profile now refuses a broken one before anything changes.
  if (includes(options, 'sysctl')) await planSysctls(config, paths.sysctl);
  return withLock(resolved.paths.lock, { waitSeconds: resolved.waitSeconds, purpose: 'apply' }, async () => {
    const sysctl = includes(options, 'sysctl') ? await applySysctls(config, paths.sysctl) : undefined;
    const persisted = includes(options, 'sysctl') ? await persistSysctls(config, { ...paths.sysctl, ...paths.persist }) : undefined;
    const vips =
      includes(options, 'vips') && config.role === 'realserver' ? await applyVips(config, { recordFile: paths.vipRecord }) : undefined;
    const firewall =
      prepared === undefined
        ? undefined
        : await applyPreparedFirewall(prepared, resolved, options.confirmSeconds === undefined ? {} : { confirmSeconds: options.confirmSeconds });
    return {
      inferred,
      ...(sysctl === undefined ? {} : { sysctl }),
      ...(persisted === undefined ? {} : { persisted }),
      ...(vips === undefined ? {} : { vips }),
      ...(firewall === undefined ? {} : { firewall }),
    };
  });
}
