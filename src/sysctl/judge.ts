/**
 * judgeSettings says, for every setting of a resolved profile, whether the
 * kernel does what the profile expects: pass, fail (actual against expected,
 * with the command that fixes it) or skip (the key is absent here, or the
 * config names no interface for it). Pure: the readings are passed in.
 *
 * Messages speak of the value the kernel uses (the effective value), and say
 * which side must change: "eth1 has rp_filter 0 but all=1, so the kernel uses
 * 1 on eth1 (the larger of the two); expected 0: set
 * net.ipv4.conf.all.rp_filter=0".
 */
import { rulePhrase } from './combine.js';
import { describeExpectation, parseReading, satisfiesNumber } from './expectation.js';
import { type Evaluation, type Readings, ARP_KEYS, evaluate } from './evaluate.js';
import { confKey } from './key.js';
import type { ResolvedProfile, Setting, SettingSource } from './resolve.js';
import { type KeyValue, solveSetting } from './writes.js';

/** SysctlStatus is the outcome of one setting. */
export type SysctlStatus = 'pass' | 'fail' | 'skip';

/** SysctlResult is the verdict on one setting. */
export interface SysctlResult {
  /** The concrete key; the template when the setting was skipped before its interface was known. */
  readonly key: string;
  readonly template: string;
  readonly status: SysctlStatus;
  /** The value form as written in the profile, e.g. `0|2`. */
  readonly expected: string;
  /** The text read from the key itself. */
  readonly actual?: string;
  /** For keys that combine with `all`: the value the kernel uses. */
  readonly effective?: number;
  /** For keys that combine with `all`: the text read from the `all` key. */
  readonly all?: string;
  readonly message: string;
  /** The exact command that makes a failing setting pass. */
  readonly fix?: string;
  /** Why the profile sets it. */
  readonly reason: string;
  readonly source: SettingSource;
}

/** sysctlCommand is the `sysctl -w` command performing the writes. */
export function sysctlCommand(writes: readonly KeyValue[]): string {
  return `sysctl -w ${writes.map((w) => `${w.key}=${w.value}`).join(' ')}`;
}

function listWrites(writes: readonly KeyValue[]): string {
  const items = writes.map((w) => `${w.key}=${w.value}`);
  return items.length <= 2 ? items.join(' and ') : `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;
}

/** What lo never does, per ARP key. */
const LO_NEVER: Readonly<Record<string, string>> = {
  arp_ignore: 'ARP requests never arrive on lo, and the kernel reads arp_ignore on the interface a request arrives on',
  arp_announce: 'ARP requests never leave by lo, and the kernel reads arp_announce on the interface a request is sent from',
};

/** judgeSettings judges every setting (and lists the skipped ones) against the readings. */
export function judgeSettings(resolved: Pick<ResolvedProfile, 'settings' | 'skipped'>, readings: Readings): SysctlResult[] {
  const results = resolved.settings.map((setting) => judgeSetting(setting, readings));
  for (const skipped of resolved.skipped) {
    results.push({
      key: skipped.template,
      template: skipped.template,
      status: 'skip',
      expected: skipped.value,
      message: skipped.why,
      reason: skipped.reason,
      source: skipped.source,
    });
  }
  return results;
}

/** judgeSetting judges one setting against the readings. */
export function judgeSetting(setting: Setting, readings: Readings): SysctlResult {
  const evaluation = evaluate(setting, readings);
  const actual = readings.get(setting.key);
  const base = {
    key: setting.key,
    template: setting.template,
    expected: setting.value,
    reason: setting.reason,
    source: setting.source,
    ...(actual === undefined ? {} : { actual }),
  };
  const expected = describeExpectation(setting.expectation);
  if (evaluation.kind === 'absent') return { ...base, status: 'skip', message: evaluation.why };
  if (evaluation.kind === 'arp-on-lo') {
    const name = setting.conf?.name ?? '';
    return {
      ...base,
      status: 'fail',
      message: `lo has ${name} ${evaluation.actual.trim()}, which is not enough: ${LO_NEVER[name] ?? ''}; expect it on the client-facing interface (net.ipv4.conf.{client}.${name}) or on all instead (${setting.source.file}:${setting.source.line})`,
    };
  }
  const writes = solveSetting(setting, readings);
  const fix = writes === undefined || writes.length === 0 ? undefined : writes;
  const fixText = fix === undefined ? '' : `: set ${listWrites(fix)}`;
  const fixField = fix === undefined ? {} : { fix: sysctlCommand(fix) };
  switch (evaluation.kind) {
    case 'unreadable':
      return {
        ...base,
        status: 'fail',
        message: `${evaluation.key} holds "${evaluation.text.trim()}", not an integer; expected ${expected}${fixText}`,
        ...fixField,
      };
    case 'plain':
      return evaluation.pass
        ? { ...base, status: 'pass', message: `${plainSubject(setting, evaluation)}; expected ${expected}` }
        : { ...base, status: 'fail', message: `${plainSubject(setting, evaluation)}; expected ${expected}${plainNote(setting)}${fixText}`, ...fixField };
    case 'combined': {
      const { sides, effective } = evaluation;
      const { iface, name, all, ifaceValue } = sides;
      const phrase = rulePhrase(sides.rule, sides.forwarding);
      const withAll = { effective, all: readings.get(sides.allKey) ?? String(all) };
      if (evaluation.pass) {
        return {
          ...base,
          ...withAll,
          status: 'pass',
          message: `${iface} has ${name} ${ifaceValue} and all=${all}, so the kernel uses ${effective} on ${iface} (${phrase}); expected ${expected}`,
        };
      }
      const joint = satisfiesNumber(setting.expectation, ifaceValue) ? 'but' : 'and';
      return {
        ...base,
        ...withAll,
        status: 'fail',
        message: `${iface} has ${name} ${ifaceValue} ${joint} all=${all}, so the kernel uses ${effective} on ${iface} (${phrase}); expected ${expected}${fixText}${loHint(setting, readings)}`,
        ...fixField,
      };
    }
  }
}

function plainSubject(setting: Setting, evaluation: Extract<Evaluation, { kind: 'plain' }>): string {
  const conf = setting.conf;
  const actual = evaluation.actual.trim().replace(/\s+/g, ' ');
  return conf === undefined || conf.iface === 'all' || conf.iface === 'default'
    ? `${setting.key} is ${actual}`
    : `${conf.iface} has ${conf.name} ${actual}`;
}

function plainNote(setting: Setting): string {
  const conf = setting.conf;
  if (conf === undefined) return '';
  if (conf.iface === 'default') return ' (default only seeds interfaces created later)';
  if (conf.iface === 'all') return '';
  return ` (the kernel reads only ${conf.iface}'s own value)`;
}

/** loHint explains that an ARP key set on lo does not make up for the interface. */
function loHint(setting: Setting, readings: Readings): string {
  const conf = setting.conf;
  if (conf === undefined || conf.family !== 4 || !ARP_KEYS.has(conf.name)) return '';
  const text = readings.get(confKey(4, 'lo', conf.name));
  const values = text === undefined ? undefined : parseReading(text);
  const lo = values?.length === 1 ? values[0] : undefined;
  if (lo === undefined || !satisfiesNumber(setting.expectation, lo)) return '';
  const never = conf.name === 'arp_ignore' ? 'ARP requests never arrive on lo' : 'ARP requests never leave by lo';
  return `. lo has ${conf.name} ${lo}, which does not help: ${never}`;
}
