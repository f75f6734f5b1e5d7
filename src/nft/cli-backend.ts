/**
 * NftCli: the NftBackend that drives the `nft` program (nftables 1.0.6 on
 * Debian 12). It renders each Transaction to ONE `nft -f` script and reads
 * `nft list` text back into typed snapshots. Apart from the DR lab's own
 * emulation table (test infrastructure, src/lab), the only code in lbfw
 * that runs nft.
 */
import { NftError } from '../errors.js';
import { TABLE_FAMILY, TABLE_NAME } from './model/objects.js';
import type { CommitReceipt, BackendName, ListRulesetOptions, LookupRequest, NftBackend, ReadTableOptions, TableSnapshot } from './backend.js';
import { elementsFromTexts, elementTexts, emptyElements, type ElementList } from './model/elements.js';
import { renderScript } from './render/script.js';
import type { Transaction } from './transaction.js';
import { parseListing } from './parse/listing.js';
import { snapshotOfListing } from './parse/snapshot.js';
import { run } from '../system/run.js';
import { NftProgram, type NftCliOptions } from './nft-program.js';

export { systemNft, type NftCliOptions } from './nft-program.js';

/** nftVersion runs `nft --version` and returns its first line, or undefined when nft cannot run. */
export async function nftVersion(nft: string): Promise<string | undefined> {
  try {
    const result = await run([nft, '--version']);
    const line = result.stdout.split('\n')[0]?.trim() ?? '';
    return result.code === 0 && line !== '' ? line : undefined;
  } catch {
    return undefined;
  }
}

const NO_SUCH_OBJECT = /No such file or directory/;

/** NftCli implements NftBackend with the nft command-line program. */
export class NftCli implements NftBackend {
  readonly #program: NftProgram;

  constructor(options: NftCliOptions = {}) {
    this.#program = new NftProgram(options);
  }

  /** The network namespace nft runs in, when one was named. */
  get netns(): string | undefined {
    return this.#program.netns;
  }

  readonly name: BackendName = 'nft';

  version(): Promise<string | undefined> {
    return nftVersion(this.#program.nft);
  }

  /** The nft program cannot pin the generation its script is loaded on: the receipt is empty, so apply reads the table back in full. */
  async run(tx: Transaction): Promise<CommitReceipt> {
    if (tx.empty) return {};
    await this.#program.runScript('load', renderScript(tx));
    return {};
  }

  /** nft prints no generation lbfw could rely on. */
  async generation(): Promise<number | undefined> {
    return undefined;
  }

  async check(tx: Transaction): Promise<void> {
    if (tx.empty) return;
    await this.#program.runScript('check', renderScript(tx), ['-c']);
  }

  /** listTableText returns `nft list table inet lbfw`, or undefined when there is no table. */
  async #listTableText(): Promise<string | undefined> {
    const result = await this.#program.exec(['list', 'table', TABLE_FAMILY, TABLE_NAME]);
    if (result.code === 0) return result.stdout;
    if (NO_SUCH_OBJECT.test(result.stderr)) return undefined;
    return this.#program.fail('list table', result, '');
  }

  async readTable(_options: ReadTableOptions = {}): Promise<TableSnapshot | undefined> {
    // nft cannot count a set's elements without listing them: always list.
    const text = await this.#listTableText();
    return text === undefined ? undefined : snapshotOfListing(parseListing(text));
  }

  async tableExists(): Promise<boolean> {
    // `list chains` reads chain headers only; `list tables` (and anything
    // that lists rules) makes nft 1.0.6 fetch every set element first, which
    // takes tens of seconds with a million-element set.
    const result = await this.#program.exec(['list', 'chains', TABLE_FAMILY]);
    if (result.code !== 0) this.#program.fail('list chains', result, '');
    return result.stdout.split('\n').some((line) => line === `table ${TABLE_FAMILY} ${TABLE_NAME} {`);
  }

  /** The elements of `set` that contain any of `texts`; nft fails the whole command when one is absent. */
  async #getElements(set: string, texts: readonly string[]): Promise<string[]> {
    if (texts.length === 0) return [];
    const result = await this.#program.exec(['get', 'element', TABLE_FAMILY, TABLE_NAME, set, `{ ${texts.join(', ')} }`]);
    if (result.code !== 0) {
      if (!NO_SUCH_OBJECT.test(result.stderr)) return this.#program.fail('get element', result, '');
      if (texts.length === 1) return [];
      // Some are absent: halve, so each present one is still found.
      const half = Math.ceil(texts.length / 2);
      return [...(await this.#getElements(set, texts.slice(0, half))), ...(await this.#getElements(set, texts.slice(half)))];
    }
    const found: string[] = [];
    for (const match of result.stdout.matchAll(/elements = \{([^}]*)\}/g)) {
      for (const element of (match[1] ?? '').split(',')) if (element.trim().length > 0) found.push(element.trim());
    }
    return found;
  }

  async lookupElements(set: string, keys: ElementList): Promise<ElementList> {
    const queried = keys.interval ? elementTexts({ key: keys.key, interval: false, count: keys.count, keys: keys.keys }) : elementTexts(keys);
    const found: string[] = [];
    for (let i = 0; i < queried.length; i += LOOKUP_BATCH) found.push(...(await this.#getElements(set, queried.slice(i, i + LOOKUP_BATCH))));
    return found.length === 0 ? emptyElements(keys.key, keys.interval) : elementsFromTexts(keys.key, keys.interval, found);
  }

  lookupEach(requests: readonly LookupRequest[]): Promise<ElementList[]> {
    return Promise.all(requests.map((r) => this.lookupElements(r.set, r.keys)));
  }

  async setNames(): Promise<string[]> {
    // -t (terse) leaves the elements out, and nft then does not fetch them: milliseconds with a million.
    const result = await this.#program.exec(['-t', 'list', 'sets', TABLE_FAMILY]);
    if (result.code !== 0) this.#program.fail('list sets', result, '');
    const names: string[] = [];
    let inLbfw = false;
    for (const line of result.stdout.split('\n')) {
      if (line.startsWith('table ')) inLbfw = line === `table ${TABLE_FAMILY} ${TABLE_NAME} {`;
      const match = inLbfw ? /^\tset (\S+) \{$/.exec(line) : null;
      if (match !== null) names.push(match[1] as string);
    }
    return names;
  }

  async listElements(set: string): Promise<ElementList> {
    const result = await this.#program.exec(['list', 'set', TABLE_FAMILY, TABLE_NAME, set]);
    if (result.code !== 0) this.#program.fail('list set', result, '');
    const snapshot = snapshotOfListing(parseListing(result.stdout));
    const listed = snapshot.sets.find((s) => s.name === set);
    if (listed?.elements === undefined) throw new NftError(`nft list set ${set}: no elements could be read`, result.stderr, '', result.code);
    return listed.elements;
  }

  async listRulesetJson(_options: ListRulesetOptions = {}): Promise<readonly unknown[]> {
    const result = await this.#program.exec(['-j', 'list', 'ruleset']);
    if (result.code !== 0) this.#program.fail('list ruleset', result, '');
    const data = JSON.parse(result.stdout) as { nftables?: unknown };
    if (!Array.isArray(data.nftables)) throw new NftError('expected {"nftables": [...]} from nft -j list ruleset', result.stderr, '', result.code);
    return data.nftables as unknown[];
  }
}

/** Keys per `nft get element` command. */
const LOOKUP_BATCH = 1024;
