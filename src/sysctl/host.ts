/**
 * The library calls behind `lbfw verify`, `plan`, `apply` and `doctor` for
 * kernel settings. Each loads the profile for the host's role (or the one
 * named), fills in the config's interfaces, reads /proc/sys of the current
 * network namespace, and returns data; only applySysctls and persistSysctls
 * change anything.
 */
import type { HostConfig, Role } from '../config/model.js';
import { LbfwError } from '../errors.js';
import type { Readings } from './evaluate.js';
import { type SysctlResult, judgeSettings } from './judge.js';
import { type PersistLocation, type PersistResult, persistEntries, writePersistFile } from './persist.js';
import { type ProcOptions, SysctlError, readSysctls, writeSysctl } from './procfs.js';
import { type Profile, type ProfileDirs, type ProfileFile, loadProfile } from './profiles.js';
import { type ResolvedProfile, resolveSettings } from './resolve.js';
import { type SysctlWrite, type UnresolvedSetting, planWrites } from './writes.js';

/** The profile each role uses unless another is named. */
export const DEFAULT_PROFILES: Readonly<Record<Role, string>> = {
  director: 'director-dr',
  realserver: 'realserver-dr',
};

/** defaultProfile is the profile of the host's role; a NAT director (`forwarding: nat`) gets director-nat. */
export function defaultProfile(config: Pick<HostConfig, 'role' | 'forwarding'>): string {
  return config.role === 'director' && config.forwarding === 'nat' ? 'director-nat' : DEFAULT_PROFILES[config.role];
}

/** Options shared by the sysctl calls. */
export interface SysctlOptions extends ProfileDirs, ProcOptions {
  /** Profile name; default by role ({@link DEFAULT_PROFILES}). */
  readonly profile?: string;
}

/** SysctlState is a profile resolved for the host, with the readings it was judged against. */
export interface SysctlState {
  readonly profile: Profile;
  readonly resolved: ResolvedProfile;
  readonly readings: Readings;
}

/** readSysctlState loads the profile, resolves it for the config and reads /proc/sys. */
export async function readSysctlState(config: HostConfig, options: SysctlOptions = {}): Promise<SysctlState> {
  const profile = await loadProfile(options.profile ?? defaultProfile(config), options);
  const resolved = resolveSettings(profile, config);
  const readings = await readSysctls(resolved, options);
  return { profile, resolved, readings };
}

/** VerifyResult is the verdict on every key of the profile. */
export interface SysctlVerifyResult {
  readonly profile: string;
  readonly files: readonly ProfileFile[];
  readonly results: readonly SysctlResult[];
  /** True when nothing failed (skips do not count). */
  readonly ok: boolean;
}

/** verifySysctls judges the host's current values against the profile. */
export async function verifySysctls(config: HostConfig, options: SysctlOptions = {}): Promise<SysctlVerifyResult> {
  const { profile, resolved, readings } = await readSysctlState(config, options);
  const results = judgeSettings(resolved, readings);
  return { profile: profile.name, files: profile.files, results, ok: results.every((r) => r.status !== 'fail') };
}

/** SysctlPlan is what apply would write, with the current verdicts. */
export interface SysctlPlan extends SysctlVerifyResult {
  readonly writes: readonly SysctlWrite[];
  readonly unresolved: readonly UnresolvedSetting[];
}

/**
 * planSysctls computes the writes apply would make, without making them;
 * from `state` when the caller has just read it (one apply reads once).
 */
export async function planSysctls(config: HostConfig, options: SysctlOptions = {}, state?: SysctlState): Promise<SysctlPlan> {
  const { profile, resolved, readings } = state ?? (await readSysctlState(config, options));
  const results = judgeSettings(resolved, readings);
  const plan = planWrites(resolved, readings);
  return { profile: profile.name, files: profile.files, results, ok: results.every((r) => r.status !== 'fail'), ...plan };
}

/** SysctlApplyResult says what apply changed and how the host stands afterwards. */
export interface SysctlApplyResult {
  readonly profile: string;
  readonly files: readonly ProfileFile[];
  /** The writes made, in order. Empty when everything already passed. */
  readonly changed: readonly SysctlWrite[];
  /** Settings that passed before apply and were left alone. */
  readonly unchanged: readonly SysctlResult[];
  /** The verdicts read back after the writes. */
  readonly results: readonly SysctlResult[];
  readonly unresolved: readonly UnresolvedSetting[];
  /** True when nothing fails after the writes. */
  readonly ok: boolean;
}

/**
 * applySysctls writes the plan through /proc/sys, in order, then reads
 * everything back and judges it again. Running it twice changes nothing the
 * second time.
 */
export async function applySysctls(config: HostConfig, options: SysctlOptions = {}): Promise<SysctlApplyResult> {
  return (await applySysctlState(await readSysctlState(config, options), options)).result;
}

/**
 * applySysctlState is {@link applySysctls} from a state the caller read
 * (readSysctlState): it returns the result and the state read back after
 * the writes, so an apply that persists next need not resolve the profile
 * and read /proc/sys again.
 */
export async function applySysctlState(before: SysctlState, options: ProcOptions = {}): Promise<{ result: SysctlApplyResult; after: SysctlState }> {
  const plan = planWrites(before.resolved, before.readings);
  const done: SysctlWrite[] = [];
  for (const write of plan.writes) {
    try {
      await writeSysctl(write.key, write.value, options);
    } catch (error) {
      if (done.length === 0 || !(error instanceof LbfwError)) throw error;
      const applied = done.map(({ key, value }) => ({ key, value }));
      throw new SysctlError(
        `${error.message}; already written: ${applied.map((w) => `${w.key}=${w.value}`).join(', ')}`,
        write.key,
        { value: write.value, cause: error, applied },
      );
    }
    done.push(write);
  }
  const unchanged = judgeSettings(before.resolved, before.readings).filter((r) => r.status === 'pass');
  // Nothing written: what was read is what runs.
  const readings = done.length === 0 ? before.readings : await readSysctls(before.resolved, options);
  const results = judgeSettings(before.resolved, readings);
  const result = {
    profile: before.profile.name,
    files: before.profile.files,
    changed: done,
    unchanged,
    results,
    unresolved: plan.unresolved,
    ok: results.every((r) => r.status !== 'fail'),
  };
  return { result, after: { ...before, readings } };
}

/** Options of persistSysctls. */
export interface SysctlPersistOptions extends SysctlOptions, PersistLocation {}

/** SysctlPersistResult is a {@link PersistResult} with the profile it came from. */
export interface SysctlPersistResult extends PersistResult {
  readonly profile: string;
}

/**
 * persistSysctls writes /etc/sysctl.d/90-lbfw.conf (by default) with the
 * values the profile needs once the plan is applied, and lists the files
 * that would override them at boot; from `state` (read after the writes)
 * when the caller has it.
 */
export async function persistSysctls(config: HostConfig, options: SysctlPersistOptions = {}, state?: SysctlState): Promise<SysctlPersistResult> {
  const { profile, resolved, readings } = state ?? (await readSysctlState(config, options));
  const entries = persistEntries(resolved, readings);
  const result = await writePersistFile(entries, { profile: profile.name, files: profile.files.map((f) => f.file) }, options);
  return { ...result, profile: profile.name };
}
