import test from 'ava';
import { buildRuleset } from '../../../src/ruleset/build.js';
import { renderTable } from '../../../src/ruleset/render.js';
import { SHARD_ELEMENTS, shardCount, shardOf, shardsOfSets, splitHosts } from '../../../src/ruleset/shards.js';
import { EMPTY_BLACKLIST, REALSERVER } from '../../helpers/fixtures.js';

/** `count` distinct hosts of 2001:db8::/32, the IPv6 documentation prefix. */
function hosts(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `2001:db8::${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}`);
}

test('up to SHARD_ELEMENTS hosts stay in one set; above, shards double', (t) => {
  t.is(shardCount(0), 1);
  t.is(shardCount(SHARD_ELEMENTS), 1);
  t.is(shardCount(SHARD_ELEMENTS + 1), 2);
  t.is(shardCount(1_000_000), 256);
  t.is(shardCount(SHARD_ELEMENTS * 16), 16);
  t.is(shardCount(1e9), 256, 'capped: the shard is one byte of the address');
});

test('the shard of an address is its last byte masked, for IPv4 and canonical IPv6', (t) => {
  t.is(shardOf(4, '192.0.2.29', 16), 13);
  t.is(shardOf(6, '2001:db8::1d', 16), 13);
  t.is(shardOf(6, '2001:db8::', 16), 0);
  t.is(shardOf(4, '192.0.2.29', 1), 0);
});

test('splitting keeps every host exactly once, in its shard', (t) => {
  const list = hosts(1000);
  const shards = splitHosts(6, list, 8);
  t.is(shards.flat().length, 1000);
  shards.forEach((shard, i) => t.true(shard.every((h) => shardOf(6, h, 8) === i)));
});

test('a blacklist above the shard size gets one set and one chain per shard and a verdict map in prerouting', (t) => {
  const ruleset = buildRuleset(REALSERVER, { ...EMPTY_BLACKLIST, hosts6: hosts(SHARD_ELEMENTS + 1) });
  const names = ruleset.sets.map((s) => s.name);
  t.deepEqual(names.filter((n) => n.startsWith('bl6_hosts')), ['bl6_hosts_0', 'bl6_hosts_1']);
  t.is(shardsOfSets(6, names), 2);
  t.is(shardsOfSets(4, names), 1);
  t.deepEqual(ruleset.chains.map((c) => c.name), ['bl6_shard_0', 'bl6_shard_1', 'prerouting', 'input']);
  const table = renderTable(ruleset, 0);
  t.regex(table, /ip6 saddr & ::1 vmap \{ :: : jump bl6_shard_0, ::1 : jump bl6_shard_1 \} comment "blacklist-hosts6"/);
  t.regex(table, /\tchain bl6_shard_1 \{\n\t\tip6 saddr @bl6_hosts_1 counter drop comment "blacklist-hosts6-shard-1"\n\t\}/);
});
