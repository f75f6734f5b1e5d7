/**
 * Errors of the overlimit scan and the ban table. Kept beside their code
 * (not in src/errors.ts) so the codes read as one family: CONN_TABLE_*,
 * BAN_*.
 */
import { LbfwError } from '../errors.js';

/** ConnTableError: a row of an ip_vs_conn table cannot be read; nothing was changed. */
export class ConnTableError extends LbfwError {
  readonly file: string;
  /** 1-based line of the bad row (0 when the whole source is at fault). */
  readonly line: number;

  constructor(file: string, line: number, message: string) {
    super('CONN_TABLE_INVALID', line > 0 ? `${file}:${line}: ${message}` : `${file}: ${message}`);
    this.file = file;
    this.line = line;
  }
}

/**
 * ConnTableTooSlowError: the kernel reads /proc/net/ip_vs_conn quadratically
 * (before 6.14) and the table is larger than the configured limit; the scan
 * stopped before it could take minutes, and nothing was changed.
 */
export class ConnTableTooSlowError extends LbfwError {
  readonly rows: number;
  readonly kernel: string;

  constructor(rows: number, kernel: string, limit: number) {
    super(
      'CONN_TABLE_TOO_SLOW',
      `kernel ${kernel} reads /proc/net/ip_vs_conn in quadratic time (fixed in 6.14) and the table has more than ${limit} rows ` +
        `(stopped after ${rows}); nothing was changed. Raise overlimit.max_rows_old_kernel or upgrade the kernel`,
    );
    this.rows = rows;
    this.kernel = kernel;
  }
}

/** BanError: a ban request is wrong (not an address, exempt, unknown set); nothing was changed. */
export class BanError extends LbfwError {
  constructor(message: string) {
    super('BAN_INVALID', message);
  }
}
