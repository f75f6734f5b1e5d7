/**
 * ProblemLog collects what reading keepalived.conf found: errors (lbfw will
 * not build from the file) and warnings (keepalived reports the value, then
 * defaults or ignores it, and so does lbfw). A hostile file can hold millions
 * of bad lines: only the first {@link MAX_PROBLEMS} of each kind are kept, the
 * rest are counted, so memory and the message stay bounded.
 */
import { ConfigError, type InputProblem } from '../errors.js';
import { excerpt } from '../text/excerpt.js';
import type { Located } from './model.js';

/** Problems of one kind kept with their text; the others are only counted. */
export const MAX_PROBLEMS = 100;

/** A bounded list of problems: the first ones and how many more there were. */
class Bounded {
  readonly items: InputProblem[] = [];
  more = 0;

  add(at: Located, message: string): void {
    if (this.items.length >= MAX_PROBLEMS) {
      this.more++;
      return;
    }
    // The file name comes from the disk or a glob: it is input too.
    this.items.push({ file: excerpt(at.file, 512), line: at.line, message });
  }

  get count(): number {
    return this.items.length + this.more;
  }
}

/** ProblemLog: errors and warnings of one keepalived configuration. */
export class ProblemLog {
  private readonly errors = new Bounded();
  private readonly warnings = new Bounded();

  error(at: Located, message: string): void {
    this.errors.add(at, message);
  }

  warning(at: Located, message: string): void {
    this.warnings.add(at, message);
  }

  get errorCount(): number {
    return this.errors.count;
  }

  /** throwIfErrors throws one {@link ConfigError} with the errors, the first file's order kept. */
  throwIfErrors(order: (problems: readonly InputProblem[]) => InputProblem[] = (p) => [...p]): void {
    if (this.errors.count > 0) throw new ConfigError(order(this.errors.items), this.errors.more);
  }

  /** errorList: the kept errors, then one that counts the others. */
  errorList(): InputProblem[] {
    return withCount(this.errors, 'errors');
  }

  /** warningList: the kept warnings, then one that counts the others. */
  warningList(): InputProblem[] {
    return withCount(this.warnings, 'warnings');
  }
}

function withCount(bounded: Bounded, what: string): InputProblem[] {
  const list = [...bounded.items];
  const last = list[list.length - 1];
  if (bounded.more > 0 && last !== undefined) list.push({ file: last.file, line: last.line, message: `and ${bounded.more} more ${what}` });
  return list;
}
