/**
 * resolveSettings turns a profile into concrete settings for one host: each
 * placeholder is replaced by the interface the config names for it. An entry
 * whose placeholder has no interface in the config is kept as skipped, with
 * the reason, so that verify can show it instead of silently dropping it.
 */
import type { HostConfig } from '../config/model.js';
import { type CombineRule, combineRule } from './combine.js';
import type { Expectation } from './expectation.js';
import { keyToPath, parseConfKey, type ConfKey } from './key.js';
import { PLACEHOLDERS, type Placeholder, type ProfileEntry, templatePlaceholder } from './profile.js';
import type { Profile } from './profiles.js';

/** Where a setting was written. */
export interface SettingSource {
  readonly profile: string;
  readonly file: string;
  readonly line: number;
}

/** ConfTarget says which interface a per-interface setting is about and how the kernel reads it. */
export interface ConfTarget extends ConfKey {
  readonly rule: CombineRule;
  /** The placeholder that named the interface, when one did. */
  readonly placeholder?: Placeholder;
}

/** Setting is one sysctl lbfw wants on this host. */
export interface Setting {
  /** sysctl(8) key, e.g. `net.ipv4.conf.eth0/100.rp_filter`. */
  readonly key: string;
  /** Path relative to /proc/sys, e.g. `net/ipv4/conf/eth0.100/rp_filter`. */
  readonly path: string;
  /** The key as the profile writes it. */
  readonly template: string;
  /** The value form as written, e.g. `0|2`. */
  readonly value: string;
  readonly expectation: Expectation;
  readonly reason: string;
  readonly source: SettingSource;
  /** Set for net.ipv4.conf.* and net.ipv6.conf.* keys. */
  readonly conf?: ConfTarget;
}

/** SkippedSetting is a profile entry that does not apply to this host. */
export interface SkippedSetting {
  readonly template: string;
  readonly value: string;
  readonly expectation: Expectation;
  readonly reason: string;
  readonly source: SettingSource;
  /** Why it does not apply, e.g. `no VIP interface in the config (interfaces.vip)`. */
  readonly why: string;
}

/** ResolvedProfile is a profile applied to one host config. */
export interface ResolvedProfile {
  readonly profile: string;
  readonly settings: readonly Setting[];
  readonly skipped: readonly SkippedSetting[];
}

function sourceOf(entry: ProfileEntry): SettingSource {
  return { profile: entry.profile, file: entry.file, line: entry.line };
}

/** missingInterface says why a placeholder cannot be filled, naming the config field. */
export function missingInterface(placeholder: Placeholder): string {
  return `no ${PLACEHOLDERS[placeholder].meaning} in the config (interfaces.${placeholder})`;
}

/** resolveSettings fills the placeholders of a profile from the config's interfaces. */
export function resolveSettings(
  profile: Pick<Profile, 'name' | 'entries'>,
  config: Pick<HostConfig, 'interfaces'>,
): ResolvedProfile {
  const settings: Setting[] = [];
  const skipped: SkippedSetting[] = [];
  const seen = new Set<string>();
  for (const entry of profile.entries) {
    const placeholder = templatePlaceholder(entry.template);
    const iface = placeholder === undefined ? undefined : config.interfaces[PLACEHOLDERS[placeholder].field];
    if (placeholder !== undefined && iface === undefined) {
      const { template, value, expectation, reason } = entry;
      skipped.push({ template, value, expectation, reason, source: sourceOf(entry), why: missingInterface(placeholder) });
      continue;
    }
    const key =
      placeholder === undefined || iface === undefined
        ? entry.template
        : entry.template.replace(`{${placeholder}}`, iface.replaceAll('.', '/'));
    // Two placeholders naming one interface (vip and realservers both eth0)
    // ask the same thing twice when the value is the same: keep the first.
    const identity = `${key}=${entry.value}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    const conf = confTarget(key, placeholder);
    settings.push({
      key,
      path: keyToPath(key),
      template: entry.template,
      value: entry.value,
      expectation: entry.expectation,
      reason: entry.reason,
      source: sourceOf(entry),
      ...(conf === undefined ? {} : { conf }),
    });
  }
  return { profile: profile.name, settings, skipped };
}

function confTarget(key: string, placeholder: Placeholder | undefined): ConfTarget | undefined {
  const parsed = parseConfKey(key);
  if (parsed === undefined) return undefined;
  const rule = combineRule(parsed.family, parsed.name);
  if (rule === undefined) return undefined;
  return { ...parsed, rule, ...(placeholder === undefined ? {} : { placeholder }) };
}
