/**
 * FakeBanBackend: the {@link BanBackend} in memory, for unit tests. It keeps
 * what the kernel would: elements with their timeout and comment, expiring
 * on a clock the test controls, a set size that refuses adds past it (as a
 * transaction would fail), and counters the test can bump.
 */
import { BAN_SETS, type BanSetName, type BanTableSpec } from '../ban/table.js';
import { NftError } from '../errors.js';
import type { BanBackend, BanCounter, BanElement, ListedBan, SetFill } from './ban-backend.js';

interface Stored {
  readonly timeoutSeconds: number;
  readonly expiresAt: number;
  readonly comment?: string;
}

/** FakeBanBackend implements BanBackend in memory. */
export class FakeBanBackend implements BanBackend {
  /** Seconds since an arbitrary start; tests move it with {@link advance}. */
  now = 0;
  spec: BanTableSpec | undefined;
  readonly sets = new Map<BanSetName, Map<string, Stored>>();
  readonly counterValues = new Map<string, BanCounter>();
  /** Every write, in order, for tests that assert "nothing changed". */
  readonly writes: string[] = [];

  /** advance moves the clock; elements past their timeout disappear. */
  advance(seconds: number): void {
    this.now += seconds;
  }

  #live(set: BanSetName): Map<string, Stored> {
    const stored = this.sets.get(set) ?? new Map<string, Stored>();
    this.sets.set(set, stored);
    for (const [address, item] of stored) if (item.expiresAt <= this.now) stored.delete(address);
    return stored;
  }

  #requireTable(what: string): BanTableSpec {
    if (this.spec === undefined) throw new NftError(`nft ${what} failed: Error: No such file or directory`, 'Error: No such file or directory', '', 1);
    return this.spec;
  }

  async tableExists(): Promise<boolean> {
    return this.spec !== undefined;
  }

  async ensure(spec: BanTableSpec): Promise<void> {
    this.writes.push('ensure');
    // As `add set` does: an existing set keeps its size and its elements.
    this.spec = this.spec === undefined ? spec : { ...spec, setSize: this.spec.setSize };
  }

  async put(elements: readonly BanElement[]): Promise<void> {
    const spec = this.#requireTable('put bans');
    if (elements.length === 0) return;
    this.writes.push(`put ${elements.length}`);
    // All or nothing, as one transaction.
    const staged = new Map<BanSetName, Map<string, Stored>>();
    for (const set of BAN_SETS) staged.set(set, new Map(this.#live(set)));
    for (const e of elements) {
      const set = staged.get(e.set) as Map<string, Stored>;
      set.set(e.address, { timeoutSeconds: e.timeoutSeconds, expiresAt: this.now + e.timeoutSeconds, ...(e.comment === undefined ? {} : { comment: e.comment }) });
      if (set.size > spec.setSize) throw new NftError('nft put bans failed: Error: Could not process rule: No space left on device', 'No space left on device', '', 1);
    }
    for (const [name, set] of staged) this.sets.set(name, set);
  }

  async remove(elements: readonly Pick<BanElement, 'set' | 'address'>[]): Promise<void> {
    this.#requireTable('remove bans');
    if (elements.length === 0) return;
    this.writes.push(`remove ${elements.length}`);
    for (const e of elements) this.#live(e.set).delete(e.address);
  }

  async list(): Promise<ListedBan[]> {
    if (this.spec === undefined) return [];
    return BAN_SETS.flatMap((set) =>
      [...this.#live(set)].map(([address, item]) => ({
        set,
        address,
        timeoutSeconds: item.timeoutSeconds,
        expiresSeconds: item.expiresAt - this.now,
        ...(item.comment === undefined ? {} : { comment: item.comment }),
      })),
    );
  }

  async fill(): Promise<SetFill[]> {
    const spec = this.spec;
    if (spec === undefined) return [];
    return BAN_SETS.map((set) => ({ set, elements: this.#live(set).size, size: spec.setSize }));
  }

  async counters(): Promise<BanCounter[]> {
    return [...this.counterValues.values()];
  }
}
