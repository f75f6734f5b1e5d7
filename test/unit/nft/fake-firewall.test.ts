/**
 * firewall/* against the in-memory FakeBackend: apply, verify, rollback,
 * blacklist add/remove/test and the confirm expiry, without root or kernel.
 */
import test from 'ava';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HostConfig } from '../../../src/config/model.js';
import { applyFirewall } from '../../../src/firewall/apply.js';
import { verifyFirewall } from '../../../src/firewall/verify.js';
import { rollbackFirewall } from '../../../src/firewall/rollback.js';
import { addToBlacklist, removeFromBlacklist, testBlacklist } from '../../../src/firewall/blacklist-live.js';
import { FakeBackend } from '../../../src/nft/fake-backend.js';
import { NftError } from '../../../src/errors.js';
import { elementTexts } from '../../../src/nft/model/elements.js';
import { statePaths } from '../../../src/state/paths.js';
import { REALSERVER } from '../../helpers/fixtures.js';

interface Setup {
  readonly dir: string;
  readonly config: HostConfig;
  readonly options: { backend: FakeBackend; stateDir: string; env: Record<string, string> };
}

async function setUp(t: { teardown: (fn: () => Promise<void>) => void }, blacklist: string, countsOnly = false): Promise<Setup> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lbfw-fake-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'static_blacklist'), blacklist);
  const config: HostConfig = { ...REALSERVER, blacklistPath: path.join(dir, 'static_blacklist') };
  return { dir, config, options: { backend: new FakeBackend({ countsOnly }), stateDir: path.join(dir, 'state'), env: {} } };
}

function elementsOf(backend: FakeBackend, set: string): string[] {
  const found = backend.table?.sets.find((s) => s.name === set);
  return found === undefined ? [] : elementTexts(found.elements);
}

test('apply loads the table in one transaction, verify then finds no drift', async (t) => {
  const { config, options } = await setUp(t, '203.0.113.7\n203.0.113.64/26\n');
  const result = await applyFirewall(config, options);
  t.is(options.backend.commits, 1);
  // 1 host + 1 range + 2 VIP services + 2 service ports + 1 management source.
  t.is(result.elementsLoaded, 7);
  t.deepEqual(elementsOf(options.backend, 'bl4_hosts'), ['203.0.113.7']);
  t.deepEqual(elementsOf(options.backend, 'bl4_nets'), ['203.0.113.64/26']);
  t.regex(options.backend.dump(), /ip saddr @bl4_hosts counter drop comment "blacklist-hosts4"/);
  const verified = await verifyFirewall(config, options);
  t.deepEqual(verified.drift, []);
  t.true(verified.ok);
});

test('verify names an element someone deleted from the running set, also when the backend only counts', async (t) => {
  for (const countsOnly of [false, true]) {
    const { config, options } = await setUp(t, '203.0.113.7\n203.0.113.9\n', countsOnly);
    await applyFirewall(config, options);
    options.backend.tamper((table) =>
      table === undefined
        ? table
        : {
            ...table,
            sets: table.sets.map((s) => (s.name === 'bl4_hosts' ? { ...s, elements: { ...s.elements, count: 1, keys: s.elements.keys.subarray(0, 4) } } : s)),
          },
    );
    const verified = await verifyFirewall(config, options);
    t.false(verified.ok);
    t.deepEqual(
      verified.drift.map((d) => `${d.subject}: ${d.message}`),
      [countsOnly ? 'set bl4_hosts: holds 1 element, lbfw\'s sources have 2' : 'set bl4_hosts: 1 element missing: 203.0.113.9'],
    );
  }
});

test('a failed load changes nothing and leaves the previous table and lbfw\'s record as they were', async (t) => {
  const { config, options, dir } = await setUp(t, '203.0.113.7\n');
  await applyFirewall(config, options);
  const before = options.backend.dump();
  await writeFile(path.join(dir, 'static_blacklist'), '203.0.113.8\n');
  options.backend.failNext();
  await t.throwsAsync(applyFirewall(config, options), { instanceOf: NftError });
  t.is(options.backend.dump(), before);
  t.is(options.backend.commits, 1);
});

