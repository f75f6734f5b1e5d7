/**
 * The ban table `inet lbfw_ban`, as pure data and nft text. It lives apart
 * from `inet lbfw` because `lbfw apply` and `lbfw rollback` replace that
 * table whole: bans kept there would be lost at every apply. Its prerouting
 * chain runs at raw - 10 (-310), before lbfw's own blacklist drops at raw.
 *
 * Sets (all hash sets keyed by the masked source address, so a /64 ban is
 * one element and one lookup, and deleting one is instant):
 * - ban4/ban6: bans of `lbfw overlimit` and `lbfw ban add`, each with its
 *   timeout and a comment that explains it;
 * - autoban4/autoban6: sources the kernel banned for opening connections too
 *   fast (the SYN-rate meters), with the set's default timeout;
 * - synmeter4/synmeter6: one rate meter per source prefix . VIP . port;
 * - exempt4/exempt6 and syn_services4/6: what the meter rule skips and
 *   watches. Every dynamic set has an explicit size: when full the kernel's
 *   adds fail silently and the rule stops matching (fail-open).
 */
import type { Family } from '../config/model.js';
import { bigIntToAddress } from '../net/address.js';

/** Name and family of the ban table. */
export const BAN_TABLE = 'lbfw_ban';
export const BAN_FAMILY = 'inet';
/** Priority of the ban chain: before `inet lbfw` prerouting (raw, -300). */
export const BAN_PRIORITY = -310;

/** BanSetName: the sets that hold bans. */
export type BanSetName = 'ban4' | 'ban6' | 'autoban4' | 'autoban6';

/** The sets that hold bans, in listing order. */
export const BAN_SETS: readonly BanSetName[] = ['ban4', 'ban6', 'autoban4', 'autoban6'];

/** banSetOf names the timed set of a family (`auto` for the kernel's SYN-rate bans). */
export function banSetOf(family: Family, auto = false): BanSetName {
  return `${auto ? 'autoban' : 'ban'}${family}` as BanSetName;
}

/** familyOfSet gives the address family of a ban set. */
export function familyOfSet(set: BanSetName): Family {
  return set.endsWith('6') ? 6 : 4;
}

/** The named counter of drops by one ban set. */
export function dropCounterOf(set: BanSetName): string {
  return `drops_${set}`;
}

/** SynRateSpec: the in-kernel autoban, with the VIP services it watches. */
export interface SynRateSpec {
  readonly perSecond: number;
  readonly burst: number;
  readonly meterSize: number;
  readonly banSeconds: number;
  /** `address . tcp . port` elements per family. */
  readonly services4: readonly string[];
  readonly services6: readonly string[];
}

/** BanTableSpec: everything the ban table's structure depends on (never its bans). */
export interface BanTableSpec {
  readonly setSize: number;
  readonly prefix4: number;
  readonly prefix6: number;
  /** Exempt prefixes, widened to at least the ban prefix (a ban must never cover them). */
  readonly exempt4: readonly string[];
  readonly exempt6: readonly string[];
  readonly synRate?: SynRateSpec;
}

/** maskOf gives the nft mask of a prefix length (`255.255.255.0`, `ffff:ffff:ffff:ffff::`). */
export function maskOf(family: Family, prefix: number): string {
  const bits = family === 4 ? 32 : 128;
  const mask = ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  return bigIntToAddress(family, mask);
}

/** The source expression of a family at a prefix: masked unless it is the whole address. */
export function sourceKey(family: Family, prefix: number): string {
  const keyword = family === 4 ? 'ip' : 'ip6';
  return prefix === (family === 4 ? 32 : 128) ? `${keyword} saddr` : `${keyword} saddr & ${maskOf(family, prefix)}`;
}

function typeOf(family: Family): string {
  return family === 4 ? 'ipv4_addr' : 'ipv6_addr';
}

function setLines(spec: BanTableSpec): string[] {
  const lines: string[] = [];
  for (const family of [4, 6] as const) {
    const type = typeOf(family);
    lines.push(`add set ${BAN_FAMILY} ${BAN_TABLE} ban${family} { type ${type}; size ${spec.setSize}; flags timeout; }`);
    const autoTimeout = spec.synRate === undefined ? '' : ` timeout ${spec.synRate.banSeconds}s;`;
    lines.push(`add set ${BAN_FAMILY} ${BAN_TABLE} autoban${family} { type ${type}; size ${spec.setSize}; flags dynamic,timeout;${autoTimeout} }`);
    lines.push(`add set ${BAN_FAMILY} ${BAN_TABLE} exempt${family} { type ${type}; flags interval; auto-merge; }`);
    if (spec.synRate !== undefined) {
      lines.push(
        `add set ${BAN_FAMILY} ${BAN_TABLE} synmeter${family} { type ${type} . ${type} . inet_service; size ${spec.synRate.meterSize}; flags dynamic,timeout; timeout 60s; }`,
        `add set ${BAN_FAMILY} ${BAN_TABLE} syn_services${family} { type ${type} . inet_proto . inet_service; }`,
      );
    }
  }
  return lines;
}

