/**
 * lbfw's record of the table it last wrote and verified: a base snapshot
 * (src/state/ruleset-file.ts) plus a small journal of the live element
 * edits made since (`blacklist add/remove`). Listing a table with a
 * million-element set costs tens of seconds, so the backup taken before the
 * next change is made from this record instead; and a one-host edit appends
 * one journal line instead of rewriting a 4 MB base.
 *
 * Journal lines: `+ SET HEX`, `- SET HEX` (an element's key, `FIRST:LAST`
 * for an interval), `flush SET`. The journal is replayed in order on read,
 * and folded into the base when it grows long.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InputFileError, StateError } from '../errors.js';
import { readInputFile, STATE_MAX_BYTES } from '../system/input-file.js';
import { applyEdits, elementsFromHex, emptyElements, ElementTextError, hexOfElement, type ElementList } from '../nft/model/elements.js';
import type { Ruleset } from '../nft/model/objects.js';
import type { TxOperation } from '../nft/transaction.js';
import type { StatePaths } from './paths.js';
import { readRulesetFile, writeRulesetFile } from './ruleset-file.js';
import { writeFileAtomic } from '../blacklist/atomic-write.js';

/** CurrentRecord: the ruleset lbfw last loaded and read back unchanged, with live edits applied. */
export interface CurrentRecord {
  readonly ruleset: Ruleset;
  /** Journal lines replayed on top of the base. */
  readonly journalLines: number;
}

/** Journal lines above which a live edit folds the journal into a new base. */
export const JOURNAL_FOLD_LINES = 10000;

type RecordPaths = Pick<StatePaths, 'current' | 'journal' | 'pendingRecord' | 'pendingJournal'>;

