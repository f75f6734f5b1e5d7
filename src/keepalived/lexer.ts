/**
 * lexKeepalived turns the text of one keepalived.conf file into tokens that
 * carry their file and line. keepalived reads its configuration line by line
 * (lib/parser.c read_line()), and so does this lexer:
 *
 * 1. `#` and `!` start a comment anywhere outside double quotes;
 *    `\#` and `\!` outside quotes are the literal characters (decomment()).
 * 2. A line that starts with `include` (or `includer`, `includem`, `includew`,
 *    `includeb`, `includea`) and a blank names files to read: the rest of the
 *    line is the glob pattern, taken before conditional lines and parameters
 *    are processed (is_include(); keepalived.conf(5): "include handling will
 *    not work if the include line uses conditional configuration or parameter
 *    substitution").
 * 3. `@ID text` keeps `text` only when ID is the config id, `@^ID text` only
 *    when it is not; without a config id every `@ID` line is dropped and every
 *    `@^ID` line kept (read_line(), keepalived.conf(5) "conditional
 *    configuration").
 * 4. `$NAME=VALUE` defines a parameter; `$NAME` followed by a blank or the end,
 *    and `${NAME}`, are replaced by its value in later lines, in this and every
 *    later file (check_definition(), replace_param()). Multi-line definitions
 *    and `~SEQ`/`~LST` are reported as unsupported rather than misread.
 * 5. `{` and `}` outside quotes are tokens of their own even when glued to a
 *    word (read_line() splits the line at them); words are separated by blanks;
 *    `"..."` is one word without its quotes, and a `"` also ends an unquoted
 *    word (alloc_strvec_r()). Escapes inside quotes are kept as written: only
 *    script keywords (install_keyword_quoted) interpret them.
 *
 * An `eol` token ends every line that produced tokens, because a keepalived
 * statement is one line: the keyword and its values.
 */
import type { InputProblem } from '../errors.js';
import type { IncludeVariant, Located } from './model.js';

/** Token: one word, brace, end of line or include directive, with where it was written. */
export type Token =
  | (Located & { readonly kind: 'word'; readonly text: string })
  | (Located & { readonly kind: 'open' | 'close' | 'eol' })
  | (Located & { readonly kind: 'include'; readonly variant: IncludeVariant; readonly pattern: string });

/**
 * LexContext is shared by every file of one configuration: keepalived keeps
 * parameter definitions from one included file to the next.
 */
export interface LexContext {
  /** keepalived's config id (`-i`, default: the host name up to the first dot); absent: none. */
  readonly configId?: string;
  readonly definitions: Map<string, string>;
}

/** newLexContext starts the lexing of one configuration. */
export function newLexContext(configId?: string): LexContext {
  return configId === undefined ? { definitions: new Map() } : { configId, definitions: new Map() };
}

/** Replacements of parameters may themselves contain parameters; keepalived loops too, we stop here. */
const MAX_SUBSTITUTION_ROUNDS = 16;

/** The result of {@link decomment}: the line without comments, and whether a quote was left open. */
interface Decommented {
  readonly text: string;
  readonly unterminatedQuote: boolean;
}

/** decomment removes comments and trims the line as keepalived's decomment() does. */
function decomment(raw: string): Decommented {
  let out = '';
  let quote = false;
  const text = raw.replace(/^[ \t]+/, '');
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '"') {
      quote = !quote;
      out += c;
    } else if (c === '\\' && i + 1 < text.length) {
      const next = text[i + 1] ?? '';
      // Outside quotes `\#` and `\!` are the escaped characters; everything else keeps its backslash.
      out += !quote && (next === '#' || next === '!') ? next : c + next;
      i++;
    } else if (!quote && (c === '#' || c === '!')) {
      break;
    } else {
      out += c;
    }
  }
  return { text: out.replace(/[ \t\f\v]+$/, ''), unterminatedQuote: quote };
}

