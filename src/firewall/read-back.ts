/**
 * Reading lbfw's table back through the backend: compare with what was
 * meant (elements as numbers; counts plus batched lookups where the backend
 * only counted), and turn the running table into a typed backup.
 */
import type { NftBackend, TableSnapshot } from '../nft/backend.js';
import { diffElements } from '../nft/model/elements.js';
import type { NftChain, NftSet, Ruleset } from '../nft/model/objects.js';
import type { NftRule } from '../nft/model/rules.js';
import { compareRuleset, elementDrifts, setsToLookUp, type Drift } from '../ruleset/compare.js';
import type { SavedTable } from '../state/backups.js';
import { readCurrent } from '../state/current.js';
import type { Resolved } from './options.js';

/**
 * readBackDrift reads the table and lists how it differs from `meant`. A set
 * the backend only counted, with the right count, is proven by looking every
 * meant element up: a hash set then holds exactly those keys; an interval
 * set's covering elements must equal the meant ones.
 */
export async function readBackDrift(backend: NftBackend, meant: Ruleset): Promise<Drift[]> {
  const snapshot = await backend.readTable({ elements: 'counts' });
  const drift = compareRuleset(meant, snapshot);
  if (snapshot === undefined) return drift;
  for (const set of setsToLookUp(meant, snapshot)) {
    drift.push(...elementDrifts(set.name, diffElements(set.elements, await backend.lookupElements(set.name, set.elements))));
  }
  return drift;
}

/** snapshotToRuleset makes a restorable ruleset of a snapshot; rules lbfw cannot type are named, not kept. */
export async function snapshotToRuleset(backend: NftBackend, snapshot: TableSnapshot): Promise<SavedTable> {
  const omittedRules: string[] = [];
  const sets: NftSet[] = [];
  for (const set of snapshot.sets) {
    const elements = set.elements ?? (await backend.listElements(set.name));
    sets.push({ name: set.name, key: set.key, interval: set.interval, ...(set.size === undefined ? {} : { size: set.size }), elements, purpose: 'saved from the running table' });
  }
  const chains: NftChain[] = snapshot.chains.map((chain) => {
    const rules: NftRule[] = [];
    for (const rule of chain.rules) {
      if (rule.rule === undefined) omittedRules.push(`chain ${chain.name}: ${rule.text}${rule.id === undefined ? '' : ` # ${rule.id}`}`);
      else rules.push(rule.rule);
    }
    return { name: chain.name, ...(chain.base === undefined ? {} : { base: chain.base }), rules };
  });
  return { ruleset: { sets, chains }, omittedRules };
}

/**
 * runningTable returns the running lbfw table, typed, or undefined when
 * there is none. lbfw's own record is used when it has one: listing a big
 * set from the kernel is slow.
 */
export async function runningTable(resolved: Resolved): Promise<SavedTable | undefined> {
  if (!(await resolved.backend.tableExists())) return undefined;
  const current = await readCurrent(resolved.paths);
  if (current !== undefined) return { ruleset: current.ruleset, omittedRules: [] };
  const snapshot = await resolved.backend.readTable();
  return snapshot === undefined ? undefined : snapshotToRuleset(resolved.backend, snapshot);
}
