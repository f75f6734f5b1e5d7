/**
 * Where `lbfw lab up` records the labs it leaves running, so that `lbfw lab
 * exec|probe|down` find them: one JSON file per lab prefix in a state
 * directory (default /run/lbfw-lab: gone after a reboot, like the namespaces).
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Netns } from './netns.js';
import { run } from '../system/run.js';
import type { LabRecord } from './topology.js';

/** Default directory of lab records. */
export const DEFAULT_LAB_STATE_DIR = '/run/lbfw-lab';

/** Default namespace prefix of `lbfw lab up`. */
export const DEFAULT_LAB_PREFIX = 'lbfw-lab';

/** labStateDir: `LBFW_LAB_STATE_DIR` or the default. */
export function labStateDir(env: Record<string, string | undefined>): string {
  const named = env['LBFW_LAB_STATE_DIR'];
  return named === undefined || named === '' ? DEFAULT_LAB_STATE_DIR : named;
}

function recordPath(stateDir: string, prefix: string): string {
  return path.join(stateDir, `${prefix}.json`);
}

/** saveLabRecord writes the record of a lab. */
export async function saveLabRecord(stateDir: string, record: LabRecord): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await writeFile(recordPath(stateDir, record.prefix), `${JSON.stringify(record, null, 2)}\n`);
}

/** readLabRecords lists the recorded labs (none when the directory does not exist). */
export async function readLabRecords(stateDir: string): Promise<LabRecord[]> {
  const names = await readdir(stateDir).catch(() => [] as string[]);
  const records: LabRecord[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    try {
      records.push(JSON.parse(await readFile(path.join(stateDir, name), 'utf8')) as LabRecord);
    } catch {
      // A half-written record names nothing that can be found again; the sweep by prefix still works.
    }
  }
  return records;
}

/** A namespace a lab of `prefix` made: PREFIX-NODE-RANDOM (Netns.create). */
export function isLabNamespace(name: string, prefix: string): boolean {
  if (!name.startsWith(`${prefix}-`)) return false;
  return /^(sw|client|client2|dir|dir2|rs1|rs2)-[0-9a-f]{6}$/.test(name.slice(prefix.length + 1));
}

/** existingNamespaces lists the namespaces of this host (`ip netns list`). */
export async function existingNamespaces(): Promise<string[]> {
  const listing = (await run(['ip', 'netns', 'list'])).stdout;
  return listing.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n !== '');
}

/** LabDown: what `lbfw lab down` removed. */
export interface LabDown {
  readonly prefixes: readonly string[];
  readonly namespaces: readonly string[];
  readonly dirs: readonly string[];
}

/**
 * labDown removes the labs of `prefixes` (every recorded lab when empty) and
 * the default prefix's leftovers: their namespaces (killing what runs in
 * them), temp dirs and records, plus any namespace named like a lab node of
 * those prefixes (left by a `lab up` that was killed half-way). Removing what
 * is not there is not an error: running it twice is fine.
 */
export async function labDown(stateDir: string, prefixes: readonly string[]): Promise<LabDown> {
  const records = await readLabRecords(stateDir);
  const wanted = prefixes.length > 0 ? [...prefixes] : [...new Set([DEFAULT_LAB_PREFIX, ...records.map((r) => r.prefix)])];
  const chosen = records.filter((r) => wanted.includes(r.prefix));
  const present = new Set(await existingNamespaces());
  const names = new Set<string>();
  for (const record of chosen) for (const name of Object.values(record.namespaces)) if (present.has(name)) names.add(name);
  for (const name of present) if (wanted.some((p) => isLabNamespace(name, p))) names.add(name);
  for (const name of names) await Netns.open(name).delete();
  const dirs: string[] = [];
  for (const record of chosen) {
    // Only a directory createLab made (TMP/PREFIX-XXXXXX): a damaged record must not aim rm elsewhere.
    if (path.isAbsolute(record.dir) && path.basename(record.dir).startsWith(`${path.basename(record.prefix)}-`)) {
      await rm(record.dir, { recursive: true, force: true });
      dirs.push(record.dir);
    }
    await rm(recordPath(stateDir, record.prefix), { force: true });
  }
  return { prefixes: wanted, namespaces: [...names].sort(), dirs };
}
