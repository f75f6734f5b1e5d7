/**
 * Edits of the blacklist text for `lbfw blacklist add/remove`. The file is the
 * operator's: every other line, comment, blank line and the order stay as
 * they are, and so do the line-ending style and whether the file ends with a
 * line break. Pure; the caller reads and writes the file.
 */
import { BlacklistError } from '../errors.js';
import type { AddressRange } from '../net/address.js';
import { parseBlacklist, parseEntry, type BlacklistEntry, type ParsedBlacklist, type ParsedEntry } from './parse.js';

/** Name used as `file` in errors about an entry given on the command line. */
const ARGUMENT = '<argument>';

/** Result of {@link addEntry}. */
export interface AddEntryResult {
  /** The new text (the same text when nothing was added). */
  readonly text: string;
  /** False when an identical entry was already there. */
  readonly added: boolean;
  /** Line of the new entry, or of the identical one already there. */
  readonly line: number;
}

/** Result of {@link removeEntry}. */
export interface RemoveEntryResult {
  /** The new text (the same text when nothing was removed). */
  readonly text: string;
  /** Lines removed, numbered as in the text that was given. */
  readonly removedLines: readonly number[];
  /**
   * Entries left in the new text that still cover the whole of the removed
   * address or range (line numbers of the new text), so the caller can say
   * why it is still blocked.
   */
  readonly coveredBy: readonly BlacklistEntry[];
}

function parseArgument(entry: string): ParsedEntry {
  const parsed = parseEntry(entry.trim());
  if ('error' in parsed) throw new BlacklistError([{ file: ARGUMENT, line: 0, message: parsed.error }]);
  return parsed;
}

function sameRange(a: AddressRange, b: AddressRange): boolean {
  return a.family === b.family && a.first === b.first && a.last === b.last;
}

function covers(outer: AddressRange, inner: AddressRange): boolean {
  return outer.family === inner.family && outer.first <= inner.first && inner.last <= outer.last;
}

/** The line break the file uses: that of its first line, LF when it has none. */
function lineBreakOf(text: string): string {
  const newline = text.indexOf('\n');
  return newline > 0 && text[newline - 1] === '\r' ? '\r\n' : '\n';
}

/**
 * addEntry appends `entry` in canonical form (host bits cleared, IPv6
 * compressed), with ` # comment` when given, as the last line. When an entry
 * of the same kind covering the same addresses exists, the text is returned
 * unchanged with `added: false`. Bad lines already in the text are kept as
 * they are; checking the file is the caller's job. Throws
 * {@link BlacklistError} when `entry` is not a valid entry or `comment`
 * spans lines. `known` is `text` already parsed, when the caller has it:
 * a blacklist can hold a million lines.
 */
export function addEntry(text: string, entry: string, comment?: string, known?: ParsedBlacklist): AddEntryResult {
  const parsed = parseArgument(entry);
  const note = comment?.trim() ?? '';
  if (/[\r\n]/.test(note)) {
    throw new BlacklistError([{ file: ARGUMENT, line: 0, message: 'a comment must be a single line' }]);
  }
  const entries = (known ?? parseBlacklist(text, ARGUMENT)).entries;
  const existing = entries.find((e) => e.kind === parsed.kind && sameRange(e.range, parsed.range));
  if (existing !== undefined) return { text, added: false, line: existing.line };

  const line = note === '' ? parsed.canonical : `${parsed.canonical} # ${note}`;
  const lineBreak = lineBreakOf(text);
  let result: { text: string; line: number };
  if (text === '') result = { text: `${line}\n`, line: 1 };
  // A file without a final line break keeps not having one.
  else if (text.endsWith('\n')) result = { text: `${text}${line}${lineBreak}`, line: text.split('\n').length };
  else result = { text: `${text}${lineBreak}${line}`, line: text.split('\n').length + 1 };
  return { ...result, added: true };
}

/**
 * removeEntry deletes every line whose entry covers exactly the same
 * addresses as `entry`, however it is written (`192.0.2.0/24` also removes
 * `192.0.2.0-192.0.2.255`); the comment on such a line goes with it, comment
 * lines around it stay. Throws {@link BlacklistError} when `entry` is not a
 * valid entry. `known` is `text` already parsed, when the caller has it.
 */
export function removeEntry(text: string, entry: string, known?: ParsedBlacklist): RemoveEntryResult {
  const parsed = parseArgument(entry);
  const before = (known ?? parseBlacklist(text, ARGUMENT)).entries;
  const removedLines = before.filter((e) => sameRange(e.range, parsed.range)).map((e) => e.line);

  let result = text;
  if (removedLines.length > 0) {
    const removed = new Set(removedLines);
    // Split into lines that keep their own line break, so CRLF and LF survive as they were.
    const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
    const kept = lines.filter((_, index) => !removed.has(index + 1));
    const last = kept.length - 1;
    const lastKept = kept[last];
    if (!text.endsWith('\n') && lastKept !== undefined && removed.has(lines.length)) {
      // The removed last line had no line break; the new last line loses its own.
      kept[last] = lastKept.replace(/\r?\n$/, '');
    }
    result = kept.join('');
    // A byte order mark belongs to the file, not to line 1.
    if (text.startsWith('\uFEFF') && removed.has(1) && !result.startsWith('\uFEFF')) result = `\uFEFF${result}`;
  }

  // What still covers it, numbered as in the new text: each entry moves up
  // by the removed lines above it.
  const removedSet = new Set(removedLines);
  const coveredBy = before
    .filter((e) => !removedSet.has(e.line) && covers(e.range, parsed.range))
    .map((e) => ({ ...e, line: e.line - removedLines.filter((l) => l < e.line).length }));
  return { text: result, removedLines, coveredBy };
}
