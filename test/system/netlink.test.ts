/**
 * The netlink backend against the real kernel, in throwaway namespaces:
 * a whole table in one batch that nft lists exactly as meant, a refused
 * batch that changes nothing and names the element, IPv6 hosts and ranges,
 * and the fallback when the binding is turned off.
 */
import type { ExecutionContext } from 'ava';
import { addressElements, rangeElements, elementTexts } from '../../src/nft/model/elements.js';
import type { Ruleset } from '../../src/nft/model/objects.js';
import { NetlinkBackend } from '../../src/nft/netlink/backend.js';
import { NetlinkError } from '../../src/nft/netlink/errors.js';
import { loadNative } from '../../src/nft/netlink/native.js';
import { loadNetlinkBackend } from '../../src/nft/netlink-loader.js';
import { Transaction } from '../../src/nft/transaction.js';
import type { Netns } from '../../src/lab/netns.js';
import { NFT, systemTest, withNamespace } from '../helpers/system.js';

function backend(t: ExecutionContext, ns: Netns): NetlinkBackend {
  const native = loadNative({});
  if (typeof native === 'string') t.fail(`the netlink binding must be built for this test: ${native}`);
  return new NetlinkBackend(native as Exclude<typeof native, string>, { netns: ns.name });
}

/**
 * The blacklist part of lbfw's table, its hosts sharded as lbfw shards them
 * (src/ruleset/shards.ts: a verdict map on the low bits of the address), so
 * that reading a big list back stays cheap.
 */
function blacklistTable(hosts: Uint32Array, nets: readonly { first: bigint; last: bigint }[], shards = 1): Ruleset {
  const buckets: number[][] = Array.from({ length: shards }, () => []);
  for (const h of hosts) buckets[h & (shards - 1)]?.push(h);
  const name = (i: number): string => (shards === 1 ? 'bl4_hosts' : `bl4_hosts_${i}`);
  const drop = [{ kind: 'counter' as const }, { kind: 'verdict' as const, verdict: 'drop' as const }];
  const shardChains = shards === 1 ? [] : buckets.map((_, i) => ({ name: `bl4_shard_${i}`, rules: [{ id: `shard-${i}`, match: [{ kind: 'address-in-set' as const, family: 4 as const, field: 'saddr' as const, set: name(i) }], statements: drop }] }));
  const hostsRule =
    shards === 1
      ? { id: 'blacklist-hosts4', match: [{ kind: 'address-in-set' as const, family: 4 as const, field: 'saddr' as const, set: 'bl4_hosts' }], statements: drop }
      : { id: 'blacklist-hosts4', match: [], statements: [{ kind: 'shard-vmap' as const, family: 4 as const, field: 'saddr' as const, chains: shardChains.map((c) => c.name) }] };
  return {
    sets: [
      ...buckets.map((b, i) => ({ name: name(i), key: ['ipv4_addr'] as const, interval: false, size: 65536, elements: addressElements(4, Uint32Array.from(b)), purpose: '' })),
      { name: 'bl4_nets', key: ['ipv4_addr'], interval: true, elements: rangeElements(4, nets.map((n) => ({ family: 4, ...n }))), purpose: '' },
      {
        name: 'bl6_hosts',
        key: ['ipv6_addr'],
        interval: false,
        elements: addressElements(6, [(0x20010db8n << 96n) | 1n, (0x20010db8n << 96n) | 0xffffn]),
        purpose: '',
      },
      {
        name: 'bl6_nets',
        key: ['ipv6_addr'],
        interval: true,
        elements: rangeElements(6, [
          { family: 6, first: (0x20010db8n << 96n) | (1n << 80n), last: (0x20010db8n << 96n) | (2n << 80n) - 1n },
          { family: 6, first: 0xffffn << 112n, last: (1n << 128n) - 1n },
        ]),
        purpose: '',
      },
    ],
    chains: [
      ...shardChains,
      {
        name: 'prerouting',
        base: { type: 'filter', hook: 'prerouting', priority: -300, policy: 'accept' },
        rules: [
          hostsRule,
          { id: 'blacklist-nets4', match: [{ kind: 'address-in-set', family: 4, field: 'saddr', set: 'bl4_nets' }], statements: [{ kind: 'counter' }, { kind: 'verdict', verdict: 'drop' }] },
        ],
      },
    ],
  };
}

