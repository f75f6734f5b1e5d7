/**
 * The kernel facts apply's read-back rests on (src/firewall/read-back.ts,
 * proveCommit), checked on the real kernel in throwaway namespaces: a
 * commit moves the ruleset generation by exactly one and any other commit
 * moves it again; a batch built on a stale generation is refused whole;
 * the backend sends it again when another commit slips in before it; and a
 * change after lbfw's commit voids the proof, so the full read-back finds it.
 */
import type { ExecutionContext } from 'ava';
import { proveCommit, PROVEN_MIN_ELEMENTS } from '../../src/firewall/read-back.js';
import { addressElements } from '../../src/nft/model/elements.js';
import type { Ruleset } from '../../src/nft/model/objects.js';
import { NetlinkBackend } from '../../src/nft/netlink/backend.js';
import { encodeTransaction } from '../../src/nft/netlink/batch.js';
import { loadNative, type NativeBinding } from '../../src/nft/netlink/native.js';
import { kernelErrors, messages } from '../../src/nft/netlink/reader.js';
import { NFNL_MSG_BATCH_BEGIN } from '../../src/nft/netlink/uapi.js';
import { Transaction } from '../../src/nft/transaction.js';
import type { Netns } from '../../src/lab/netns.js';
import { NFT, systemTest, withNamespace } from '../helpers/system.js';

const ERESTART = 85;

function native(t: ExecutionContext): NativeBinding {
  const loaded = loadNative({});
  if (typeof loaded === 'string') t.fail(`the netlink binding must be built for this test: ${loaded}`);
  return loaded as NativeBinding;
}

/** Two sets of 3,000 hosts (198.18.0.0/15, benchmark range) and a rule using each: big enough to be proven by the commit. */
function table(offset = 0): Ruleset {
  const hosts = (base: number): Uint32Array => Uint32Array.from({ length: 3000 }, (_, i) => (0xc6120000 + base + i * 2 + offset) >>> 0);
  const drop = [{ kind: 'counter' as const }, { kind: 'verdict' as const, verdict: 'drop' as const }];
  return {
    sets: [
      { name: 'bl4_hosts_0', key: ['ipv4_addr'], interval: false, size: 8192, elements: addressElements(4, hosts(0)), purpose: '' },
      { name: 'bl4_hosts_1', key: ['ipv4_addr'], interval: false, size: 8192, elements: addressElements(4, hosts(0x10000)), purpose: '' },
    ],
    chains: [
      {
        name: 'prerouting',
        base: { type: 'filter', hook: 'prerouting', priority: -300, policy: 'accept' },
        rules: [0, 1].map((i) => ({ id: `hosts-${i}`, match: [{ kind: 'address-in-set' as const, family: 4 as const, field: 'saddr' as const, set: `bl4_hosts_${i}` }], statements: drop })),
      },
    ],
  };
}

function isBatch(buffers: readonly Buffer[]): boolean {
  return (buffers[0]?.readUInt16LE(4) ?? -1) === NFNL_MSG_BATCH_BEGIN;
}

/** The real binding, with `beforeBatch` run (another program's commit, say) just before each batch reaches the kernel. */
function racing(binding: NativeBinding, beforeBatch: (batch: Buffer) => Promise<unknown>): NativeBinding {
  return Object.assign(Object.create(binding) as NativeBinding, {
    transact: async (buffers: readonly Buffer[], options: Parameters<NativeBinding['transact']>[1]) => {
      if (isBatch(buffers)) await beforeBatch(Buffer.concat(buffers));
      return binding.transact(buffers, options);
    },
  });
}

systemTest('netlink generation: a commit moves the generation by one, its receipt names it, and any other commit moves it again', async (t) => {
  await withNamespace(async (ns: Netns) => {
    const b = new NetlinkBackend(native(t), { netns: ns.name });
    const before = await b.generation();
    t.is(typeof before, 'number');
    const receipt = await b.run(new Transaction().replaceTable(table()));
    t.is(receipt.generation, ((before as number) + 1) >>> 0);
    t.is(await b.generation(), receipt.generation);
    await ns.ok([NFT, 'add', 'table', 'ip', 'other']);
    t.not(await b.generation(), receipt.generation);
  });
});

systemTest('netlink generation: a batch built on a stale generation is refused whole (ERESTART) and changes nothing', async (t) => {
  await withNamespace(async (ns: Netns) => {
    const binding = native(t);
    const b = new NetlinkBackend(binding, { netns: ns.name });
    await b.run(new Transaction().replaceTable(table()));
    const stale = (await b.generation()) as number;
    await ns.ok([NFT, 'add', 'table', 'ip', 'other']);
    const listed = await ns.ok([NFT, 'list', 'ruleset']);
    const batch = encodeTransaction(new Transaction().replaceTable(table(1)), { generation: stale, firstSeq: 1000 });
    const result = await binding.transact([batch.bytes], { rcvbuf: 4 << 20, dump: 0, netns: `/run/netns/${ns.name}` });
    t.deepEqual(kernelErrors(messages(result.replies)).map((e) => e.errno), [ERESTART]);
    t.is(await ns.ok([NFT, 'list', 'ruleset']), listed);
  });
});

