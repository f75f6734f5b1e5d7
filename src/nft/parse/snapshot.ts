/**
 * Turns a parsed `nft list` listing into the typed TableSnapshot every
 * backend returns: set headers typed, elements packed, rules typed where
 * they are shapes lbfw writes (and always kept as canonical text).
 */
import type { ChainSnapshot, SetSnapshot, TableSnapshot } from '../backend.js';
import { elementsFromTexts, ElementTextError } from '../model/elements.js';
import { parseKeyType } from '../model/keys.js';
import type { BaseChain, ChainHook } from '../model/objects.js';
import { NAMED_PRIORITIES } from '../model/values.js';
import type { ListedChain, ListedSet, ListedTable } from './listing.js';
import { parseRuleText } from './rule-text.js';

const HOOKS: readonly ChainHook[] = ['prerouting', 'input', 'forward', 'output', 'postrouting'];

/** parseChainHeader reads `type filter hook input priority filter; policy drop;`, or undefined for anything else. */
export function parseChainHeader(header: string): BaseChain | undefined {
  const match = /^type (filter) hook (\S+) priority (\S+); policy (accept|drop);$/.exec(header);
  if (match === null) return undefined;
  const hook = match[2] as ChainHook;
  const priorityText = match[3] as string;
  const priority = priorityText in NAMED_PRIORITIES ? NAMED_PRIORITIES[priorityText] : Number(priorityText);
  if (!HOOKS.includes(hook) || priority === undefined || !Number.isInteger(priority)) return undefined;
  return { type: 'filter', hook, priority, policy: match[4] as 'accept' | 'drop' };
}

function setSnapshot(set: ListedSet): SetSnapshot {
  const key = parseKeyType(set.type);
  const extra = [...set.extra];
  const size = set.size === undefined ? {} : { size: set.size };
  if (key === undefined) {
    // A type lbfw never writes: name it, so compare reports it.
    return { name: set.name, key: ['inet_service'], interval: set.interval, ...size, count: set.elements.length, extra: [`type ${set.type}`, ...extra] };
  }
  try {
    const elements = elementsFromTexts(key, set.interval, set.elements);
    return { name: set.name, key, interval: set.interval, ...size, count: elements.count, elements, extra };
  } catch (error) {
    if (!(error instanceof ElementTextError)) throw error;
    // Elements that do not fit the set's own header: counted only, so
    // verify looks lbfw's elements up one by one and names those it misses.
    return { name: set.name, key, interval: set.interval, ...size, count: set.elements.length, extra };
  }
}

function chainSnapshot(chain: ListedChain): ChainSnapshot {
  const base = chain.header === undefined ? undefined : parseChainHeader(chain.header);
  const rules = chain.rules.map((r) => {
    const rule = parseRuleText(r.comment ?? '', r.text);
    return {
      ...(r.comment === undefined ? {} : { id: r.comment }),
      ...(rule === undefined || r.comment === undefined ? {} : { rule }),
      text: r.text,
      ...(r.packets === undefined ? {} : { packets: r.packets }),
    };
  });
  // A header lbfw cannot type still shows as a rule-like line, so compare reports it.
  const odd = chain.header !== undefined && base === undefined ? [{ text: chain.header }] : [];
  return { name: chain.name, ...(base === undefined ? {} : { base }), rules: [...odd, ...rules] };
}

/** snapshotOfListing types a parsed listing. */
export function snapshotOfListing(listing: ListedTable): TableSnapshot {
  return { sets: listing.sets.map(setSnapshot), chains: listing.chains.map(chainSnapshot) };
}
