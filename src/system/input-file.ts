/**
 * Reading an operator's input file (config, static_blacklist,
 * keepalived.conf, profiles) with bounds: it must be a regular file (a FIFO
 * would block forever, /dev/zero never ends), and no larger than the limit
 * its kind allows. Every reader of input goes through here so that the
 * refusal reads the same everywhere.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { InputFileError, type InputFileReason } from '../errors.js';

/** Default byte limit of one input file: far above any real config, far below what hurts. */
export const DEFAULT_INPUT_MAX_BYTES = 64 * 1024 * 1024;

/** Options of {@link readInputFile}. */
export interface ReadInputOptions {
  /** Largest accepted size in bytes (default {@link DEFAULT_INPUT_MAX_BYTES}). */
  readonly maxBytes?: number;
  /** What the file is, for messages, e.g. `static_blacklist` or `keepalived.conf`. */
  readonly what?: string;
}

const CHUNK = 1024 * 1024;
/** First read: the size stat gives and a little (a file that grows is read on), at least this. */
const FIRST_READ_MIN = 16 * 1024;

function reasonOf(error: unknown): InputFileReason {
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'missing';
    case 'EACCES':
    case 'EPERM':
      return 'permission';
    case 'EISDIR':
      return 'directory';
    case 'ELOOP':
      return 'not-regular';
    default:
      return 'unreadable';
  }
}

function kindOf(mode: number): string {
  switch (mode & constants.S_IFMT) {
    case constants.S_IFIFO:
      return 'a FIFO';
    case constants.S_IFCHR:
      return 'a character device';
    case constants.S_IFBLK:
      return 'a block device';
    case constants.S_IFSOCK:
      return 'a socket';
    case constants.S_IFDIR:
      return 'a directory';
    default:
      return 'not a regular file';
  }
}

/**
 * readInputFile returns the UTF-8 text of `file`. A symlink to a regular file
 * is followed. Throws {@link InputFileError} naming the file when it is
 * missing, unreadable, not a regular file (FIFO, device, socket, directory)
 * or larger than `maxBytes` (also for /proc-like files that report size 0:
 * the limit is enforced on the bytes read, not on the size stat claims).
 */
export async function readInputFile(file: string, options: ReadInputOptions = {}): Promise<string> {
  return (await readInputBytes(file, options)).toString('utf8');
}

/**
 * readInputBytes is {@link readInputFile} for binary files (lbfw's saved tables): the same checks, the bytes.
 * The calls are synchronous: nothing here can wait long (O_NONBLOCK open, and
 * only a regular file is read), and a start-up reads some twenty small files,
 * each of which cost five trips through the thread pool asynchronously.
 */
export async function readInputBytes(file: string, options: ReadInputOptions = {}): Promise<Buffer> {
  return readInputBytesSync(file, options);
}

function readInputBytesSync(file: string, options: ReadInputOptions): Buffer {
  const maxBytes = options.maxBytes ?? DEFAULT_INPUT_MAX_BYTES;
  const what = options.what ?? 'input file';
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const reason = reasonOf(error);
    const detail = reason === 'missing' ? 'does not exist' : reason === 'permission' ? 'cannot be read: permission denied' : reason === 'directory' ? 'is a directory' : `cannot be read: ${error instanceof Error ? error.message : String(error)}`;
    throw new InputFileError(file, reason, `${file} ${detail}; expected the ${what}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new InputFileError(file, stat.isDirectory() ? 'directory' : 'not-regular', `${file} is ${kindOf(stat.mode)}; expected the ${what} as a regular file`);
    }
    if (stat.size > maxBytes) {
      throw new InputFileError(file, 'too-large', `${file} is ${stat.size} bytes; the ${what} may be at most ${maxBytes} bytes`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for (let size = Math.max(FIRST_READ_MIN, Math.min(stat.size + 1, maxBytes + 1)); ; size = CHUNK) {
      const buffer = Buffer.allocUnsafe(size);
      const bytesRead = readSync(fd, buffer, 0, size, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) {
        throw new InputFileError(file, 'too-large', `${file} has more than ${maxBytes} bytes; the ${what} may be at most ${maxBytes} bytes`);
      }
      chunks.push(bytesRead === size ? buffer : buffer.subarray(0, bytesRead));
    }
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    throw new InputFileError(file, reasonOf(error), `${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    closeSync(fd);
  }
}

/** readInputFileIfPresent is {@link readInputFile}, with undefined for a file that does not exist. */
export async function readInputFileIfPresent(file: string, options: ReadInputOptions = {}): Promise<string | undefined> {
  try {
    return await readInputFile(file, options);
  } catch (error) {
    if (error instanceof InputFileError && error.reason === 'missing') return undefined;
    throw error;
  }
}

/** Byte limit of lbfw's own state files (records, journals, saved tables of a million-element set). */
export const STATE_MAX_BYTES = 256 * 1024 * 1024;

/** shortReason: the few words an error names an unreadable input by (`no such file`, ...). */
export function shortReason(error: unknown): string {
  if (error instanceof InputFileError) {
    switch (error.reason) {
      case 'missing':
        return 'no such file';
      case 'permission':
        return 'permission denied';
      case 'directory':
        return 'it is a directory';
      default:
        return error.message;
    }
  }
  return error instanceof Error ? error.message : String(error);
}
