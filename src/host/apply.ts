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
import { applySysctlState, persistSysctls, planSysctls, readSysctlState, type SysctlApplyResult, type SysctlPersistResult, type SysctlState } from '../sysctl/host.js';
import { applyVips, planVips, type VipApplyResult } from '../vip/apply.js';
import { readLinks, type HostLink } from '../vip/addresses.js';
import { readFileBefore, saveHostRecord } from '../state/host-record.js';
import { writeLastApply } from '../state/last-apply.js';
import { DEFAULT_PERSIST_DIR, DEFAULT_PERSIST_NAME } from '../sysctl/persist.js';
import { HOST_PARTS, includes, sysctlPaths, type HostOptions, type SysctlPaths } from './options.js';
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
 * recordHostBefore saves a host record (state/host-record.ts) of what this
 * apply is about to change outside the firewall: the sysctl writes with
 * their previous values, the VIP actions, and lbfw's own files as they are.
 * Nothing is recorded when nothing would change (a repeated apply).
 */
async function recordHostBefore(config: HostConfig, options: HostOptions, paths: SysctlPaths, stateDir: string, persistHere: boolean, sysctlState: SysctlState | undefined): Promise<void> {
  const sysctlPlan = sysctlState === undefined ? undefined : await planSysctls(config, paths.sysctl, sysctlState);
  const vipPlan = includes(options, 'vips') && config.role === 'realserver' ? await planVips(config, { recordFile: paths.vipRecord }) : undefined;
  const files = [];
  if (sysctlPlan !== undefined && persistHere) files.push(await readFileBefore(path.join(paths.persist.dir ?? DEFAULT_PERSIST_DIR, paths.persist.name ?? DEFAULT_PERSIST_NAME)));
  if (vipPlan !== undefined && vipPlan.actions.length > 0) files.push(await readFileBefore(paths.vipRecord));
  const sysctls = (sysctlPlan?.writes ?? []).map((w) => ({ key: w.key, previous: w.previous }));
  const vips = vipPlan?.actions ?? [];
  // A first apply creates lbfw's sysctl.d file even when every value already passes.
  const createsFile = files.some((f) => f.previous === null);
  if (sysctls.length === 0 && vips.length === 0 && !createsFile) return;
  await saveHostRecord(stateDir, { sysctls, vips, files });
}

/**
 * applyHost checks every input first (config, blacklist, profile), so bad
 * input changes nothing; then, holding the lock, writes the sysctls and
 * persists them, puts the VIPs on lo (real servers), and replaces the
 * firewall. Kernel settings go first: the firewall is the part that can lock
 * the operator out, and `--confirm` guards it.
 */
export async function applyHost(given: HostConfig, options: HostOptions = {}): Promise<HostApplyResult> {
  const resolved = resolveOptions(options);
  // One `ip -j addr show` serves the interface inference and, in the same
  // namespace, the blacklist's own-address guard: lbfw itself only changes
  // addresses on lo, which that guard leaves out.
  let linksRead: Promise<HostLink[]> | undefined;
  const links = (): Promise<HostLink[]> => (linksRead ??= readLinks());
  const inferred = await readInferredInterfaces(given, links);
  const config = withInferred(given, inferred);
  const paths = sysctlPaths(options);
  assertNetAdmin('apply');
  return withLock(resolved.paths.lock, { waitSeconds: resolved.waitSeconds, purpose: 'apply' }, async () => {
    // Inputs are read under the lock (a `blacklist add` that just finished is
    // in them) and all of them before the first change, so bad input changes nothing.
    const prepared = includes(options, 'firewall') ? await prepareFirewall(config, resolved.env, options, hostNetns(resolved), hostNetns(resolved) === undefined ? links : undefined) : undefined;
    // The profile resolved and /proc/sys read once, here (a bad profile
    // changes nothing): the host record, the writes and the sysctl.d file
    // all work from it.
    const sysctlBefore = includes(options, 'sysctl') ? await readSysctlState(config, paths.sysctl) : undefined;
    // sysctl.d is applied to the host's namespace at boot: persisting from
    // inside another network namespace would change the host, not this one.
    const persistHere = paths.explicitRoot || !inNamedNetns();
    // What rollback needs to put the host back, taken before anything changes.
    await recordHostBefore(config, options, paths, resolved.paths.dir, persistHere, sysctlBefore);
    const applied = sysctlBefore === undefined ? undefined : await applySysctlState(sysctlBefore, paths.sysctl);
    const sysctl = applied?.result;
    const persisted = applied !== undefined && persistHere ? await persistSysctls(config, { ...paths.sysctl, ...paths.persist }, applied.after) : undefined;
    const vips =
      includes(options, 'vips') && config.role === 'realserver' ? await applyVips(config, { recordFile: paths.vipRecord }) : undefined;
    const firewall =
      prepared === undefined
        ? undefined
        : await applyPreparedFirewall(prepared, resolved, {
            ...(options.confirmSeconds === undefined ? {} : { confirmSeconds: options.confirmSeconds }),
            ...(options.force === undefined ? {} : { force: options.force }),
          });
    await writeLastApply(resolved.paths.dir, HOST_PARTS.filter((part) => includes(options, part)));
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
