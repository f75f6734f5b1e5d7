/** Helpers: lex or parse keepalived.conf text in memory, with the problems as data. */
import type { InputProblem } from '../../../src/errors.js';
import { type Token, lexKeepalived } from '../../../src/keepalived/lexer.js';
import type { LineReaderOptions } from '../../../src/keepalived/lines.js';
import type { Statement } from '../../../src/keepalived/model.js';
import { parseTokens } from '../../../src/keepalived/parse.js';
import { ProblemLog } from '../../../src/keepalived/problems.js';

export interface Lexed {
  readonly tokens: Token[];
  readonly errors: InputProblem[];
  readonly warnings: InputProblem[];
}

/** lex reads `text` as the file /etc/keepalived/k.conf. */
export function lex(text: string, options: LineReaderOptions = {}): Lexed {
  const log = new ProblemLog();
  const tokens = lexKeepalived({ path: 'k.conf', real: '/etc/keepalived/k.conf', dir: '/etc/keepalived', text }, log, options);
  return { tokens, errors: log.errorList(), warnings: log.warningList() };
}

/** tree lexes and parses `text`. */
export function tree(text: string, options: LineReaderOptions = {}): { statements: readonly Statement[]; errors: InputProblem[] } {
  const log = new ProblemLog();
  const tokens = lexKeepalived({ path: 'k.conf', real: '/etc/keepalived/k.conf', dir: '/etc/keepalived', text }, log, options);
  const { statements } = parseTokens(tokens, log);
  return { statements, errors: log.errorList() };
}

/** render shows tokens compactly: words as written, `{` `}` and line ends in angle brackets. */
export function render(tokens: readonly Token[]): string[] {
  return tokens.map((t) => {
    switch (t.kind) {
      case 'word':
        return t.text;
      case 'open':
        return '<{>';
      case 'close':
        return '<}>';
      case 'eol':
        return '<eol>';
      case 'include':
        return `<${t.variant} ${t.pattern}>`;
    }
  });
}

/** lines renders tokens as one string per statement line (`{` and `}` alone). */
export function lines(tokens: readonly Token[]): string[] {
  const out: string[] = [];
  let current: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'word') current.push(t.text);
    else if (t.kind === 'eol') {
      out.push(current.join(' '));
      current = [];
    } else if (t.kind === 'include') out.push(`<${t.variant} ${t.pattern}>`);
    else out.push(t.kind === 'open' ? '{' : '}');
  }
  return out;
}
