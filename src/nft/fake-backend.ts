/**
 * FakeBackend: an NftBackend in memory, after knftables' Fake. It applies a
 * Transaction the way the kernel does, all or nothing (a failing operation
 * leaves the table as it was), refuses what the kernel refuses (a missing
 * set, deleting an absent element, overlapping intervals), and can be told
 * to fail the next run. Unit tests of firewall/* run against it without
 * root; `dump()` shows the table as nft would list it.
 */
import { NftError } from '../errors.js';
import type { BackendName, CommitReceipt, ListRulesetOptions, LookupRequest, NftBackend, ReadTableOptions, TableSnapshot } from './backend.js';
import { applyEdits, assertAscending, diffElements, ElementOrderError, emptyElements, type ElementList } from './model/elements.js';
import { keyWidth, sameKey } from './model/keys.js';
import { TABLE_FAMILY, TABLE_NAME, type NftSet, type Ruleset } from './model/objects.js';
import { renderRuleText } from './render/rule-text.js';
import { chainLines, renderScript, setHeaderLines } from './render/script.js';
import { elementTexts } from './model/elements.js';
import { validateRuleset, type Transaction, type TxOperation } from './transaction.js';

/** FakeBackendOptions: how the fake reads back. */
export interface FakeBackendOptions {
  /** Report counts only from readTable({ elements: 'counts' }), as netlink does, so verify takes the lookup path. */
  readonly countsOnly?: boolean;
  /** The table to start with. */
  readonly table?: Ruleset;
  /** false: run returns no generation, as the nft program's backend (apply then reads back in full). Default true. */
  readonly pinsGeneration?: boolean;
  /**
   * What the "kernel" makes of a committed table (default: exactly what was
   * sent): a stand-in for an encoding the kernel reads differently, which
   * only a read-back can catch.
   */
  readonly misread?: (table: Ruleset) => Ruleset;
}

function refuse(what: string, operation: TxOperation): never {
  throw new NftError(`fake nft refused ${operation.op}: ${what}`, `Error: ${what}`, '', 1);
}

function compareKey(a: Uint8Array, ai: number, b: Uint8Array, bi: number, width: number): number {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset + ai * width, width), Buffer.from(b.buffer, b.byteOffset + bi * width, width));
}

/** FakeBackend keeps `table inet lbfw` in memory. */
export class FakeBackend implements NftBackend {
  readonly name: BackendName = 'fake';
  readonly netns = undefined;
  #table: Ruleset | undefined;
  #failNext: Error | undefined;
  readonly #countsOnly: boolean;
  readonly #pinsGeneration: boolean;
  readonly #misread: ((table: Ruleset) => Ruleset) | undefined;
  /** Every transaction run (committed or refused), as its nft script, oldest first. */
  readonly scripts: string[] = [];
  /** How many transactions committed. */
  commits = 0;
  /** The ruleset generation: moved by every commit and every tamper, as the kernel's is by any commit. */
  #generation = 1;

  constructor(options: FakeBackendOptions = {}) {
    if (options.table !== undefined) validateRuleset(options.table);
    this.#table = options.table;
    this.#countsOnly = options.countsOnly === true;
    this.#pinsGeneration = options.pinsGeneration !== false;
    this.#misread = options.misread;
  }

  /** The table now held (undefined when none). */
  get table(): Ruleset | undefined {
    return this.#table;
  }

  /** failNext makes the next run (or check) throw `error` and change nothing. */
  failNext(error: Error = new NftError('fake nft: injected failure', 'Error: injected', '', 1)): void {
    this.#failNext = error;
  }

  /** tamper replaces the held table without a transaction (someone editing it by hand). */
  tamper(edit: (table: Ruleset | undefined) => Ruleset | undefined): void {
    this.#table = edit(this.#table);
    this.#generation++;
  }

