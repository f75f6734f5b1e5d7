/**
 * keepalived's line reader: the logical lines keepalived's parser sees, in
 * the order it sees them, produced exactly as lib/parser.c read_line() of
 * keepalived 2.2.7 (Debian 12) produces them. Per line, in this order:
 *
 * 1. Read a physical line (at most {@link MAX_LINE_BYTES} bytes: keepalived's
 *    buffer is MAXBUF = 1024), strip `\n`/`\r`, skip it when empty, and
 *    decomment it: `#` and `!` outside double quotes start a comment, `\#`
 *    and `\!` outside quotes are the characters, blanks at both ends go, and a
 *    trailing `\` is kept (glued to the text before it).
 * 2. While a multi-line definition is open (`$NAME=text \`), the line joins
 *    it; a line without a trailing `\` is its last, a truly empty line ends it.
 * 3. `@ID text` keeps `text` only when ID is the config id, `@^ID text` only
 *    when it is not.
 * 4. `$NAME=text` defines (or redefines, even a built-in) a parameter.
 * 5. `~SEQ(var, [start,] [step,] end) text` and
 *    `~LST(var|{v1,v2}, values...) text` queue lines: `text` once per value,
 *    with the variables set. Queued lines come before the next line of the
 *    file (and before the lines of a file an `include` among them opens).
 * 6. `$NAME` (followed by a blank, `,`, `)` or the end of the line) and
 *    `${NAME}` are replaced; the scan goes on at the start of the replacement,
 *    so a value may refer to other parameters. A value that starts with `~`
 *    ends the scan. A parameter that is not defined stays as written. A
 *    multi-line parameter is only replaced when it ends the line; its further
 *    lines follow as lines of their own. Built-ins: `${_PWD}` (the directory
 *    of the file being read), `${_INSTANCE}` (the config id), `${_HASH}` (`#`,
 *    so a line that begins with it is a comment), `${_BANG}` (`!`),
 *    `${_RANDOM [MIN [MAX]]}` (random: a warning says so; lbfw reads MIN),
 *    `${_ENV NAME}` (keepalived 2.4 and later; 2.2.7 leaves it as written).
 *    After a replacement the line is decommented again and, when it starts
 *    with `@` or still holds a `$`, steps 3-6 run again on it.
 * 7. Only now is the line checked for `include` (and `includer`, `includem`,
 *    `includew`, `includeb`, `includea`): the rest of the line is the pattern,
 *    so parameters and conditionals in include lines work.
 * 8. The line is cut before its first `{` or `}` outside quotes; a brace is a
 *    line of its own; the rest is read again from step 3 on.
 *
 * Everything is bounded: line length, replacements per line, lines in all,
 * nesting of multi-line expansions. Problems are collected with file and line.
 */
import { excerpt } from '../text/excerpt.js';
import type { IncludeVariant, Located } from './model.js';
import type { ProblemLog } from './problems.js';

/** keepalived reads lines into a 1024-byte buffer (lib/parser.h MAXBUF): 1023 bytes and the NUL. */
export const MAX_LINE_BYTES = 1023;
/** Replacements in one line before lbfw calls it endless (keepalived itself would loop forever). */
export const MAX_REPLACEMENTS_PER_LINE = 1000;
/** Logical lines of one configuration, counting every ~SEQ/~LST and multi-line expansion. */
export const MAX_LOGICAL_LINES = 2_000_000;
/** Nested multi-line parameter expansions. */
const MAX_MULTILINE_NESTING = 100;
/** keepalived's ~SEQ parameter buffer: 3 longs, separators and the NUL (add_seq() seq_buf). */
const MAX_SEQ_PARAMS = 3 * 20 + 3;

/** One file to read: the path as lbfw names it and the real directory `${_PWD}` stands for. */
export interface SourceFile {
  readonly path: string;
  /** Its real path (symbolic links resolved): include cycles are found by it. */
  readonly real: string;
  readonly dir: string;
  readonly text: string;
}

/** What the reader produces next. */
export type ReaderOutput =
  | (Located & { readonly kind: 'line'; readonly text: string })
  | (Located & { readonly kind: 'include'; readonly variant: IncludeVariant; readonly pattern: string });