/** 200,000 distinct IPv4 hosts, seeded (the suite's size; the bench takes 1M). */
function randomHosts(n: number): Uint32Array {
  let x = 20261202;
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x >>> 0;
  }
  return Uint32Array.from(new Set(out.sort()));
}

systemTest('netlink: 200k hosts (16 shards), ranges and IPv6 load as one batch and read back exactly, as nft lists them', async (t) => {
  await withNamespace(async (ns) => {
    const b = backend(t, ns);
    const hosts = randomHosts(200_000);
    const ruleset = blacklistTable(hosts, [{ first: 0xc6336400n, last: 0xc63364ffn }, { first: 0xffffff00n, last: 0xffffffffn }], 16);
    await b.run(new Transaction().replaceTable(ruleset));
    const snap = await b.readTable();
    const set = (name: string) => snap?.sets.find((s) => s.name === name);
    // Every shard lists exactly its part of the merged input, byte for byte.
    let counted = 0;
    for (const meant of ruleset.sets.filter((s) => s.name.startsWith('bl4_hosts'))) {
      t.true(Buffer.from(set(meant.name)?.elements?.keys ?? []).equals(Buffer.from(meant.elements.keys)), meant.name);
      counted += set(meant.name)?.count ?? 0;
    }
    t.is(counted, hosts.length);
    t.deepEqual(elementTexts(set('bl4_nets')?.elements as never), ['198.51.100.0/24', '255.255.255.0/24']);
    t.deepEqual(elementTexts(set('bl6_hosts')?.elements as never), ['2001:db8::1', '2001:db8::ffff']);
    t.deepEqual(elementTexts(set('bl6_nets')?.elements as never), ['2001:db8:1::/48', 'ffff::/16']);
    // nft itself reads the netlink-loaded table the same way.
    const listed = await ns.ok([NFT, 'list', 'set', 'inet', 'lbfw', 'bl6_nets']);
    t.regex(listed, /elements = \{ 2001:db8:1::\/48,\s+ffff::\/16 \}/);
    const chain = await ns.ok([NFT, 'list', 'chain', 'inet', 'lbfw', 'prerouting']);
    t.regex(chain, /ip saddr @bl4_nets counter packets 0 bytes 0 drop comment "blacklist-nets4"/);
    const rules = snap?.chains.find((c) => c.name === 'prerouting')?.rules.map((r) => `${r.text} # ${r.id ?? ''}`);
    const jumps = Array.from({ length: 16 }, (_, i) => `0.0.0.${i} : jump bl4_shard_${i}`).join(', ');
    t.deepEqual(rules, [`ip saddr & 0.0.0.15 vmap { ${jumps} } # blacklist-hosts4`, 'ip saddr @bl4_nets counter drop # blacklist-nets4']);
    t.regex(await ns.ok([NFT, 'list', 'chain', 'inet', 'lbfw', 'bl4_shard_3']), /ip saddr @bl4_hosts_3 counter packets 0 bytes 0 drop comment "shard-3"/);
  });
});

systemTest('netlink: a batch the kernel refuses (overlapping intervals) leaves the old table byte-identical and names the element', async (t) => {
  await withNamespace(async (ns) => {
    const b = backend(t, ns);
    await b.run(new Transaction().replaceTable(blacklistTable(randomHosts(1000), [{ first: 0xc0000200n, last: 0xc00002ffn }])));
    const before = await ns.ok([NFT, 'list', 'table', 'inet', 'lbfw']);
    // Bypass the builder's merge: two overlapping ranges, which Transaction would refuse, go straight to the encoder.
    const good = blacklistTable(randomHosts(5000), [{ first: 0xcb007100n, last: 0xcb0071ffn }]);
    const overlapping = {
      key: ['ipv4_addr'] as const,
      interval: true,
      count: 2,
      keys: Uint8Array.from([203, 0, 113, 0, 203, 0, 113, 128]),
      lasts: Uint8Array.from([203, 0, 113, 255, 203, 0, 113, 200]),
    };
    const tx = new Transaction().replaceTable(good);
    (tx.operations as unknown as { op: string; set: string; elements: unknown }[]).push({ op: 'add-elements', set: 'bl4_nets', elements: overlapping });
    const error = await t.throwsAsync(b.run(tx));
    t.true(error instanceof NetlinkError, String(error));
    t.regex(error?.message ?? '', /set bl4_nets, element 203\.0\.113\.(0\/24|128-203\.0\.113\.200)/);
    t.regex(error?.message ?? '', /EEXIST|nothing was changed/);
    t.is(await ns.ok([NFT, 'list', 'table', 'inet', 'lbfw']), before);
    // No stray table or set: the namespace holds only the old table.
    t.is((await ns.ok([NFT, 'list', 'tables'])).trim(), 'table inet lbfw');
  });
});

