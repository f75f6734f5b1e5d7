/**
 * nftables objects as plain readonly data, one per kernel object (table,
 * set, chain; rules in rules.ts, elements in elements.ts), the way
 * google/nftables models them. The ruleset builder produces them, a
 * Transaction queues operations on them, a backend executes it.
 */
import type { ElementList } from './elements.js';
import type { SetKey } from './keys.js';
import type { NftRule } from './rules.js';

/** Name of the only table lbfw ever touches. */
export const TABLE_NAME = 'lbfw';
/** Family of lbfw's table (NFPROTO_INET: one table for IPv4 and IPv6). */
export const TABLE_FAMILY = 'inet';

/** NftSetSpec mirrors a named set's header (NFTA_SET_*), without its elements. */
export interface NftSetSpec {
  readonly name: string;
  /** Key type (NFTA_SET_KEY_TYPE / KEY_LEN; a concatenation when several fields). */
  readonly key: SetKey;
  /** NFT_SET_INTERVAL: prefix/range sets. Hash sets have none. */
  readonly interval: boolean;
  /**
   * Capacity (NFTA_SET_DESC_SIZE), set on big hash sets only. It makes the
   * kernel size the hash table up front: a table that grows while `nft
   * list` walks it lists some elements twice and misses others (measured
   * here with 1M elements), and it caps the set, so it is sized with room to
   * grow.
   */
  readonly size?: number;
}

/** NftSet is a set lbfw writes: header, elements, and why it exists. */
export interface NftSet extends NftSetSpec {
  readonly elements: ElementList;
  /** Why the set exists, for plan output. */
  readonly purpose: string;
}

/** Base chain hooks (NF_INET_*). lbfw itself uses prerouting and input. */
export type ChainHook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';

/** BaseChain is what makes a chain a base chain (NFTA_CHAIN_HOOK, TYPE, POLICY). */
export interface BaseChain {
  readonly type: 'filter';
  readonly hook: ChainHook;
  /** Priority as a number (raw = -300, filter = 0; see NAMED_PRIORITIES). */
  readonly priority: number;
  readonly policy: 'accept' | 'drop';
}

/**
 * NftChain mirrors a chain: a base chain when `base` is set, else a regular
 * chain that rules jump to.
 */
export interface NftChain {
  readonly name: string;
  readonly base?: BaseChain;
  readonly rules: readonly NftRule[];
}

/**
 * Ruleset is the whole of `table inet lbfw`: sets (with elements) and
 * chains (regular chains first: base chains' jumps refer to them).
 */
export interface Ruleset {
  readonly sets: readonly NftSet[];
  readonly chains: readonly NftChain[];
}
