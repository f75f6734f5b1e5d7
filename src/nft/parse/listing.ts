/**
 * Parses the text of `nft list table inet lbfw` (nft 1.0.6 layout) into
 * data that verify can compare with the Ruleset that was meant.
 */

/** A set as the kernel lists it. */
export interface ListedSet {
  readonly name: string;
  readonly type: string;
  readonly interval: boolean;
  /** Capacity, when the set has one. */
  readonly size?: number;
  /** Other set properties (size, timeout, auto-merge, ...) that lbfw never writes. */
  readonly extra: readonly string[];
  readonly elements: readonly string[];
}

/** A rule as listed: canonical text with counter values removed, and its comment. */
export interface ListedRule {
  readonly text: string;
  readonly comment?: string;
  /** Packets counted, when the rule has a counter. */
  readonly packets?: number;
}

/** A chain as listed. */
export interface ListedChain {
  readonly name: string;
  /** The header line, e.g. `type filter hook input priority filter; policy drop;`. */
  readonly header?: string;
  readonly rules: readonly ListedRule[];
}

/** The whole listed table. */
export interface ListedTable {
  readonly sets: readonly ListedSet[];
  readonly chains: readonly ListedChain[];
}

const COUNTER = /\bcounter packets (\d+) bytes \d+/;
const COMMENT = /\s+comment "((?:[^"\\]|\\.)*)"$/;

/** parseListedRule splits a rule line into its canonical text and comment. */
export function parseListedRule(line: string): ListedRule {
  let text = line.trim();
  const commentMatch = COMMENT.exec(text);
  const comment = commentMatch?.[1];
  if (commentMatch) text = text.slice(0, commentMatch.index);
  const counter = COUNTER.exec(text);
  if (counter) text = text.replace(COUNTER, 'counter');
  return {
    text,
    ...(comment === undefined ? {} : { comment }),
    ...(counter?.[1] === undefined ? {} : { packets: Number(counter[1]) }),
  };
}

function splitElements(body: string): string[] {
  return body
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
}

/** parseListing parses `nft list table` text. An empty string means "no table". */
export function parseListing(text: string): ListedTable {
  const sets: ListedSet[] = [];
  const chains: ListedChain[] = [];
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = (lines[i] ?? '').trim();
    const setMatch = /^set (\S+) \{$/.exec(line);
    const chainMatch = /^chain (\S+) \{$/.exec(line);
    if (setMatch?.[1] !== undefined) {
      const set: { name: string; type: string; interval: boolean; size?: number; extra: string[]; elements: string[] } = {
        name: setMatch[1],
        type: '',
        interval: false,
        extra: [],
        elements: [],
      };
      for (i++; i < lines.length; i++) {
        const inner = (lines[i] ?? '').trim();
        if (inner === '}') break;
        if (inner.startsWith('type ')) set.type = inner.slice(5);
        else if (inner === 'flags interval') set.interval = true;
        else if (/^size \d+$/.test(inner)) set.size = Number(inner.slice(5));
        else if (inner.startsWith('elements = {')) {
          // Element lists span many lines; look at each line's end, never
          // at a growing string (a million elements must stay linear).
          let line = inner.slice('elements = {'.length);
          for (;;) {
            const last = line.endsWith('}');
            for (const element of splitElements(last ? line.slice(0, -1) : line)) set.elements.push(element);
            if (last || i + 1 >= lines.length) break;
            line = (lines[++i] ?? '').trim();
          }
        } else set.extra.push(inner);
      }
      sets.push(set);
    } else if (chainMatch?.[1] !== undefined) {
      let header: string | undefined;
      const rules: ListedRule[] = [];
      for (i++; i < lines.length; i++) {
        const inner = (lines[i] ?? '').trim();
        if (inner === '}') break;
        if (inner === '') continue;
        if (header === undefined && inner.startsWith('type ')) header = inner;
        else rules.push(parseListedRule(inner));
      }
      chains.push({ name: chainMatch[1], ...(header === undefined ? {} : { header }), rules });
    }
    i++;
  }
  return { sets, chains };
}
