/**
 * `lbfw apply` for a whole host: kernel settings, then the VIPs on lo (real
 * servers), then the firewall, under one lock, after every input was checked.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { HostConfig } from '../config/model.js';
import { applyPreparedFirewall, type ApplyResult } from '../firewall/apply.js';
import { hostNetns, resolveOptions } from '../firewall/options.js';
import { prepareFirewall } from '../firewall/prepare.js';
import { assertNetAdmin } from '../nft/privilege.js';
import { withLock } from '../state/lock.js';
import { DEFAULT_PROFILES, applySysctls, persistSysctls, type SysctlApplyResult, type SysctlPersistResult } from '../sysctl/host.js';
import { loadProfile } from '../sysctl/profiles.js';
import { applyVips, type VipApplyResult } from '../vip/apply.js';
import { includes, sysctlPaths, type HostOptions } from './options.js';
import { readInferredInterfaces, withInferred, type InferredInterface } from './interfaces.js';

/** HostApplyResult: what each part did; a part left out by `only` is absent. */
export interface HostApplyResult {
  /** Why the kernel settings were not persisted, when they were not. */
  readonly notPersisted?: string;
  /** Interfaces the config left out and lbfw read from the host. */
  readonly inferred: readonly InferredInterface[];
  readonly sysctl?: SysctlApplyResult;
  readonly persisted?: SysctlPersistResult;
  readonly vips?: VipApplyResult;
  readonly firewall?: ApplyResult;
}

/**
 * inNamedNetns says whether this process runs in a namespace made by `ip
 * netns add` (bind-mounted under /run/netns): then it is not the host's.
 * pid 1's namespace is not always readable (containers), /run/netns is.
 */
function inNamedNetns(): boolean {
  try {
    const self = statSync('/proc/self/ns/net');
    return readdirSync('/run/netns').some((name) => {
      const other = statSync(path.join('/run/netns', name));
      return other.ino === self.ino && other.dev === self.dev;
    });
  } catch {
    return false;
  }
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
  return withLock(resolved.paths.lock, { waitSeconds: resolved.waitSeconds, purpose: 'apply' }, async () => {
    // Inputs are read under the lock (a `blacklist add` that just finished is
    // in them) and all of them before the first change, so bad input changes nothing.
    const prepared = includes(options, 'firewall') ? await prepareFirewall(config, resolved.env, options, hostNetns(resolved)) : undefined;
    if (includes(options, 'sysctl')) await loadProfile(paths.sysctl.profile ?? DEFAULT_PROFILES[config.role], paths.sysctl);
    const sysctl = includes(options, 'sysctl') ? await applySysctls(config, paths.sysctl) : undefined;
    // sysctl.d is applied to the host's namespace at boot: persisting from
    // inside another network namespace would change the host, not this one.
    const persistHere = paths.explicitRoot || !inNamedNetns();
    const persisted =
      includes(options, 'sysctl') && persistHere ? await persistSysctls(config, { ...paths.sysctl, ...paths.persist }) : undefined;
    const vips =
      includes(options, 'vips') && config.role === 'realserver' ? await applyVips(config, { recordFile: paths.vipRecord }) : undefined;
    const firewall =
      prepared === undefined
        ? undefined
        : await applyPreparedFirewall(prepared, resolved, options.confirmSeconds === undefined ? {} : { confirmSeconds: options.confirmSeconds });
    return {
      inferred,
      ...(includes(options, 'sysctl') && !persistHere ? { notPersisted: 'lbfw runs in a network namespace other than the host\'s: /etc/sysctl.d would apply to the host at boot, so nothing was persisted (give --root to write a sysctl.d tree anyway)' } : {}),
      ...(sysctl === undefined ? {} : { sysctl }),
      ...(persisted === undefined ? {} : { persisted }),
      ...(vips === undefined ? {} : { vips }),
      ...(firewall === undefined ? {} : { firewall }),
    };
  });
}
