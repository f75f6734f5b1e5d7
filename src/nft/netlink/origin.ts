/**
 * From a refused set element back to the static_blacklist lines it came
 * from. The normalised blacklist merges entries into elements, so one
 * element can stand for several lines: every entry whose addresses lie in
 * the element is named.
 */
import type { BlacklistEntry } from '../../blacklist/parse.js';
import { decodeKey, type ElementList } from '../model/elements.js';

/** ElementLines: the blacklist lines behind one element. */
export interface ElementLines {
  readonly first: bigint;
  readonly last: bigint;
  readonly entries: readonly BlacklistEntry[];
}

/** elementRange gives the inclusive address range of element `index` of an address set. */
export function elementRange(list: ElementList, index: number): { readonly first: bigint; readonly last: bigint } {
  const first = decodeKey(list.key, list.keys, index)[0] as bigint;
  const last = list.lasts === undefined ? first : (decodeKey(list.key, list.lasts, index)[0] as bigint);
  return { first, last };
}

/**
 * linesOfElement lists the blacklist entries that an element of an address
 * set covers (an interval element: every entry inside it; a host: the lines
 * naming that host), in file order.
 */
export function linesOfElement(entries: readonly BlacklistEntry[], list: ElementList, index: number): ElementLines {
  const family = list.key[0] === 'ipv6_addr' ? 6 : 4;
  const { first, last } = elementRange(list, index);
  const covered = entries.filter((e) => e.range.family === family && e.range.first <= last && first <= e.range.last);
  return { first, last, entries: covered };
}