  #apply(tx: Transaction): Ruleset | undefined {
    let table = this.#table;
    const setOf = (name: string, operation: TxOperation): NftSet => {
      const set = table?.sets.find((s) => s.name === name);
      return set ?? refuse(`No such file or directory: set ${name}`, operation);
    };
    const withSet = (set: NftSet, elements: ElementList): Ruleset => ({
      chains: table?.chains ?? [],
      sets: (table?.sets ?? []).map((s) => (s.name === set.name ? { ...s, elements } : s)),
    });
    for (const operation of tx.operations) {
      switch (operation.op) {
        case 'replace-table':
          table = operation.ruleset;
          break;
        case 'delete-table':
          table = undefined;
          break;
        case 'flush-set': {
          const set = setOf(operation.set, operation);
          table = withSet(set, emptyElements(set.key, set.interval));
          break;
        }
        case 'add-elements':
        case 'delete-elements': {
          const set = setOf(operation.set, operation);
          if (!sameKey(set.key, operation.elements.key) || set.interval !== operation.elements.interval) refuse(`elements do not fit set ${set.name}`, operation);
          const none = emptyElements(set.key, set.interval);
          if (operation.op === 'delete-elements') {
            const { missing } = diffElements(operation.elements, intersect(set.elements, operation.elements));
            if (missing > 0) refuse(`No such file or directory: ${missing} elements absent from ${set.name}`, operation);
            table = withSet(set, applyEdits(set.elements, none, operation.elements));
          } else {
            const merged = applyEdits(set.elements, operation.elements, none);
            try {
              assertAscending(merged);
            } catch (error) {
              if (error instanceof ElementOrderError) refuse(`File exists: ${error.message}`, operation);
              throw error;
            }
            if (set.size !== undefined && merged.count > set.size) refuse(`No space left on device: set ${set.name} is full`, operation);
            table = withSet(set, merged);
          }
          break;
        }
      }
    }
    return table;
  }

  async run(tx: Transaction): Promise<CommitReceipt> {
    if (tx.empty) return {};
    this.scripts.push(renderScript(tx));
    const failure = this.#failNext;
    this.#failNext = undefined;
    if (failure !== undefined) throw failure;
    // All or nothing: the new table replaces the old only when every operation applied.
    const table = this.#apply(tx);
    this.#table = table === undefined || this.#misread === undefined ? table : this.#misread(table);
    this.commits++;
    this.#generation++;
    return this.#pinsGeneration ? { generation: this.#generation } : {};
  }

  async generation(): Promise<number | undefined> {
    return this.#pinsGeneration ? this.#generation : undefined;
  }

  async check(tx: Transaction): Promise<void> {
    const failure = this.#failNext;
    this.#failNext = undefined;
    if (failure !== undefined) throw failure;
    this.#apply(tx);
  }

  async setNames(): Promise<string[]> {
    return this.#table?.sets.map((s) => s.name) ?? [];
  }

  async tableExists(): Promise<boolean> {
    return this.#table !== undefined;
  }

  async readTable(options: ReadTableOptions = {}): Promise<TableSnapshot | undefined> {
    const table = this.#table;
    if (table === undefined) return undefined;
    const counts = this.#countsOnly && options.elements === 'counts';
    const skipped = (name: string): boolean => options.skipElements?.has(name) === true;
    return {
      sets: table.sets.map((s) => ({
        name: s.name,
        key: s.key,
        interval: s.interval,
        ...(s.size === undefined ? {} : { size: s.size }),
        count: skipped(s.name) ? -1 : s.elements.count,
        ...(counts || skipped(s.name) ? {} : { elements: s.elements }),
        extra: [],
      })),
      chains: table.chains.map((c) => ({
        name: c.name,
        ...(c.base === undefined ? {} : { base: c.base }),
        rules: c.rules.map((rule) => ({ id: rule.id, rule, text: renderRuleText(rule), ...(rule.statements.some((s) => s.kind === 'counter') ? { packets: 0 } : {}) })),
      })),
    };
  }

  async lookupElements(set: string, keys: ElementList): Promise<ElementList> {
    const held = this.#table?.sets.find((s) => s.name === set);
    if (held === undefined) return emptyElements(keys.key, keys.interval);
    return held.interval ? covering(held.elements, keys) : intersect(held.elements, keys);
  }

  lookupEach(requests: readonly LookupRequest[]): Promise<ElementList[]> {
    return Promise.all(requests.map((r) => this.lookupElements(r.set, r.keys)));
  }

  async listElements(set: string): Promise<ElementList> {
    const held = this.#table?.sets.find((s) => s.name === set);
    if (held === undefined) throw new NftError(`fake nft: no set ${set}`, 'Error: No such file or directory', '', 1);
    return held.elements;
  }

  /** The fake relies on no nftables userspace. */
  async version(): Promise<string | undefined> {
    return 'lbfw fake backend (memory)';
  }

  /** The fake's whole ruleset: lbfw's table, its sets and chains (rules without expressions). */
  async listRulesetJson(_options: ListRulesetOptions = {}): Promise<readonly unknown[]> {
    const table = this.#table;
    if (table === undefined) return [];
    const where = { family: TABLE_FAMILY, table: TABLE_NAME };
    return [
      { table: { family: TABLE_FAMILY, name: TABLE_NAME } },
      ...table.sets.map((s) => ({ set: { ...where, name: s.name, elem: elementTexts(s.elements) } })),
      ...table.chains.map((c) => ({ chain: { ...where, name: c.name, ...(c.base === undefined ? {} : { hook: c.base.hook, type: c.base.type, prio: c.base.priority, policy: c.base.policy }) } })),
      ...table.chains.flatMap((c) => c.rules.map((r) => ({ rule: { ...where, chain: c.name, comment: r.id, expr: [] } }))),
    ];
  }

  /** dump renders the held table as nft lists it (elements inline), or '' when there is none. */
  dump(): string {
    const table = this.#table;
    if (table === undefined) return '';
    const sets = table.sets.flatMap((set) => {
      const elements = elementTexts(set.elements);
      return [...setHeaderLines(set), ...(elements.length === 0 ? [] : [`\t\telements = { ${elements.join(', ')} }`]), '\t}'];
    });
    return [`table ${TABLE_FAMILY} ${TABLE_NAME} {`, ...sets, ...table.chains.flatMap(chainLines), '}', ''].join('\n');
  }
}

