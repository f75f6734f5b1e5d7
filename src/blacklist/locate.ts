/**
 * Finding the lines of a blacklist text that matter to one entry, without
 * parsing the whole text: a million-line file is searched for the entry's
 * own text (indexOf runs at memory speed) and for the few lines that are not
 * plain IPv4 hosts (ranges, prefixes, IPv6), and only those lines are parsed.
 * `blacklist add/remove/test` of one host then costs one pass over the text.
 */
import type { AddressRange } from '../net/address.js';
import { parseBlacklist, type BlacklistEntry, type ParsedEntry } from './parse.js';

/** EntryLines: what a text holds about one entry. */
export interface EntryLines {
  /** Entries covering exactly the same addresses as the entry, however written. */
  readonly same: readonly BlacklistEntry[];
  /** Other entries covering all of the entry's addresses (so it is blocked without its own line). */
  readonly coveredBy: readonly BlacklistEntry[];
  /** Where the `same` lines are in the text: from their start to after their line break. */
  readonly spans: readonly { readonly start: number; readonly end: number }[];
  /** Lines in the text (a final line without a line break counts). */
  readonly lineCount: number;
  /** Warnings about the matching lines, as `blacklist check` gives them. */
  readonly warnings: readonly { readonly line: number; readonly message: string }[];
}

const NEWLINE = 10;
const HASH = 35;

/** Start of the line holding `position`. */
function lineStart(text: string, position: number): number {
  return text.lastIndexOf('\n', position - 1) + 1;
}

function lineEnd(text: string, position: number): number {
  const newline = text.indexOf('\n', position);
  return newline === -1 ? text.length : newline;
}

/** Adds the starts of lines where `marker` occurs before any `#`. */
function markLines(text: string, marker: string, starts: Set<number>): void {
  let at = text.indexOf(marker);
  while (at !== -1) {
    const start = lineStart(text, at);
    // Searched by hand within the line: indexOf('#') would run on to the
    // next `#` in the file, which makes a file without comments quadratic.
    let p = start;
    while (p < at && text.charCodeAt(p) !== HASH) p++;
    if (p === at) starts.add(start);
    at = text.indexOf(marker, lineEnd(text, at));
  }
}

/** Adds the starts of lines whose entry is exactly `word` (followed by a blank, `#`, `/` or the line end). */
function markWord(text: string, word: string, starts: Set<number>): void {
  let at = text.indexOf(word);
  while (at !== -1) {
    const before = at === 0 ? NEWLINE : text.charCodeAt(at - 1);
    const after = at + word.length >= text.length ? NEWLINE : text.charCodeAt(at + word.length);
    const boundaryBefore = before === NEWLINE || before === 32 || before === 9 || before === 0xfeff;
    const boundaryAfter = after === NEWLINE || after === 13 || after === 32 || after === 9 || after === HASH || after === 47;
    if (boundaryBefore && boundaryAfter) starts.add(lineStart(text, at));
    at = text.indexOf(word, at + word.length);
  }
}

/**
 * Adds the starts of lines whose entry is an IPv6 host (or IPv4-mapped form)
 * that can be `entry`: IPv6 text has many spellings (case, leading zeros,
 * `::`), but every spelling ends in the same last group, so only lines whose
 * last group has the entry's value are parsed. Prefixes and ranges are
 * marked by their `/` and `-`.
 */
function markIpv6Hosts(text: string, entry: ParsedEntry, starts: Set<number>): void {
  const low16 = Number(entry.range.first & 0xffffn);
  let at = text.indexOf(':');
  while (at !== -1) {
    const start = lineStart(text, at);
    const end = lineEnd(text, at);
    let s = start;
    while (s < end && (text.charCodeAt(s) === 32 || text.charCodeAt(s) === 9 || text.charCodeAt(s) === 0xfeff)) s++;
    let e = s;
    while (e < end && text.charCodeAt(e) !== HASH && text.charCodeAt(e) !== 32 && text.charCodeAt(e) !== 9 && text.charCodeAt(e) !== 13) e++;
    const token = text.slice(s, e);
    if (e > at && !token.includes('/') && !token.includes('-')) {
      const last = token.slice(token.lastIndexOf(':') + 1);
      // An IPv4-mapped form is an IPv4 host; otherwise the last group must match.
      const candidate = last.includes('.') ? entry.range.family === 4 : entry.range.family === 6 && Number.parseInt(last === '' ? '0' : last, 16) === low16;
      if (candidate) starts.add(start);
    }
    at = text.indexOf(':', end);
  }
}

function sameRange(a: AddressRange, b: AddressRange): boolean {
  return a.family === b.family && a.first === b.first && a.last === b.last;
}

