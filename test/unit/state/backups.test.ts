import test from 'ava';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BACKUPS_KEPT, saveBackup } from '../../../src/state/backups.js';
import { readLastApply, writeLastApply, lastApplyFile } from '../../../src/state/last-apply.js';
import type { Ruleset } from '../../../src/nft/model/objects.js';

async function tempDir(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lbfw-backups-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const table = (n: number): { ruleset: Ruleset; omittedRules: string[] } => ({
  ruleset: { sets: [], chains: [{ name: `c${n}`, rules: [] }] },
  omittedRules: [],
});

test('saveBackup keeps the newest BACKUPS_KEPT backups, each a record and its table.', async (t) => {
  const dir = await tempDir(t);
  const ids: string[] = [];
  for (let i = 0; i < BACKUPS_KEPT + 3; i++) ids.push((await saveBackup(dir, i % 2 === 0 ? undefined : table(i), 'apply')).id);
  const names = (await readdir(dir)).sort();
  const records = names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length));
  t.deepEqual(records, ids.slice(-BACKUPS_KEPT));
  for (const name of names.filter((n) => n.endsWith('.table'))) t.true(records.includes(name.slice(0, -'.table'.length)), `${name} has its record`);
});

test('saveBackup reads only the newest record: a damaged older one does not stop an apply (rollback still reports it).', async (t) => {
  const dir = await tempDir(t);
  const first = await saveBackup(dir, table(1), 'apply');
  await saveBackup(dir, undefined, 'apply');
  await writeFile(path.join(dir, `${first.id}.json`), '{"id": "torn');
  const third = await saveBackup(dir, table(3), 'apply');
  t.not(third.id, first.id);
  t.is((await saveBackup(dir, table(3), 'apply')).id, third.id, 'the newest already holds this table');
});

test('The last-apply note is read back, and a torn one (written unflushed before a power cut) reads as none.', async (t) => {
  const dir = await tempDir(t);
  await writeLastApply(dir, ['sysctl', 'firewall']);
  t.deepEqual((await readLastApply(dir))?.parts, ['sysctl', 'firewall']);
  await writeFile(lastApplyFile(dir), '{"at": "2026-');
  t.is(await readLastApply(dir), undefined);
});