systemTest('netlink generation: a commit by another program between lbfw reading the generation and sending its batch makes lbfw send it again, on the new one', async (t) => {
  await withNamespace(async (ns: Netns) => {
    const binding = native(t);
    let raced = 0;
    // The other program commits just before lbfw's first batch reaches the kernel.
    const b = new NetlinkBackend(racing(binding, async () => (raced++ === 0 ? ns.ok([NFT, 'add', 'table', 'ip', 'other']) : undefined)), { netns: ns.name });
    const before = (await b.generation()) as number;
    const receipt = await b.run(new Transaction().replaceTable(table()));
    t.is(raced, 2, 'the batch was sent twice');
    t.is(receipt.generation, (before + 2) >>> 0);
    t.is(await b.generation(), receipt.generation);
    t.regex(await ns.ok([NFT, 'list', 'set', 'inet', 'lbfw', 'bl4_hosts_1']), /198\.19\.0\.0/);
  });
});

systemTest('netlink generation: the commit proves the big sets; an element deleted after the commit voids the proof and the full read-back names it', async (t) => {
  await withNamespace(async (ns: Netns) => {
    const b = new NetlinkBackend(native(t), { netns: ns.name });
    const meant = table();
    t.true(meant.sets.every((s) => s.elements.count > PROVEN_MIN_ELEMENTS));
    const receipt = await b.run(new Transaction().replaceTable(meant));
    const proven = await proveCommit(b, meant, receipt);
    t.deepEqual(proven, { drift: [], method: 'commit', provenSets: 2 });
    const second = await b.run(new Transaction().replaceTable(meant));
    // 198.18.0.2 is element 1 of bl4_hosts_0: not among the sampled keys (first, last and two evenly spaced).
    await ns.ok([NFT, 'delete', 'element', 'inet', 'lbfw', 'bl4_hosts_0', '{ 198.18.0.2 }']);
    const voided = await proveCommit(b, meant, second);
    t.is(voided.method, 'full');
    t.regex(voided.fullBecause ?? '', /the ruleset changed after the commit/);
    t.deepEqual(voided.drift.map((d) => `${d.subject}: ${d.message}`), ['set bl4_hosts_0: 1 element missing: 198.18.0.2']);
  });
});

systemTest('netlink generation: a ruleset that changes before every send makes lbfw give up after 5 sends, with nothing of its own changed', async (t) => {
  await withNamespace(async (ns: Netns) => {
    const binding = native(t);
    let sends = 0;
    const b = new NetlinkBackend(racing(binding, () => ns.ok([NFT, 'add', 'table', 'ip', `other${sends++}`])), { netns: ns.name });
    const error = await t.throwsAsync(b.run(new Transaction().replaceTable(table())));
    t.regex(error?.message ?? '', /the ruleset changed while lbfw loaded its table, 5 times .*nothing was changed/);
    t.is(sends, 5);
    t.false(await b.tableExists());
  });
});

systemTest('netlink: a replace with no table there only creates it (no delete); a table created meanwhile by someone else is replaced after all', async (t) => {
  await withNamespace(async (ns: Netns) => {
    const binding = native(t);
    const batches: Buffer[] = [];
    let created = false;
    const b = new NetlinkBackend(
      racing(binding, async (batch) => {
        batches.push(batch);
        if (created) return;
        created = true;
        // Between lbfw's look at the table and its batch, another program makes one, with a chain of its own.
        await ns.ok([NFT, 'add', 'table', 'inet', 'lbfw']);
        await ns.ok([NFT, 'add', 'chain', 'inet', 'lbfw', 'intruder']);
      }),
      { netns: ns.name },
    );
    await b.run(new Transaction().replaceTable(table()));
    // The first batch is refused for its generation (ERESTART: the other program committed), the
    // second, on the new generation, for its exclusive create (EEXIST); the third replaces.
    t.is(batches.length, 3);
    const types = (batch: Buffer): number[] => messages(batch).map((m) => m.type & 0xff);
    // NFT_MSG_NEWTABLE 0, NFT_MSG_DELTABLE 2: only the last batch deletes.
    t.deepEqual(batches.map((batch) => types(batch).includes(2)), [false, false, true]);
    const listed = await ns.ok([NFT, 'list', 'table', 'inet', 'lbfw']);
    t.notRegex(listed, /intruder/);
    t.regex(listed, /set bl4_hosts_1/);
    // With the table there, the next replace deletes and recreates it in its one batch.
    await b.run(new Transaction().replaceTable(table(1)));
    t.true(types(batches[3] as Buffer).includes(2));
  });
});