/** conditional applies an `@ID`/`@^ID` prefix: the rest of the line, or undefined when the line is dropped. */
function conditional(line: string, configId: string | undefined): string | undefined {
  if (!line.startsWith('@')) return line;
  const negated = line.startsWith('@^');
  const match = /^@\^?(\S*)[ \t]+(.*)$/.exec(line);
  // Nothing after the id: keepalived drops the line.
  if (match === null) return undefined;
  const differs = configId === undefined || match[1] !== configId;
  return differs !== negated ? undefined : (match[2] ?? '');
}

/** substitute replaces `$NAME ` and `${NAME}` of defined parameters; unknown names stay as written. */
function substitute(line: string, definitions: ReadonlyMap<string, string>): string {
  let result = line;
  for (let round = 0; round < MAX_SUBSTITUTION_ROUNDS && result.includes('$'); round++) {
    const next = result.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)(?=[ \t]|$)/g, (whole, braced?: string, bare?: string) => {
      const value = definitions.get(braced ?? bare ?? '');
      return value ?? whole;
    });
    if (next === result) break;
    result = next;
  }
  return result;
}

/**
 * lexKeepalived lexes one file. Problems (unterminated quotes, unsupported
 * constructs) are added to `problems`; lexing goes on so that all of them are
 * reported at once.
 */
export function lexKeepalived(text: string, file: string, context: LexContext, problems: InputProblem[]): Token[] {
  const tokens: Token[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1;
    const raw = (lines[index] ?? '').replace(/\r+$/, '');
    const decommented = decomment(raw);
    if (decommented.unterminatedQuote) {
      problems.push({ file, line, message: 'unterminated quote: expected a closing " on the same line' });
    }
    let current = decommented.text;
    if (current === '') continue;

    const include = /^(include[rmwba]?)[ \t]+(.*)$/.exec(current);
    if (include !== null) {
      // decomment() trimmed the line, so a pattern follows: `include` alone is an (unknown) keyword.
      tokens.push({ kind: 'include', variant: include[1] as IncludeVariant, pattern: include[2] ?? '', file, line });
      continue;
    }

    const kept = conditional(current, context.configId);
    if (kept === undefined) continue;
    current = kept;

    const definition = /^\$([A-Za-z_][A-Za-z0-9_]*)=[ \t]*(.*)$/.exec(current);
    if (definition !== null) {
      const value = definition[2] ?? '';
      if (value.endsWith('\\')) {
        problems.push({
          file,
          line,
          message: `multi-line parameter definition $${definition[1]} is not supported by lbfw; expected $NAME=VALUE on one line`,
        });
      } else {
        context.definitions.set(definition[1] ?? '', value);
      }
      continue;
    }
    if (current.startsWith('~SEQ') || current.startsWith('~LST')) {
      problems.push({ file, line, message: `${current.slice(0, 4)} is not supported by lbfw; expected the lines written out` });
      continue;
    }
    if (context.definitions.size > 0 && current.includes('$')) {
      // keepalived decomments again after substitution: a value may carry a comment.
      current = decomment(substitute(current, context.definitions)).text;
      if (current === '') continue;
    }

    const before = tokens.length;
    splitWords(current, file, line, tokens);
    if (tokens.length > before) tokens.push({ kind: 'eol', file, line });
  }
  return tokens;
}

/** splitWords appends the words and braces of one decommented line. */
function splitWords(text: string, file: string, line: number, tokens: Token[]): void {
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '{' || c === '}') {
      tokens.push({ kind: c === '{' ? 'open' : 'close', file, line });
      i++;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      // An unterminated quote has been reported by decomment(); the rest of the line is the word.
      const stop = end === -1 ? text.length : end;
      tokens.push({ kind: 'word', text: text.slice(i + 1, stop), file, line });
      i = stop + 1;
    } else {
      let j = i;
      while (j < text.length && !/[\s"{}]/.test(text[j] ?? '')) j++;
      tokens.push({ kind: 'word', text: text.slice(i, j), file, line });
      i = j;
    }
  }
}