/** Options of a {@link LineReader}. */
export interface LineReaderOptions {
  /** keepalived's config id (`-i`); absent: every `@ID` line is dropped, every `@^ID` line kept. */
  readonly configId?: string;
  /** The environment `${_ENV NAME}` reads. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

interface Definition {
  value: string;
  multiline: boolean;
  /** Built-in computed on each use; a definition of the same name replaces it. */
  builtin?: 'pwd' | 'instance' | 'random' | 'env';
}

interface Sequence {
  readonly text: string;
  readonly at: Located;
  /** ~SEQ: one variable counting from next to last by step. */
  readonly seq?: { readonly variable: string; next: number; readonly last: number; readonly step: number; readonly hex: boolean };
  /** ~LST: variables and the value sets, one line per set. */
  readonly lst?: { readonly variables: readonly string[]; readonly sets: readonly (readonly string[])[]; next: number };
}

interface FileState {
  readonly file: SourceFile;
  readonly lines: string[];
  index: number;
}

interface Frame {
  readonly files: readonly SourceFile[];
  next: number;
  current?: FileState;
}

/** The result of {@link decomment}. */
interface Decommented {
  readonly text: string;
  readonly unterminatedQuote: boolean;
}

/**
 * decomment mirrors keepalived 2.2.7 decomment(): leading blanks go; `"`
 * toggles quoting until a comment has started; `\#`/`\!` outside quotes
 * become the character; a `\` at the very end marks a continuation (even
 * after a comment); the comment and trailing blanks go; the `\` comes back.
 */
export function decomment(line: string): Decommented {
  // Most lines hold none of the special characters: trimming is all there is to do.
  if (!/["\\#!]/.test(line)) return { text: line.replace(/^[ \t]+|[ \t]+$/g, ''), unterminatedQuote: false };
  const start = line.search(/[^ \t]/);
  const text = start === -1 ? '' : line.slice(start);
  let out = '';
  let quote = false;
  let comment = -1;
  let continuation = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      if (comment === -1) quote = !quote;
      out += c;
    } else if (c === '\\') {
      if (i + 1 === text.length) {
        continuation = true;
        break;
      }
      const next = text[i + 1];
      out += !quote && (next === '#' || next === '!') ? next : c + next;
      i++;
    } else {
      if (!quote && comment === -1 && (c === '#' || c === '!')) comment = out.length;
      out += c;
    }
  }
  let result = comment === -1 ? out : out.slice(0, comment);
  result = result.replace(/[ \t]+$/, '');
  if (continuation) result += '\\';
  return { text: result, unterminatedQuote: quote };
}

function isNameStart(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z_]/.test(c);
}

function isNameChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_]/.test(c);
}

function byteLength(text: string): number {
  // Cheap for the usual short line: only long ones need the exact UTF-8 count.
  return text.length * 3 <= MAX_LINE_BYTES ? text.length : Buffer.byteLength(text);
}

/** strtol(3) with base 0 on text from `at`: the value and where the number ended (at, when none). */
function strtol(text: string, at: number): { value: number; end: number } {
  const match = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text.slice(at));
  if (match === null) return { value: 0, end: at };
  const sign = match[1] === '-' ? -1 : 1;
  const digits = match[2] ?? '0';
  const magnitude = /^0[xX]/.test(digits) ? Number.parseInt(digits.slice(2), 16) : digits.length > 1 && digits.startsWith('0') ? Number.parseInt(digits, 8) : Number(digits);
  return { value: sign * magnitude, end: at + match[0].length };
}

function skipBlanks(text: string, at: number): number {
  while (text[at] === ' ' || text[at] === '\t') at++;
  return at;
}

/** A parameter reference found in a line. */
interface Reference {
  readonly name: string;
  readonly definition: Definition;
  /** Characters from the `$` to the end of the reference. */
  readonly length: number;
  readonly params?: string;
}

/** A problem that ends the reading of the line (keepalived leaves such a line half-replaced). */
class LineFailure extends Error {}

/**
 * LineReader yields the logical lines of a configuration. The caller pushes
 * the main file, calls {@link next} until it returns undefined, and answers
 * each `include` by pushing the files it names ({@link pushFiles}).
 */
