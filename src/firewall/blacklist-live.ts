/**
 * `lbfw blacklist add/remove/test/list`: change the static_blacklist file
 * atomically and the running sets in place, without reloading the table.
 */
import type { Family, HostConfig } from '../config/model.js';
import { BlacklistError, InputFileError, SafetyError, UsageError, type InputProblem, type ProtectedHit } from '../errors.js';
import { readInputFile } from '../system/input-file.js';
import { addEntry, removeEntry } from '../blacklist/edit.js';
import { familyLists, normaliseBlacklist, type NormalisedBlacklist } from '../blacklist/normalise.js';
import { parseBlacklist, parseEntry, type BlacklistEntry, type ParsedBlacklist } from '../blacklist/parse.js';
import { readBlacklist } from '../blacklist/read.js';
import { findProtectedHits } from '../blacklist/safety.js';
import { writeFileAtomic } from '../blacklist/atomic-write.js';
import { blacklistSetName } from '../ruleset/build.js';
import { withLock } from '../state/lock.js';
import { readCurrent, recordEdits, type CurrentRecord } from '../state/current.js';
import { elementsFromTexts, elementTexts, type ElementList } from '../nft/model/elements.js';
import { addressKey } from '../nft/model/keys.js';
import { Transaction } from '../nft/transaction.js';
import { hostSetName, shardCount, shardOf, shardsOfSets, splitHosts } from '../ruleset/shards.js';
import { assertMayChange, hostNetns, resolveOptions, type BlacklistOptions, type FirewallOptions, type Resolved } from './options.js';
import { protectedRanges } from './protected.js';
import { bigIntToAddress } from '../net/address.js';
import { readOwnAddresses } from '../host/own-addresses.js';

/** How the running firewall took a blacklist change. */
export type LiveUpdate = 'updated' | 'unchanged' | 'not-loaded';

/** BlacklistChange: what `add` or `remove` did to the file and to the running sets. */
export interface BlacklistChange {
  readonly file: string;
  /** False when the file already said so (add of an existing entry, remove of an absent one). */
  readonly changed: boolean;
  /** Line of the added entry, or the lines removed (numbered as before the change). */
  readonly lines: readonly number[];
  readonly live: LiveUpdate;
  /** Elements added to and deleted from the running sets. */
  readonly elementsAdded: number;
  readonly elementsDeleted: number;
  /** Remove only: entries that still cover the address, so it stays blocked. */
  readonly coveredBy: readonly BlacklistEntry[];
  /** Add with force: what the entry cuts off. */
  readonly forced: readonly ProtectedHit[];
  /** Add: remarks on the entry as written (host bits set, IPv4-mapped), as `blacklist check` gives them. */
  readonly warnings: readonly InputProblem[];
}

async function readText(file: string): Promise<string> {
  try {
    return await readInputFile(file, { what: 'blacklist file' });
  } catch (error) {
    if (error instanceof InputFileError && error.reason === 'missing') return '';
    throw new BlacklistError([{ file, line: 0, message: error instanceof Error ? error.message : String(error) }]);
  }
}

function parseValid(text: string, file: string, options: BlacklistOptions): ParsedBlacklist {
  const parsed = parseBlacklist(text, file);
  if (parsed.problems.length > 0 && options.skipInvalid !== true) throw new BlacklistError(parsed.problems);
  return parsed;
}

const FAMILIES: readonly Family[] = [4, 6];

function minus(a: readonly string[], b: readonly string[]): string[] {
  const other = new Set(b);
  return a.filter((x) => !other.has(x));
}

/** The in-place update from one normalised blacklist to another. */
interface SetDelta {
  readonly tx: Transaction;
  readonly added: number;
  readonly deleted: number;
}

/**
 * Hosts change element by element (instant in a hash set). An interval set
 * that changed is flushed and refilled in the same transaction: merging can
 * turn one new prefix into a different set of elements, and deleting one
 * element of a big interval set through nft is slow (DESIGN.md, section 3).
 */
