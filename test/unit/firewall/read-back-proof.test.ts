/**
 * apply's read-back after its own commit (proveCommit), against the
 * in-memory FakeBackend: the big hash sets are proven by the commit's
 * generation plus sampled lookups, and anything that breaks the proof (a
 * commit by someone else, a backend that cannot pin its generation, a
 * "kernel" that reads the elements differently) ends in the full
 * comparison or a refused apply.
 */
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HostConfig } from '../../../src/config/model.js';
import { applyFirewall, ApplyMismatchError } from '../../../src/firewall/apply.js';
import { PROOF_SAMPLE_KEYS, PROVEN_MIN_ELEMENTS } from '../../../src/firewall/read-back.js';
import { verifyFirewall } from '../../../src/firewall/verify.js';
import { FakeBackend, type FakeBackendOptions } from '../../../src/nft/fake-backend.js';
import type { Ruleset } from '../../../src/nft/model/objects.js';
import type { Transaction } from '../../../src/nft/transaction.js';
import type { CommitReceipt } from '../../../src/nft/backend.js';
import { REALSERVER } from '../../helpers/fixtures.js';

/** More hosts than PROVEN_MIN_ELEMENTS, below one shard: one big set bl4_hosts. */
const HOSTS = 3000;

function hostList(): string[] {
  return Array.from({ length: HOSTS }, (_, i) => `198.18.${i >> 8}.${i & 255}`);
}

async function setUp(t: { teardown: (fn: () => Promise<void>) => void }, backend: FakeBackend, hosts = hostList()) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lbfw-proof-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'static_blacklist'), `${hosts.join('\n')}\n`);
  const config: HostConfig = { ...REALSERVER, blacklistPath: path.join(dir, 'static_blacklist') };
  return { config, options: { backend, stateDir: path.join(dir, 'state'), env: {} } };
}

/** Drops element `index` of bl4_hosts. */
function withoutHost(table: Ruleset, index: number): Ruleset {
  return {
    ...table,
    sets: table.sets.map((s) => {
      if (s.name !== 'bl4_hosts') return s;
      const keys = new Uint8Array(s.elements.keys.length - 4);
      keys.set(s.elements.keys.subarray(0, index * 4));
      keys.set(s.elements.keys.subarray(index * 4 + 4), index * 4);
      return { ...s, elements: { ...s.elements, count: s.elements.count - 1, keys } };
    }),
  };
}

/** A fake on which another program commits right after lbfw's commit: it drops one host (not among the sampled keys). */
class RacedFake extends FakeBackend {
  override async run(tx: Transaction): Promise<CommitReceipt> {
    const receipt = await super.run(tx);
    if (this.table?.sets.some((s) => s.name === 'bl4_hosts')) this.tamper((table) => (table === undefined ? table : withoutHost(table, 1)));
    return receipt;
  }
}

test('apply proves its big set by the commit: no element dump of it, and verify agrees', async (t) => {
  t.true(HOSTS > PROVEN_MIN_ELEMENTS);
  const backend = new FakeBackend();
  const { config, options } = await setUp(t, backend);
  const result = await applyFirewall(config, options);
  t.deepEqual(result.readBack, { method: 'commit', provenSets: 1 });
  t.true((await verifyFirewall(config, options)).ok);
});

test('a commit by someone else between the commit and the read-back voids the proof: the full read-back names the missing host', async (t) => {
  const { config, options } = await setUp(t, new RacedFake());
  const error = await t.throwsAsync(applyFirewall(config, options), { instanceOf: ApplyMismatchError });
  t.deepEqual(
    error?.drift.map((d) => `${d.subject}: ${d.message}`),
    ['set bl4_hosts: 1 element missing: 198.18.0.1'],
  );
});

test('a kernel that reads the keys differently (byte order) is caught by the sampled lookups', async (t) => {
  const misread: FakeBackendOptions['misread'] = (table) => ({
    ...table,
    sets: table.sets.map((s) => {
      if (s.name !== 'bl4_hosts') return s;
      const keys = Uint8Array.from(s.elements.keys);
      for (let i = 0; i < keys.length; i += 4) keys.subarray(i, i + 4).reverse();
      // Held sorted, as a kernel listing would be compared.
      const sorted = Array.from({ length: s.elements.count }, (_, i) => Buffer.from(keys.subarray(i * 4, i * 4 + 4))).sort(Buffer.compare);
      return { ...s, elements: { ...s.elements, keys: new Uint8Array(Buffer.concat(sorted)) } };
    }),
  });
  const { config, options } = await setUp(t, new FakeBackend({ misread }));
  const error = await t.throwsAsync(applyFirewall(config, options), { instanceOf: ApplyMismatchError });
  t.regex(error?.drift[0]?.message ?? '', new RegExp(`^${PROOF_SAMPLE_KEYS} elements missing`));
});

test('a backend that cannot pin its generation gets the full read-back, and says why', async (t) => {
  const { config, options } = await setUp(t, new FakeBackend({ pinsGeneration: false }));
  const result = await applyFirewall(config, options);
  t.is(result.readBack.method, 'full');
  t.is(result.readBack.fullBecause, 'the backend cannot pin the generation of its commit');
});

test('a table of small sets only is read back in full', async (t) => {
  const { config, options } = await setUp(t, new FakeBackend(), ['203.0.113.7', '203.0.113.9']);
  const result = await applyFirewall(config, options);
  t.is(result.readBack.method, 'full');
  t.regex(result.readBack.fullBecause ?? '', /no set is big enough/);
});
