/**
 * Views of the facts that several checks share: which addresses are VIPs,
 * which interfaces matter for the role (from the config, or inferred from the
 * host when the config names none), the sysctl readings, the nftables model,
 * and the `lbfw apply` command line that fixes what lbfw manages. Pure.
 */
import type { Family, HostConfig } from '../config/model.js';
import { DEFAULT_BLACKLIST_PATH, DEFAULT_KEEPALIVED_PATH } from '../config/model.js';
import { formatEndpoint } from '../config/merge.js';
import type { VrrpInstance } from '../keepalived/model.js';
import { combineRule } from '../sysctl/combine.js';
import type { Readings } from '../sysctl/evaluate.js';
import { parseExpectation } from '../sysctl/expectation.js';
import { judgeSetting, type SysctlResult } from '../sysctl/judge.js';
import { confKey, keyToPath } from '../sysctl/key.js';
import type { Setting } from '../sysctl/resolve.js';
import type { HostAddress, HostLink } from '../vip/addresses.js';
import type { Facts } from './facts.js';
import { runFix } from './fix.js';
import type { Finding } from './types.js';
import { readNftModel, type NftModel } from './nft-eval.js';
import { explainXt, legacyAsNft, parseIptablesSave } from './iptables-save.js';

/** Vip: one VIP address of this host, with where it was named. */
export interface Vip {
  readonly family: Family;
  readonly address: string;
  /** The keepalived vrrp_instance that holds it, when keepalived names it. */
  readonly instance?: VrrpInstance;
  /** The interface keepalived puts it on (`dev`, else the instance's interface). */
  readonly dev?: string;
}

/** vips lists every VIP of the config and of keepalived's virtual_ipaddress blocks, once each. */
export function vips(facts: Facts): Vip[] {
  const found = new Map<string, Vip>();
  const model = facts.keepalived?.model;
  if (facts.role === 'director' && model !== undefined) {
    for (const instance of model.vrrpInstances) {
      for (const vip of instance.virtualIpaddress) {
        if (found.has(vip.address)) continue;
        const dev = vip.dev ?? instance.interface;
        found.set(vip.address, { family: vip.family, address: vip.address, instance, ...(dev === undefined ? {} : { dev }) });
      }
    }
  }
  for (const item of [...facts.config.services, ...(facts.config.vipAddresses ?? [])]) {
    if (!found.has(item.address)) found.set(item.address, { family: item.family, address: item.address });
  }
  return [...found.values()];
}

/** linkNamed finds an interface by name. */
export function linkNamed(facts: Facts, ifname: string): HostLink | undefined {
  return facts.links.find((l) => l.ifname === ifname);
}

/**
 * linksKnown says whether the facts hold the host's links: every host has at
 * least lo, so an empty list means `ip -j addr show` could not be read (a
 * facts-incomplete finding says so) and address checks must not guess.
 */
export function linksKnown(facts: Facts): boolean {
  return facts.links.length > 0;
}

