/**
 * lbfw's small JSON state files (pending confirmation, record of the running
 * table, VIPs added to lo): read, written atomically, removed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, type AtomicWriteOptions } from '../blacklist/atomic-write.js';
import { StateError } from '../errors.js';
import { readInputFileIfPresent } from '../system/input-file.js';

/** ReadJsonOptions: how a file that is not JSON reads. */
export interface ReadJsonOptions {
  /**
   * true for a note written without a flush (`durable: 'none'`): a file
   * that is not JSON (torn by a power cut) reads as absent.
   */
  readonly tornIsAbsent?: boolean;
}

/**
 * readJsonFile returns the parsed file, or undefined when it does not exist.
 * A file that is not JSON is a StateError naming it and what to do (or
 * absent, with `tornIsAbsent`); a file that cannot be read is always one.
 */
export async function readJsonFile(file: string, remedy: string, options: ReadJsonOptions = {}): Promise<unknown> {
  let text: string;
  try {
    // Bounded and FIFO-safe: a state file is read like any input.
    const read = await readInputFileIfPresent(file, { what: 'state file lbfw keeps', maxBytes: 16 * 1024 * 1024 });
    if (read === undefined) return undefined;
    text = read;
  } catch (error) {
    throw new StateError(`${(error as Error).message}; ${remedy}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (options.tornIsAbsent === true) return undefined;
    throw new StateError(`${file} is unreadable (${(error as Error).message}); ${remedy}`);
  }
}

/** writeJsonFile writes `value` atomically (durable as `options` says, all by default), creating the state directory when needed. */
export async function writeJsonFile(file: string, value: unknown, options: AtomicWriteOptions = {}): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${JSON.stringify(value)}\n`, options);
}

/** removeFile removes a state file; a missing one is fine. */
export async function removeFile(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}
