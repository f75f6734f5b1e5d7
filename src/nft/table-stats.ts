/**
 * Reads what the metrics report of lbfw's nftables tables: element counts of
 * every set and the counters of every rule that drops. Chains are listed one
 * by one (`nft -j list chain`), never the whole table: listing a table dumps
 * every set element, which takes tens of seconds for a million of them. For
 * lbfw's own table the element counts come from its record of what it
 * loaded (state/current.json); other tables (the ban table) are listed.
 */
import { NftProgram } from './nft-program.js';
import type { Ruleset } from '../ruleset/types.js';

/** RuleCounter: the counter of one dropping rule. */
export interface RuleCounter {
  readonly chain: string;
  /** The rule's comment (lbfw's rule id), else `handle N`. */
  readonly rule: string;
  readonly packets: number;
  readonly bytes: number;
}

/** TableStats: one table's sets and drop counters; `present: false` when it is not loaded. */
export interface TableStats {
  readonly table: string;
  readonly present: boolean;
  readonly sets: readonly { readonly set: string; readonly elements: number }[];
  readonly drops: readonly RuleCounter[];
}

type Json = Record<string, unknown>;

/**
 * The name under which metrics report this source (`lbfw_metrics_source_ok{source="nft"}`):
 * the tables as nftables lists them.
 */
export const TABLE_STATS_SOURCE = 'nft';

async function nftJson(args: readonly string[]): Promise<Json[] | undefined> {
  const result = await new NftProgram().exec(['-j', ...args]);
  if (result.code !== 0) return undefined;
  const parsed = JSON.parse(result.stdout) as { nftables?: Json[] };
  return parsed.nftables ?? [];
}

function objects(list: readonly Json[], kind: string): Json[] {
  return list.map((item) => item[kind]).filter((x): x is Json => typeof x === 'object' && x !== null);
}

/** dropCounters picks the dropping rules with a counter out of `nft -j list chain` output. */
export function dropCounters(list: readonly Json[]): RuleCounter[] {
  const counters: RuleCounter[] = [];
  for (const rule of objects(list, 'rule')) {
    const expr = Array.isArray(rule['expr']) ? (rule['expr'] as Json[]) : [];
    const counter = expr.map((e) => e['counter']).find((c): c is Json => typeof c === 'object' && c !== null);
    // lbfw's last input rule counts what the chain's drop policy drops.
    const drops = expr.some((e) => 'drop' in e) || rule['comment'] === 'policy-drop';
    if (counter === undefined || !drops) continue;
    counters.push({
      chain: String(rule['chain']),
      rule: typeof rule['comment'] === 'string' ? rule['comment'] : `handle ${String(rule['handle'])}`,
      packets: Number(counter['packets'] ?? 0),
      bytes: Number(counter['bytes'] ?? 0),
    });
  }
  return counters;
}

/** setSizes counts the elements of each set in `nft -j list table|set` output. */
export function setSizes(list: readonly Json[]): { set: string; elements: number }[] {
  return objects(list, 'set').map((set) => ({ set: String(set['name']), elements: Array.isArray(set['elem']) ? set['elem'].length : 0 }));
}

/**
 * readTableStats reads one `inet` table. `record` (lbfw's own record of the
 * ruleset it loaded) gives the element counts without a dump.
 */
export async function readTableStats(table: string, record?: Ruleset): Promise<TableStats> {
  const tables = objects((await nftJson(['list', 'tables', 'inet'])) ?? [], 'table');
  if (!tables.some((t) => t['name'] === table)) return { table, present: false, sets: [], drops: [] };
  const chains = objects((await nftJson(['list', 'chains', 'inet'])) ?? [], 'chain').filter((c) => c['table'] === table);
  const sets =
    record !== undefined
      ? record.sets.map((s) => ({ set: s.name, elements: s.elements.count }))
      : setSizes((await nftJson(['list', 'table', 'inet', table])) ?? []);
  const drops: RuleCounter[] = [];
  for (const chain of chains) drops.push(...dropCounters((await nftJson(['list', 'chain', 'inet', table, String(chain['name'])])) ?? []));
  return { table, present: true, sets, drops };
}