function ruleLines(spec: BanTableSpec): string[] {
  const chain = `${BAN_FAMILY} ${BAN_TABLE} prerouting`;
  const rules: string[] = [];
  for (const set of BAN_SETS) {
    const family = familyOfSet(set);
    const prefix = family === 4 ? spec.prefix4 : spec.prefix6;
    rules.push(`add rule ${chain} ${sourceKey(family, prefix)} @${set} counter name "${dropCounterOf(set)}" drop comment "${set}"`);
  }
  const syn = spec.synRate;
  if (syn !== undefined) {
    for (const family of [4, 6] as const) {
      const keyword = family === 4 ? 'ip' : 'ip6';
      const source = sourceKey(family, family === 4 ? spec.prefix4 : spec.prefix6);
      rules.push(
        `add rule ${chain} tcp flags & (syn | ack) == syn ${keyword} saddr != @exempt${family} ` +
          `${keyword} daddr . meta l4proto . tcp dport @syn_services${family} ` +
          `update @synmeter${family} { ${source} . ${keyword} daddr . tcp dport limit rate over ${syn.perSecond}/second burst ${syn.burst} packets } ` +
          `add @autoban${family} { ${source} } counter name "syn_over${family}" drop comment "syn-rate${family}"`,
      );
    }
  }
  return rules;
}

/** Elements per `add element` command, as for lbfw's own sets. */
const CHUNK = 4096;

/** elementCommands renders `verb element` commands for `set`, in chunks. */
export function elementCommands(verb: 'add' | 'delete', set: string, elements: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < elements.length; i += CHUNK) {
    out.push(`${verb} element ${BAN_FAMILY} ${BAN_TABLE} ${set} { ${elements.slice(i, i + CHUNK).join(', ')} }`);
  }
  return out;
}

/**
 * renderEnsureScript creates what is missing of the ban table and rewrites
 * its chain and its exempt and service sets, in one transaction. `add table`
 * and `add set` leave an existing table and set (and their bans) as they
 * are; the chain is flushed and refilled.
 */
export function renderEnsureScript(spec: BanTableSpec): string {
  const counters = [...BAN_SETS.map(dropCounterOf), ...(spec.synRate === undefined ? [] : ['syn_over4', 'syn_over6'])];
  const lines = [
    `add table ${BAN_FAMILY} ${BAN_TABLE}`,
    ...counters.map((name) => `add counter ${BAN_FAMILY} ${BAN_TABLE} ${name}`),
    ...setLines(spec),
    `add chain ${BAN_FAMILY} ${BAN_TABLE} prerouting { type filter hook prerouting priority ${BAN_PRIORITY}; policy accept; }`,
    `flush chain ${BAN_FAMILY} ${BAN_TABLE} prerouting`,
    ...ruleLines(spec),
    `flush set ${BAN_FAMILY} ${BAN_TABLE} exempt4`,
    `flush set ${BAN_FAMILY} ${BAN_TABLE} exempt6`,
    ...elementCommands('add', 'exempt4', spec.exempt4),
    ...elementCommands('add', 'exempt6', spec.exempt6),
  ];
  if (spec.synRate !== undefined) {
    lines.push(
      `flush set ${BAN_FAMILY} ${BAN_TABLE} syn_services4`,
      `flush set ${BAN_FAMILY} ${BAN_TABLE} syn_services6`,
      ...elementCommands('add', 'syn_services4', spec.synRate.services4),
      ...elementCommands('add', 'syn_services6', spec.synRate.services6),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** nft keeps at most 128 bytes of an element comment (NFTNL_UDATA_SET_ELEM_COMMENT). */
export const BAN_COMMENT_MAX_BYTES = 128;

/** fitBanComment makes `text` a safe element comment: no quotes or backslashes, at most 128 bytes. */
export function fitBanComment(text: string): string {
  const chars = Array.from(text.replace(/["\\\n\r]/g, "'"));
  while (Buffer.byteLength(chars.join('')) > BAN_COMMENT_MAX_BYTES) chars.pop();
  return chars.join('');
}
