/**
 * Reading lbfw's table back through the backend: compare with what was
 * meant (elements as numbers; counts plus batched lookups where the backend
 * only counted), and turn the running table into a typed backup.
 */
import type { CommitReceipt, NftBackend, TableSnapshot } from '../nft/backend.js';
import { diffElements, type ElementList } from '../nft/model/elements.js';
import { keyWidth } from '../nft/model/keys.js';
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

/**
 * A plain hash set with more elements than this has them proven by the
 * commit instead of dumped (a dump of one takes more than one message; the
 * blacklist's host shards hold about 4,096 each).
 */
export const PROVEN_MIN_ELEMENTS = 2048;
/**
 * Keys of each proven set looked up in the kernel: its first, its last, and
 * evenly spaced ones between. A key encoding the kernel reads differently
 * fails every lookup, so a few per set show it; the kernel answers each
 * found key with a message of its own (about 4 us each here), and 16 in
 * each of 256 shards were 18 ms of apply.
 */
export const PROOF_SAMPLE_KEYS = 4;

/** CommitReadBack: how apply's read-back after its commit went. */
export interface CommitReadBack {
  /** Every difference between the running table and what was meant (none when the commit holds). */
  readonly drift: Drift[];
  /**
   * `commit`: the big hash sets' elements are proven by the commit itself
   * (see proveCommit); `full`: every element was dumped and compared, as
   * verify does.
   */
  readonly method: 'commit' | 'full';
  /** Why the read-back was full, when it was. */
  readonly fullBecause?: string;
  /** Sets whose elements the commit proved (method `commit`). */
  readonly provenSets: number;
}

/** The meant sets a commit can prove: plain hash sets too big to dump in one message. */
function provableSets(meant: Ruleset): NftSet[] {
  return meant.sets.filter((set) => !set.interval && set.elements.count > PROVEN_MIN_ELEMENTS);
}

/** PROOF_SAMPLE_KEYS keys of `list` (sorted and distinct, as the list is), first and last among them. */
function sampleKeys(list: ElementList): ElementList {
  const width = keyWidth(list.key);
  const n = Math.min(PROOF_SAMPLE_KEYS, list.count);
  const keys = new Uint8Array(n * width);
  for (let j = 0; j < n; j++) {
    const i = n === 1 ? 0 : Math.round((j * (list.count - 1)) / (n - 1));
    keys.set(list.keys.subarray(i * width, i * width + width), j * width);
  }
  return { key: list.key, interval: false, count: n, keys };
}

/**
 * proveCommit reads back a table that `receipt`'s commit has just loaded
 * from `meant`. When the backend pinned the commit's generation, the big
 * hash sets' elements are not dumped (the dump is most of the read-back's
 * cost): the kernel took the batch whole on top of the generation it was
 * built on, so those sets hold exactly the elements sent. What is still read
 * and compared in full: every set's header, every small set's elements,
 * every chain and rule; and a sample of each big set's keys is looked up, so
 * an encoding the kernel reads differently (a byte order, a key width)
 * still shows. Last, the generation is read again: if anything committed
 * since (another program, a hand edit), the proof is void and the whole
 * table is dumped and compared instead. Without a pinned generation (the
 * nft backend) the read-back is always the full one.
 */
export async function proveCommit(backend: NftBackend, meant: Ruleset, receipt: CommitReceipt): Promise<CommitReadBack> {
  const full = async (because: string): Promise<CommitReadBack> => ({ drift: await readBackDrift(backend, meant), method: 'full', fullBecause: because, provenSets: 0 });
  if (receipt.generation === undefined) return full('the backend cannot pin the generation of its commit');
  const provable = provableSets(meant);
  if (provable.length === 0) return full('no set is big enough to be worth proving by the commit');
  const proven = new Set(provable.map((set) => set.name));
  const snapshot = await backend.readTable({ elements: 'counts', skipElements: proven });
  const drift = compareRuleset(meant, snapshot, proven);
  if (snapshot !== undefined) {
    for (const set of setsToLookUp(meant, snapshot)) {
      drift.push(...elementDrifts(set.name, diffElements(set.elements, await backend.lookupElements(set.name, set.elements))));
    }
    const samples = provable.map((set) => ({ set: set.name, keys: sampleKeys(set.elements) }));
    const found = await backend.lookupEach(samples);
    samples.forEach(({ set, keys }, i) => drift.push(...elementDrifts(set, diffElements(keys, found[i] as ElementList))));
  }
  const now = await backend.generation();
  if (now !== receipt.generation) return full(`the ruleset changed after the commit (generation ${receipt.generation}, now ${now ?? 'unknown'})`);
  return { drift, method: 'commit', provenSets: proven.size };
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
