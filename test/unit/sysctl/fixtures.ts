/**
 * Helpers shared by the sysctl unit tests: settings built from a table of
 * `template -> value`, readings from a plain object, and a fake /proc/sys in a
 * temporary directory. Nothing here touches the real /proc/sys or /etc.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Interfaces } from '../../../src/config/model.js';
import { parseExpectation } from '../../../src/sysctl/expectation.js';
import { keyToPath } from '../../../src/sysctl/key.js';
import type { ProfileEntry } from '../../../src/sysctl/profile.js';
import { type ResolvedProfile, type Setting, resolveSettings } from '../../../src/sysctl/resolve.js';

/** The file test entries claim to come from. */
export const TEST_FILE = '/profiles/test.yaml';

/** entries turns `{ template: value }` into profile entries, one line each, reason `why <template>`. */
export function entries(table: Readonly<Record<string, string>>): ProfileEntry[] {
  return Object.entries(table).map(([template, value], index) => {
    const parsed = parseExpectation(value);
    if (!parsed.ok) throw new Error(parsed.problem);
    return { template, value, expectation: parsed.value, reason: `why ${template}`, profile: 'test', file: TEST_FILE, line: index + 1 };
  });
}

/** resolved resolves a table of entries for the given interfaces. */
export function resolved(table: Readonly<Record<string, string>>, interfaces: Interfaces = {}): ResolvedProfile {
  return resolveSettings({ name: 'test', entries: entries(table) }, { interfaces });
}

/** setting is the only setting of a one-entry table. */
export function setting(template: string, value: string, interfaces: Interfaces = {}): Setting {
  const [only] = resolved({ [template]: value }, interfaces).settings;
  if (only === undefined) throw new Error(`${template} did not resolve`);
  return only;
}

/** readings turns a plain object into a readings map. */
export function readings(values: Readonly<Record<string, string>>): Map<string, string | undefined> {
  return new Map(Object.entries(values));
}

type Teardown = { teardown: (fn: () => Promise<void>) => void };

/** tempDir makes a temporary directory removed after the test. */
export async function tempDir(t: Teardown, prefix = 'lbfw-sysctl-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** fakeProcSys lays out `{ key: value }` as files under a temporary root, the way /proc/sys shows them. */
export async function fakeProcSys(t: Teardown, values: Readonly<Record<string, string>>): Promise<string> {
  const root = await tempDir(t, 'lbfw-procsys-');
  for (const [key, value] of Object.entries(values)) {
    const file = path.join(root, keyToPath(key));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${value}\n`);
  }
  return root;
}
