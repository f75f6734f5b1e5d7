/**
 * Reading the static_blacklist from disk: the I/O wrapper around
 * {@link parseBlacklist}. Bad lines come back as `problems`, so one run can
 * show all of them; only a file that cannot be read at all is an error.
 */
import { readFile } from 'node:fs/promises';
import { BlacklistError } from '../errors.js';
import { parseBlacklist, type ParsedBlacklist } from './parse.js';

/** Options of {@link readBlacklist}. */
export interface ReadBlacklistOptions {
  /** A missing file means an empty blacklist (with a warning) instead of an error. */
  readonly optional?: boolean;
}

function readFailure(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return `${path} does not exist; create it (it may be empty) or point the config at the right file`;
    case 'EACCES':
    case 'EPERM':
      return `cannot read ${path}: permission denied; run lbfw as root or fix the file's mode`;
    case 'EISDIR':
      return `${path} is a directory; expected the blacklist file`;
    default:
      return `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * readBlacklist reads and parses the blacklist at `path`. The result's
 * `problems` must be empty before it is applied (see assertBlacklistValid).
 * Throws {@link BlacklistError} (line 0) when the file is missing and not
 * `optional`, unreadable, or a directory.
 */
export async function readBlacklist(path: string, options: ReadBlacklistOptions = {}): Promise<ParsedBlacklist> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && options.optional === true) {
      return {
        file: path,
        entries: [],
        problems: [],
        warnings: [{ file: path, line: 0, message: `${path} does not exist; no addresses are blacklisted` }],
      };
    }
    throw new BlacklistError([{ file: path, line: 0, message: readFailure(path, error) }]);
  }
  return parseBlacklist(text, path);
}