systemTest('netlink: LBFW_NO_NATIVE=1 turns the binding off and the loader says why', (t) => {
  const result = loadNetlinkBackend({ env: { LBFW_NO_NATIVE: '1' } });
  t.is(typeof result, 'string');
  t.regex(result as string, /LBFW_NO_NATIVE=1/);
  return Promise.resolve();
});

systemTest('netlink: lookupEach asks many sets in one round trip and answers each exactly as lookupElements does (missing keys, intervals, a missing set)', async (t) => {
  await withNamespace(async (ns) => {
    const b = backend(t, ns);
    const hosts = randomHosts(20_000);
    const ruleset = blacklistTable(hosts, [{ first: 0xc6336400n, last: 0xc63364ffn }], 16);
    await b.run(new Transaction().replaceTable(ruleset));
    const shards = ruleset.sets.filter((s) => s.name.startsWith('bl4_hosts'));
    const pick = (set: (typeof shards)[number], from: number, n: number): Uint32Array => {
      const keys = set.elements.keys;
      return Uint32Array.from({ length: n }, (_, i) => new DataView(keys.buffer, keys.byteOffset).getUint32((from + i) * 4));
    };
    const requests = [
      // Present keys in every shard: the proof's case.
      ...shards.map((set, i) => ({ set: set.name, keys: addressElements(4, pick(set, i, 16)) })),
      // A key no shard holds among present ones: the kernel stops that message there.
      { set: 'bl4_hosts_0', keys: addressElements(4, Uint32Array.from([...pick(shards[0] as (typeof shards)[number], 0, 3), 0xc0000211].sort())) },
      { set: 'bl4_nets', keys: rangeElements(4, [{ family: 4, first: 0xc0000201n, last: 0xc0000201n }, { family: 4, first: 0xc6336405n, last: 0xc6336405n }]) },
      { set: 'no_such_set', keys: addressElements(4, Uint32Array.from([1])) },
      { set: 'bl6_hosts', keys: addressElements(6, [(0x20010db8n << 96n) | 1n, (0x20010db8n << 96n) | 2n]) },
      { set: 'bl4_hosts_1', keys: addressElements(4, new Uint32Array(0)) },
    ];
    const each = await b.lookupEach(requests);
    t.is(each.length, requests.length);
    for (const [i, r] of requests.entries()) t.deepEqual(elementTexts(each[i] as never), elementTexts(await b.lookupElements(r.set, r.keys)), r.set);
    // And what each holds, written out: all 16 found; the missing key left out; the covering prefix; nothing.
    t.true(each.slice(0, shards.length).every((found) => found.count === 16));
    t.is(each[shards.length]?.count, 3);
    t.deepEqual(elementTexts(each[shards.length + 1] as never), ['198.51.100.0/24']);
    t.is(each[shards.length + 2]?.count, 0);
    t.deepEqual(elementTexts(each[shards.length + 3] as never), ['2001:db8::1']);
    t.is(each[shards.length + 4]?.count, 0);
    // The shards' samples took one transact (one socket, one sendmsg), not one per set.
    const native = loadNative({}) as Exclude<ReturnType<typeof loadNative>, string>;
    let transacts = 0;
    const counting = new NetlinkBackend({ ...native, transact: (buffers, options) => (transacts++, native.transact(buffers, options)) }, { netns: ns.name });
    const found = await counting.lookupEach(requests.slice(0, shards.length));
    t.is(transacts, 1);
    t.true(found.every((list) => list.count === 16));
  });
});
