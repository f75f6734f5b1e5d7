/**
 * planWrites decides which keys to write so that every setting passes:
 * pure, from the readings, minimal and ordered.
 *
 * - Minimal: for a per-interface key lbfw first tries writing the interface
 *   alone, then `all` alone, then both. A `max` key that must go DOWN (rp_filter
 *   to 0 while all=1) needs `all` too; an `or` key that must be 0
 *   (send_redirects) needs both sides at 0.
 * - Lowering `all` changes every interface that relied on it; each such
 *   interface gets its own value written so that its effective value stays
 *   what it was ("keep" writes). lbfw changes the interfaces it was asked
 *   about, not the others.
 * - Ordered: writing net.ipv4.ip_forward (= conf/all/forwarding) rewrites the
 *   forwarding flag of every interface and all/accept_redirects
 *   (devinet_sysctl_forward), and IPv6 all/forwarding does the same
 *   (addrconf_fixup_forwarding). Those keys are written first, other
 *   forwarding keys next, everything else last; the plan simulates the side
 *   effects so that later writes are judged against what the kernel will
 *   hold by then.
 */
import { effective, propagatesFromAll, type CombineRule, combineRule, rulePhrase } from './combine.js';
import { candidates, describeExpectation, preferredText, satisfiesNumber } from './expectation.js';
import { type Readings, type Sides, combinesWithAll, evaluate } from './evaluate.js';
import { CONF_ALL, CONF_DEFAULT, confKey, keyToPath, parseConfKey } from './key.js';
import type { ResolvedProfile, Setting, SettingSource } from './resolve.js';

/** KeyValue is one key with the value to write. */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

/** SysctlWrite is one write of the plan. */
export interface SysctlWrite extends KeyValue {
  /** Path relative to /proc/sys. */
  readonly path: string;
  /** The value read before the plan. */
  readonly previous: string;
  /** `setting`: needed by a setting of the profile; `keep`: keeps an unrelated interface's effective value. */
  readonly kind: 'setting' | 'keep';
  /** Why: the reasons of the settings it serves, or what a keep write keeps. */
  readonly reasons: readonly string[];
  /** The keys of the settings it serves. */
  readonly settings: readonly string[];
  /** Where those settings are written. */
  readonly sources: readonly SettingSource[];
  /** How this key helps, when it is not the setting's own key (`all` side, keep). */
  readonly note?: string;
}

/** UnresolvedSetting is a setting no write can make pass. */
export interface UnresolvedSetting {
  readonly key: string;
  readonly message: string;
}

/** WritePlan is the ordered list of writes and what they cannot fix. */
export interface WritePlan {
  readonly writes: readonly SysctlWrite[];
  readonly unresolved: readonly UnresolvedSetting[];
}

const GLOBAL_FORWARDING = new Set(['net.ipv4.ip_forward', 'net.ipv4.conf.all.forwarding']);

/** writePhase orders keys: 0 rewrites other keys, 1 is rewritten by phase 0, 2 is everything else. */
export function writePhase(key: string): 0 | 1 | 2 {
  if (GLOBAL_FORWARDING.has(key)) return 0;
  const conf = parseConfKey(key);
  if (conf === undefined) return 2;
  if (conf.iface === CONF_ALL && propagatesFromAll(conf.family, conf.name)) return 0;
  if (conf.name === 'forwarding' || (conf.family === 6 && propagatesFromAll(6, conf.name))) return 1;
  return 2;
}

/**
 * simulateWrite records a write in `state` with the kernel's side effects on
 * the keys `state` knows about.
 */
export function simulateWrite(state: Map<string, string | undefined>, key: string, value: string): void {
  state.set(key, value);
  const on = value.trim() !== '0';
  if (GLOBAL_FORWARDING.has(key)) {
    for (const alias of GLOBAL_FORWARDING) state.set(alias, value);
    setEveryInterface(state, 4, 'forwarding', value);
    if (state.get('net.ipv4.conf.all.accept_redirects') !== undefined) {
      state.set('net.ipv4.conf.all.accept_redirects', on ? '0' : '1');
    }
    return;
  }
  const conf = parseConfKey(key);
  if (conf?.family === 6 && conf.iface === CONF_ALL && propagatesFromAll(6, conf.name)) {
    setEveryInterface(state, 6, conf.name, value);
  }
}

