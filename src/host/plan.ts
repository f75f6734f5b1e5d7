/**
 * `lbfw plan` and `lbfw verify` for a whole host.
 */
import type { HostConfig } from '../config/model.js';
import { planFirewall, type FirewallPlan } from '../firewall/plan.js';
import { verifyFirewall, type FirewallVerifyResult } from '../firewall/verify.js';
import { planSysctls, verifySysctls, type SysctlPlan, type SysctlVerifyResult } from '../sysctl/host.js';
import { planVips } from '../vip/apply.js';
import type { VipPlan } from '../vip/plan.js';
import { includes, sysctlPaths, type HostOptions } from './options.js';
import { verifyBanSets, type BanVerifyResult } from '../ban/verify.js';
import { NftBanCli } from '../nft/ban-cli.js';
import type { BanBackend } from '../nft/ban-backend.js';
import { readInferredInterfaces, withInferred, type InferredInterface } from './interfaces.js';

/** HostPlan: what apply would do to each part. */
export interface HostPlan {
  /** Interfaces the config left out and lbfw read from the host. */
  readonly inferred: readonly InferredInterface[];
  readonly sysctl?: SysctlPlan;
  readonly vips?: VipPlan;
  readonly firewall?: FirewallPlan;
}

/** HostPlanOptions: `check` lets the kernel validate the firewall transaction. */
export interface HostPlanOptions extends HostOptions {
  readonly check?: boolean;
}

/** planHost reads the host and says what apply would change, changing nothing. */
export async function planHost(given: HostConfig, options: HostPlanOptions = {}): Promise<HostPlan> {
  const inferred = await readInferredInterfaces(given);
  const config = withInferred(given, inferred);
  const paths = sysctlPaths(options);
  const firewall = includes(options, 'firewall') ? await planFirewall(config, options) : undefined;
  const sysctl = includes(options, 'sysctl') ? await planSysctls(config, paths.sysctl) : undefined;
  const vips = includes(options, 'vips') && config.role === 'realserver' ? await planVips(config, { recordFile: paths.vipRecord }) : undefined;
  return {
    inferred,
    ...(sysctl === undefined ? {} : { sysctl }),
    ...(vips === undefined ? {} : { vips }),
    ...(firewall === undefined ? {} : { firewall }),
  };
}

/** HostVerifyResult: each part's verdict; `ok` when none failed. */
export interface HostVerifyResult {
  readonly ok: boolean;
  /** Interfaces the config left out and lbfw read from the host. */
  readonly inferred: readonly InferredInterface[];
  readonly sysctl?: SysctlVerifyResult;
  /** VIP changes apply would still make, and VIPs on ARP-answering links. */
  readonly vips?: VipPlan & { readonly ok: boolean };
  readonly firewall?: FirewallVerifyResult;
  /** Directors: the fill of the ban table's dynamic sets (with the firewall part). */
  readonly bans?: BanVerifyResult;
}

/** HostVerifyOptions: the ban table's backend (default: nft in the firewall backend's namespace). */
export interface HostVerifyOptions extends HostOptions {
  readonly banBackend?: BanBackend;
}

/** verifyHost judges what the kernel will actually do against what the config means. */
export async function verifyHost(given: HostConfig, options: HostVerifyOptions = {}): Promise<HostVerifyResult> {
  const inferred = await readInferredInterfaces(given);
  const config = withInferred(given, inferred);
  const paths = sysctlPaths(options);
  const sysctl = includes(options, 'sysctl') ? await verifySysctls(config, paths.sysctl) : undefined;
  const vipPlan =
    includes(options, 'vips') && config.role === 'realserver' ? await planVips(config, { recordFile: paths.vipRecord }) : undefined;
  const vips =
    vipPlan === undefined
      ? undefined
      : { ...vipPlan, ok: vipPlan.actions.length === 0 && vipPlan.warnings.length === 0 };
  const firewall = includes(options, 'firewall') ? await verifyFirewall(config, options) : undefined;
  const netns = options.backend?.netns;
  // A caller that gave a fake firewall backend (tests) gets no real ban table read unless it gives one too.
  const banBackend = options.banBackend ?? (options.backend?.name === 'fake' ? undefined : new NftBanCli(netns === undefined ? {} : { netns }));
  const bans = firewall !== undefined && config.role === 'director' && banBackend !== undefined ? await verifyBanSets(banBackend) : undefined;
  const ok = (sysctl?.ok ?? true) && (vips?.ok ?? true) && (firewall?.ok ?? true) && (bans?.ok ?? true);
  return {
    ok,
    inferred,
    ...(sysctl === undefined ? {} : { sysctl }),
    ...(vips === undefined ? {} : { vips }),
    ...(firewall === undefined ? {} : { firewall }),
    ...(bans === undefined ? {} : { bans }),
  };
}
