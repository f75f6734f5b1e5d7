/**
 * Helpers over `yaml` documents shared by the YAML readers (lbfw.yaml and the
 * sysctl profiles): lines of nodes, problems, and what a node is for
 * "expected X; got Y" messages.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { ConfigError, type InputProblem } from '../errors.js';

/** isEmpty says whether a node holds nothing (`key:` with no value). */
export function isEmpty(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

/** describe says what a node is, e.g. `a list`, `"eighty"`, `80 (a number)`. */
export function describe(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isEmpty(node)) return 'nothing';
  if (isScalar(node)) {
    if (typeof node.value === 'string') return `"${node.value}"`;
    return `${node.source ?? String(node.value)} (a ${typeof node.value})`;
  }
  return 'an unsupported YAML node';
}

/** countLines counts the lines of a text, a final line break not starting another. */
export function countLines(text: string): number {
  const lines = text.split('\n').length;
  return text.endsWith('\n') ? lines - 1 : lines;
}

/** Field is a key of a mapping with its (dereferenced) value node and line; `value` is undefined for `key:` alone. */
export interface Field {
  readonly name: string;
  readonly line: number;
  readonly value: unknown;
}

/**
 * YamlReader walks a parsed YAML document: it turns node positions into
 * 1-based lines and collects problems, so a reader reports every bad line of
 * a file at once. Subclasses add the reads of their own file format.
 */
export class YamlReader {
  readonly problems: InputProblem[] = [];

  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
    private readonly doc: Document,
    private readonly lastLine: number,
  ) {}

  /** lineAt gives the 1-based line of a source offset, clamped to the last line of the text. */
  lineAt(offset: number): number {
    return Math.max(1, Math.min(this.lines.linePos(offset).line, this.lastLine));
  }

  /** lineOf gives the line a node starts on, or `fallback` for nodes without a position. */
  lineOf(node: unknown, fallback: number): number {
    const start = (node as { range?: readonly number[] } | null | undefined)?.range?.[0];
    return start === undefined ? fallback : this.lineAt(start);
  }

  /** report records a problem; it returns undefined so that readers can `return reader.report(...)`. */
  report(line: number, message: string): undefined {
    this.problems.push({ file: this.file, line, message });
    return undefined;
  }

  /** deref follows an alias (`*name`) to the node it names. */
  deref(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  /** text returns a string scalar, or reports what was found instead. */
  text(node: unknown, line: number, name: string, expected: string): string | undefined {
    if (isScalar(node) && typeof node.value === 'string') return node.value;
    return this.report(this.lineOf(node, line), `${name}: expected ${expected}; got ${describe(node)}`);
  }
}

/** problemsByLine returns the problems sorted by line, as an operator reads a file. */
export function problemsByLine(problems: readonly InputProblem[]): InputProblem[] {
  return [...problems].sort((a, b) => a.line - b.line);
}

/**
 * openYaml parses `text` into a document and a reader made by `make`; a YAML
 * syntax error (or warning, such as an unresolved tag: a firewall input must
 * mean one thing) throws ConfigError naming every bad line. Returns the
 * reader and the dereferenced root node.
 */
export function openYaml<R extends YamlReader>(
  text: string,
  file: string,
  make: (file: string, lines: LineCounter, doc: Document, lastLine: number) => R,
): { readonly reader: R; readonly root: unknown } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const reader = make(file, lines, doc, Math.max(1, countLines(text)));
  const syntax = [...doc.errors, ...doc.warnings];
  if (syntax.length > 0) {
    for (const error of syntax) reader.report(reader.lineAt(error.pos[0]), `YAML syntax: ${error.message}`);
    throw new ConfigError(problemsByLine(reader.problems));
  }
  return { reader, root: reader.deref(doc.contents) };
}
