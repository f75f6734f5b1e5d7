/**
 * lbfw's record of the table it last wrote and verified. Listing a table
 * with a million-element set costs tens of seconds (the kernel restarts its
 * set walk for every dump message), so the backup taken before the next
 * change is rendered from this record instead of listed from the kernel.
 */
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../blacklist/atomic-write.js';
import { StateError } from '../errors.js';
import type { Ruleset } from '../ruleset/types.js';

/** CurrentRecord: the ruleset lbfw last loaded and read back unchanged. */
export interface CurrentRecord {
  readonly savedAt: string;
  readonly ruleset: Ruleset;
}

/** readCurrent returns the record, or undefined when lbfw has none (first run, or after a rollback). */
export async function readCurrent(file: string): Promise<CurrentRecord | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as CurrentRecord;
  } catch (error) {
    throw new StateError(`${file} is unreadable (${(error as Error).message}); remove it and lbfw will list the kernel's table instead`);
  }
}

/** writeCurrent records the ruleset now running. */
export async function writeCurrent(file: string, ruleset: Ruleset): Promise<void> {
  const record: CurrentRecord = { savedAt: new Date().toISOString(), ruleset };
  await writeFileAtomic(file, `${JSON.stringify(record)}\n`);
}

/** forgetCurrent drops the record: the table now running is not one lbfw rendered. */
export async function forgetCurrent(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}
