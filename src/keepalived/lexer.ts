/**
 * Tokens of keepalived.conf: the logical lines of {@link LineReader} cut into
 * words as keepalived's alloc_strvec_r() cuts them. Words are separated by
 * blanks; a word that starts with `"` runs to the next `"` and loses the
 * quotes; an unquoted word also ends at a `"`. A logical line is either a
 * lone `{` or `}` (the reader cuts lines at braces outside quotes) or a
 * statement: its words, then an `eol` token. Escapes inside quotes are kept
 * as written: only script keywords (install_keyword_quoted) interpret them.
 */
import type { IncludeVariant, Located } from './model.js';
import { LineReader, type LineReaderOptions, type ReaderOutput, type SourceFile } from './lines.js';
import type { ProblemLog } from './problems.js';

/** Token: one word, brace, end of line or include directive, with where it was written. */
export type Token =
  | (Located & { readonly kind: 'word'; readonly text: string })
  | (Located & { readonly kind: 'open' | 'close' | 'eol' })
  | (Located & { readonly kind: 'include'; readonly variant: IncludeVariant; readonly pattern: string });

/** words splits one logical line like alloc_strvec_r(); an unmatched quote ends it (keepalived reports it). */
export function words(text: string): { readonly words: string[]; readonly unmatchedQuote: boolean } {
  if (!text.includes('"')) return { words: text.split(/[ \t\f\n\r\v]+/).filter((w) => w !== ''), unmatchedQuote: false };
  const result: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (' \t\f\n\r\v'.includes(c)) {
      i++;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end === -1) return { words: result, unmatchedQuote: true };
      result.push(text.slice(i + 1, end));
      i = end + 1;
    } else {
      let j = i;
      while (j < text.length && !' \t\f\n\r\v"'.includes(text[j] ?? '')) j++;
      result.push(text.slice(i, j));
      i = j;
    }
  }
  return { words: result, unmatchedQuote: false };
}

/** pushLine appends the tokens of one logical line. */
export function pushLine(output: Extract<ReaderOutput, { kind: 'line' }>, tokens: Token[]): void {
  const { text, file, line } = output;
  if (text === '{' || text === '}') {
    tokens.push({ kind: text === '{' ? 'open' : 'close', file, line });
    return;
  }
  const split = words(text);
  for (const word of split.words) tokens.push({ kind: 'word', text: word, file, line });
  if (split.words.length > 0) tokens.push({ kind: 'eol', file, line });
}

/**
 * lexKeepalived lexes the text of one file without reading any other: an
 * `include` becomes an `include` token. Problems go to `log`.
 */
export function lexKeepalived(file: SourceFile, log: ProblemLog, options: LineReaderOptions = {}): Token[] {
  const reader = new LineReader(log, options);
  reader.pushFiles([file]);
  const tokens: Token[] = [];
  for (let output = reader.next(); output !== undefined; output = reader.next()) {
    if (output.kind === 'include') tokens.push(output);
    else pushLine(output, tokens);
  }
  return tokens;
}
