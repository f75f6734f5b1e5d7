/**
 * The I/O of the keepalived reader: read the main file, expand its `include`
 * lines into the tokens of the files they name, and hand the result to the
 * pure parser and builder.
 *
 * Rules, and what forces them:
 * - A relative pattern is relative to the directory of the file that holds
 *   the `include` line: keepalived chdir()s into the directory of each file it
 *   opens (lib/parser.c open_conf_file(); keepalived.conf(5): "relative paths
 *   included from a file are relative to the directory of the including file").
 * - Inclusion is textual: the included tokens take the place of the line, so
 *   an included file may hold whole blocks or lines inside a block.
 * - A pattern with wildcards that matches nothing is not an error: plain
 *   `include` "does not produce config errors if files could not be opened"
 *   (keepalived.conf(5)), so `include services/*.conf` with no services yet is
 *   fine. `includew` and `includea` ask for a match; lbfw honours that.
 * - A pattern without wildcards that names no file IS an error in lbfw, for
 *   every variant: keepalived only logs it for plain `include`, and the
 *   services it would have defined silently go missing.
 * - Matched directories are skipped, as keepalived does (check_glob_file()).
 * - An include cycle is an error (keepalived would recurse until it runs out of
 *   file descriptors).
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, type InputProblem } from '../errors.js';
import { buildKeepalived } from './build.js';
import { glob, hasWildcard } from './glob.js';
import { type LexContext, type Token, lexKeepalived, newLexContext } from './lexer.js';
import type { IncludeDirective, KeepalivedModel } from './model.js';
import { parseTokens } from './parse.js';

/** Options of {@link readKeepalived}. */
export interface ReadKeepalivedOptions {
  /**
   * keepalived's config id for `@ID` lines (`keepalived -i ID`). Default: the
   * host name up to the first dot, as keepalived does; pass it explicitly to
   * read another host's configuration.
   */
  readonly configId?: string;
}

/** What reading one configuration produced before parsing. */
interface Expansion {
  readonly tokens: Token[];
  readonly files: string[];
  readonly includes: IncludeDirective[];
  readonly problems: InputProblem[];
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return error instanceof Error ? error.message : String(error);
}

class Expander {
  readonly expansion: Expansion = { tokens: [], files: [], includes: [], problems: [] };
  /** Real paths of the files being read, outermost first: a file met again here is a cycle. */
  private readonly stack: string[] = [];

  constructor(private readonly context: LexContext) {}

  /** expandFile lexes `file` and expands its includes; `from` is the include line that named it. */
  async expandFile(file: string, from?: { readonly file: string; readonly line: number }): Promise<void> {
    const problemAt = from ?? { file, line: 0 };
    let real: string;
    let text: string;
    try {
      real = await realpath(file);
      text = await readFile(real, 'utf8');
    } catch (error) {
      this.expansion.problems.push({ ...problemAt, message: `cannot read ${file}: ${describe(error)}; expected a readable keepalived configuration file` });
      return;
    }
    if (this.stack.includes(real)) {
      const chain = [...this.stack.slice(this.stack.indexOf(real)), real].join(' -> ');
      this.expansion.problems.push({ ...problemAt, message: `include cycle: ${chain}; expected each file to be included once per chain` });
      return;
    }
    this.stack.push(real);
    this.expansion.files.push(file);
    for (const token of lexKeepalived(text, file, this.context, this.expansion.problems)) {
      if (token.kind === 'include') await this.include(token);
      else this.expansion.tokens.push(token);
    }
    this.stack.pop();
  }

  private async include(token: Extract<Token, { kind: 'include' }>): Promise<void> {
    const pattern = path.resolve(path.dirname(token.file), token.pattern);
    const wildcard = hasWildcard(token.pattern);
    const matched: string[] = [];
    const directive: IncludeDirective = { file: token.file, line: token.line, variant: token.variant, pattern: token.pattern, matched };
    this.expansion.includes.push(directive);
    const paths = wildcard ? await glob(pattern) : [pattern];
    if (wildcard && paths.length === 0 && (token.variant === 'includew' || token.variant === 'includea')) {
      this.expansion.problems.push({
        file: token.file,
        line: token.line,
        message: `${token.variant} ${token.pattern}: no file matches; expected at least one (${token.variant} requires a match)`,
      });
    }
    for (const match of paths) {
      if (wildcard && (await isDirectory(match))) continue;
      if (!wildcard && (await isDirectory(match))) {
        this.expansion.problems.push({ file: token.file, line: token.line, message: `${token.variant} ${token.pattern}: is a directory; expected a file or a glob pattern such as ${path.join(token.pattern, '*.conf')}` });
        continue;
      }
      matched.push(match);
      await this.expandFile(match, token);
    }
  }
}

async function isDirectory(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isDirectory();
  } catch {
    return false;
  }
}

/** The default config id of keepalived: the node name up to its first dot. */
function defaultConfigId(): string {
  return os.hostname().split('.')[0] ?? '';
}

/**
 * readKeepalived reads a keepalived configuration with all the files it
 * includes and returns its typed model. Every problem of every file is
 * collected; one {@link ConfigError} carries them all, each with its file
 * and line.
 */
export async function readKeepalived(file: string, options: ReadKeepalivedOptions = {}): Promise<KeepalivedModel> {
  const expander = new Expander(newLexContext(options.configId ?? defaultConfigId()));
  await expander.expandFile(path.resolve(file));
  const { tokens, files, includes, problems } = expander.expansion;
  if (problems.length > 0) throw new ConfigError(problems);
  const tree = parseTokens(tokens, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return buildKeepalived({ statements: tree.statements, files, includes: [...includes, ...tree.includes] });
}
