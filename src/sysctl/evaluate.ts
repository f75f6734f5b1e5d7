/**
 * evaluate works out, from the values read under /proc/sys, what the kernel
 * actually does for one setting: the value of the key itself, or for a
 * per-interface key the effective value after combining `all` and the
 * interface. Pure: the readings are passed in. judge and writes share it.
 */
import { type CombineRule, dependsOnAll, effective } from './combine.js';
import { parseReading, satisfies, satisfiesNumber } from './expectation.js';
import { CONF_ALL, CONF_DEFAULT, confKey } from './key.js';
import type { Setting } from './resolve.js';

/** Readings maps sysctl keys to the text read from /proc/sys; undefined when the file does not exist. */
export type Readings = ReadonlyMap<string, string | undefined>;

/** ARP keys that only matter on the interface an ARP packet arrives on or leaves by: never `lo`. */
export const ARP_KEYS: ReadonlySet<string> = new Set(['arp_ignore', 'arp_announce']);

/** Sides are the two values the kernel combines for one interface. */
export interface Sides {
  readonly rule: CombineRule;
  readonly iface: string;
  readonly name: string;
  readonly allKey: string;
  readonly ifaceKey: string;
  readonly all: number;
  readonly ifaceValue: number;
  /** The interface's own forwarding value, read for accept_redirects only. */
  readonly forwarding: number;
}

/** Evaluation is what the readings say about one setting. */
export type Evaluation =
  /** The key does not exist here; `why` says which part is missing. */
  | { readonly kind: 'absent'; readonly why: string }
  /** A file holds something other than integers. */
  | { readonly kind: 'unreadable'; readonly key: string; readonly text: string }
  /** A key judged on its own value (global keys, `all`, `default`, interface-only rules). */
  | { readonly kind: 'plain'; readonly actual: string; readonly pass: boolean }
  /** A per-interface key whose value combines with `all`. */
  | { readonly kind: 'combined'; readonly actual: string; readonly sides: Sides; readonly effective: number; readonly pass: boolean }
  /** arp_ignore / arp_announce expected on lo: never enough, whatever the value. */
  | { readonly kind: 'arp-on-lo'; readonly actual: string };

/** isPseudoInterface says whether a conf level is `all` or `default` rather than an interface. */
export function isPseudoInterface(iface: string): boolean {
  return iface === CONF_ALL || iface === CONF_DEFAULT;
}

/** combinesWithAll says whether the setting's value is combined with the `all` key by the kernel. */
export function combinesWithAll(setting: Setting): boolean {
  const conf = setting.conf;
  return conf !== undefined && !isPseudoInterface(conf.iface) && dependsOnAll(conf.rule);
}

/** Any key that exists whenever the ip_vs module is loaded. */
export const IPVS_PROBE_KEY = 'net.ipv4.vs.am_droprate';

/** relatedKeys lists every key evaluating the setting reads. */
export function relatedKeys(setting: Setting): string[] {
  const keys = [setting.key];
  const conf = setting.conf;
  if (conf !== undefined && !isPseudoInterface(conf.iface)) {
    keys.push(confKey(conf.family, CONF_ALL, conf.name));
    if (conf.rule === 'redirects') keys.push(confKey(conf.family, conf.iface, 'forwarding'));
    if (conf.family === 4 && ARP_KEYS.has(conf.name) && conf.iface !== 'lo') keys.push(confKey(4, 'lo', conf.name));
  }
  if (setting.key.startsWith('net.ipv4.vs.')) keys.push(IPVS_PROBE_KEY);
  return keys;
}

function absentWhy(setting: Setting, readings: Readings): string {
  const conf = setting.conf;
  if (conf !== undefined && !isPseudoInterface(conf.iface) && readings.get(confKey(conf.family, CONF_ALL, conf.name)) !== undefined) {
    return `interface ${conf.iface} does not exist in this network namespace (no /proc/sys/net/ipv${conf.family}/conf/${conf.iface})`;
  }
  if (setting.key.startsWith('net.ipv4.vs.')) {
    return readings.get(IPVS_PROBE_KEY) === undefined
      ? `${setting.key} does not exist: the IPVS module is not loaded (modprobe ip_vs)`
      : `${setting.key} does not exist on this kernel even though IPVS is loaded (conntrack needs CONFIG_IP_VS_NFCT)`;
  }
  return `${setting.key} does not exist on this kernel`;
}

function single(text: string): number | undefined {
  const values = parseReading(text);
  return values?.length === 1 ? values[0] : undefined;
}

/** evaluate judges one setting against the readings, without wording. */
export function evaluate(setting: Setting, readings: Readings): Evaluation {
  const actual = readings.get(setting.key);
  if (actual === undefined) return { kind: 'absent', why: absentWhy(setting, readings) };
  const conf = setting.conf;
  if (conf !== undefined && conf.family === 4 && conf.iface === 'lo' && ARP_KEYS.has(conf.name)) {
    return { kind: 'arp-on-lo', actual };
  }
  if (conf === undefined || !combinesWithAll(setting)) {
    if (parseReading(actual) === undefined) return { kind: 'unreadable', key: setting.key, text: actual };
    return { kind: 'plain', actual, pass: satisfies(setting.expectation, actual) };
  }
  const allKey = confKey(conf.family, CONF_ALL, conf.name);
  const allText = readings.get(allKey);
  if (allText === undefined) return { kind: 'absent', why: `${allKey} does not exist on this kernel` };
  const ifaceValue = single(actual);
  if (ifaceValue === undefined) return { kind: 'unreadable', key: setting.key, text: actual };
  const all = single(allText);
  if (all === undefined) return { kind: 'unreadable', key: allKey, text: allText };
  let forwarding = 0;
  if (conf.rule === 'redirects') {
    const forwardingKey = confKey(conf.family, conf.iface, 'forwarding');
    const text = readings.get(forwardingKey) ?? '0';
    const value = single(text);
    if (value === undefined) return { kind: 'unreadable', key: forwardingKey, text };
    forwarding = value;
  }
  const sides: Sides = { rule: conf.rule, iface: conf.iface, name: conf.name, allKey, ifaceKey: setting.key, all, ifaceValue, forwarding };
  const value = effective(conf.rule, all, ifaceValue, forwarding);
  return { kind: 'combined', actual, sides, effective: value, pass: satisfiesNumber(setting.expectation, value) };
}
