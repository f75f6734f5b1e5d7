/**
 * `lbfw blacklist add/remove/test/list`: change the static_blacklist file
 * atomically and the running sets in place, without reloading the table.
 */
import type { Family, HostConfig } from '../config/model.js';
import { BlacklistError, InputFileError, SafetyError, StateError, UsageError, type InputProblem, type ProtectedHit } from '../errors.js';
import { readInputFile } from '../system/input-file.js';
import { addEntry, removeEntry } from '../blacklist/edit.js';
import { familyLists, normaliseBlacklist, type NormalisedBlacklist } from '../blacklist/normalise.js';
import { parseBlacklist, parseEntry, type BlacklistEntry, type ParsedBlacklist, type ParsedEntry } from '../blacklist/parse.js';
import { readBlacklist } from '../blacklist/read.js';
import { findProtectedHits } from '../blacklist/safety.js';
import { writeFileAtomic } from '../blacklist/atomic-write.js';
import { blacklistSetName } from '../ruleset/build.js';
import { withLock } from '../state/lock.js';
import { appendEdits, dropPendingEdits, forgetCurrent, hasCurrent, writePendingEdits } from '../state/current.js';
import { appendLine, locateEntry, removeSpans } from '../blacklist/locate.js';
import { reconcileRecord } from './reconcile.js';
import { faultPoint } from '../system/fault-point.js';
import { NftError } from '../errors.js';
import { NetlinkUnknownOutcomeError } from '../nft/netlink/errors.js';
import type { AddressRange } from '../net/address.js';
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

/** How many host shards each family's running table has. */
type ShardCounts = Readonly<Record<Family, number>>;

/** The running table's sets, as the kernel lists them (not as a record says: it may be of another table). */
interface RunningLayout {
  readonly names: ReadonlySet<string>;
  readonly shards: ShardCounts;
}

async function runningLayout(resolved: Resolved): Promise<RunningLayout> {
  const names = await resolved.backend.setNames();
  return { names: new Set(names), shards: { 4: shardsOfSets(4, names), 6: shardsOfSets(6, names) } };
}

function requireSet(layout: RunningLayout, set: string): string {
  if (!layout.names.has(set)) {
    throw new StateError(`the running table inet lbfw has no set ${set}: it is not a table lbfw loaded from this blacklist; run \`lbfw apply\``);
  }
  return set;
}

function hostSetOf(layout: RunningLayout, family: Family, host: string): string {
  const shards = layout.shards[family];
  return requireSet(layout, hostSetName(family, shardOf(family, host, shards), shards));
}

/** The in-place update that brings the running sets to what the file says. */
interface SetDelta {
  readonly tx: Transaction;
  readonly added: number;
  readonly deleted: number;
}

/**
 * hostsDelta compares hosts with the running sets (looked up, not assumed):
 * each host is added when wanted and absent, deleted when present and not
 * wanted. So a retry after a run killed between the file and the kernel
 * finishes what that run began.
 */
async function hostsDelta(resolved: Resolved, layout: RunningLayout, family: Family, hosts: readonly string[], wanted: (host: string) => boolean): Promise<SetDelta> {
  const tx = new Transaction();
  let added = 0;
  let deleted = 0;
  const key = addressKey(family);
  const bySet = new Map<string, string[]>();
  for (const host of hosts) {
    const set = hostSetOf(layout, family, host);
    bySet.set(set, [...(bySet.get(set) ?? []), host]);
  }
  for (const [set, list] of bySet) {
    const present = new Set(elementTexts(await resolved.backend.lookupElements(set, elementsFromTexts(key, false, list))));
    const add = list.filter((h) => wanted(h) && !present.has(h));
    const remove = list.filter((h) => !wanted(h) && present.has(h));
    if (add.length > 0) tx.addElements(set, elementsFromTexts(key, false, add));
    if (remove.length > 0) tx.deleteElements(set, elementsFromTexts(key, false, remove));
    added += add.length;
    deleted += remove.length;
  }
  return { tx, added, deleted };
}

/**
 * commitLive runs an in-place update under a pending journal entry: a kill
 * between the kernel and the record is settled by the next command
 * (firewall/reconcile.ts) by looking the elements up.
 */
async function commitLive(resolved: Resolved, tx: Transaction): Promise<void> {
  if (tx.empty) return;
  const recorded = await hasCurrent(resolved.paths);
  if (recorded) await writePendingEdits(resolved.paths, tx.operations);
  faultPoint('blacklist:after-pending');
  try {
    await resolved.backend.run(tx);
    faultPoint('blacklist:after-live');
  } catch (error) {
    if (error instanceof NftError && !(error instanceof NetlinkUnknownOutcomeError)) await dropPendingEdits(resolved.paths);
    else await forgetCurrent(resolved.paths);
    throw error;
  }
  if (recorded) {
    await appendEdits(resolved.paths, tx.operations);
    await dropPendingEdits(resolved.paths);
  }
}