function setEveryInterface(state: Map<string, string | undefined>, family: 4 | 6, name: string, value: string): void {
  for (const [key, current] of state) {
    const conf = parseConfKey(key);
    if (conf?.family === family && conf.name === name && conf.iface !== CONF_ALL && current !== undefined) state.set(key, value);
  }
}

/**
 * solveSetting lists the fewest writes that make one setting pass, judged
 * alone against the readings: [] when it passes, undefined when no write can
 * help (key absent, arp on lo, a side unreadable, or no value fits).
 */
export function solveSetting(setting: Setting, readings: Readings): KeyValue[] | undefined {
  const evaluation = evaluate(setting, readings);
  switch (evaluation.kind) {
    case 'absent':
    case 'arp-on-lo':
      return undefined;
    case 'unreadable':
      return evaluation.key === setting.key && setting.conf === undefined
        ? [{ key: setting.key, value: preferredText(setting.expectation) }]
        : undefined;
    case 'plain':
      return evaluation.pass ? [] : [{ key: setting.key, value: preferredText(setting.expectation) }];
    case 'combined':
      return evaluation.pass ? [] : solveSides(evaluation.sides, candidates(setting.expectation), (n) => satisfiesNumber(setting.expectation, n));
  }
}

function solveSides(sides: Sides, values: readonly number[], ok: (n: number) => boolean): KeyValue[] | undefined {
  const { rule, all, ifaceValue, forwarding } = sides;
  const fits = (a: number, i: number) => ok(effective(rule, a, i, forwarding));
  for (const c of values) if (fits(all, c)) return [{ key: sides.ifaceKey, value: String(c) }];
  for (const c of values) if (fits(c, ifaceValue)) return [{ key: sides.allKey, value: String(c) }];
  for (const c of values) {
    if (fits(c, c)) return [{ key: sides.allKey, value: String(c) }, { key: sides.ifaceKey, value: String(c) }];
  }
  return undefined;
}

interface Pending {
  key: string;
  value: string;
  kind: 'setting' | 'keep';
  reasons: string[];
  settings: string[];
  sources: SettingSource[];
  note?: string;
}

/** planWrites computes the ordered, minimal writes that make every setting pass. */
export function planWrites(resolved: Pick<ResolvedProfile, 'settings'>, readings: Readings): WritePlan {
  const state = new Map(readings);
  const pending = new Map<string, Pending>();
  const ordered = [...resolved.settings].sort((a, b) => writePhase(a.key) - writePhase(b.key));
  const targeted = new Set(resolved.settings.map((s) => s.key));

  const record = (write: KeyValue, entry: Omit<Pending, 'key' | 'value'>) => {
    const existing = pending.get(write.key);
    if (existing === undefined) {
      pending.set(write.key, { key: write.key, value: write.value, ...entry, reasons: [...entry.reasons], settings: [...entry.settings], sources: [...entry.sources] });
    } else {
      existing.value = write.value;
      for (const reason of entry.reasons) if (!existing.reasons.includes(reason)) existing.reasons.push(reason);
      for (const key of entry.settings) if (!existing.settings.includes(key)) existing.settings.push(key);
      for (const source of entry.sources) if (!existing.sources.includes(source)) existing.sources.push(source);
    }
  };

  for (const setting of ordered) {
    const solution = solveSetting(setting, state);
    if (solution === undefined) continue;
    for (const write of solution) {
      for (const keep of keepWrites(state, write, targeted)) {
        record(keep, { kind: 'keep', reasons: [keep.reason], settings: [], sources: [], note: keep.reason });
        simulateWrite(state, keep.key, keep.value);
      }
      const note = write.key === setting.key ? undefined : sideNote(setting, write);
      record(write, {
        kind: 'setting',
        reasons: [setting.reason],
        settings: [setting.key],
        sources: [setting.source],
        ...(note === undefined ? {} : { note }),
      });
      simulateWrite(state, write.key, write.value);
    }
  }

  // An `all` write serves every setting that combines with that `all` key,
  // not only the one whose turn wrote it.
  for (const setting of resolved.settings) {
    const conf = setting.conf;
    if (conf === undefined || !combinesWithAll(setting)) continue;
    const write = pending.get(confKey(conf.family, CONF_ALL, conf.name));
    if (write?.kind === 'setting') record(write, { kind: 'setting', reasons: [setting.reason], settings: [setting.key], sources: [setting.source] });
  }

  const unresolved: UnresolvedSetting[] = [];
  for (const setting of resolved.settings) {
    const evaluation = evaluate(setting, state);
    if (evaluation.kind === 'absent') continue;
    if (evaluation.kind === 'arp-on-lo') {
      unresolved.push({ key: setting.key, message: `${setting.key} cannot be fixed by a write: ARP is never received or sent on lo; expect it on the client-facing interface` });
    } else if (evaluation.kind === 'unreadable' || !evaluation.pass) {
      unresolved.push({
        key: setting.key,
        message: `${setting.key} cannot be made ${describeExpectation(setting.expectation)} together with the other settings of the profile`,
      });
    }
  }

  return { writes: replay(readings, [...pending.values()]), unresolved };
}

