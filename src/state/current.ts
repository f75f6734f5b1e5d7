/**
 * lbfw's record of the table it last wrote and verified. Listing a table
 * with a million-element set costs tens of seconds (the kernel restarts its
 * set walk for every dump message), so the backup taken before the next
 * change is rendered from this record instead of listed from the kernel.
 */
import { readJsonFile, removeFile, writeJsonFile } from './json-file.js';
import type { Ruleset } from '../ruleset/types.js';

/** CurrentRecord: the ruleset lbfw last loaded and read back unchanged. */
export interface CurrentRecord {
  readonly savedAt: string;
  readonly ruleset: Ruleset;
}

/** readCurrent returns the record, or undefined when lbfw has none (first run, or after a rollback). */
export async function readCurrent(file: string): Promise<CurrentRecord | undefined> {
  return (await readJsonFile(file, "remove it and lbfw will list the kernel's table instead")) as CurrentRecord | undefined;
}

/** writeCurrent records the ruleset now running. */
export async function writeCurrent(file: string, ruleset: Ruleset): Promise<void> {
  await writeJsonFile(file, { savedAt: new Date().toISOString(), ruleset } satisfies CurrentRecord);
}

/** forgetCurrent drops the record: the table now running is not one lbfw rendered. */
export const forgetCurrent = removeFile;