async function readJournal(file: string): Promise<string[]> {
  try {
    return (await readInputFile(file, { what: 'journal lbfw keeps', maxBytes: STATE_MAX_BYTES })).split('\n').filter((l) => l.length > 0);
  } catch (error) {
    if (error instanceof InputFileError && error.reason === 'missing') return [];
    throw new StateError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** replayJournal applies journal lines to a ruleset's sets (pure). */
export function replayJournal(ruleset: Ruleset, lines: readonly string[], file: string): Ruleset {
  if (lines.length === 0) return ruleset;
  const sets = new Map(ruleset.sets.map((s) => [s.name, s]));
  // Edits in order, per set, folded by runs: consecutive + and - lines of a
  // set become one merge walk.
  const pending = new Map<string, { adds: Set<string>; deletes: Set<string> }>();
  const flushPending = (name: string): void => {
    const edits = pending.get(name);
    const set = sets.get(name);
    if (edits === undefined || set === undefined) return;
    const list = (hexes: Set<string>): ElementList => elementsFromHex(set.key, set.interval, [...hexes]);
    sets.set(name, { ...set, elements: applyEdits(set.elements, list(edits.adds), list(edits.deletes)) });
    pending.delete(name);
  };
  lines.forEach((line, index) => {
    const match = /^([+-]) (\S+) (\S+)$|^flush (\S+)$/.exec(line);
    const name = match?.[2] ?? match?.[4];
    const set = name === undefined ? undefined : sets.get(name);
    if (match === null || name === undefined || set === undefined) {
      throw new StateError(`${file}:${index + 1}: not a journal line of this table; remove ${file} and the record next to it`);
    }
    if (match[4] !== undefined) {
      pending.delete(name);
      sets.set(name, { ...set, elements: emptyElements(set.key, set.interval) });
      return;
    }
    const hex = match[3] as string;
    const adding = match[1] === '+';
    // An element added and deleted within one run: apply the run so far first, order matters.
    const run = pending.get(name);
    if (run !== undefined && (adding ? run.deletes : run.adds).has(hex)) flushPending(name);
    const edits = pending.get(name) ?? { adds: new Set<string>(), deletes: new Set<string>() };
    (adding ? edits.adds : edits.deletes).add(hex);
    pending.set(name, edits);
  });
  try {
    for (const name of [...pending.keys()]) flushPending(name);
  } catch (error) {
    if (error instanceof ElementTextError) throw new StateError(`${file}: ${error.message}; remove it and the record next to it`);
    throw error;
  }
  return { ...ruleset, sets: ruleset.sets.map((s) => sets.get(s.name) ?? s) };
}

/** readCurrent returns the record, or undefined when lbfw has none (first run, or after a rollback). */
export async function readCurrent(paths: RecordPaths): Promise<CurrentRecord | undefined> {
  const base = await readRulesetFile(paths.current);
  if (base === undefined) return undefined;
  const lines = await readJournal(paths.journal);
  return { ruleset: replayJournal(base, lines, paths.journal), journalLines: lines.length };
}

/** writeCurrent records the ruleset now running (a new base, an empty journal). */
export async function writeCurrent(paths: RecordPaths, ruleset: Ruleset): Promise<void> {
  await fs.mkdir(path.dirname(paths.current), { recursive: true, mode: 0o700 });
  // The journal goes first: a base without its journal is still a true record only if the journal is gone.
  await fs.rm(paths.journal, { force: true });
  await writeRulesetFile(paths.current, ruleset);
}

/** journalLines renders the element operations of a transaction as journal lines. */
export function journalLinesOf(operations: readonly TxOperation[]): string[] {
  const lines: string[] = [];
  for (const operation of operations) {
    if (operation.op === 'flush-set') lines.push(`flush ${operation.set}`);
    else if (operation.op === 'add-elements' || operation.op === 'delete-elements') {
      const sign = operation.op === 'add-elements' ? '+' : '-';
      for (let i = 0; i < operation.elements.count; i++) lines.push(`${sign} ${operation.set} ${hexOfElement(operation.elements, i)}`);
    } else throw new RangeError(`${operation.op} does not go into the journal: write a new record`);
  }
  return lines;
}

/**
 * recordEdits appends a committed transaction's element operations to the
 * journal; when the journal has grown long, folds it into a new base.
 */
export async function recordEdits(paths: RecordPaths, record: CurrentRecord, operations: readonly TxOperation[]): Promise<void> {
  const lines = journalLinesOf(operations);
  if (lines.length === 0) return;
  if (record.journalLines + lines.length > JOURNAL_FOLD_LINES) {
    await writeCurrent(paths, replayJournal(record.ruleset, lines, paths.journal));
    return;
  }
  await fs.appendFile(paths.journal, `${lines.join('\n')}\n`, { mode: 0o600 });
}

/** forgetCurrent drops the record: the table now running is not one lbfw rendered. */
export async function forgetCurrent(paths: RecordPaths): Promise<void> {
  await fs.rm(paths.pendingJournal, { force: true });
  await fs.rm(paths.pendingRecord, { force: true });
  await fs.rm(paths.journal, { force: true });
  await fs.rm(paths.current, { force: true });
}

/*
 * Pending records. A kill between a commit and the record of it would leave
 * a record of the table before, from which the next backup is rendered. So
 * what is about to run is written first as pending; once it runs (read back,
 * or committed as one kernel transaction), it becomes the record. A pending
 * record found on start is reconciled with the kernel (firewall/reconcile.ts).
 */

/** writePendingRecord records `ruleset` as about to replace the running table. */
export async function writePendingRecord(paths: RecordPaths, ruleset: Ruleset): Promise<void> {
  await fs.mkdir(path.dirname(paths.pendingRecord), { recursive: true, mode: 0o700 });
  await fs.rm(paths.pendingJournal, { force: true });
  // Flushed whole before the rename (never torn), the directory not: a
  // kill sees it either way, and after a power cut the table it describes
  // is gone from the kernel too, so a lost pending record (the state before
  // this apply) is what reconcile finds then anyway. One disk flush less
  // before each commit.
  await writeRulesetFile(paths.pendingRecord, ruleset, { durable: 'content' });
}

/** readPendingRecord returns the pending record, if one was left. */
export async function readPendingRecord(paths: RecordPaths): Promise<Ruleset | undefined> {
  return readRulesetFile(paths.pendingRecord);
}

/** confirmPendingRecord makes the pending record the record: its table runs now. */
export async function confirmPendingRecord(paths: RecordPaths): Promise<void> {
  // The journal belongs to the old base: it goes before the new base takes the name.
  await fs.rm(paths.journal, { force: true });
  await fs.rename(paths.pendingRecord, paths.current);
}

/** writePendingEdits records the journal lines of a live edit about to be committed. */
export async function writePendingEdits(paths: RecordPaths, operations: readonly TxOperation[]): Promise<void> {
  await writeFileAtomic(paths.pendingJournal, `${journalLinesOf(operations).join('\n')}\n`);
}

/** readPendingEdits returns the journal lines of a live edit left pending, if any. */
export async function readPendingEdits(paths: RecordPaths): Promise<string[] | undefined> {
  try {
    await fs.stat(paths.pendingJournal);
  } catch {
    return undefined;
  }
  return readJournal(paths.pendingJournal);
}

/** confirmPendingEdits appends the pending edit's lines to the journal: the edit ran. */
export async function confirmPendingEdits(paths: RecordPaths, lines: readonly string[]): Promise<void> {
  if (lines.length > 0) await fs.appendFile(paths.journal, `${lines.join('\n')}\n`, { mode: 0o600 });
  await fs.rm(paths.pendingJournal, { force: true });
}

/** dropPendingEdits discards the pending edit's lines: the edit did not run. */
export async function dropPendingEdits(paths: RecordPaths): Promise<void> {
  await fs.rm(paths.pendingJournal, { force: true });
}

/** journalLineCount counts the journal's lines without reading the base (a live edit's fast path). */
export async function journalLineCount(paths: RecordPaths): Promise<number> {
  return (await readJournal(paths.journal)).length;
}

/** hasCurrent says whether lbfw has a record, without reading it. */
export async function hasCurrent(paths: RecordPaths): Promise<boolean> {
  return fs.stat(paths.current).then(() => true, () => false);
}

/**
 * appendEdits journals a committed live edit: lines appended, or, when the
 * journal has grown long, folded into a new base. No-op without a record.
 */
export async function appendEdits(paths: RecordPaths, operations: readonly TxOperation[]): Promise<void> {
  const lines = journalLinesOf(operations);
  if (lines.length === 0 || !(await hasCurrent(paths))) return;
  if ((await journalLineCount(paths)) + lines.length > JOURNAL_FOLD_LINES) {
    const record = await readCurrent(paths);
    if (record !== undefined) await writeCurrent(paths, replayJournal(record.ruleset, lines, paths.journal));
    return;
  }
  await fs.appendFile(paths.journal, `${lines.join('\n')}\n`, { mode: 0o600 });
}
