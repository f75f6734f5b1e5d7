import test from 'ava';
import { xorshift32 } from '../../helpers/random.js';
import { addressElements, assertAscending, ElementOrderError, elementTexts, ipv4ShardsFromValues, type ElementList } from '../../../src/nft/model/elements.js';
import { MessageWriter } from '../../../src/nft/netlink/writer.js';
import { shardOf } from '../../../src/ruleset/shards.js';

const random = xorshift32;

const dealsLikeShardOf = test.macro({
  exec(t, shards: number) {
    const next = random(7 + shards);
    // Sorted, with duplicates, and the ends of the address space.
    const values = Uint32Array.from({ length: 20_000 }, (_, i) => (i % 5 === 0 ? 0 : i % 7 === 0 ? 0xffffffff : next() % 50_000)).sort();
    const lists = ipv4ShardsFromValues(values, shards);
    t.is(lists.length, shards);
    const texts = [...new Set(Array.from(values, (v) => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`))];
    const expected: string[][] = Array.from({ length: shards }, () => []);
    for (const text of texts) expected[shardOf(4, text, shards)]?.push(text);
    t.deepEqual(lists.map(elementTexts), expected);
    for (const list of lists) t.notThrows(() => assertAscending(list));
  },
  title: (given) => `ipv4ShardsFromValues deals sorted values into ${given ?? ''} shard(s) as shardOf does, without duplicates.`,
});
test('1', dealsLikeShardOf, 1);
test('2', dealsLikeShardOf, 2);
test('256', dealsLikeShardOf, 256);

test('Unsorted values are refused, naming the two elements out of order.', (t) => {
  t.throws(() => ipv4ShardsFromValues(Uint32Array.of(1, 0x0a000003, 0x0a000001), 2), { instanceOf: ElementOrderError, message: 'elements 10.0.0.3 and 10.0.0.1 are out of order or overlap' });
  t.throws(() => ipv4ShardsFromValues(Uint32Array.of(5, 3), 1), { instanceOf: ElementOrderError, message: 'elements 0.0.0.5 and 0.0.0.3 are out of order or overlap' });
  t.throws(() => addressElements(4, Uint32Array.of(0xc0000202, 0xc0000202)), { instanceOf: ElementOrderError, message: 'elements 192.0.2.2 and 192.0.2.2 are out of order or overlap' });
});

test('A list made by hand is checked by assertAscending every time until it passes.', (t) => {
  const bad: ElementList = { key: ['ipv4_addr'], interval: false, count: 2, keys: Uint8Array.of(10, 0, 0, 2, 10, 0, 0, 1) };
  t.throws(() => assertAscending(bad), { instanceOf: ElementOrderError });
  t.throws(() => assertAscending(bad), { instanceOf: ElementOrderError });
  const good: ElementList = { ...bad, keys: Uint8Array.of(10, 0, 0, 1, 10, 0, 0, 2) };
  t.notThrows(() => assertAscending(good));
  t.notThrows(() => assertAscending(good));
});

/** One message holding the elements of keys 1.. (key 0 is left out: the copy starts inside the key data). */
function hashElementBytes(keys: Uint8Array, width: number): Buffer {
  const w = new MessageWriter();
  w.begin(0x0a0c, 1, 1, 1);
  w.keyElements(3, 1, 1, keys, 1, keys.length / width - 1, width);
  w.end();
  return w.finish();
}

test('keyElements writes the same bytes from aligned key data (words) and unaligned (bytes), IPv4 and IPv6.', (t) => {
  const next = random(99);
  for (const width of [4, 16]) {
    const count = 50;
    const aligned = Uint8Array.from({ length: count * width }, () => next() & 255);
    const backing = new Uint8Array(count * width + 1);
    backing.set(aligned, 1);
    const unaligned = backing.subarray(1);
    t.is(unaligned.byteOffset % 4, 1);
    const expected = hashElementBytes(aligned, width);
    t.deepEqual(hashElementBytes(unaligned, width), expected);
    // The element for key i: 12 header bytes then the key.
    t.deepEqual(expected.subarray(20 + 12, 20 + 12 + width), Buffer.from(aligned.subarray(width, 2 * width)));
    t.is(expected.readUInt16LE(20), 12 + width);
  }
});
