/**
 * Compares the Ruleset lbfw meant with the table the kernel lists. The result
 * is data: a list of differences, empty when the running firewall is what was
 * meant.
 */
import type { ListedChain, ListedTable } from './listing.js';
import type { NftChain, Ruleset } from './types.js';

/** Drift is one difference between what was meant and what runs. */
export interface Drift {
  /** What differs, e.g. `set bl4_hosts`, `chain input`, `table inet lbfw`. */
  readonly subject: string;
  /** Plain-words description. */
  readonly message: string;
  readonly expected?: string;
  readonly actual?: string;
}

/** How many differing elements a drift message names before it just counts. */
const ELEMENTS_SHOWN = 5;

function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function sampleOf(items: readonly string[]): string {
  const shown = items.slice(0, ELEMENTS_SHOWN).join(', ');
  return items.length > ELEMENTS_SHOWN ? `${shown}, ... (${items.length} in all)` : shown;
}

/** Anonymous sets `{ a, b }` are printed in value order; sort so order never counts. */
function normaliseRuleText(text: string): string {
  return text.replace(/\{ ([^{}]*) \}/g, (_m, body: string) => `{ ${body.split(', ').sort().join(', ')} }`);
}

function differenceOf(a: readonly string[], b: ReadonlySet<string>): string[] {
  return a.filter((x) => !b.has(x));
}

function compareChain(meant: NftChain, listed: ListedChain | undefined): Drift[] {
  const subject = `chain ${meant.name}`;
  if (listed === undefined) return [{ subject, message: `chain ${meant.name} is missing` }];
  const drifts: Drift[] = [];
  const header = meant.hook === undefined ? undefined : `type filter hook ${meant.hook} priority ${meant.priority}; policy ${meant.policy};`;
  if (listed.header !== header) {
    drifts.push({ subject, message: 'hook, priority or policy differ', expected: header ?? '(a regular chain)', actual: listed.header ?? '(a regular chain)' });
  }
  const expected = meant.rules.map((r) => `${normaliseRuleText(r.text)} # ${r.id}`);
  const actual = listed.rules.map((r) => `${normaliseRuleText(r.text)} # ${r.comment ?? '(no comment)'}`);
  const actualSet = new Set(actual);
  const expectedSet = new Set(expected);
  const missing = differenceOf(expected, actualSet);
  const extra = differenceOf(actual, expectedSet);
  for (const rule of missing) drifts.push({ subject, message: 'rule missing or changed', expected: rule });
  for (const rule of extra) drifts.push({ subject, message: 'rule not written by lbfw', actual: rule });
  if (missing.length === 0 && extra.length === 0 && expected.join('\n') !== actual.join('\n')) {
    drifts.push({ subject, message: 'rules are in a different order', expected: expected.join('\n'), actual: actual.join('\n') });
  }
  return drifts;
}

/**
 * compareRuleset lists every difference between `meant` and `listed`
 * (`undefined` when the table does not exist).
 */
export function compareRuleset(meant: Ruleset, listed: ListedTable | undefined): Drift[] {
  if (listed === undefined) return [{ subject: 'table inet lbfw', message: 'lbfw table is not loaded' }];
  const drifts: Drift[] = [];
  const listedSets = new Map(listed.sets.map((s) => [s.name, s]));
  for (const set of meant.sets) {
    const subject = `set ${set.name}`;
    const actual = listedSets.get(set.name);
    listedSets.delete(set.name);
    if (actual === undefined) {
      drifts.push({ subject, message: `set ${set.name} is missing` });
      continue;
    }
    const meantShape = `${set.type}${set.interval ? ', interval' : ''}`;
    const actualShape = `${actual.type}${actual.interval ? ', interval' : ''}${actual.extra.map((e) => `, ${e}`).join('')}`;
    if (meantShape !== actualShape) drifts.push({ subject, message: 'set type or flags differ', expected: meantShape, actual: actualShape });
    // Capacity only has to hold the elements: `blacklist add` may have grown
    // the list since apply chose it.
    if (set.size !== undefined && (actual.size === undefined || actual.size < set.elements.length)) {
      drifts.push({ subject, message: 'set too small for its elements', expected: `size >= ${set.elements.length}`, actual: `size ${actual.size ?? 'unlimited'}` });
    }
    const missing = differenceOf(set.elements, new Set(actual.elements));
    const extra = differenceOf(actual.elements, new Set(set.elements));
    if (missing.length > 0) drifts.push({ subject, message: `${countOf(missing.length, 'element')} missing: ${sampleOf(missing)}` });
    if (extra.length > 0) drifts.push({ subject, message: `${countOf(extra.length, 'element')} not in lbfw's sources: ${sampleOf(extra)}` });
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
