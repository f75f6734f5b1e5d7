/**
 * NftCli: the NftBackend that drives the `nft` program (nftables 1.0.6 on
 * Debian 12). The only code in lbfw that runs nft.
 */
import { existsSync } from 'node:fs';
import { NftError, PermissionError } from '../errors.js';
import { TABLE_FAMILY, TABLE_NAME } from '../ruleset/types.js';
import type { NftTextBackend as NftBackend } from './text-backend.js';
import { run, type RunResult } from '../system/run.js';

/** Options of {@link NftCli}. */
export interface NftCliOptions {
  /** Path of the nft program. Default: the system's nft (see {@link systemNft}). */
  readonly nft?: string;
  /**
   * Run nft inside this named network namespace (`ip netns exec NS nft`).
   * Tests use it; in production lbfw runs inside the namespace it manages.
   */
  readonly netns?: string;
}

/**
 * Where Debian and others install nft. Looked up before PATH because an npm
 * script's PATH starts with node_modules/.bin, which can hold an unrelated
 * `nft` (@vercel/nft, a dependency of ava, installs one).
 */
const SYSTEM_NFT = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft', '/usr/local/sbin/nft'];

/** systemNft returns the path of the system's nft program, or `nft` from PATH as a last resort. */
export function systemNft(): string {
  return SYSTEM_NFT.find((candidate) => existsSync(candidate)) ?? 'nft';
}

const NOT_PERMITTED = /Operation not permitted/;
const NO_SUCH_OBJECT = /No such file or directory/;

/** NftCli implements NftBackend with the nft command-line program. */
export class NftCli implements NftBackend {
  readonly #nft: string;
  readonly #netns: string | undefined;

  constructor(options: NftCliOptions = {}) {
    this.#nft = options.nft ?? systemNft();
    this.#netns = options.netns;
  }

  /** The network namespace nft runs in, when one was named. */
  get netns(): string | undefined {
    return this.#netns;
  }

  async #exec(args: readonly string[], stdin?: string): Promise<RunResult> {
    const argv = this.#netns === undefined ? [this.#nft, ...args] : ['ip', 'netns', 'exec', this.#netns, this.#nft, ...args];
    try {
      return await run(argv, stdin);
    } catch (error) {
      throw new NftError(`cannot run ${argv[0]}: ${(error as Error).message} (is the nftables package installed?)`, '', stdin ?? '', null);
    }
  }

  #fail(what: string, result: RunResult, payload: string): never {
    const stderr = result.stderr.trim();
    if (NOT_PERMITTED.test(stderr)) {
      throw new PermissionError(`nftables refused: ${what} needs root or CAP_NET_ADMIN`);
    }
    const first = stderr.split('\n').find((l) => l.startsWith('Error:')) ?? stderr.split('\n')[0] ?? '';
    throw new NftError(`nft ${what} failed: ${first}`, stderr, payload, result.code);
  }

  async run(script: string): Promise<void> {
    const result = await this.#exec(['-f', '-'], script);
    if (result.code !== 0) this.#fail('load', result, script);
  }

  async check(script: string): Promise<void> {
    const result = await this.#exec(['-c', '-f', '-'], script);
    if (result.code !== 0) this.#fail('check', result, script);
  }

  async listTable(): Promise<string | undefined> {
    const result = await this.#exec(['list', 'table', TABLE_FAMILY, TABLE_NAME]);
    if (result.code === 0) return result.stdout;
    if (NO_SUCH_OBJECT.test(result.stderr)) return undefined;
    return this.#fail('list table', result, '');
  }

  async tableExists(): Promise<boolean> {
    // `list chains` reads chain headers only; `list tables` (and anything
    // that lists rules) makes nft 1.0.6 fetch every set element first, which
    // takes tens of seconds with a million-element set.
    const result = await this.#exec(['list', 'chains', TABLE_FAMILY]);
    if (result.code !== 0) this.#fail('list chains', result, '');
    return result.stdout.split('\n').some((line) => line === `table ${TABLE_FAMILY} ${TABLE_NAME} {`);
  }

  async getElement(set: string, element: string): Promise<string[]> {
    const result = await this.#exec(['get', 'element', TABLE_FAMILY, TABLE_NAME, set, `{ ${element} }`]);
    if (result.code !== 0) {
      if (NO_SUCH_OBJECT.test(result.stderr)) return [];
      return this.#fail('get element', result, '');
    }
    const match = /elements = \{([^}]*)\}/.exec(result.stdout);
    return (match?.[1] ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e.length > 0);
  }

  async listRuleset(): Promise<string> {
    const result = await this.#exec(['list', 'ruleset']);
    if (result.code !== 0) this.#fail('list ruleset', result, '');
    return result.stdout;
  }
}