function covers(outer: AddressRange, inner: AddressRange): boolean {
  return outer.family === inner.family && outer.first <= inner.first && inner.last <= outer.last;
}

/**
 * locateEntry finds the lines of `text` about `entry`. Every line that could
 * name the same addresses is parsed: lines containing the entry's text, and
 * every line with `/` or `-` in its entry (prefixes, ranges), and IPv6 host
 * lines whose last group matches (see markIpv6Hosts). A plain IPv4 host line
 * is one of the entry's only when it is the entry's text, so the rest are
 * never parsed. Meant for a host
 * entry: hosts inside a range entry are not looked for.
 */
export function locateEntry(text: string, entry: ParsedEntry): EntryLines {
  const starts = new Set<number>();
  markWord(text, entry.canonical.replace(/\/\d+$/, ''), starts);
  for (const marker of ['/', '-']) markLines(text, marker, starts);
  markIpv6Hosts(text, entry, starts);
  const sorted = [...starts].sort((a, b) => a - b);
  const same: BlacklistEntry[] = [];
  const coveredBy: BlacklistEntry[] = [];
  const spans: { start: number; end: number }[] = [];
  const warnings: { line: number; message: string }[] = [];
  // The candidate lines are parsed together (one parse, not one per line);
  // line k of `joined` is the candidate at sorted[k - 1].
  const ends = sorted.map((start) => lineEnd(text, start));
  const joined = sorted.map((start, k) => text.slice(start, ends[k])).join('\n');
  const parsed = sorted.length === 0 ? undefined : parseBlacklist(joined, '');
  const hits = new Map<number, { entry: BlacklistEntry; same: boolean }>();
  for (const found of parsed?.entries ?? []) {
    if (sameRange(found.range, entry.range)) hits.set(found.line, { entry: found, same: true });
    else if (covers(found.range, entry.range)) hits.set(found.line, { entry: found, same: false });
  }
  const warned = new Map<number, string[]>();
  for (const w of parsed?.warnings ?? []) warned.set(w.line, [...(warned.get(w.line) ?? []), w.message]);
  // One pass counts lines and numbers the hits on the way.
  const hitIndex = [...hits.keys()].sort((a, b) => a - b);
  let line = 1;
  let position = 0;
  let h = 0;
  for (;;) {
    while (h < hitIndex.length && sorted[(hitIndex[h] as number) - 1] === position) {
      const k = hitIndex[h] as number;
      const hit = hits.get(k) as { entry: BlacklistEntry; same: boolean };
      const numbered = { ...hit.entry, line };
      if (hit.same) {
        same.push(numbered);
        const end = ends[k - 1] as number;
        spans.push({ start: position, end: end < text.length ? end + 1 : end });
        warnings.push(...(warned.get(k) ?? []).map((message) => ({ line, message })));
      } else coveredBy.push(numbered);
      h++;
    }
    const newline = text.indexOf('\n', position);
    if (newline === -1) break;
    position = newline + 1;
    line++;
  }
  // A text ending in a line break has no line after it.
  const lineCount = text.length === 0 ? 0 : text.endsWith('\n') ? line - 1 : line;
  return { same, coveredBy, spans, lineCount, warnings };
}

/** The line break the text uses: that of its first line, LF when it has none. */
function lineBreakOf(text: string): string {
  const newline = text.indexOf('\n');
  return newline > 0 && text[newline - 1] === '\r' ? '\r\n' : '\n';
}

/** appendLine adds `line` as the last line (a text without a final line break keeps not having one); returns its number. */
export function appendLine(text: string, line: string, lineCount: number): { readonly text: string; readonly line: number } {
  if (text === '') return { text: `${line}\n`, line: 1 };
  if (text.endsWith('\n')) return { text: `${text}${line}${lineBreakOf(text)}`, line: lineCount + 1 };
  return { text: `${text}${lineBreakOf(text)}${line}`, line: lineCount + 1 };
}

/** removeSpans deletes the given lines (spans from locateEntry); a removed last line takes the line break before it along when the text had none at its end. */
export function removeSpans(text: string, spans: readonly { readonly start: number; readonly end: number }[]): string {
  if (spans.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (const span of spans) {
    parts.push(text.slice(at, span.start));
    at = span.end;
  }
  parts.push(text.slice(at));
  let result = parts.join('');
  const last = spans[spans.length - 1];
  if (!text.endsWith('\n') && last !== undefined && last.end === text.length) result = result.replace(/\r?\n$/, '');
  // A byte order mark belongs to the file, not to line 1.
  if (text.startsWith('\uFEFF') && !result.startsWith('\uFEFF')) result = `\uFEFF${result}`;
  return result;
}