export class LineReader {
  private readonly definitions = new Map<string, Definition>();
  private readonly sequences: Sequence[] = [];
  private readonly frames: Frame[] = [];
  private readonly configId: string | undefined;
  private readonly env: Readonly<Record<string, string | undefined>>;
  /** The rest of the multi-line parameter being expanded (keepalived's next_ptr). */
  private pending: string | undefined;
  private readonly pendingStack: Array<{ readonly pending: string; readonly sequenceDepth: number }> = [];
  private sequenceDepth = 0;
  /** The multi-line definition being read, while its lines end in `\`. */
  private openDefinition: Definition | undefined;
  private residue: string | undefined;
  private produced = 0;
  private stopped = false;

  constructor(private readonly problems: ProblemLog, options: LineReaderOptions = {}) {
    this.configId = options.configId;
    this.env = options.env ?? {};
    // keepalived's set_std_definitions(), in its order.
    this.definitions.set('_PWD', { value: '', multiline: false, builtin: 'pwd' });
    this.definitions.set('_INSTANCE', { value: '', multiline: false, builtin: 'instance' });
    this.definitions.set('_RANDOM', { value: '', multiline: false, builtin: 'random' });
    this.definitions.set('_ENV', { value: '', multiline: false, builtin: 'env' });
    this.definitions.set('_HASH', { value: '#', multiline: false });
    this.definitions.set('_BANG', { value: '!', multiline: false });
  }

  /** pushFiles makes `files` the next lines to read, in order (the files one include matched). */
  pushFiles(files: readonly SourceFile[]): void {
    if (files.length > 0) this.frames.push({ files, next: 0 });
  }

  /** depth is the number of include levels open (the main file is 1). */
  get depth(): number {
    return this.frames.length;
  }