function deltaOf(before: NormalisedBlacklist, after: NormalisedBlacklist, shards: ShardCounts): SetDelta {
  const tx = new Transaction();
  let added = 0;
  let deleted = 0;
  for (const family of FAMILIES) {
    const old = familyLists(before, family);
    const now = familyLists(after, family);
    const k = shards[family];
    const key = addressKey(family);
    const gone = splitHosts(family, minus(old.hosts, now.hosts), k);
    const fresh = splitHosts(family, minus(now.hosts, old.hosts), k);
    for (let shard = 0; shard < k; shard++) {
      const set = hostSetName(family, shard, k);
      tx.deleteElements(set, elementsFromTexts(key, false, gone[shard] ?? [])).addElements(set, elementsFromTexts(key, false, fresh[shard] ?? []));
      added += fresh[shard]?.length ?? 0;
      deleted += gone[shard]?.length ?? 0;
    }
    if (minus(old.nets, now.nets).length > 0 || minus(now.nets, old.nets).length > 0) {
      const netsSet = blacklistSetName(family, 'nets');
      tx.flushSet(netsSet).addElements(netsSet, elementsFromTexts(key, true, now.nets));
      added += now.nets.length;
      deleted += old.nets.length;
    }
  }
  return { tx, added, deleted };
}

/** How many host shards each family's running table has. */
type ShardCounts = Readonly<Record<Family, number>>;

/**
 * runningShards reads the shard counts from lbfw's record of the running
 * table; without one, from the list the table was presumably loaded from.
 * Shards stay as apply made them until the next apply (each set has room to
 * grow to twice its size).
 */
function runningShards(current: CurrentRecord | undefined, loadedFrom: NormalisedBlacklist): ShardCounts {
  const names = current?.ruleset.sets.map((s) => s.name);
  const count = (family: Family): number =>
    names === undefined ? shardCount(familyLists(loadedFrom, family).hosts.length) : shardsOfSets(family, names);
  return { 4: count(4), 6: count(6) };
}

/**
 * FileEdit: the new text, and the valid entries it holds, which the edit
 * knows without parsing the new text again (a million lines take a second).
 */
interface FileEdit {
  readonly text: string;
  readonly entries: readonly BlacklistEntry[];
  readonly lines: number[];
  readonly forced: ProtectedHit[];
  readonly coveredBy: BlacklistEntry[];
  readonly warnings?: InputProblem[];
}

async function changeFile(
  config: HostConfig,
  options: FirewallOptions & BlacklistOptions,
  purpose: string,
  edit: (text: string, parsed: ParsedBlacklist, resolved: Resolved) => FileEdit,
): Promise<BlacklistChange> {
  const resolved = resolveOptions(options);
  assertMayChange(resolved, purpose);
  const file = config.blacklistPath;
  return withLock(resolved.paths.lock, { waitSeconds: resolved.waitSeconds, purpose }, async () => {
    const before = await readText(file);
    const beforeParsed = parseValid(before, file, options);
    const result = edit(before, beforeParsed, resolved);
    const base = { file, lines: result.lines, coveredBy: result.coveredBy, forced: result.forced, warnings: result.warnings ?? [] };
    if (result.text === before) {
      return { ...base, changed: false, live: 'unchanged', elementsAdded: 0, elementsDeleted: 0 };
    }
    const normalised = normaliseBlacklist(result.entries);
    const loaded = normaliseBlacklist(beforeParsed.entries);
    const current = await readCurrent(resolved.paths);
    const shards = runningShards(current, loaded);
    const delta = deltaOf(loaded, normalised, shards);
    // The file is the source of truth: write it first, so that a failed live
    // update is still loaded by the next `lbfw apply`.
    await writeFileAtomic(file, result.text);
    if (!(await resolved.backend.tableExists())) {
      return { ...base, changed: true, live: 'not-loaded', elementsAdded: 0, elementsDeleted: 0 };
    }
    if (!delta.tx.empty) {
      await resolved.backend.run(delta.tx);
      // Keeps lbfw's record of the running table in step with the sets just changed.
      if (current !== undefined) await recordEdits(resolved.paths, current, delta.tx.operations);
    }
    return {
      ...base,
      changed: true,
      live: delta.tx.empty ? 'unchanged' : 'updated',
      elementsAdded: delta.added,
      elementsDeleted: delta.deleted,
    };
  });
}

/** BlacklistAddOptions: an optional comment written after the entry. */
export interface BlacklistAddOptions extends FirewallOptions, BlacklistOptions {
  readonly comment?: string;
}

/**
 * addToBlacklist appends `entry` to the blacklist file (unless it is already
 * there) and adds it to the running sets. An entry that covers a protected
 * address is refused unless `force`.
 */
