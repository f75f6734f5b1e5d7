/**
 * parseTokens turns tokens into the statement tree of keepalived.conf.
 *
 * A statement is the words of one line up to the end of the line, a `{` or a
 * `}` (lib/parser.c read_line() cuts the line at a brace, so
 * `real_server 192.0.2.21 80 { weight 1 }` is three lines for keepalived). A `{`
 * opens the block of the statement before it, on the same line or on a later
 * one (process_stream(): "bob_needed"); a `}` closes the innermost block.
 * Braces that do not balance are errors naming the line and what was
 * expected; keepalived itself only logs "Extra '}' found" and reads on, which
 * leaves the rest of the file in the wrong block.
 */
import type { Token } from './lexer.js';
import type { IncludeDirective, Statement } from './model.js';
import type { ProblemLog } from './problems.js';

/**
 * Blocks open at once. keepalived's deepest real nesting is four
 * (virtual_server > real_server > HTTP_GET > url); thousands of unclosed
 * blocks are an attack or an accident, reported at the `{` that went too deep.
 */
export const MAX_BLOCK_DEPTH = 32;

/** ParsedTree: the statements of a token stream and the include lines that were left in it. */
export interface ParsedTree {
  readonly statements: readonly Statement[];
  /** Include lines that were not expanded (text parsed without reading files). */
  readonly includes: readonly IncludeDirective[];
}

interface MutableStatement {
  keyword: string;
  args: string[];
  file: string;
  line: number;
  block?: MutableStatement[];
}

function freeze(statement: MutableStatement): Statement {
  const { keyword, args, file, line, block } = statement;
  return block === undefined ? { keyword, args, file, line } : { keyword, args, file, line, block: block.map(freeze) };
}

/** parseTokens builds the tree; unbalanced braces are added to `problems`. */
export function parseTokens(tokens: readonly Token[], problems: ProblemLog): ParsedTree {
  const includes: IncludeDirective[] = [];
  const top: MutableStatement[] = [];
  /** Open blocks, innermost last, with the `{` that opened each. */
  const open: Array<{ readonly block: MutableStatement[]; readonly at: Token }> = [];
  let current = top;
  /** The statement a following `{` would open, until something else comes between. */
  let awaitingBlock: MutableStatement | undefined;
  let statement: MutableStatement | undefined;

  for (const token of tokens) {
    switch (token.kind) {
      case 'word':
        if (statement === undefined) {
          statement = { keyword: token.text, args: [], file: token.file, line: token.line };
          current.push(statement);
          awaitingBlock = undefined;
        } else {
          statement.args.push(token.text);
        }
        break;
      case 'eol':
        if (statement !== undefined) awaitingBlock = statement;
        statement = undefined;
        break;
      case 'open': {
        const owner = statement ?? awaitingBlock;
        statement = undefined;
        awaitingBlock = undefined;
        const block: MutableStatement[] = [];
        if (open.length >= MAX_BLOCK_DEPTH) {
          problems.error(token, `blocks nested more than ${MAX_BLOCK_DEPTH} deep; expected at most a few levels (virtual_server { real_server { TCP_CHECK { } } })`);
          return { statements: top.map(freeze), includes };
        }
        if (owner === undefined) {
          problems.error(token, "unexpected '{': expected a keyword before it (e.g. vrrp_instance NAME {)");
        } else {
          owner.block = block;
        }
        open.push({ block: current, at: token });
        current = block;
        break;
      }
      case 'close': {
        statement = undefined;
        awaitingBlock = undefined;
        const outer = open.pop();
        if (outer === undefined) {
          problems.error(token, "unexpected '}': no block is open here");
        } else {
          current = outer.block;
        }
        break;
      }
      case 'include':
        statement = undefined;
        awaitingBlock = undefined;
        includes.push({ file: token.file, line: token.line, variant: token.variant, pattern: token.pattern });
        break;
    }
  }
  for (const { at } of open) {
    problems.error(at, "'{' is never closed: expected a matching '}' before the end of the configuration");
  }
  return { statements: top.map(freeze), includes };
}
