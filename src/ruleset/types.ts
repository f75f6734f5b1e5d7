/**
 * Ruleset data: what lbfw means to load into `table inet lbfw`, as plain
 * readonly data. Builders produce it, the renderer turns it into nft text,
 * and verify compares it with what the kernel lists.
 */

/** Name of the only table lbfw ever touches (family inet). */
export const TABLE_NAME = 'lbfw';
/** Family of lbfw's table. */
export const TABLE_FAMILY = 'inet';

/** NftSet mirrors an nftables named set (`nft add set`). */
export interface NftSet {
  readonly name: string;
  /** Key type as nft prints it, e.g. `ipv4_addr` or `ipv4_addr . inet_proto . inet_service`. */
  readonly type: string;
  /** `interval` for prefix/range sets; hash sets have none. */
  readonly interval: boolean;
  /**
   * Capacity (`size`), set on big hash sets only. It makes the kernel size the
   * hash table up front: a table that grows while `nft list` walks it lists
   * some elements twice and misses others (measured here with 1M elements),
   * and it caps the set, so it is sized with room to grow.
   */
  readonly size?: number;
  /** Elements as nft lists them (canonical text), sorted. */
  readonly elements: readonly string[];
  /** Why the set exists, for plan output. */
  readonly purpose: string;
}

/** NftRule is one rule in canonical `nft list` syntax, without counters' values. */
export interface NftRule {
  /** Stable id, also stored as the rule's nft comment so listings map back to it. */
  readonly id: string;
  /** Rule statement in canonical syntax, without the trailing `comment`. */
  readonly text: string;
}

/** Base chain hooks lbfw uses. */
export type ChainHook = 'prerouting' | 'input' | 'forward';

/**
 * NftChain mirrors an nftables chain: a base chain (`type filter hook H
 * priority P; policy X;`) when `hook` is set, else a regular chain that base
 * chains jump to.
 */
export interface NftChain {
  readonly name: string;
  readonly hook?: ChainHook;
  /** Named priority as nft prints it (`raw` = -300, `filter` = 0). */
  readonly priority?: 'raw' | 'filter';
  readonly policy?: 'accept' | 'drop';
  readonly rules: readonly NftRule[];
}

/** Ruleset is the whole of `table inet lbfw`. */
export interface Ruleset {
  readonly sets: readonly NftSet[];
  readonly chains: readonly NftChain[];
}