/** FileEdit: the new text and what the edit found. */
interface FileEdit {
  readonly text: string;
  readonly lines: number[];
  readonly forced: ProtectedHit[];
  readonly coveredBy: BlacklistEntry[];
  readonly warnings: InputProblem[];
  /** Brings the running sets to the new text (the table exists). */
  readonly delta: (layout: RunningLayout) => Promise<SetDelta>;
}

async function changeFile(
  config: HostConfig,
  options: FirewallOptions & BlacklistOptions,
  purpose: string,
  edit: (text: string, resolved: Resolved) => FileEdit,
): Promise<BlacklistChange> {
  const resolved = resolveOptions(options);
  assertMayChange(resolved, purpose);
  const file = config.blacklistPath;
  return withLock(resolved.paths.lock, { waitSeconds: resolved.waitSeconds, purpose }, async () => {
    await reconcileRecord(resolved.backend, resolved.paths);
    const before = await readText(file);
    const result = edit(before, resolved);
    const base = { file, lines: result.lines, coveredBy: result.coveredBy, forced: result.forced, warnings: result.warnings };
    const fileChanged = result.text !== before;
    // The file is the source of truth: write it first, so that a failed live
    // update is still loaded by the next `lbfw apply` (and finished by a retry).
    if (fileChanged) await writeFileAtomic(file, result.text);
    faultPoint('blacklist:after-file');
    if (!(await resolved.backend.tableExists())) {
      return { ...base, changed: fileChanged, live: 'not-loaded', elementsAdded: 0, elementsDeleted: 0 };
    }
    const delta = await result.delta(await runningLayout(resolved));
    await commitLive(resolved, delta.tx);
    return {
      ...base,
      // "Nothing changed" only when both the file and the running sets already agreed.
      changed: fileChanged || !delta.tx.empty,
      live: delta.tx.empty ? 'unchanged' : 'updated',
      elementsAdded: delta.added,
      elementsDeleted: delta.deleted,
    };
  });
}

/**
 * fullDelta: for a prefix or range entry, the whole file is read: merging
 * can turn one new prefix into other interval elements, and hosts it covers
 * leave the hash sets. An interval set that differs from the kernel's is
 * flushed and refilled in the same transaction.
 */
async function fullDelta(resolved: Resolved, layout: RunningLayout, after: readonly BlacklistEntry[], range: AddressRange): Promise<SetDelta> {
  const normalised = normaliseBlacklist(after);
  const family = range.family;
  const { hosts, nets } = familyLists(normalised, family);
  const netsSet = requireSet(layout, blacklistSetName(family, 'nets'));
  const key = addressKey(family);
  const tx = new Transaction();
  let added = 0;
  let deleted = 0;
  const running = elementTexts(await resolved.backend.listElements(netsSet));
  const meant = elementTexts(elementsFromTexts(key, true, nets));
  if (running.join(',') !== meant.join(',')) {
    tx.flushSet(netsSet).addElements(netsSet, elementsFromTexts(key, true, nets));
    added += nets.length;
    deleted += running.length;
  }
  // Hosts the entry covers are the ones whose place (hash set or range) can change.
  const wanted = new Set(hosts);
  const candidates = [
    ...new Set(after.filter((e) => e.kind === 'host' && e.range.family === family && range.first <= e.range.first && e.range.first <= range.last).map((e) => bigIntToAddress(family, e.range.first))),
  ];
  const hostPart = await hostsDelta(resolved, layout, family, candidates, (h) => wanted.has(h));
  for (const op of hostPart.tx.operations) {
    if (op.op === 'add-elements') tx.addElements(op.set, op.elements);
    else if (op.op === 'delete-elements') tx.deleteElements(op.set, op.elements);
  }
  return { tx, added: added + hostPart.added, deleted: deleted + hostPart.deleted };
}

/** BlacklistAddOptions: an optional comment written after the entry. */
export interface BlacklistAddOptions extends FirewallOptions, BlacklistOptions {
  readonly comment?: string;
}

function parseArgument(entry: string): ParsedEntry {
  const parsed = parseEntry(entry.trim());
  if ('error' in parsed) throw new BlacklistError([{ file: '<argument>', line: 0, message: parsed.error }]);
  return parsed;
}

function isHost(entry: ParsedEntry): boolean {
  return entry.range.first === entry.range.last;
}

/**
 * addToBlacklist appends `entry` to the blacklist file (unless it is already
 * there) and adds it to the running sets (unless they already hold it). An
 * entry that covers a protected address is refused unless `force`. A host
 * touches only its line and its element: the file is searched, not parsed.
 */
