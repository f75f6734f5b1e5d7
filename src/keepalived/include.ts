/**
 * The I/O of the keepalived reader: read the main file, answer each `include`
 * the line reader finds (after parameters and conditionals, as keepalived
 * does) with the files it names, and hand the tokens to the pure parser and
 * builder.
 *
 * Rules, and what forces them:
 * - A relative pattern is relative to the directory of the file being read:
 *   keepalived chdir()s into the directory of each file it opens
 *   (lib/parser.c open_conf_file()).
 * - Inclusion is textual: the included lines take the place of the include
 *   line, so an included file may hold whole blocks or lines inside a block.
 * - A pattern that still holds a `$NAME`/`${NAME}` after substitution names
 *   an undefined parameter (or one keepalived does not replace there, such as
 *   `$DIR/x.conf`, which needs `${DIR}`): an error, since the files keepalived
 *   would read are unknown.
 * - A pattern with wildcards that matches nothing is a warning: plain
 *   `include` "does not produce config errors if files could not be opened"
 *   (keepalived.conf(5)); `includew` and `includea` require a match (error).
 * - A pattern without wildcards that names no file IS an error in lbfw, for
 *   every variant: keepalived only logs it for plain `include`, and the
 *   services it would have defined silently go missing.
 * - keepalived skips matched directories, and files that are not regular or
 *   are executable (check_glob_file()): a skipped directory under a wildcard
 *   is fine, anything else skipped is an error naming it.
 * - An include cycle is an error (keepalived would recurse until it runs out
 *   of file descriptors). Depth, number of files, bytes and glob matches are
 *   bounded.
 */
import { realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputFileError } from '../errors.js';
import { readInputFile } from '../system/input-file.js';
import { buildKeepalived } from './build.js';
import { GlobLimitError, glob, hasWildcard } from './glob.js';
import { type Token, pushLine } from './lexer.js';
import { LineReader, type ReaderOutput, type SourceFile } from './lines.js';
import type { IncludeDirective, KeepalivedModel } from './model.js';
import { parseTokens } from './parse.js';
import { ProblemLog } from './problems.js';

/** Options of {@link readKeepalived}. */
export interface ReadKeepalivedOptions {
  /**
   * keepalived's config id for `@ID` lines (`keepalived -i ID`). Default: the
   * host name up to the first dot, as keepalived does; pass it explicitly to
   * read another host's configuration.
   */
  readonly configId?: string;
  /** The environment `${_ENV NAME}` reads (default: lbfw's own). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Include levels open at once (the main file is one); real configurations use two or three. */
export const MAX_INCLUDE_DEPTH = 16;
/** Files read in all, counting a file each time it is included. */
export const MAX_INCLUDED_FILES = 1000;
/** Bytes of all files of one configuration together. */
export const MAX_CONFIGURATION_BYTES = 64 * 1024 * 1024;
/** Paths one include pattern may match. */
export const MAX_GLOB_MATCHES = 1000;

/** keepalived's default config id: the node name up to its first dot (core/main.c). */
export function defaultConfigId(): string {
  return os.hostname().split('.')[0] ?? '';
}

/** unresolved finds a parameter reference left in a pattern after substitution. */
function unresolved(pattern: string): string | undefined {
  return /\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/.exec(pattern)?.[0];
}

class Expander {
  readonly tokens: Token[] = [];
  readonly files: string[] = [];
  readonly includes: IncludeDirective[] = [];
  private bytes = 0;

  constructor(
    readonly log: ProblemLog,
    private readonly reader: LineReader,
  ) {}

  /** load reads one file for the reader; undefined (and a problem at `at`) when it cannot be read. */
  async load(file: string, at: { readonly file: string; readonly line: number }): Promise<SourceFile | undefined> {
    if (this.files.length >= MAX_INCLUDED_FILES) {
      this.log.error(at, `more than ${MAX_INCLUDED_FILES} files included; expected a configuration of a sane size (does an include fan out or repeat?)`);
      this.reader.stop();
      return undefined;
    }
    let text: string;
    let real: string;
    try {
      text = await readInputFile(file, { what: 'keepalived configuration', maxBytes: Math.max(0, MAX_CONFIGURATION_BYTES - this.bytes) });
      real = await realpath(file);
    } catch (error) {
      const message = error instanceof InputFileError ? error.message : `${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`;
      this.log.error(at, message);
      if (error instanceof InputFileError && error.reason === 'too-large') this.reader.stop();
      return undefined;
    }
    this.bytes += Buffer.byteLength(text);
    this.files.push(file);
    return { path: file, real, dir: path.dirname(real), text };
  }