export async function addToBlacklist(config: HostConfig, entry: string, options: BlacklistAddOptions = {}): Promise<BlacklistChange> {
  const own = await readOwnAddresses(hostNetns(resolveOptions(options)));
  return changeFile(config, options, 'blacklist add', (text, parsed, resolved) => {
    const result = addEntry(text, entry, options.comment, parsed);
    // Only the added line is read again: it is the one entry that changed.
    const alone = parseBlacklist(entry.trim(), config.blacklistPath);
    const added = result.added ? alone.entries.map((e) => ({ ...e, line: result.line })) : [];
    const warnings = alone.warnings.map((w) => ({ ...w, line: result.line }));
    const hits = findProtectedHits({ file: config.blacklistPath, entries: added, problems: [], warnings: [] }, protectedRanges(config, resolved.env, own));
    if (hits.length > 0 && options.force !== true) throw new SafetyError(hits);
    return { text: result.text, entries: [...parsed.entries, ...added], lines: [result.line], forced: hits, coveredBy: [], warnings };
  });
}

/**
 * removeFromBlacklist removes every line equal to `entry` from the file and
 * the matching elements from the running sets.
 */
export async function removeFromBlacklist(
  config: HostConfig,
  entry: string,
  options: FirewallOptions & BlacklistOptions = {},
): Promise<BlacklistChange> {
  return changeFile(config, options, 'blacklist remove', (text, parsed) => {
    const result = removeEntry(text, entry, parsed);
    const removed = new Set(result.removedLines);
    const entries = parsed.entries.filter((e) => !removed.has(e.line));
    return { text: result.text, entries, lines: [...result.removedLines], forced: [], coveredBy: [...result.coveredBy] };
  });
}

/** BlacklistTestResult: is an address blocked, by the running sets and by which lines. */
export interface BlacklistTestResult {
  readonly address: string;
  /** False when lbfw's table is not loaded. */
  readonly tableLoaded: boolean;
  /** True when a running blacklist set holds the address. */
  readonly blocked: boolean;
  /** The running elements that match, with their set. */
  readonly liveMatches: readonly { readonly set: string; readonly element: string }[];
  /** The lines of the file that cover the address. */
  readonly fileEntries: readonly BlacklistEntry[];
}

/** testBlacklist looks `address` up in the running sets and in the file. */
export async function testBlacklist(config: HostConfig, address: string, options: FirewallOptions = {}): Promise<BlacklistTestResult> {
  const parsedAddress = parseEntry(address.trim());
  if ('error' in parsedAddress || parsedAddress.kind !== 'host') {
    throw new UsageError(`blacklist test takes one IPv4 or IPv6 address, not "${address}"`);
  }
  const resolved = resolveOptions(options);
  assertMayChange(resolved, 'blacklist test');
  const { range } = parsedAddress;
  const parsed = await readBlacklist(config.blacklistPath, { optional: true });
  const fileEntries = parsed.entries.filter(
    (e) => e.range.family === range.family && e.range.first <= range.first && range.last <= e.range.last,
  );
  const tableLoaded = await resolved.backend.tableExists();
  const liveMatches: { set: string; element: string }[] = [];
  if (tableLoaded) {
    const text = bigIntToAddress(range.family, range.first);
    const shards = runningShards(await readCurrent(resolved.paths), normaliseBlacklist(parsed.entries))[range.family];
    const key = addressKey(range.family);
    const lookups: [string, ElementList][] = [
      [hostSetName(range.family, shardOf(range.family, text, shards), shards), elementsFromTexts(key, false, [text])],
      [blacklistSetName(range.family, 'nets'), elementsFromTexts(key, true, [text])],
    ];
    for (const [set, keys] of lookups) {
      for (const element of elementTexts(await resolved.backend.lookupElements(set, keys))) liveMatches.push({ set, element });
    }
  }
  return { address: parsedAddress.canonical, tableLoaded, blocked: liveMatches.length > 0, liveMatches, fileEntries };
}

/** BlacklistListing: the file's entries, its problems, and the merged element counts. */
export interface BlacklistListing {
  readonly parsed: ParsedBlacklist;
  readonly normalised: NormalisedBlacklist;
}

/** listBlacklist reads the blacklist file (no privileges needed). */
export async function listBlacklist(config: HostConfig): Promise<BlacklistListing> {
  const parsed = await readBlacklist(config.blacklistPath, { optional: true });
  return { parsed, normalised: normaliseBlacklist(parsed.entries) };
}
