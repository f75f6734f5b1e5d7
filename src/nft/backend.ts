/**
 * The boundary between lbfw and nftables: typed, per table (`inet lbfw`).
 * Callers queue a Transaction of typed objects and read typed snapshots
 * back; no caller sees nft text. Backends: `nft` (src/nft/cli-backend.ts:
 * renders the transaction to one `nft -f` script), `netlink` (lbfw's native
 * binding: one netlink batch), and `fake` (src/nft/fake-backend.ts: memory,
 * for unit tests). Choose one with selectBackend (src/nft/select.ts).
 */
import type { ElementList } from './model/elements.js';
import type { BaseChain, NftSetSpec } from './model/objects.js';
import type { NftRule } from './model/rules.js';
import type { Transaction } from './transaction.js';

/** Every backend kind, for readers that validate a recorded name (facts files). */
export const BACKEND_NAMES = ['nft', 'netlink', 'fake'] as const;
/** BackendName names a backend kind. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** SetSnapshot: a set as the kernel holds it. */
export interface SetSnapshot extends NftSetSpec {
  /**
   * Number of elements (counted from the listing: the kernel's set header
   * has no count); -1 for a set named in ReadTableOptions.skipElements,
   * whose elements were not read.
   */
  readonly count: number;
  /**
   * Every element, when the backend listed them (nft and netlink always
   * do: neither can count without listing, and netlink's dump of lbfw's
   * small shards is cheaper than looking each element up; native/README.md).
   * Absent when only counted: then verify looks the expected elements up
   * (NftBackend.lookupElements).
   */
  readonly elements?: ElementList;
  /** Set properties lbfw never writes (timeout, auto-merge, flags dynamic, ...), as nft would print them. */
  readonly extra: readonly string[];
}

/** RuleSnapshot: a rule as listed. */
export interface RuleSnapshot {
  /** The rule's comment, which lbfw sets to the rule id. */
  readonly id?: string;
  /** The rule typed, when the backend recognised every expression of it. */
  readonly rule?: NftRule;
  /**
   * The rule in canonical nft text without counter values and comment.
   * For a typed rule this is renderRuleText(rule); compare uses it, so a
   * rule lbfw cannot type still compares (and shows) exactly.
   */
  readonly text: string;
  /** Packets counted, when the rule has a counter. */
  readonly packets?: number;
}

/** ChainSnapshot: a chain as listed. */
export interface ChainSnapshot {
  readonly name: string;
  readonly base?: BaseChain;
  readonly rules: readonly RuleSnapshot[];
}

/** TableSnapshot: lbfw's table as the kernel holds it. */
export interface TableSnapshot {
  readonly sets: readonly SetSnapshot[];
  readonly chains: readonly ChainSnapshot[];
}

/** ReadTableOptions: how much of the sets to read. */
export interface ReadTableOptions {
  /**
   * `all` (default): every element of every set. `counts`: counts only,
   * where the backend can count without listing; the nft and netlink
   * backends cannot, and list them anyway.
   */
  readonly elements?: 'all' | 'counts';
  /**
   * Sets whose elements are not read at all (their snapshot has no elements
   * and count -1): apply's read-back names the big sets its own commit
   * proves (src/firewall/read-back.ts, proveCommit). Backends that cannot
   * skip (nft lists the whole table) read them anyway.
   */
  readonly skipElements?: ReadonlySet<string>;
}

/**
 * CommitReceipt: what a backend can prove about a transaction it has just
 * committed.
 */
export interface CommitReceipt {
  /**
   * The ruleset generation this commit created, when the backend pinned
   * it: the batch named the generation it was built on (NFNL_BATCH_GENID),
   * so the kernel took every message of it on top of exactly that
   * generation, and the commit made the next one. While `generation()`
   * still returns this number, nothing has been committed since (any
   * commit, to any table, moves it). Absent when the backend cannot pin it
   * (the nft program).
   */
  readonly generation?: number;
}

/** ListRulesetOptions: bounds on what the doctor reads of the whole ruleset. */
export interface ListRulesetOptions {
  /** Sets with more elements than this have their elements left out (see doctor/facts.ts). */
  readonly maxElementsPerSet?: number;
}

/** LookupRequest: keys to look up in one set (NftBackend.lookupEach). */
export interface LookupRequest {
  readonly set: string;
  readonly keys: ElementList;
}

/** NftBackend executes transactions on `table inet lbfw` and reads it back. */
export interface NftBackend {
  /** Which kind of backend this is (named by `lbfw plan` and `lbfw doctor`). */
  readonly name: BackendName;
  /** The network namespace the backend works in, when one was named (tests, the confirm timer). */
  readonly netns?: string | undefined;
  /**
   * run commits `tx` as ONE kernel transaction: all of it or nothing. An
   * empty transaction does nothing (and proves nothing: an empty receipt).
   */
  run(tx: Transaction): Promise<CommitReceipt>;
  /**
   * generation reads the kernel's ruleset generation, which every commit
   * moves; undefined when the backend cannot read it (the nft program).
   */
  generation(): Promise<number | undefined>;
  /** check asks the kernel to validate `tx` without committing it. */
  check(tx: Transaction): Promise<void>;
  /** tableExists says whether `table inet lbfw` is loaded (cheap: no elements are read). */
  tableExists(): Promise<boolean>;
  /** readTable returns lbfw's table typed, or undefined when it does not exist. */
  readTable(options?: ReadTableOptions): Promise<TableSnapshot | undefined>;
  /**
   * lookupElements looks keys up in one set, in batches, and returns the
   * set's elements that contain any of them (for an interval set, the
   * covering element), sorted and distinct. A hash set holds every key when
   * the result has as many elements as `keys`. Interval keys are looked up
   * by their first key. A missing set or table yields an empty list.
   */
  lookupElements(set: string, keys: ElementList): Promise<ElementList>;
  /**
   * lookupEach answers each request as lookupElements does (result `i` for
   * request `i`); a backend may ask the kernel for all of them at once.
   */
  lookupEach(requests: readonly LookupRequest[]): Promise<ElementList[]>;
  /**
   * setNames lists the named sets of lbfw's table from their headers alone,
   * no elements (the shard layout of the running table); empty without a table.
   */
  setNames(): Promise<string[]>;
  /** listElements returns every element of one set (small sets; big ones cost a kernel dump). */
  listElements(set: string): Promise<ElementList>;
  /**
   * listRulesetJson returns the whole ruleset, every table, as the items of
   * libnftables-json(5) (`nft -j list ruleset`): the doctor's view of other
   * tables.
   */
  listRulesetJson(options?: ListRulesetOptions): Promise<readonly unknown[]>;
  /**
   * version names the nftables userspace this backend relies on, as one
   * line (`nftables v1.0.6 (Lester Gooch #5)`: the `nft` program both real
   * backends use, the netlink one for the doctor's ruleset view), or
   * undefined when it cannot tell (no nft). The doctor reports it.
   */
  version(): Promise<string | undefined>;
}