/** The elements of a hash set `held` that are among `keys`. */
function intersect(held: ElementList, keys: ElementList): ElementList {
  const width = keyWidth(held.key);
  const found = new Uint8Array(Math.min(held.count, keys.count) * width);
  let n = 0;
  let i = 0;
  let j = 0;
  while (i < held.count && j < keys.count) {
    const order = compareKey(held.keys, i, keys.keys, j, width);
    if (order === 0) {
      found.set(held.keys.subarray(i * width, i * width + width), n++ * width);
      i++;
      j++;
    } else if (order < 0) i++;
    else j++;
  }
  if (held.lasts === undefined) return { ...held, count: n, keys: found.subarray(0, n * width) };
  return covering(held, keys);
}

/** The elements of an interval set `held` that contain the first key of any of `keys`. */
function covering(held: ElementList, keys: ElementList): ElementList {
  const width = keyWidth(held.key);
  const lasts = held.lasts as Uint8Array;
  const firsts = new Uint8Array(held.count * width);
  const ends = new Uint8Array(held.count * width);
  let n = 0;
  let e = 0;
  let taken = -1;
  for (let k = 0; k < keys.count; k++) {
    while (e < held.count && compareKey(lasts, e, keys.keys, k, width) < 0) e++;
    if (e < held.count && e !== taken && compareKey(held.keys, e, keys.keys, k, width) <= 0) {
      taken = e;
      firsts.set(held.keys.subarray(e * width, e * width + width), n * width);
      ends.set(lasts.subarray(e * width, e * width + width), n * width);
      n++;
    }
  }
  return { key: held.key, interval: true, count: n, keys: firsts.subarray(0, n * width), lasts: ends.subarray(0, n * width) };
}