test('rollback restores the table saved before the last apply, then removes the table', async (t) => {
  const { config, options, dir } = await setUp(t, '203.0.113.7\n');
  await applyFirewall(config, options);
  const first = options.backend.dump();
  await writeFile(path.join(dir, 'static_blacklist'), '203.0.113.8\n203.0.113.0/28\n');
  await applyFirewall(config, options);
  t.not(options.backend.dump(), first);
  const restored = await rollbackFirewall(options);
  t.is(restored.restored.reason, 'apply');
  t.is(options.backend.dump(), first);
  await rollbackFirewall(options);
  t.is(options.backend.dump(), '');
});

test('blacklist add and remove change one element in place and journal it instead of rewriting the record', async (t) => {
  const { config, options, dir } = await setUp(t, '203.0.113.7\n');
  await applyFirewall(config, options);
  const paths = statePaths(options.stateDir);
  const record = await stat(paths.current);
  const added = await addToBlacklist(config, '203.0.113.66', options);
  t.is(added.live, 'updated');
  t.deepEqual(elementsOf(options.backend, 'bl4_hosts'), ['203.0.113.7', '203.0.113.66']);
  t.is(options.backend.scripts.at(-1), 'add element inet lbfw bl4_hosts { 203.0.113.66 }\n');
  t.is((await stat(paths.current)).mtimeMs, record.mtimeMs, 'the base record is not rewritten');
  t.regex(await readFile(paths.journal, 'utf8'), /^\+ bl4_hosts cb007142\n$/);
  t.true((await verifyFirewall(config, options)).ok);
  const removed = await removeFromBlacklist(config, '203.0.113.7', options);
  t.is(removed.live, 'updated');
  t.deepEqual(elementsOf(options.backend, 'bl4_hosts'), ['203.0.113.66']);
  t.is(await readFile(path.join(dir, 'static_blacklist'), 'utf8'), '203.0.113.66\n');
  t.true((await verifyFirewall(config, options)).ok);
  // The backup taken by the next apply comes from the record plus its journal.
  await applyFirewall(config, options);
  await rollbackFirewall(options);
  t.deepEqual(elementsOf(options.backend, 'bl4_hosts'), ['203.0.113.66']);
});

test('blacklist test finds the host element or the covering range in the running sets', async (t) => {
  const { config, options } = await setUp(t, '203.0.113.7\n203.0.113.128/25\n');
  await applyFirewall(config, options);
  t.deepEqual((await testBlacklist(config, '203.0.113.7', options)).liveMatches, [{ set: 'bl4_hosts', element: '203.0.113.7' }]);
  t.deepEqual((await testBlacklist(config, '203.0.113.200', options)).liveMatches, [{ set: 'bl4_nets', element: '203.0.113.128/25' }]);
  t.false((await testBlacklist(config, '192.0.2.99', options)).blocked);
});

test('a record left pending by a run killed after its commit is confirmed by the next command; the next backup is that table', async (t) => {
  const { config, options } = await setUp(t, '203.0.113.7\n');
  const paths = statePaths(options.stateDir, {});
  await applyFirewall(config, options);
  // A run killed between the commit and its confirmation: the kernel runs T1, only the pending record knows.
  const { writePendingRecord, readCurrent } = await import('../../../src/state/current.js');
  const { Transaction } = await import('../../../src/nft/transaction.js');
  await writeFile(config.blacklistPath, '203.0.113.7\n203.0.113.8\n');
  const { prepareFirewall } = await import('../../../src/firewall/prepare.js');
  const t1 = (await prepareFirewall(config, {}, {})).ruleset;
  await writePendingRecord(paths, t1);
  await options.backend.run(new Transaction().replaceTable(t1));
  // The next command: the record is reconciled with the kernel, so the backup it takes holds T1.
  await writeFile(config.blacklistPath, '203.0.113.9\n');
  await applyFirewall(config, options);
  await rollbackFirewall(options);
  t.deepEqual(elementsOf(options.backend, 'bl4_hosts'), ['203.0.113.7', '203.0.113.8'], 'rollback restores the table that ran before the last apply');
  t.deepEqual(elementTexts((await readCurrent(paths))?.ruleset.sets.find((s) => s.name === 'bl4_hosts')?.elements ?? { key: ['ipv4_addr'], interval: false, count: 0, keys: new Uint8Array() }), ['203.0.113.7', '203.0.113.8'], 'the record is of the restored table');
});

