/**
 * The nft program: where it is and how both nft backends (the ruleset's
 * NftCli and the ban table's NftBanCli) run it. Its own module so that
 * callers which only run nft (the ban backend) do not load the ruleset
 * backend's parser and renderer.
 *
 * Scripts reach nft as a file written in full before nft starts, never
 * through its stdin. A script is one command a line (the table, then the
 * elements in chunks), so a script cut at a line boundary is still valid: a
 * killed lbfw whose nft read EOF on a half-written stdin would commit half a
 * table (or only the prologue's `delete table`). The kernel closes a dead
 * run's descriptors before it sends the parent-death signal, and a child
 * killed before setpriv armed that signal has none; a file has no such gap.
 * The file has no name by the time it is written (nft opens it as
 * /dev/fd/3), so a killed run leaves nothing behind in the temporary directory.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NftError, PermissionError } from '../errors.js';
import { run, type RunResult } from '../system/run.js';

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

/** rulesetListingCommand is the command line an operator runs to see every table (for hints lbfw prints). */
export function rulesetListingCommand(): string {
  return `${systemNft()} list ruleset`;
}

/** Options of the nft backends. */
export interface NftCliOptions {
  /** Path of the nft program. Default: the system's nft (see {@link systemNft}). */
  readonly nft?: string;
  /**
   * Run nft inside this named network namespace (`ip netns exec NS nft`).
   * Tests use it; in production lbfw runs inside the namespace it manages.
   */
  readonly netns?: string;
}

const NOT_PERMITTED = /Operation not permitted/;

/** The descriptor nft reads a script from, and the name its errors give the script instead. */
const SCRIPT_FD = 3;
const SCRIPT_PATH = `/dev/fd/${SCRIPT_FD}`;
const SCRIPT_NAME = 'lbfw.nft';

/** NftProgram runs one nft program (optionally inside a named namespace). */
export class NftProgram {
  readonly nft: string;
  readonly netns: string | undefined;

  constructor(options: NftCliOptions = {}) {
    this.nft = options.nft ?? systemNft();
    this.netns = options.netns;
  }

  /** exec runs nft with `args`; a non-zero exit is data, a program that cannot start is an NftError. */
  async exec(args: readonly string[], payload = '', fds: readonly number[] = []): Promise<RunResult> {
    const argv = this.netns === undefined ? [this.nft, ...args] : ['ip', 'netns', 'exec', this.netns, this.nft, ...args];
    try {
      return await run(argv, undefined, { fds });
    } catch (error) {
      throw new NftError(`cannot run ${argv[0]}: ${(error as Error).message} (is the nftables package installed?)`, '', payload, null);
    }
  }

  /**
   * runScript hands `script` to `nft [flags] -f /dev/fd/3`: a temporary
   * file, unlinked before it is written and written in full before nft
   * starts; `what` names the step in the error when nft refuses it.
   */
  async runScript(what: string, script: string, flags: readonly string[] = []): Promise<void> {
    const dir = await mkdtemp(path.join(tmpdir(), 'lbfw-nft-'));
    const file = await open(path.join(dir, SCRIPT_NAME), 'wx+', 0o600).finally(() => rm(dir, { recursive: true, force: true }));
    try {
      await file.writeFile(script);
      const result = await this.exec([...flags, '-f', SCRIPT_PATH], script, [file.fd]);
      if (result.code !== 0) this.fail(what, { ...result, stderr: result.stderr.replaceAll(SCRIPT_PATH, SCRIPT_NAME) }, script);
    } finally {
      await file.close();
    }
  }

  /** fail throws the typed error of a refused nft command: PermissionError or NftError with nft's first error line. */
  fail(what: string, result: RunResult, payload: string): never {
    const stderr = result.stderr.trim();
    if (NOT_PERMITTED.test(stderr)) throw new PermissionError(`nftables refused: ${what} needs root or CAP_NET_ADMIN`);
    const first = stderr.split('\n').find((l) => l.startsWith('Error:')) ?? stderr.split('\n')[0] ?? '';
    throw new NftError(`nft ${what} failed: ${first}`, stderr, payload, result.code);
  }
}