/** replay orders the writes and drops those that would not change anything when their turn comes. */
function replay(readings: Readings, pending: readonly Pending[]): SysctlWrite[] {
  const ordered = [...pending].sort((a, b) => writePhase(a.key) - writePhase(b.key));
  const state = new Map(readings);
  const writes: SysctlWrite[] = [];
  for (const p of ordered) {
    const current = state.get(p.key);
    if (current === undefined || current.trim() === p.value) continue;
    writes.push({
      key: p.key,
      path: keyToPath(p.key),
      value: p.value,
      previous: current,
      kind: p.kind,
      reasons: p.reasons,
      settings: p.settings,
      sources: p.sources,
      ...(p.note === undefined ? {} : { note: p.note }),
    });
    simulateWrite(state, p.key, p.value);
  }
  return writes;
}

function sideNote(setting: Setting, write: KeyValue): string | undefined {
  return write.key === setting.key ? undefined : allSideNote(setting);
}

/** allSideNote says why the `all` key of a per-interface setting matters. */
export function allSideNote(setting: Setting): string | undefined {
  const conf = setting.conf;
  if (conf === undefined) return undefined;
  return `all side of ${setting.key}: for ${conf.iface} the kernel combines all and ${conf.iface} (${rulePhrase(conf.rule)})`;
}

/**
 * keepWrites: when `write` changes an `all` key that combines with the
 * interfaces (as the side of a per-interface setting, not as a setting of
 * its own), every interface in `state` that is not itself a target and whose
 * effective value would change gets its own value set to keep it.
 */
function keepWrites(state: Map<string, string | undefined>, write: KeyValue, targeted: ReadonlySet<string>): (KeyValue & { reason: string })[] {
  const conf = parseConfKey(write.key);
  // A profile that sets `all` itself means every interface: nothing to keep.
  if (conf === undefined || conf.iface !== CONF_ALL || targeted.has(write.key)) return [];
  const rule = combineRule(conf.family, conf.name);
  if (rule === undefined || rule === 'interface') return [];
  const oldAll = integer(state.get(write.key));
  const newAll = integer(write.value);
  if (oldAll === undefined || newAll === undefined || oldAll === newAll) return [];
  const keeps: (KeyValue & { reason: string })[] = [];
  for (const [key, text] of state) {
    const other = parseConfKey(key);
    if (other === undefined || other.family !== conf.family || other.name !== conf.name) continue;
    if (other.iface === CONF_ALL || other.iface === CONF_DEFAULT || targeted.has(key)) continue;
    const value = integer(text);
    if (value === undefined) continue;
    const forwarding = integer(state.get(confKey(conf.family, other.iface, 'forwarding'))) ?? 0;
    const before = effective(rule, oldAll, value, forwarding);
    if (effective(rule, newAll, value, forwarding) === before) continue;
    if (!restores(rule, newAll, before, forwarding)) continue;
    keeps.push({
      key,
      value: String(before),
      reason: `keeps ${other.iface}'s effective ${conf.name} at ${before} while all changes from ${oldAll} to ${newAll}`,
    });
  }
  return keeps;
}

function restores(rule: CombineRule, all: number, target: number, forwarding: number): boolean {
  return effective(rule, all, target, forwarding) === target;
}

function integer(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*-?\d+\s*$/.test(text)) return undefined;
  return Number(text.trim());
}
