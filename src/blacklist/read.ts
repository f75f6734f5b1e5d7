/**
 * Reading the static_blacklist from disk: the I/O wrapper around
 * {@link parseBlacklistBytes}. Bad lines come back as `problems`, so one run can
 * show all of them; only a file that cannot be read at all is an error.
 */
import { BlacklistError, InputFileError } from '../errors.js';
import { readInputBytes } from '../system/input-file.js';
import { hostsNative, NATIVE_HOSTS_MIN_BYTES } from './native-hosts.js';
import { parseBlacklistBytes, type ParsedBlacklist } from './parse.js';

/** Options of {@link readBlacklist}. */
export interface ReadBlacklistOptions {
  /** A missing file means an empty blacklist (with a warning) instead of an error. */
  readonly optional?: boolean;
  /** The environment (LBFW_NO_NATIVE=1 keeps a big file's host lines out of the addon's scanner). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * readBlacklist reads and parses the blacklist at `path`. The result's
 * `problems` must be empty before it is applied (see assertBlacklistValid).
 * Throws {@link BlacklistError} (line 0) when the file is missing and not
 * `optional`, unreadable, not a regular file (FIFO, device) or too large.
 */
export async function readBlacklist(path: string, options: ReadBlacklistOptions = {}): Promise<ParsedBlacklist> {
  // `blacklist: /dev/null` is the usual way to say "no blacklist" (the lab writes it): empty, not a device to refuse.
  if (path === '/dev/null') return { file: path, entries: [], problems: [], warnings: [] };
  let bytes: Buffer;
  try {
    // Bounded and FIFO-safe: a FIFO or /dev/zero named as the blacklist is refused, never waited on.
    // Bytes, not text: the parser reads host lines from them without decoding 16 MB first.
    bytes = await readInputBytes(path, { what: 'blacklist file' });
  } catch (error) {
    if (error instanceof InputFileError && error.reason === 'missing' && options.optional === true) {
      return {
        file: path,
        entries: [],
        problems: [],
        warnings: [{ file: path, line: 0, message: `${path} does not exist; no addresses are blacklisted` }],
      };
    }
    throw new BlacklistError([{ file: path, line: 0, message: error instanceof Error ? error.message : String(error) }]);
  }
  // A big file's plain host lines are scanned in C when the addon is there (same outcome).
  const native = bytes.length >= NATIVE_HOSTS_MIN_BYTES ? hostsNative(options.env) : undefined;
  return parseBlacklistBytes(bytes, path, native !== undefined && 'hostScan' in native ? { hostScan: native.hostScan } : {});
}