test('a pending record of a commit that never happened is dropped: the next backup is read from the kernel', async (t) => {
  const { config, options } = await setUp(t, '203.0.113.7\n');
  const paths = statePaths(options.stateDir, {});
  await applyFirewall(config, options);
  const { writePendingRecord } = await import('../../../src/state/current.js');
  const { prepareFirewall } = await import('../../../src/firewall/prepare.js');
  await writeFile(config.blacklistPath, '203.0.113.8\n');
  await writePendingRecord(paths, (await prepareFirewall(config, {}, {})).ruleset);
  await writeFile(config.blacklistPath, '203.0.113.9\n');
  await applyFirewall(config, options);
  await rollbackFirewall(options);
  t.deepEqual(elementsOf(options.backend, 'bl4_hosts'), ['203.0.113.7']);
});

test('backups are bounded by content: applies killed before their commit add no second backup of the same table', async (t) => {
  const { config, options } = await setUp(t, '203.0.113.7\n');
  const { listBackups } = await import('../../../src/state/backups.js');
  await applyFirewall(config, options);
  await writeFile(config.blacklistPath, '203.0.113.8\n');
  // Each failed commit leaves the backup it took; the same running table is not saved again.
  for (let i = 0; i < 3; i++) {
    options.backend.failNext();
    await t.throwsAsync(applyFirewall(config, options));
  }
  t.is((await listBackups(path.join(options.stateDir, 'backups'))).length, 2, 'no table, then the first table: one backup each');
});

test('blacklist add converges: a host in the file but not in the running set is added by the retry', async (t) => {
  const { config, options } = await setUp(t, '203.0.113.7\n');
  await applyFirewall(config, options);
  // A run killed after the file rename, before the live update.
  await writeFile(config.blacklistPath, '203.0.113.7\n203.0.113.8\n');
  const retry = await addToBlacklist(config, '203.0.113.8', options);
  t.true(retry.changed);
  t.is(retry.live, 'updated');
  t.deepEqual(elementsOf(options.backend, 'bl4_hosts'), ['203.0.113.7', '203.0.113.8']);
  const again = await addToBlacklist(config, '203.0.113.8', options);
  t.false(again.changed, 'file and running set agree: nothing changed');
  // And remove: gone from the file, still in the set.
  await writeFile(config.blacklistPath, '203.0.113.7\n');
  t.is((await removeFromBlacklist(config, '203.0.113.8', options)).live, 'updated');
  t.deepEqual(elementsOf(options.backend, 'bl4_hosts'), ['203.0.113.7']);
  t.is((await verifyFirewall(config, options)).drift.length, 0);
});

test('--skip-invalid refuses to shrink the running blacklist below half unless forced', async (t) => {
  const hosts = Array.from({ length: 10 }, (_, i) => `203.0.113.${i + 1}`);
  const { config, options } = await setUp(t, `${hosts.join('\n')}\n`);
  await applyFirewall(config, options);
  // The format changed: a count column after each address.
  await writeFile(config.blacklistPath, `${hosts.slice(0, 3).join('\n')}\n${hosts.slice(3).map((h) => `${h};5`).join('\n')}\n`);
  const error = await t.throwsAsync(applyFirewall(config, { ...options, skipInvalid: true }));
  t.regex(error?.message ?? '', /7 bad lines skipped .* leave 3 blacklist elements where 10 run now/);
  t.is(elementsOf(options.backend, 'bl4_hosts').length, 10, 'nothing changed');
  await applyFirewall(config, { ...options, skipInvalid: true, force: true });
  t.is(elementsOf(options.backend, 'bl4_hosts').length, 3);
});
