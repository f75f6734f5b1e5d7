/**
 * Where the connection table is read from: the kernel's
 * /proc/net/ip_vs_conn_sync (the BACKUP director's synced connections carry
 * Origin SYNC there) or /proc/net/ip_vs_conn, a saved file, or standard
 * input (`-`, for pipes). Reads are large reads into reused 1 MiB
 * buffers (a stream's small chunks cost more than the parsing; a pipe's are
 * gathered, see stdinChunks); a file must be
 * regular (a FIFO would block: pipe it into `-` instead) and is bounded in
 * size.
 */
import { constants, fstatSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import { InputFileError } from '../errors.js';
import { loadNative } from '../nft/netlink/native.js';

/** The kernel's tables, the sync variant first. */
export const PROC_CONN_SYNC = '/proc/net/ip_vs_conn_sync';
export const PROC_CONN = '/proc/net/ip_vs_conn';

/** Largest table read: 4 GiB is some 60 million rows, far past any IPVS table. */
export const MAX_CONN_TABLE_BYTES = 4 * 1024 * 1024 * 1024;

const READ_SIZE = 1024 * 1024;

/** ConnSource: an opened table. */
export interface ConnSource {
  /** What it is, for messages: a path or `<stdin>`. */
  readonly name: string;
  /** True when it is the kernel's own table (the old-kernel guard applies). */
  readonly kernel: boolean;
  /** The bytes in order; each piece is valid until the next is asked for (the buffer is reused). */
  readonly chunks: AsyncIterable<Uint8Array>;
}

/**
 * Reads `handle` to its end into two reused buffers, closing it at the end.
 * The next piece is read (on the thread pool) while the caller scans the
 * last one: the scan of a piece takes about as long as its read, and the
 * two then overlap instead of taking turns. One read is in flight at a time,
 * so the file position moves in order.
 */
async function* fileChunks(handle: FileHandle): AsyncIterable<Uint8Array> {
  let filling = Buffer.allocUnsafe(READ_SIZE);
  let spare = Buffer.allocUnsafe(READ_SIZE);
  let pending: Promise<{ bytesRead: number }> | undefined;
  try {
    pending = handle.read(filling, 0, READ_SIZE, null);
    for (;;) {
      const { bytesRead } = await pending;
      pending = undefined;
      if (bytesRead === 0) return;
      const piece = filling.subarray(0, bytesRead);
      [filling, spare] = [spare, filling];
      // The other buffer was handed out before the last one: asking for this piece released it.
      pending = handle.read(filling, 0, READ_SIZE, null);
      yield piece;
    }
  } finally {
    // A read still in flight (the caller stopped early) ends before the file closes.
    if (pending !== undefined) await pending.catch(() => undefined);
    await handle.close();
  }
}

/** Bytes gathered from a pipe before they go to the scanner. */
const PIPE_GATHER = 256 * 1024;

/**
 * Reads standard input into one reused buffer. A pipe gives at most what it
 * holds per read (64 KiB, often one 4 KiB write of the sender): an
 * asynchronous read each, a thread-pool round trip, costs more than parsing
 * the rows in it, so fd 0 is read synchronously, gathering up to 256 KiB per
 * piece. The event loop waits meanwhile; nothing the scan needs runs on it
 * (the host's links are read by a child process that runs on its own). A pipe
 * left non-blocking by whoever started us answers EAGAIN: then the rest
 * comes through process.stdin's stream.
 */
async function* stdinChunks(env: Readonly<Record<string, string | undefined>>): AsyncIterable<Uint8Array> {
  widenPipe(0, env);
  const buffer = Buffer.allocUnsafe(READ_SIZE);
  for (;;) {
    let filled = 0;
    let ended = false;
    let again = false;
    while (filled < PIPE_GATHER) {
      let bytesRead: number;
      try {
        bytesRead = readSync(0, buffer, filled, READ_SIZE - filled, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        again = true;
        break;
      }
      if (bytesRead === 0) {
        ended = true;
        break;
      }
      filled += bytesRead;
    }
    if (filled > 0) yield buffer.subarray(0, filled);
    if (again) {
      yield* process.stdin;
      return;
    }
    if (ended) return;
  }
}

/** What a pipe into standard input is widened to: its writer goes on while a gathered piece is scanned. */
const PIPE_BYTES = 1024 * 1024;

/**
 * widenPipe gives the pipe on `fd` (if it is one) a 1 MiB buffer, through the
 * addon (fcntl F_SETPIPE_SZ; node has no call for it). Best effort: without
 * the addon, or past the host's pipe-max-size, the pipe stays as it is.
 */
function widenPipe(fd: number, env: Readonly<Record<string, string | undefined>>): void {
  try {
    if (!fstatSync(fd).isFIFO()) return;
  } catch {
    return;
  }
  const binding = loadNative(env);
  if (typeof binding !== 'string') binding.pipeSize?.(fd, PIPE_BYTES);
}

async function* bounded(chunks: AsyncIterable<Uint8Array>, name: string, maxBytes: number): AsyncIterable<Uint8Array> {
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.length;
    if (total > maxBytes) throw new InputFileError(name, 'too-large', `${name} has more than ${maxBytes} bytes; not an IPVS connection table`);
    yield chunk;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await (await open(file, constants.O_RDONLY)).close();
    return true;
  } catch {
    return false;
  }
}

/** kernelTable names the table to read on this host, or undefined when IPVS is not loaded. */
export async function kernelTable(): Promise<string | undefined> {
  if (await exists(PROC_CONN_SYNC)) return PROC_CONN_SYNC;
  if (await exists(PROC_CONN)) return PROC_CONN;
  return undefined;
}

/**
 * openConnSource opens `file` (`-` for standard input). Throws
 * InputFileError when it is missing, not a regular file or a /proc file.
 * `env` decides whether the addon widens a pipe (LBFW_NO_NATIVE=1: not).
 */
export async function openConnSource(
  file: string,
  stdin?: AsyncIterable<Uint8Array>,
  maxBytes = MAX_CONN_TABLE_BYTES,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ConnSource> {
  if (file === '-') return { name: '<stdin>', kernel: false, chunks: bounded(stdin ?? stdinChunks(env), '<stdin>', maxBytes) };
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'missing' : code === 'EACCES' || code === 'EPERM' ? 'permission' : code === 'EISDIR' ? 'directory' : 'unreadable';
    throw new InputFileError(file, reason, `${file} cannot be read (${code ?? 'error'}); expected an IPVS connection table`);
  }
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    throw new InputFileError(file, 'not-regular', `${file} is not a regular file; pipe it into --conn-file - instead`);
  }
  return { name: file, kernel: file.startsWith('/proc/'), chunks: bounded(fileChunks(handle), file, maxBytes) };
}

/** kernelReadsQuadratically says whether `release` (uname -r) predates the linear ip_vs_conn reader (6.14). */
export function kernelReadsQuadratically(release: string = os.release()): boolean {
  const match = /^(\d+)\.(\d+)/.exec(release);
  if (match === null) return false;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major < 6 || (major === 6 && minor < 14);
}
