/**
 * Typed errors of the doctor: a facts file that is not one, and a proc file
 * whose line does not have the kernel's format.
 */
import { LbfwError } from '../errors.js';

/** FactsError: a facts file (`lbfw doctor --facts FILE`) cannot be used; names the file and what was expected. */
export class FactsError extends LbfwError {
  readonly file: string;
  /** Where in the document, e.g. `links[2].ifname`; empty for the whole file. */
  readonly path: string;

  constructor(file: string, path: string, problem: string) {
    super('FACTS_INVALID', `${file}: ${path === '' ? '' : `${path}: `}${problem}`);
    this.file = file;
    this.path = path;
  }
}

/** ProcFileError: a line of a /proc file (e.g. /proc/net/tcp) is not in the kernel's format. */
export class ProcFileError extends LbfwError {
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;

  constructor(file: string, line: number, problem: string) {
    super('PROC_UNREADABLE', `${file}:${line}: ${problem}`);
    this.file = file;
    this.line = line;
  }
}
