/**
 * The addon's keyElements (native/src/key_elements.c) writes exactly the
 * bytes of MessageWriter's own loop: whole batches are compared.
 */
import test from 'ava';
import { addressElements, ipv4ShardsFromValues, rangeElements } from '../../../../src/nft/model/elements.js';
import type { Ruleset } from '../../../../src/nft/model/objects.js';
import { encodeTransaction } from '../../../../src/nft/netlink/batch.js';
import { loadNative } from '../../../../src/nft/netlink/native.js';
import type { NativeKeyElements } from '../../../../src/nft/netlink/writer.js';
import { Transaction } from '../../../../src/nft/transaction.js';
import { xorshift32 } from '../../../helpers/random.js';

const binding = loadNative({});
const keyElements = typeof binding === 'string' ? undefined : binding.keyElements;
/** Without the addon these tests cannot run (native/build.sh says why); in CI (LBFW_REQUIRE_SYSTEM_TESTS=1) that fails, not skips. */
const nativeTest = keyElements !== undefined || process.env['LBFW_REQUIRE_SYSTEM_TESTS'] === '1' ? test : test.skip;

function native(): NativeKeyElements {
  if (keyElements === undefined) throw new Error(`the addon's keyElements is missing: ${typeof binding === 'string' ? binding : 'an older build'}`);
  return keyElements;
}

/** Distinct sorted IPv4 values, seeded. */
function hosts(r: () => number, n: number): Uint32Array {
  return Uint32Array.from(new Set(Array.from({ length: n }, () => r()))).sort();
}

function ruleset(r: () => number, count: number, shards: number): Ruleset {
  const lists = ipv4ShardsFromValues(hosts(r, count), shards);
  return {
    sets: [
      ...lists.map((elements, i) => ({ name: `bl4_hosts_${i}`, key: ['ipv4_addr'] as const, interval: false, size: 65536, elements, purpose: '' })),
      { name: 'bl6_hosts', key: ['ipv6_addr'], interval: false, elements: addressElements(6, Array.from({ length: count % 700 }, (_, i) => (0x20010db8n << 96n) | BigInt(i * 7 + 1))), purpose: '' },
      { name: 'bl4_nets', key: ['ipv4_addr'], interval: true, elements: rangeElements(4, [{ family: 4, first: 0xc6336400n, last: 0xc63364ffn }]), purpose: '' },
    ],
    chains: [],
  };
}

nativeTest('batches written with the C loop are byte-identical to the JS loop (sizes across message splits, shards, IPv6, element adds)', (t) => {
  const r = xorshift32(20261202);
  for (const [count, shards] of [[0, 1], [1, 1], [3999, 1], [4100, 2], [20_000, 4], [100_000, 16], [50_000, 256]] as const) {
    const tx = new Transaction().replaceTable(ruleset(r, count, shards));
    const js = encodeTransaction(tx, { firstSeq: 7, generation: 3 });
    const c = encodeTransaction(tx, { firstSeq: 7, generation: 3, keyElements: native() });
    t.true(Buffer.from(c.bytes).equals(Buffer.from(js.bytes)), `${count} hosts in ${shards} shards`);
    t.is(c.messages, js.messages);
  }
  const adds = new Transaction().addElements('bl4_hosts_0', addressElements(4, hosts(r, 9000)));
  t.true(Buffer.from(encodeTransaction(adds, { keyElements: native() }).bytes).equals(Buffer.from(encodeTransaction(adds).bytes)));
});

nativeTest('the C loop refuses to write or read past its arrays, and widths that are not whole words', (t) => {
  const k = native();
  const out = new Uint8Array(64);
  const keys = new Uint8Array(16);
  const head = Uint32Array.of(1, 2, 3);
  t.throws(() => k(out, 0, keys, 0, 5, 4, head), { instanceOf: RangeError });
  t.throws(() => k(out, 60, keys, 0, 1, 4, head), { instanceOf: RangeError });
  t.throws(() => k(out, 0, keys, 3, 2, 4, head), { instanceOf: RangeError });
  t.throws(() => k(out, 0, keys, 0, 1, 6, head), { instanceOf: RangeError });
  t.throws(() => k(out, 0, keys, 0, 1, 4, new Uint32Array(2)), { instanceOf: TypeError });
  k(out, 0, keys.fill(9), 1, 2, 4, head);
  t.deepEqual([...out.subarray(0, 32)], [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 9, 9, 9, 9, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 9, 9, 9, 9]);
  t.true(out.subarray(32).every((b) => b === 0));
});
