/**
 * BanBackend: every way lbfw talks to the ban table `inet lbfw_ban`, typed.
 * {@link NftBanCli} drives the `nft` program; {@link FakeBanBackend} keeps
 * the same state in memory for unit tests. Nothing else touches the table.
 */
import type { BanSetName, BanTableSpec } from '../ban/table.js';

/** BanElement: one ban to put into a timed set. */
export interface BanElement {
  readonly set: BanSetName;
  /** The banned network address (masked to the ban prefix), canonical text. */
  readonly address: string;
  readonly timeoutSeconds: number;
  readonly comment?: string;
}

/** ListedBan: one element of a ban set as the kernel holds it. */
export interface ListedBan {
  readonly set: BanSetName;
  readonly address: string;
  /** The element's timeout and the seconds left; absent when it has none. */
  readonly timeoutSeconds?: number;
  readonly expiresSeconds?: number;
  readonly comment?: string;
}

/** SetFill: how full one dynamic set is (`size` 0 when the set has no size). */
export interface SetFill {
  readonly set: string;
  readonly elements: number;
  readonly size: number;
}

/** BanCounter: one named counter of the ban table. */
export interface BanCounter {
  readonly name: string;
  readonly packets: number;
  readonly bytes: number;
}

/** BanBackend: the ban table's operations. Each write is one transaction. */
export interface BanBackend {
  /** tableExists says whether `inet lbfw_ban` is loaded. */
  tableExists(): Promise<boolean>;
  /** ensure creates what is missing and rewrites the chain and exempt/service sets; bans stay. */
  ensure(spec: BanTableSpec): Promise<void>;
  /**
   * put adds bans, or re-asserts existing ones: their timeout starts again and
   * their comment is replaced (nft's `add` alone would keep the old timeout).
   */
  put(elements: readonly BanElement[]): Promise<void>;
  /** remove deletes bans; an element that is not there (expired) is no error. */
  remove(elements: readonly Pick<BanElement, 'set' | 'address'>[]): Promise<void>;
  /** list returns the elements of every ban set. */
  list(): Promise<ListedBan[]>;
  /** fill returns the fill of every sized set of the table (ban, autoban and meter sets). */
  fill(): Promise<SetFill[]>;
  /** counters returns the table's named counters (drops per ban set, SYN-rate hits). */
  counters(): Promise<BanCounter[]>;
}