  /** where is the file and line keepalived would name now: the line last read from the innermost file. */
  where(): Located {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const current = this.frames[i]?.current;
      if (current !== undefined) return { file: current.file.path, line: current.index };
    }
    return { file: '', line: 0 };
  }

  /** stop ends the reading (a bound was hit): {@link next} returns undefined from now on. */
  stop(): void {
    this.stopped = true;
  }

  /** next returns the next logical line or include, or undefined at the end. */
  next(): ReaderOutput | undefined {
    for (;;) {
      if (this.stopped) return undefined;
      const raw = this.rawLine();
      if (raw === undefined) return undefined;
      const at = this.where();
      let text: string | undefined;
      try {
        text = this.process(raw, at);
      } catch (error) {
        if (!(error instanceof LineFailure)) throw error;
        this.problems.error(at, error.message);
        continue;
      }
      if (text === undefined || text === '') continue;
      const include = /^include([rmwba]?)[ \t\n\v\f\r]/.exec(text);
      if (include !== null) {
        const pattern = text.slice(include[0].length).replace(/^[ \t]+/, '');
        return { kind: 'include', variant: `include${include[1] ?? ''}` as IncludeVariant, pattern, ...at };
      }
      if (++this.produced > MAX_LOGICAL_LINES) {
        this.problems.error(at, `more than ${MAX_LOGICAL_LINES} lines after ~SEQ/~LST and parameter expansion; expected a configuration of a sane size`);
        this.stop();
        return undefined;
      }
      return { kind: 'line', text: this.splitAtBrace(text), ...at };
    }
  }

  /** rawLine: the next line from the residue, a sequence, a multi-line expansion or a file (read_line()'s sources, in its order). */
  private rawLine(): string | undefined {
    for (;;) {
      if (this.residue !== undefined) {
        const residue = this.residue;
        this.residue = undefined;
        return this.joinDefinition(residue);
      }
      if (this.sequences.length > this.sequenceDepth) {
        const line = this.sequenceLine();
        if (line !== undefined) {
          const joined = this.joinDefinition(line);
          if (joined !== undefined) return joined;
        }
        continue;
      }
      if (this.pending !== undefined) {
        const end = this.pending.indexOf('\n');
        let line: string;
        if (end === -1) {
          line = this.pending;
          const outer = this.pendingStack.pop();
          this.pending = outer?.pending;
          this.sequenceDepth = outer?.sequenceDepth ?? 0;
        } else {
          line = this.pending.slice(0, end);
          this.pending = this.pending.slice(end + 1);
        }
        const joined = this.joinDefinition(line);
        if (joined !== undefined) return joined;
        continue;
      }
      const line = this.fileLine();
      if (line === undefined) return undefined;
      const joined = this.joinDefinition(line);
      if (joined !== undefined) return joined;
    }
  }

  /** fileLine reads the next physical line that is not empty once decommented. */
  private fileLine(): string | undefined {
    for (;;) {
      const frame = this.frames[this.frames.length - 1];
      if (frame === undefined) return undefined;
      const current = frame.current;
      if (current === undefined || current.index >= current.lines.length) {
        const file = frame.files[frame.next++];
        if (file === undefined) {
          this.frames.pop();
          continue;
        }
        // A final newline does not start another line.
        const lines = file.text.split('\n');
        if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
        frame.current = { file, lines, index: 0 };
        continue;
      }
      let raw = current.lines[current.index++] ?? '';
      if (raw.endsWith('\r')) raw = raw.replace(/\r+$/, '');
      const at = { file: current.file.path, line: current.index };
      if (raw === '') {
        // A truly empty line ends a multi-line definition (read_line(): "!len && multiline_param_def").
        if (this.openDefinition !== undefined) this.closeDefinition();
        continue;
      }
      if (byteLength(raw) > MAX_LINE_BYTES) {
        this.problems.error(at, `line of ${Buffer.byteLength(raw)} bytes; keepalived reads at most ${MAX_LINE_BYTES} bytes a line (2.2.7 cuts it into pieces, later versions ignore it)`);
        continue;
      }
      if (raw.includes('\0')) {
        this.problems.error(at, 'line holds a NUL byte; keepalived stops the line there (later versions ignore it); expected text');
        continue;
      }
      const decommented = decomment(raw);
      if (decommented.unterminatedQuote) this.problems.error(at, 'unterminated quote: expected a closing " on the same line');
      if (decommented.text !== '') return decommented.text;
    }
  }

  private closeDefinition(): void {
    const definition = this.openDefinition;
    this.openDefinition = undefined;
    if (definition !== undefined && definition.value === '') definition.multiline = false;
  }

  /** joinDefinition adds `line` to an open multi-line definition (undefined: consumed) or returns it. */
  private joinDefinition(line: string): string | undefined {
    const definition = this.openDefinition;
    if (definition === undefined) return line;
    let text = line;
    let more = false;
    if (text.endsWith('\\')) {
      text = `${text.slice(0, -1).replace(/[ \t]+$/, '')}\n`;
      more = true;
    } else {
      this.closeDefinition();
    }
    // "Don't add blank lines" (read_line()).
    if (text.length >= 2 || (text.length > 0 && !more)) definition.value += text;
    return undefined;
  }

  /** sequenceLine produces the next line of the innermost ~SEQ/~LST, setting its variables. */
  private sequenceLine(): string | undefined {
    const sequence = this.sequences[this.sequences.length - 1];
    if (sequence === undefined) return undefined;
    if (sequence.seq !== undefined) {
      const s = sequence.seq;
      this.define(s.variable, s.hex ? s.next.toString(16) : String(s.next));
      s.next += s.step;
      if ((s.step > 0 && s.next > s.last) || (s.step < 0 && s.next < s.last)) this.sequences.pop();
    } else if (sequence.lst !== undefined) {
      const l = sequence.lst;
      const set = l.sets[l.next] ?? [];
      l.variables.forEach((variable, i) => this.define(variable, set[i] ?? ''));
      l.next++;
      if (l.next >= l.sets.length) this.sequences.pop();
    }
    return sequence.text;
  }

  private define(name: string, value: string): void {
    const existing = this.definitions.get(name);
    if (existing === undefined) {
      this.definitions.set(name, { value, multiline: false });
    } else {
      existing.value = value;
      existing.multiline = false;
      delete existing.builtin;
    }
  }

  /** process runs steps 3-6 on one line; undefined when nothing is left of it. */
  private process(line: string, at: Located): string | undefined {
    let text = line;
    for (let round = 0; ; round++) {
      if (round > MAX_REPLACEMENTS_PER_LINE) throw new LineFailure('parameters are still being replaced after many rounds; keepalived would never finish this line');
      if (text.startsWith('@')) {
        const negated = text.startsWith('@^');
        const idStart = negated ? 2 : 1;
        const blank = text.slice(idStart).search(/[ \t]/);
        // Nothing after the id: keepalived drops the line.
        if (blank === -1) return undefined;
        const id = text.slice(idStart, idStart + blank);
        const differs = this.configId === undefined || id !== this.configId;
        if (differs !== negated) return undefined;
        text = text.slice(skipBlanks(text, idStart + blank));
      }
      if (text.startsWith('$') && this.definition(text, at)) return undefined;
      if (text.startsWith('~SEQ') || text.startsWith('~LST')) {
        const added = text[1] === 'S' ? this.addSeq(text, at) : this.addLst(text, at);
        if (!added) this.problems.error(at, `invalid ${text.slice(0, 4)} specification "${clip(text)}"; expected ${text[1] === 'S' ? '~SEQ(VAR, [START,] [STEP,] END) TEXT' : '~LST(VAR, V1, V2, ...) TEXT or ~LST({V1, V2}, {A1, A2}, ...) TEXT'}`);
        return undefined;
      }
      if (text.startsWith('~')) return text;
      if (!text.includes('$')) return text;
      const replaced = this.replace(text, at, true);
      if (replaced === undefined) return text;
      text = decomment(replaced).text;
      if (!(text.startsWith('@') || text.includes('$'))) return text;
    }
  }

  /** definition reads `$NAME=VALUE` (check_definition()); false when the line is not one. */
  private definition(text: string, at: Located): boolean {
    const match = /^\$([A-Za-z_][A-Za-z0-9_]*)=/.exec(text);
    if (match === null) return false;
    const name = match[1] ?? '';
    let value = text.slice(match[0].length).replace(/^[ \t]+/, '');
    let multiline = false;
    if (value.endsWith('\\')) {
      multiline = true;
      value = value.slice(0, -1).replace(/[ \t]+$/, '');
      value = value === '' ? '' : `${value}\n`;
    }
    const existing = this.definitions.get(name);
    if (existing !== undefined && existing.builtin !== undefined) {
      this.problems.warning(at, `$${name}= replaces keepalived's built-in \${${name}} from here on`);
    }
    if (existing === undefined) {
      this.definitions.set(name, { value, multiline });
    } else {
      existing.value = value;
      existing.multiline = multiline;
      delete existing.builtin;
    }
    if (multiline) this.openDefinition = this.definitions.get(name);
    return true;
  }

  /** reference finds the parameter used at `text[dollar]` (find_definition() with definition false). */
  private reference(text: string, dollar: number): Reference | undefined {
    let i = dollar + 1;
    const braces = text[i] === '{';
    if (braces) i++;
    if (!isNameStart(text[i])) return undefined;
    const nameStart = i;
    while (isNameChar(text[i])) i++;
    const name = text.slice(nameStart, i);
    let params: string | undefined;
    let end: number;
    if (braces) {
      // keepalived 2.2.7 allows digits and blanks as parameters (${_RANDOM 1 10}); 2.4 adds names (${_ENV HOME}).
      let p = i;
      let first = -1;
      let last = -1;
      while (p < text.length && /[ \tA-Za-z0-9_]/.test(text[p] ?? '')) {
        if (text[p] !== ' ' && text[p] !== '\t') {
          if (first === -1) first = p;
          last = p;
        }
        p++;
      }
      if (first !== -1 && last + 1 !== p) return undefined;
      if (text[p] !== '}') return undefined;
      if (first !== -1) params = text.slice(first, last + 1);
      end = p + 1;
    } else {
      const next = text[i];
      if (next !== undefined && next !== ' ' && next !== '\t' && next !== ',' && next !== ')') return undefined;
      end = i;
    }
    const definition = this.definitions.get(name);
    if (definition === undefined) return undefined;
    const allowMultiline = end === text.length;
    if (definition.multiline && !allowMultiline) return undefined;
    if (params !== undefined) {
      if (definition.builtin === 'env') {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(params)) return undefined;
      } else if (definition.builtin === 'random') {
        if (!/^[0-9]+([ \t]+[0-9]+)*$/.test(params)) return undefined;
      } else {
        return undefined;
      }
    } else if (definition.builtin === 'env') {
      return undefined;
    }
    return { name, definition, length: end - dollar, ...(params === undefined ? {} : { params }) };
  }

  /** valueOf computes a reference's replacement text (built-ins are computed on each use). */
  private valueOf(reference: Reference, at: Located): string {
    const d = reference.definition;
    switch (d.builtin) {
      case 'pwd':
        return this.currentDirectory();
      case 'instance':
        return this.configId ?? '';
      case 'random': {
        const numbers = (reference.params ?? '').split(/[ \t]+/).filter((n) => n !== '').map(Number);
        const min = numbers[0] ?? 0;
        const max = numbers.length >= 2 ? (numbers[1] ?? 32_767) : 32_767;
        this.problems.warning(at, `\${_RANDOM${reference.params === undefined ? '' : ` ${reference.params}`}} is a random number from ${min} to ${Math.max(min, max)}, drawn again each time keepalived reads the configuration; lbfw read it as ${min}`);
        return String(min);
      }
      case 'env': {
        const name = reference.params ?? '';
        const value = this.env[name];
        this.problems.warning(
          at,
          `\${_ENV ${name}} is replaced by keepalived 2.4 and later from keepalived's own environment (lbfw read ${value === undefined ? 'nothing: it is not set here' : `"${clip(value)}" from its own`}); keepalived 2.2.7 (Debian 12) leaves it as written`,
        );
        return value ?? '';
      }
      default:
        return d.value;
    }
  }

  /** currentDirectory is keepalived's working directory now: that of the innermost file being read. */
  currentDirectory(): string {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const current = this.frames[i]?.current;
      if (current !== undefined) return current.file.dir;
    }
    return '';
  }

  /** openFiles lists the real paths of the files being read, outermost first. */
  openFiles(): string[] {
    return this.frames.flatMap((frame) => (frame.current === undefined ? [] : [frame.current.file.real]));
  }

  /**
   * replace mirrors replace_param(): undefined when nothing was replaced. With
   * `multiline`, a multi-line parameter's further lines are queued.
   */
  private replace(line: string, at: Located, multiline: boolean): string | undefined {
    let text = line;
    let position = 0;
    let found = false;
    let replacements = 0;
    for (;;) {
      const dollar = text.indexOf('$', position);
      if (dollar === -1 || dollar + 1 >= text.length) break;
      const reference = this.reference(text, dollar);
      if (reference === undefined) {
        position = dollar + 1;
        continue;
      }
      if (++replacements > MAX_REPLACEMENTS_PER_LINE) {
        throw new LineFailure(`parameter $${reference.name} is still being replaced after ${MAX_REPLACEMENTS_PER_LINE} replacements (a parameter that refers to itself?); keepalived would never finish this line`);
      }
      found = true;
      const value = this.valueOf(reference, at);
      let replacement = value;
      if (reference.definition.multiline) {
        if (!multiline) throw new LineFailure(`~SEQ parameter $${reference.name} is a multi-line definition; expected a number`);
        const end = value.indexOf('\n');
        replacement = end === -1 ? value : value.slice(0, end);
        if (this.pending !== undefined) {
          if (this.pendingStack.length >= MAX_MULTILINE_NESTING) throw new LineFailure(`multi-line parameters nested more than ${MAX_MULTILINE_NESTING} deep`);
          this.pendingStack.push({ pending: this.pending, sequenceDepth: this.sequenceDepth });
        }
        this.sequenceDepth = this.sequences.length;
        this.pending = end === -1 ? undefined : value.slice(end + 1);
      }
      text = text.slice(0, dollar) + replacement + text.slice(dollar + reference.length);
      if (byteLength(text) > MAX_LINE_BYTES) {
        throw new LineFailure(`replacing $${reference.name} makes the line longer than keepalived's ${MAX_LINE_BYTES} bytes; keepalived stops replacing there`);
      }
      if (value.replace(/^[ \t]+/, '').startsWith('~')) break;
    }
    return found ? text : undefined;
  }

  /** addSeq reads `~SEQ[x](VAR, ...) TEXT` (add_seq()); false when it is not valid. */
  private addSeq(text: string, at: Located): boolean {
    let p = 4;
    const hex = text[p] === 'x';
    if (hex) p++;
    p = skipBlanks(text, p);
    if (text[p++] !== '(') return false;
    p = skipBlanks(text, p);
    const varStart = p;
    while (p < text.length && !' \t,)'.includes(text[p] ?? '')) p++;
    const variable = text.slice(varStart, p);
    p = skipBlanks(text, p);
    if (p >= text.length || text[p] === ')' || variable === '' || variable.startsWith('{')) return false;
    p = skipBlanks(text, p + 1);
    const close = text.indexOf(')', p);
    if (close === -1) return false;
    let params = text.slice(p, close + 1);
    if (params.length > MAX_SEQ_PARAMS) return false;
    params = this.replace(params, at, false) ?? params;
    const numbers: number[] = [];
    let q = 0;
    for (;;) {
      const { value, end } = strtol(params, q);
      numbers.push(value);
      q = skipBlanks(params, end);
      if (params[q] === ')') break;
      if (params[q] !== ',' || numbers.length === 3) return false;
      q++;
    }
    let start: number;
    let step: number;
    let end: number;
    if (numbers.length === 1) {
      end = numbers[0] ?? 0;
      step = end < 1 ? -1 : 1;
      start = end < 0 ? -1 : 1;
    } else if (numbers.length === 2) {
      start = numbers[0] ?? 0;
      end = numbers[1] ?? 0;
      step = start <= end ? 1 : -1;
    } else {
      start = numbers[0] ?? 0;
      step = numbers[1] ?? 0;
      end = numbers[2] ?? 0;
      if (step === 0 || (start < end && step < 0) || (start > end && step > 0)) return false;
    }
    if (hex && (start < 0 || end < 0)) return false;
    if (![start, step, end].every(Number.isSafeInteger)) return false;
    const body = text.slice(skipBlanks(text, close + 1));
    this.sequences.push({ text: body, at, seq: { variable, next: start, last: end, step, hex } });
    return true;
  }

  /** addLst reads `~LST(VAR | {VAR, ...}, VALUES | {VALUES, ...}, ...) TEXT` (add_lst()). */
  private addLst(text: string, at: Located): boolean {
    let p = skipBlanks(text, 4);
    if (text[p++] !== '(') return false;
    p = skipBlanks(text, p);
    let endChar = ',';
    if (text[p] === '{') {
      endChar = '}';
      p = skipBlanks(text, p + 1);
    }
    const variables: string[] = [];
    for (;;) {
      const start = p;
      while (p < text.length && !' \t,}'.includes(text[p] ?? '')) p++;
      variables.push(text.slice(start, p));
      p = skipBlanks(text, p);
      if (text[p] === endChar) break;
      if (text[p] !== ',') return false;
      p = skipBlanks(text, p + 1);
    }
    if (text[p] === '}') p = skipBlanks(text, p + 1);
    if (text[p++] !== ',') return false;
    p = skipBlanks(text, p);
    const sets: string[][] = [];
    for (;;) {
      let setEnd = ',';
      if (text[p] === '{') {
        setEnd = '}';
        p = skipBlanks(text, p + 1);
      }
      const values: string[] = [];
      for (;;) {
        const start = p;
        while (p < text.length && !' \t,})'.includes(text[p] ?? '')) p++;
        values.push(text.slice(start, p));
        p = skipBlanks(text, p);
        if (text[p] === setEnd || (text[p] === ')' && setEnd === ',')) break;
        if (text[p] !== ',') return false;
        p = skipBlanks(text, p + 1);
        if (values.length >= variables.length) {
          this.problems.error(at, `~LST has more values in a set than variables (${variables.length}); keepalived refuses it`);
          return false;
        }
      }
      while (values.length < variables.length) values.push('');
      sets.push(values);
      if (text[p] === '}' && setEnd === '}') p = skipBlanks(text, p + 1);
      if (text[p] === ')') break;
      if (text[p] !== ',') return false;
      p = skipBlanks(text, p + 1);
    }
    if (variables.length === 0 || sets.length === 0) return false;
    const body = text.slice(skipBlanks(text, p + 1));
    this.sequences.push({ text: body, at, lst: { variables, sets, next: 0 } });
    return true;
  }

  /** splitAtBrace cuts the line before its first brace outside quotes; the rest is read next. */
  private splitAtBrace(text: string): string {
    if (!/[{}"]/.test(text)) return text.replace(/[ \t]+$/, '');
    let p = 0;
    if (text[0] !== '{' && text[0] !== '}') {
      let found = -1;
      for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === '{' || c === '}') {
          found = i;
          break;
        }
        if (c === '"') {
          const close = text.indexOf('"', i + 1);
          if (close === -1) break;
          i = close;
        }
      }
      if (found === -1) return text.replace(/[ \t]+$/, '');
      p = found;
    }
    const skip = p === 0 ? skipBlanks(text, 1) : p;
    const rest = text.slice(skip).replace(/[ \t]+$/, '');
    if (rest !== '') this.residue = rest;
    return text.slice(0, skip).replace(/[ \t]+$/, '');
  }
}

/** clip quotes a piece of input in a message: short, control bytes escaped. */
function clip(text: string): string {
  return excerpt(text);
}