export async function addToBlacklist(config: HostConfig, entry: string, options: BlacklistAddOptions = {}): Promise<BlacklistChange> {
  const own = await readOwnAddresses(hostNetns(resolveOptions(options)));
  const argument = parseArgument(entry);
  const note = options.comment?.trim() ?? '';
  if (/[\r\n]/.test(note)) throw new BlacklistError([{ file: '<argument>', line: 0, message: 'a comment must be a single line' }]);
  return changeFile(config, options, 'blacklist add', (text, resolved) => {
    // The argument read as a line of the file: its remarks are the ones `check` gives.
    const alone = parseBlacklist(entry.trim(), config.blacklistPath);
    // Also when the line is there already: a retry must not load an entry the first run was refused.
    const safety = (line: number): ProtectedHit[] => {
      const hits = findProtectedHits({ file: config.blacklistPath, entries: alone.entries.map((e) => ({ ...e, line })), problems: [], warnings: [] }, protectedRanges(config, resolved.env, own));
      if (hits.length > 0 && options.force !== true) throw new SafetyError(hits);
      return hits;
    };
    const written = note === '' ? argument.canonical : `${argument.canonical} # ${note}`;
    if (isHost(argument)) {
      const found = locateEntry(text, argument);
      const existing = found.same[0];
      const appended = existing === undefined ? appendLine(text, written, found.lineCount) : { text, line: existing.line };
      const hits = safety(appended.line);
      const host = bigIntToAddress(argument.range.family, argument.range.first);
      // Covered by a range: merging keeps it out of the hash set.
      const inHashSet = !found.coveredBy.some((e) => e.range.first !== e.range.last);
      return {
        text: appended.text,
        lines: [appended.line],
        forced: hits,
        coveredBy: [],
        warnings: alone.warnings.map((w) => ({ ...w, line: appended.line })),
        delta: (layout) => hostsDelta(resolved, layout, argument.range.family, [host], () => inHashSet),
      };
    }
    const parsed = parseValid(text, config.blacklistPath, options);
    const result = addEntry(text, entry, options.comment, parsed);
    const hits = safety(result.line);
    const added = result.added ? alone.entries.map((e) => ({ ...e, line: result.line })) : [];
    return {
      text: result.text,
      lines: [result.line],
      forced: hits,
      coveredBy: [],
      warnings: alone.warnings.map((w) => ({ ...w, line: result.line })),
      delta: (layout) => fullDelta(resolved, layout, [...parsed.entries, ...added], argument.range),
    };
  });
}

/**
 * removeFromBlacklist removes every line equal to `entry` from the file and
 * the matching elements from the running sets (when they hold them).
 */
export async function removeFromBlacklist(
  config: HostConfig,
  entry: string,
  options: FirewallOptions & BlacklistOptions = {},
): Promise<BlacklistChange> {
  const argument = parseArgument(entry);
  return changeFile(config, options, 'blacklist remove', (text, resolved) => {
    if (isHost(argument)) {
      const found = locateEntry(text, argument);
      const removed = new Set(found.same.map((e) => e.line));
      const host = bigIntToAddress(argument.range.family, argument.range.first);
      return {
        text: removeSpans(text, found.spans),
        lines: found.same.map((e) => e.line),
        forced: [],
        // Numbered as in the new text: each moves up by the removed lines above it.
        coveredBy: found.coveredBy.map((e) => ({ ...e, line: e.line - [...removed].filter((l) => l < e.line).length })),
        warnings: [],
        delta: (layout) => hostsDelta(resolved, layout, argument.range.family, [host], () => false),
      };
    }
    const parsed = parseValid(text, config.blacklistPath, options);
    const result = removeEntry(text, entry, parsed);
    const removed = new Set(result.removedLines);
    const entries = parsed.entries.filter((e) => !removed.has(e.line));
    return {
      text: result.text,
      lines: [...result.removedLines],
      forced: [],
      coveredBy: [...result.coveredBy],
      warnings: [],
      delta: (layout) => fullDelta(resolved, layout, entries, argument.range),
    };
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

/**
 * testBlacklist looks `address` up in the running sets (the shard layout
 * read from the kernel; a set that should be there and is not is an error,
 * never "not blocked"), then finds the lines of the file that cover it.
 */
export async function testBlacklist(config: HostConfig, address: string, options: FirewallOptions = {}): Promise<BlacklistTestResult> {
  const parsedAddress = parseEntry(address.trim());
  if ('error' in parsedAddress || parsedAddress.kind !== 'host') {
    throw new UsageError(`blacklist test takes one IPv4 or IPv6 address, not "${address}"`);
  }
  const resolved = resolveOptions(options);
  assertMayChange(resolved, 'blacklist test');
  const { range } = parsedAddress;
  const tableLoaded = await resolved.backend.tableExists();
  const liveMatches: { set: string; element: string }[] = [];
  if (tableLoaded) {
    const layout = await runningLayout(resolved);
    const text = bigIntToAddress(range.family, range.first);
    const key = addressKey(range.family);
    const lookups: [string, ElementList][] = [
      [hostSetOf(layout, range.family, text), elementsFromTexts(key, false, [text])],
      [requireSet(layout, blacklistSetName(range.family, 'nets')), elementsFromTexts(key, true, [text])],
    ];
    for (const [set, keys] of lookups) {
      for (const element of elementTexts(await resolved.backend.lookupElements(set, keys))) liveMatches.push({ set, element });
    }
  }
  const fileText = config.blacklistPath === '/dev/null' ? '' : await readText(config.blacklistPath);
  const found = locateEntry(fileText, parsedAddress);
  const fileEntries = [...found.same, ...found.coveredBy].sort((a, b) => a.line - b.line);
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