/** holders lists the addresses equal to `address` on any interface. */
export function holders(facts: Facts, address: string): HostAddress[] {
  return facts.links.flatMap((l) => l.addresses.filter((a) => a.address === address));
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/**
 * directorVipIfaces: where the VIPs live and client traffic arrives. The
 * config's interfaces.vip, else every interface other than lo holding a VIP,
 * else the interfaces of keepalived's vrrp_instances.
 */
export function directorVipIfaces(facts: Facts): string[] {
  if (facts.config.interfaces.vip !== undefined) return [facts.config.interfaces.vip];
  const held = unique(vips(facts).flatMap((v) => holders(facts, v.address).map((a) => a.ifname))).filter((name) => !isLoopback(facts, name));
  if (held.length > 0) return held;
  return unique((facts.keepalived?.model?.vrrpInstances ?? []).flatMap((i) => (i.interface === undefined ? [] : [i.interface])));
}

/** directorRsIfaces: the interfaces that face the real servers (config, else the routes to them, else the VIP interfaces). */
export function directorRsIfaces(facts: Facts): string[] {
  if (facts.config.interfaces.realServers !== undefined) return [facts.config.interfaces.realServers];
  const routed = unique(facts.routeLookups.filter((l) => l.purpose === 'real server').flatMap((l) => (l.route?.dev === undefined ? [] : [l.route.dev])));
  return routed.length > 0 ? routed : directorVipIfaces(facts);
}

function isLoopback(facts: Facts, ifname: string): boolean {
  return linkNamed(facts, ifname)?.loopback ?? ifname === 'lo';
}

/** clientIfaces: a real server's client-facing interfaces (config, else every non-lo interface up with IPv4). */
export function clientIfaces(facts: Facts): string[] {
  if (facts.config.interfaces.client !== undefined) return [facts.config.interfaces.client];
  return facts.links.filter((l) => !l.loopback && l.up && l.addresses.some((a) => a.family === 4)).map((l) => l.ifname);
}

/** readings turns the facts' sysctls into the map the sysctl judge reads. */
export function readings(facts: Facts): Readings {
  return new Map(Object.entries(facts.sysctls));
}

/** sysctlNumber reads one sysctl as an integer; undefined when absent or not a number. */
export function sysctlNumber(facts: Facts, key: string): number | undefined {
  const text = facts.sysctls[key];
  if (text === undefined || !/^-?\d+$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

/**
 * judgeConf judges `net.ipv4.conf.IFACE.NAME` against `value` the way `lbfw
 * verify` does (effective value, which side must change, the sysctl command),
 * or undefined when the interface has no such key here.
 */
export function judgeConf(facts: Facts, iface: string, name: string, value: string, reason: string): SysctlResult | undefined {
  const rule = combineRule(4, name);
  const expectation = parseExpectation(value);
  if (rule === undefined || !expectation.ok) throw new Error(`internal: ${name}=${value} is not a judgeable setting`);
  const key = confKey(4, iface, name);
  const setting: Setting = {
    key,
    path: keyToPath(key),
    template: `net.ipv4.conf.{iface}.${name}`,
    value,
    expectation: expectation.value,
    reason,
    source: { profile: 'doctor', file: 'lbfw doctor', line: 0 },
    conf: { family: 4, iface, name, rule },
  };
  const result = judgeSetting(setting, readings(facts));
  return result.status === 'skip' ? undefined : result;
}

const NFT_MODELS = new WeakMap<Facts, NftModel>();

/**
 * rulesetWithIptables is the ruleset the kernel really runs: iptables-nft
 * rules read back with their options (explainXt) and the legacy iptables
 * rules as tables of their own (the kernel runs both on the same hooks).
 */
function rulesetWithIptables(ruleset: readonly unknown[], iptables: Facts['iptables']): unknown[] {
  const explained = explainXt(ruleset, iptables?.nftSave ?? {});
  const legacy = (['ip', 'ip6'] as const).flatMap((family) => {
    const text = iptables?.legacySave?.[family];
    return text === undefined ? [] : legacyAsNft(parseIptablesSave(text, family), family);
  });
  return [...explained, ...legacy];
}

/** nftModel is the facts' ruleset taken apart (cached per facts object); undefined when nft could not be listed. */
export function nftModel(facts: Facts): NftModel | undefined {
  if (facts.nftRuleset === undefined) return undefined;
  let model = NFT_MODELS.get(facts);
  if (model === undefined) {
    model = readNftModel(rulesetWithIptables(facts.nftRuleset, facts.iptables));
    NFT_MODELS.set(facts, model);
  }
  return model;
}

/** hasTable says whether the ruleset holds `table FAMILY NAME`. */
export function hasTable(facts: Facts, family: string, name: string): boolean {
  return nftModel(facts)?.tables.some((t) => t.family === family && t.name === name) ?? false;
}

function quote(word: string): string {
  return /^[\w@%+=:,./[\]-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** Flags of the doctor's own that `lbfw apply` and `verify` do not take: never repeated in a fix. */
const DOCTOR_ONLY_FLAGS = new Set(['--peer-keepalived', '--peer-keepalived-id', '--peer-facts', '--client', '--probe', '--facts', '--json', '--list']);

/**
 * invocationWords keeps the host-choosing flags of the doctor's command line
 * (with their values), dropping the doctor's own ones.
 */
export function invocationWords(invocation: readonly string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < invocation.length; i++) {
    const word = invocation[i] ?? '';
    const [name = ''] = word.split('=');
    if (DOCTOR_ONLY_FLAGS.has(name)) {
      if (!word.includes('=') && name !== '--probe' && name !== '--json' && name !== '--list') i++;
      continue;
    }
    words.push(word);
  }
  return words;
}

/**
 * lbfwCommand is the lbfw command line for this host, runnable as printed:
 * the host-choosing flags the doctor was given, repeated verbatim (--config,
 * --keepalived, --blacklist, --role, --vip, --iface, ...); without them (a
 * facts file of an older lbfw), `--config FILE` when the config came from a
 * file, plus every item that came from a flag. `--profile` is added when the
 * host is judged by another profile than its role's default (NAT).
 */
export function lbfwCommand(facts: Pick<Facts, 'config' | 'invocation' | 'profile'>, verb: string): string {
  const config = facts.config;
  const words = ['lbfw', ...verb.split(' ')];
  if (facts.invocation !== undefined) {
    words.push(...invocationWords(facts.invocation));
  } else {
    if (config.file !== undefined) words.push('--config', config.file);
    else words.push('--role', config.role);
    const fromFlag = (origin: { readonly kind: string }): boolean => origin.kind === 'flag';
    for (const s of config.services.filter((s) => fromFlag(s.origin))) words.push('--vip', `${formatEndpoint(s)}/${s.protocol}`);
    for (const v of (config.vipAddresses ?? []).filter((v) => fromFlag(v.origin))) words.push('--vip', v.address);
    if (config.file === undefined) {
      const iface = config.role === 'director' ? config.interfaces.vip : config.interfaces.client;
      if (iface !== undefined && config.keepalivedPath === undefined) words.push('--iface', iface);
    }
    for (const p of config.peers.filter((p) => fromFlag(p.origin))) words.push('--peer', p.address);
    for (const r of config.realServers.filter((r) => fromFlag(r.origin))) words.push('--realserver', formatEndpoint(r));
    if (config.keepalivedPath !== undefined && config.keepalivedPath !== DEFAULT_KEEPALIVED_PATH) words.push('--keepalived', config.keepalivedPath);
    if (config.blacklistPath !== DEFAULT_BLACKLIST_PATH && config.file === undefined) words.push('--blacklist', config.blacklistPath);
  }
  if (facts.profile !== undefined && (verb === 'apply' || verb === 'verify' || verb === 'plan') && !words.includes('--profile')) words.push('--profile', facts.profile);
  return words.map(quote).join(' ');
}

/**
 * applyFix is the fix of what `lbfw apply` corrects: apply itself (now, and
 * for every boot after), with the immediate command as a note when there is
 * one (it fixes the host now but is lost at the next boot).
 */
export function applyFix(facts: Facts, now?: string): Pick<Finding, 'fix' | 'fixSteps'> {
  return runFix(lbfwCommand(facts, 'apply'), now === undefined ? undefined : `or at once, until the next boot: ${now}`);
}

/** where renders file:line. */
export function where(at: { readonly file: string; readonly line: number }): string {
  return `${at.file}:${at.line}`;
}