  async run(): Promise<void> {
    for (let output = this.reader.next(); output !== undefined; output = this.reader.next()) {
      if (output.kind === 'include') await this.include(output);
      else pushLine(output, this.tokens);
    }
  }

  private async include(token: Extract<ReaderOutput, { kind: 'include' }>): Promise<void> {
    const matched: string[] = [];
    const directive: IncludeDirective = { file: token.file, line: token.line, variant: token.variant, pattern: token.pattern, matched };
    this.includes.push(directive);
    const left = unresolved(token.pattern);
    if (left !== undefined) {
      this.log.error(
        token,
        `${token.variant} ${token.pattern}: ${left} is not replaced (an undefined parameter, or $NAME glued to more text: keepalived replaces $NAME only before a blank, "," or ")", so write \${NAME}); expected a pattern without parameters left`,
      );
      return;
    }
    if (this.reader.depth >= MAX_INCLUDE_DEPTH) {
      this.log.error(token, `${token.variant} ${token.pattern}: includes nested more than ${MAX_INCLUDE_DEPTH} deep; expected a shallow include tree`);
      return;
    }
    const cwd = this.reader.currentDirectory();
    const pattern = path.resolve(cwd, token.pattern);
    const wildcard = hasWildcard(token.pattern);
    let paths: string[];
    try {
      paths = wildcard ? await glob(pattern, { maxMatches: MAX_GLOB_MATCHES }) : [pattern];
    } catch (error) {
      if (!(error instanceof GlobLimitError)) throw error;
      this.log.error(token, `${token.variant} ${token.pattern}: ${error.message}; expected a pattern for a few configuration files`);
      return;
    }
    if (wildcard && paths.length === 0) {
      if (token.variant === 'includew' || token.variant === 'includea') {
        this.log.error(token, `${token.variant} ${token.pattern}: no file matches; expected at least one (${token.variant} requires a match)`);
      } else {
        this.log.warning(token, `${token.variant} ${token.pattern}: no file matches, so nothing is included (keepalived reads on)`);
      }
      return;
    }
    const open = this.reader.openFiles();
    const files: SourceFile[] = [];
    for (const match of paths) {
      const kind = await fileKind(match);
      if (kind === 'directory') {
        if (!wildcard) this.log.error(token, `${token.variant} ${token.pattern}: is a directory; expected a file or a glob pattern such as ${path.join(token.pattern, '*.conf')}`);
        continue;
      }
      if (kind === 'executable') {
        this.log.error(token, `${token.variant} ${token.pattern}: ${match} is executable, and keepalived skips executable files; expected a plain configuration file (chmod a-x)`);
        continue;
      }
      const real = await realpath(match).catch(() => match);
      if (open.includes(real)) {
        const chain = [...open.slice(open.indexOf(real)), real].join(' -> ');
        this.log.error(token, `include cycle: ${chain}; expected each file to be included once per chain`);
        continue;
      }
      const file = await this.load(match, token);
      if (file === undefined) return;
      matched.push(match);
      files.push(file);
    }
    this.reader.pushFiles(files);
  }
}

async function fileKind(file: string): Promise<'directory' | 'executable' | 'other'> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) return 'directory';
    return info.isFile() && (info.mode & 0o111) !== 0 ? 'executable' : 'other';
  } catch {
    return 'other'; // readInputFile names what is wrong with it.
  }
}

/**
 * readKeepalived reads a keepalived configuration with all the files it
 * includes and returns its typed model. Every problem of every file is
 * collected; one {@link ConfigError} carries the errors, each with its file
 * and line; warnings (what keepalived reports, then defaults or ignores) are
 * in the model.
 */
export async function readKeepalived(file: string, options: ReadKeepalivedOptions = {}): Promise<KeepalivedModel> {
  const log = new ProblemLog();
  const reader = new LineReader(log, { configId: options.configId ?? defaultConfigId(), env: options.env ?? process.env });
  const expander = new Expander(log, reader);
  const main = path.resolve(file);
  const loaded = await expander.load(main, { file: main, line: 0 });
  if (loaded !== undefined) {
    reader.pushFiles([loaded]);
    await expander.run();
  }
  log.throwIfErrors();
  const tree = parseTokens(expander.tokens, log);
  log.throwIfErrors();
  return buildKeepalived({ statements: tree.statements, files: expander.files, includes: [...expander.includes, ...tree.includes] }, log);
}
