/**
 * NftBanCli: the {@link BanBackend} over the `nft` program (the same program
 * and namespace handling as {@link NftCli}).
 */
import { BAN_FAMILY, BAN_SETS, BAN_TABLE, elementCommands, renderEnsureScript, type BanSetName, type BanTableSpec } from '../ban/table.js';
import type { BanBackend, BanCounter, BanElement, ListedBan, SetFill } from './ban-backend.js';
import { NftProgram, type NftCliOptions } from './nft-program.js';

const NO_SUCH_OBJECT = /No such file or directory/;

/** The sized sets whose fill is watched (meters exist only with syn_rate). */
const SIZED_SETS = [...BAN_SETS, 'synmeter4', 'synmeter6'] as const;

interface JsonSet {
  readonly name?: string;
  readonly size?: number;
  readonly elem?: readonly unknown[];
}

function element(set: BanSetName, item: unknown): ListedBan | undefined {
  if (typeof item === 'string') return { set, address: item };
  const elem = (item as { elem?: { val?: unknown; timeout?: unknown; expires?: unknown; comment?: unknown } } | null)?.elem;
  if (elem === undefined || typeof elem.val !== 'string') return undefined;
  return {
    set,
    address: elem.val,
    ...(typeof elem.timeout === 'number' ? { timeoutSeconds: elem.timeout } : {}),
    ...(typeof elem.expires === 'number' ? { expiresSeconds: elem.expires } : {}),
    ...(typeof elem.comment === 'string' ? { comment: elem.comment } : {}),
  };
}

function banText(e: BanElement): string {
  return `${e.address} timeout ${e.timeoutSeconds}s${e.comment === undefined || e.comment === '' ? '' : ` comment "${e.comment}"`}`;
}

function bySet<T extends { readonly set: BanSetName }>(items: readonly T[]): Map<BanSetName, T[]> {
  const groups = new Map<BanSetName, T[]>();
  for (const item of items) {
    const list = groups.get(item.set) ?? [];
    list.push(item);
    groups.set(item.set, list);
  }
  return groups;
}

/** NftBanCli implements BanBackend with the nft program. */
export class NftBanCli implements BanBackend {
  readonly #program: NftProgram;

  constructor(options: NftCliOptions = {}) {
    this.#program = new NftProgram(options);
  }

  #load(what: string, script: string): Promise<void> {
    return this.#program.runScript(what, script);
  }

  /** Lists one set as JSON; undefined when the set (or the table) does not exist. */
  async #listSet(name: string): Promise<JsonSet | undefined> {
    const result = await this.#program.exec(['-j', 'list', 'set', BAN_FAMILY, BAN_TABLE, name]);
    if (result.code !== 0) {
      if (NO_SUCH_OBJECT.test(result.stderr)) return undefined;
      return this.#program.fail('list set', result, '');
    }
    const data = JSON.parse(result.stdout) as { nftables?: readonly { set?: JsonSet }[] };
    return data.nftables?.find((item) => item.set !== undefined)?.set;
  }

  async tableExists(): Promise<boolean> {
    const result = await this.#program.exec(['list', 'chains', BAN_FAMILY]);
    if (result.code !== 0) this.#program.fail('list chains', result, '');
    return result.stdout.split('\n').some((line) => line === `table ${BAN_FAMILY} ${BAN_TABLE} {`);
  }

  async ensure(spec: BanTableSpec): Promise<void> {
    await this.#load('ensure ban table', renderEnsureScript(spec));
  }

  async put(elements: readonly BanElement[]): Promise<void> {
    if (elements.length === 0) return;
    const lines: string[] = [];
    // add (a no-op for an existing element), delete, add again: the element
    // then exists for the delete, and the last add sets a fresh timeout and
    // comment. All in one transaction: packets never see the gap.
    for (const [set, items] of bySet(elements)) {
      const full = items.map(banText);
      lines.push(...elementCommands('add', set, full), ...elementCommands('delete', set, items.map((e) => e.address)), ...elementCommands('add', set, full));
    }
    await this.#load('put bans', `${lines.join('\n')}\n`);
  }

  async remove(elements: readonly Pick<BanElement, 'set' | 'address'>[]): Promise<void> {
    if (elements.length === 0) return;
    const lines: string[] = [];
    // The add makes a ban that expired meanwhile exist for its delete.
    for (const [set, items] of bySet(elements)) {
      const addresses = items.map((e) => e.address);
      lines.push(...elementCommands('add', set, addresses), ...elementCommands('delete', set, addresses));
    }
    await this.#load('remove bans', `${lines.join('\n')}\n`);
  }

  async list(): Promise<ListedBan[]> {
    const out: ListedBan[] = [];
    for (const set of BAN_SETS) {
      const listed = await this.#listSet(set);
      for (const item of listed?.elem ?? []) {
        const ban = element(set, item);
        if (ban !== undefined) out.push(ban);
      }
    }
    return out;
  }

  async fill(): Promise<SetFill[]> {
    const out: SetFill[] = [];
    for (const set of SIZED_SETS) {
      const listed = await this.#listSet(set);
      if (listed !== undefined) out.push({ set, elements: listed.elem?.length ?? 0, size: listed.size ?? 0 });
    }
    return out;
  }

  async counters(): Promise<BanCounter[]> {
    const result = await this.#program.exec(['-j', 'list', 'counters', 'table', BAN_FAMILY, BAN_TABLE]);
    if (result.code !== 0) {
      if (NO_SUCH_OBJECT.test(result.stderr)) return [];
      return this.#program.fail('list counters', result, '');
    }
    const data = JSON.parse(result.stdout) as { nftables?: readonly { counter?: { name?: string; packets?: number; bytes?: number } }[] };
    return (data.nftables ?? []).flatMap((item) =>
      item.counter?.name === undefined ? [] : [{ name: item.counter.name, packets: item.counter.packets ?? 0, bytes: item.counter.bytes ?? 0 }],
    );
  }
}
