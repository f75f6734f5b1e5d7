/**
 * The time and parts of the last `lbfw apply` that succeeded, for `lbfw
 * metrics` (lbfw_last_apply_timestamp_seconds).
 */
import path from 'node:path';
import { readJsonFile, writeJsonFile } from './json-file.js';

/** LastApply: when the last successful apply finished, and what it handled. */
export interface LastApply {
  readonly at: string;
  readonly parts: readonly string[];
}

/** lastApplyFile: where a state directory keeps it. */
export function lastApplyFile(stateDir: string): string {
  return path.join(stateDir, 'last-apply.json');
}

/**
 * writeLastApply records a successful apply now. Not flushed to disk: it
 * only feeds a metric, and after a power cut the previous time, or none
 * (a torn file reads as absent), is a true enough answer; two disk flushes
 * less in every apply.
 */
export async function writeLastApply(stateDir: string, parts: readonly string[]): Promise<void> {
  await writeJsonFile(lastApplyFile(stateDir), { at: new Date().toISOString(), parts } satisfies LastApply, { durable: 'none' });
}

/** readLastApply returns the record, or undefined when no apply succeeded yet (or it is not readable as one). */
export async function readLastApply(stateDir: string): Promise<LastApply | undefined> {
  const data = (await readJsonFile(lastApplyFile(stateDir), 'remove it: the next apply writes it again', { tornIsAbsent: true })) as Partial<LastApply> | undefined;
  return typeof data?.at === 'string' && !Number.isNaN(Date.parse(data.at)) ? { at: data.at, parts: Array.isArray(data.parts) ? data.parts : [] } : undefined;
}
