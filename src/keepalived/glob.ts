/**
 * A small glob(3) for keepalived's `include`: `*`, `?`, `[...]` (with `!` or
 * `^` to negate) in any path component, `\` to escape, and csh braces
 * `{a,b}`. keepalived calls glob(pattern, GLOB_MARK | GLOB_BRACE)
 * (lib/parser.c open_and_check_glob()); Node 20 has no fs.glob, and lbfw
 * takes no dependency for this.
 *
 * As in glob(3) without GLOB_PERIOD, a wildcard never matches a leading `.`;
 * results of one pattern are sorted in byte order (the C locale); a pattern
 * with braces yields the results of each alternative in turn.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** hasWildcard says whether a pattern uses `*`, `?`, `[` or `{` (unescaped). */
export function hasWildcard(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[' || c === '{') return true;
  }
  return false;
}

/** GlobLimitError: a pattern matched, or made lbfw look at, more paths than allowed. */
export class GlobLimitError extends Error {}

/**
 * expandBraces turns `a{b,c{d,e}}f` into `abf`, `acdf`, `acef`; a brace
 * without a comma stays literal. More than `limit` results (brace groups
 * multiply) throw {@link GlobLimitError}.
 */
export function expandBraces(pattern: string, limit = 1000): string[] {
  let depth = 0;
  let open = -1;
  const commas: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
    } else if (c === '{') {
      if (depth === 0) {
        open = i;
        commas.length = 0;
      }
      depth++;
    } else if (c === ',' && depth === 1) {
      commas.push(i);
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0 && commas.length > 0) {
        const head = pattern.slice(0, open);
        const tail = pattern.slice(i + 1);
        const bounds = [open, ...commas, i];
        const result: string[] = [];
        for (let k = 0; k + 1 < bounds.length; k++) {
          const alternative = pattern.slice((bounds[k] ?? 0) + 1, bounds[k + 1]);
          result.push(...expandBraces(head + alternative + tail, limit));
          if (result.length > limit) throw new GlobLimitError(`has more than ${limit} brace alternatives`);
        }
        return result;
      }
    }
  }
  return [pattern];
}

/** componentRegExp compiles one path component of a pattern. */
function componentRegExp(component: string): RegExp {
  let source = '';
  for (let i = 0; i < component.length; i++) {
    const c = component[i] ?? '';
    if (c === '\\' && i + 1 < component.length) {
      source += escapeRegExp(component[++i] ?? '');
    } else if (c === '*') {
      source += '[^/]*';
    } else if (c === '?') {
      source += '[^/]';
    } else if (c === '[') {
      const end = classEnd(component, i);
      if (end === -1) {
        source += '\\[';
      } else {
        let body = component.slice(i + 1, end);
        let negate = false;
        if (body.startsWith('!') || body.startsWith('^')) {
          negate = true;
          body = body.slice(1);
        }
        // Inside the class only `\`, `]`, `[` and `^` need escaping; `-` keeps making ranges.
        source += `[${negate ? '^' : ''}${body.replace(/[\\\][^]/g, '\\$&')}]`;
        i = end;
      }
    } else {
      source += escapeRegExp(c);
    }
  }
  return new RegExp(`^${source}$`, 'u');
}

/** classEnd finds the `]` closing the class opened at `start` (a `]` first in the class is literal). */
function classEnd(component: string, start: number): number {
  let i = start + 1;
  if (component[i] === '!' || component[i] === '^') i++;
  if (component[i] === ']') i++;
  for (; i < component.length; i++) if (component[i] === ']') return i;
  return -1;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function unescape(component: string): string {
  return component.replace(/\\(.)/g, '$1');
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Options of {@link glob}. */
export interface GlobOptions {
  /** Most paths a pattern may match (and ten times as many looked at on the way). */
  readonly maxMatches?: number;
}

/** globOne expands one brace-free absolute pattern into the existing paths it matches, sorted. */
async function globOne(pattern: string, maxMatches: number): Promise<string[]> {
  const root = path.parse(pattern).root;
  const components = pattern.slice(root.length).split('/').filter((part) => part !== '');
  let candidates = [root];
  for (const component of components) {
    if (!hasWildcard(component)) {
      const name = unescape(component);
      candidates = candidates.map((dir) => path.join(dir, name));
      continue;
    }
    const matcher = componentRegExp(component);
    const matchDot = component.startsWith('.');
    const next: string[] = [];
    for (const dir of candidates) {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue; // glob(3) skips directories it cannot read.
      }
      for (const name of names) {
        if (name.startsWith('.') && !matchDot) continue;
        if (matcher.test(name)) next.push(path.join(dir, name));
      }
      // `include /proc/*/task/*/*` would otherwise list every task of every process.
      if (next.length > maxMatches * 10) throw new GlobLimitError(`matches more than ${maxMatches * 10} paths on the way`);
    }
    candidates = next;
  }
  const existing: string[] = [];
  for (const candidate of candidates) {
    try {
      await stat(candidate);
      existing.push(candidate);
    } catch {
      // A literal component that does not exist: no match, as in glob(3).
    }
  }
  if (existing.length > maxMatches) throw new GlobLimitError(`matches ${existing.length} paths, more than ${maxMatches}`);
  return existing.sort(byteOrder);
}

/** glob expands an absolute pattern into the existing paths it names (no duplicates). */
export async function glob(pattern: string, options: GlobOptions = {}): Promise<string[]> {
  const maxMatches = options.maxMatches ?? 1000;
  const alternatives = expandBraces(pattern, maxMatches);
  const seen = new Set<string>();
  const result: string[] = [];
  for (const alternative of alternatives) {
    for (const match of await globOne(alternative, maxMatches)) {
      if (seen.has(match)) continue;
      seen.add(match);
      result.push(match);
      if (result.length > maxMatches) throw new GlobLimitError(`matches more than ${maxMatches} paths`);
    }
  }
  return result;
}
