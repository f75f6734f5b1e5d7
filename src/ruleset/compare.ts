/**
 * Compares the Ruleset lbfw meant with the table snapshot a backend read
 * back. The result is data: a list of differences, empty when the running
 * firewall is what was meant. Elements compare as numbers (sorted packed
 * keys: equal sets cost one memcmp); rules compare by canonical text, so a
 * rule lbfw cannot type still compares exactly.
 */
import type { ChainSnapshot, SetSnapshot, TableSnapshot } from '../nft/backend.js';
import { diffElements, type ElementDifference } from '../nft/model/elements.js';
import { keyTypeText } from '../nft/model/keys.js';
import type { BaseChain } from '../nft/model/objects.js';
import { priorityText, renderRuleText } from '../nft/render/rule-text.js';
import type { NftChain, NftSet, Ruleset } from './types.js';

/** Drift is one difference between what was meant and what runs. */
export interface Drift {
  /** What differs, e.g. `set bl4_hosts`, `chain input`, `table inet lbfw`. */
  readonly subject: string;
  /** Plain-words description. */
  readonly message: string;
  readonly expected?: string;
  readonly actual?: string;
}

function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function sampleOf(items: readonly string[], total: number): string {
  const shown = items.join(', ');
  return total > items.length ? `${shown}, ... (${total} in all)` : shown;
}

/** Anonymous sets `{ a, b }` are printed in value order; sort so order never counts. */
function normaliseRuleText(text: string): string {
  return text.replace(/\{ ([^{}]*) \}/g, (_m, body: string) => `{ ${body.split(', ').sort().join(', ')} }`);
}

function differenceOf(a: readonly string[], b: ReadonlySet<string>): string[] {
  return a.filter((x) => !b.has(x));
}

function headerText(base: BaseChain | undefined): string {
  return base === undefined ? '(a regular chain)' : `type ${base.type} hook ${base.hook} priority ${priorityText(base.priority)}; policy ${base.policy};`;
}

function compareChain(meant: NftChain, listed: ChainSnapshot | undefined): Drift[] {
  const subject = `chain ${meant.name}`;
  if (listed === undefined) return [{ subject, message: `chain ${meant.name} is missing` }];
  const drifts: Drift[] = [];
  if (headerText(listed.base) !== headerText(meant.base)) {
    drifts.push({ subject, message: 'hook, priority or policy differ', expected: headerText(meant.base), actual: headerText(listed.base) });
  }
  const expected = meant.rules.map((r) => `${normaliseRuleText(renderRuleText(r))} # ${r.id}`);
  const actual = listed.rules.map((r) => `${normaliseRuleText(r.text)} # ${r.id ?? '(no comment)'}`);
  const missing = differenceOf(expected, new Set(actual));
  const extra = differenceOf(actual, new Set(expected));
  for (const rule of missing) drifts.push({ subject, message: 'rule missing or changed', expected: rule });
  for (const rule of extra) drifts.push({ subject, message: 'rule not written by lbfw', actual: rule });
  if (missing.length === 0 && extra.length === 0 && expected.join('\n') !== actual.join('\n')) {
    drifts.push({ subject, message: 'rules are in a different order', expected: expected.join('\n'), actual: actual.join('\n') });
  }
  return drifts;
}

/** elementDrifts turns an element difference into drift lines. */
export function elementDrifts(set: string, difference: ElementDifference): Drift[] {
  const subject = `set ${set}`;
  const drifts: Drift[] = [];
  if (difference.missing > 0) drifts.push({ subject, message: `${countOf(difference.missing, 'element')} missing: ${sampleOf(difference.missingSample, difference.missing)}` });
  if (difference.extra > 0) drifts.push({ subject, message: `${countOf(difference.extra, 'element')} not in lbfw's sources: ${sampleOf(difference.extraSample, difference.extra)}` });
  return drifts;
}

function compareSet(set: NftSet, actual: SetSnapshot, elementsProven: boolean): Drift[] {
  const subject = `set ${set.name}`;
  const drifts: Drift[] = [];
  const meantShape = `${keyTypeText(set.key)}${set.interval ? ', interval' : ''}`;
  const actualShape = `${keyTypeText(actual.key)}${actual.interval ? ', interval' : ''}${actual.extra.map((e) => `, ${e}`).join('')}`;
  if (meantShape !== actualShape) {
    drifts.push({ subject, message: 'set type or flags differ', expected: meantShape, actual: actualShape });
    return drifts;
  }
  // Capacity only has to hold the elements: `blacklist add` may have grown
  // the list since apply chose it.
  if (set.size !== undefined && (actual.size === undefined || actual.size < set.elements.count)) {
    drifts.push({ subject, message: 'set too small for its elements', expected: `size >= ${set.elements.count}`, actual: `size ${actual.size ?? 'unlimited'}` });
  }
  if (elementsProven) return drifts;
  if (actual.elements !== undefined) drifts.push(...elementDrifts(set.name, diffElements(set.elements, actual.elements)));
  else if (actual.count !== set.elements.count) {
    drifts.push({ subject, message: `holds ${countOf(actual.count, 'element')}, lbfw's sources have ${set.elements.count}` });
  }
  return drifts;
}

/**
 * compareRuleset lists every difference between `meant` and `listed`
 * (`undefined` when the table does not exist). Sets the snapshot only
 * counted are compared by count here; {@link setsToLookUp} names them so
 * the caller can look their elements up. Sets named in `elementsProven`
 * (their elements were not read: the caller proves them otherwise) are
 * compared by type, flags and size only.
 */
export function compareRuleset(meant: Ruleset, listed: TableSnapshot | undefined, elementsProven: ReadonlySet<string> = new Set()): Drift[] {
  if (listed === undefined) return [{ subject: 'table inet lbfw', message: 'lbfw table is not loaded' }];
  const drifts: Drift[] = [];
  const listedSets = new Map(listed.sets.map((s) => [s.name, s]));
  for (const set of meant.sets) {
    const actual = listedSets.get(set.name);
    listedSets.delete(set.name);
    if (actual === undefined) drifts.push({ subject: `set ${set.name}`, message: `set ${set.name} is missing` });
    else drifts.push(...compareSet(set, actual, elementsProven.has(set.name)));
  }
  for (const name of listedSets.keys()) drifts.push({ subject: `set ${name}`, message: 'set not written by lbfw' });
  const listedChains = new Map(listed.chains.map((c) => [c.name, c]));
  for (const chain of meant.chains) {
    drifts.push(...compareChain(chain, listedChains.get(chain.name)));
    listedChains.delete(chain.name);
  }
  for (const name of listedChains.keys()) drifts.push({ subject: `chain ${name}`, message: 'chain not written by lbfw' });
  return drifts;
}

/**
 * setsToLookUp returns the meant sets whose elements the snapshot only
 * counted, with the right count and type: their elements must be looked up
 * to be proven present.
 */
export function setsToLookUp(meant: Ruleset, listed: TableSnapshot): NftSet[] {
  const byName = new Map(listed.sets.map((s) => [s.name, s]));
  return meant.sets.filter((set) => {
    const actual = byName.get(set.name);
    return actual !== undefined && actual.elements === undefined && actual.count === set.elements.count && set.elements.count > 0;
  });
}
