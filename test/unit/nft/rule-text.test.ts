/**
 * Every rule shape lbfw builds, rendered as nft lists it, and read back from
 * that text into the same typed rule; Transaction refusals.
 */
import test from 'ava';
import { NftInvalidError } from '../../../src/errors.js';
import { addressElements, elementTexts, elementsFromTexts, rangeElements, tupleElements } from '../../../src/nft/model/elements.js';
import type { NftRule } from '../../../src/nft/model/rules.js';
import { parseRuleText } from '../../../src/nft/parse/rule-text.js';
import { renderRuleText } from '../../../src/nft/render/rule-text.js';
import { Transaction } from '../../../src/nft/transaction.js';
import { buildRuleset } from '../../../src/ruleset/build.js';
import { BLACKLIST, DIRECTOR, REALSERVER } from '../../helpers/fixtures.js';

const accept = { kind: 'verdict', verdict: 'accept' } as const;

const shapes: readonly [string, Omit<NftRule, 'id'>][] = [
  ['iif "lo" accept', { match: [{ kind: 'iif', name: 'lo' }], statements: [accept] }],
  ['ip saddr @bl4_hosts counter drop', { match: [{ kind: 'address-in-set', family: 4, field: 'saddr', set: 'bl4_hosts' }], statements: [{ kind: 'counter' }, { kind: 'verdict', verdict: 'drop' }] }],
  ['ip6 saddr & ::1 vmap { :: : jump bl6_shard_0, ::1 : jump bl6_shard_1 }', { match: [], statements: [{ kind: 'shard-vmap', family: 6, field: 'saddr', chains: ['bl6_shard_0', 'bl6_shard_1'] }] }],
  ['ip daddr . meta l4proto . th dport @vip4_services counter accept', { match: [{ kind: 'concat-in-set', fields: [{ kind: 'address', family: 4, field: 'daddr' }, { kind: 'l4proto' }, { kind: 'th-dport' }], set: 'vip4_services' }], statements: [{ kind: 'counter' }, accept] }],
  ['meta l4proto . th dport @service_ports counter accept', { match: [{ kind: 'concat-in-set', fields: [{ kind: 'l4proto' }, { kind: 'th-dport' }], set: 'service_ports' }], statements: [{ kind: 'counter' }, accept] }],
  ['ct state established,related accept', { match: [{ kind: 'ct-state', states: ['established', 'related'] }], statements: [accept] }],
  ['ip6 saddr fe80::/10 ip6 daddr ff02::12 ip6 hoplimit 255 meta l4proto vrrp accept', {
    match: [
      { kind: 'address-in', family: 6, field: 'saddr', ranges: [{ family: 6, first: 0xfe80n << 112n, last: (0xfe80n << 112n) + (1n << 118n) - 1n }] },
      { kind: 'address-in', family: 6, field: 'daddr', ranges: [{ family: 6, first: (0xff02n << 112n) + 0x12n, last: (0xff02n << 112n) + 0x12n }] },
      { kind: 'hop-limit', family: 6, value: 255 },
      { kind: 'l4proto', protocol: 'vrrp' },
    ],
    statements: [accept],
  }],
  ['ip saddr { 192.0.2.50, 198.51.100.6/31 } tcp dport 9100 accept', {
    match: [
      { kind: 'address-in', family: 4, field: 'saddr', ranges: [{ family: 4, first: 0xc0000232n, last: 0xc0000232n }, { family: 4, first: 0xc6336406n, last: 0xc6336407n }] },
      { kind: 'dport', protocol: 'tcp', port: 9100 },
    ],
    statements: [accept],
  }],
  ['icmp type { destination-unreachable, echo-request } accept', { match: [{ kind: 'icmp-type', types: ['destination-unreachable', 'echo-request'] }], statements: [accept] }],
  ['ip6 hoplimit 255 icmpv6 type nd-neighbor-solicit accept', { match: [{ kind: 'hop-limit', family: 6, value: 255 }, { kind: 'icmpv6-type', types: ['nd-neighbor-solicit'] }], statements: [accept] }],
  ['counter', { match: [], statements: [{ kind: 'counter' }] }],
  // The echo limit in both forms (nft lists `burst 5 packets`, its default, as nothing).
  ['icmp type echo-request limit rate 100/second burst 100 packets accept', { match: [{ kind: 'icmp-type', types: ['echo-request'] }], statements: [{ kind: 'limit', perSecond: 100, burst: 100 }, accept] }],
  ['icmp type echo-request limit rate over 7/second drop', { match: [{ kind: 'icmp-type', types: ['echo-request'] }], statements: [{ kind: 'limit', perSecond: 7, burst: 5, over: true }, { kind: 'verdict', verdict: 'drop' }] }],
];

for (const [text, shape] of shapes) {
  test(`the shape "${text}" renders as nft lists it and reads back typed`, (t) => {
    const rule = { id: 'r', ...shape };
    t.is(renderRuleText(rule), text);
    t.deepEqual(parseRuleText('r', text), rule);
  });
}

test('every rule of the director and real server tables reads back from its own text', (t) => {
  for (const config of [DIRECTOR, REALSERVER]) {
    for (const rule of buildRuleset(config, BLACKLIST).chains.flatMap((c) => c.rules)) t.deepEqual(parseRuleText(rule.id, renderRuleText(rule)), rule);
  }
});

test('a rule lbfw does not write stays untyped', (t) => {
  t.is(parseRuleText('x', 'tcp dport 22 ct state new log prefix "ssh" accept'), undefined);
  t.is(parseRuleText('x', 'ip saddr 10.0.0.0/8 log prefix "x" drop'), undefined);
});

test('elements pack as big-endian keys, sorted as numbers, and print as nft lists them', (t) => {
  const hosts = elementsFromTexts(['ipv4_addr'], false, ['203.0.113.10', '203.0.113.9', '203.0.113.10']);
  t.deepEqual(elementTexts(hosts), ['203.0.113.9', '203.0.113.10']);
  t.deepEqual([...hosts.keys], [203, 0, 113, 9, 203, 0, 113, 10]);
  t.deepEqual(elementTexts(tupleElements(['ipv4_addr', 'inet_proto', 'inet_service'], [[0xc000020an, 'tcp', 443], [0xc000020an, 'tcp', 80]])), ['192.0.2.10 . tcp . 80', '192.0.2.10 . tcp . 443']);
  t.deepEqual(elementTexts(rangeElements(4, [{ family: 4, first: 0xcb007110n, last: 0xcb007114n }, { family: 4, first: 0xcb007140n, last: 0xcb00717fn }])), ['203.0.113.16-203.0.113.20', '203.0.113.64/26']);
  t.deepEqual(elementTexts(elementsFromTexts(['ipv6_addr'], true, ['2001:db8::/32', '2001:db9::1'])), ['2001:db8::/32', '2001:db9::1']);
});

test('a Transaction refuses, when queued, what the kernel would refuse', (t) => {
  const ruleset = buildRuleset(REALSERVER, BLACKLIST);
  const input = ruleset.chains.find((c) => c.name === 'input');
  const broken = {
    ...ruleset,
    chains: ruleset.chains.map((c) => (c === input ? { ...c, rules: [...c.rules, { id: 'x', match: [{ kind: 'address-in-set', family: 4, field: 'saddr', set: 'nope' }], statements: [accept] } as NftRule] } : c)),
  };
  t.throws(() => new Transaction().replaceTable(broken), { instanceOf: NftInvalidError, message: /chain input, rule x: looks up set nope/ });
  const tx = new Transaction().replaceTable(ruleset);
  t.throws(() => tx.addElements('bl4_hosts', addressElements(6, [1n])), { instanceOf: NftInvalidError, message: /do not fit/ });
  t.throws(() => tx.addElements('missing', addressElements(4, new Uint32Array([1]))), { instanceOf: NftInvalidError });
  t.throws(() => new Transaction().addElements('bl4_hosts', { key: ['ipv4_addr'], interval: false, count: 2, keys: new Uint8Array([0, 0, 0, 2, 0, 0, 0, 1]) }), { message: /out of order/ });
  // IPv4 keys compare as unsigned numbers: a duplicate is refused, the ends of the address space are in order.
  t.throws(() => new Transaction().addElements('bl4_hosts', { key: ['ipv4_addr'], interval: false, count: 2, keys: new Uint8Array([9, 0, 0, 1, 9, 0, 0, 1]) }), { message: /out of order/ });
  t.notThrows(() => new Transaction().addElements('bl4_hosts', { key: ['ipv4_addr'], interval: false, count: 3, keys: new Uint8Array([0, 0, 0, 0, 128, 0, 0, 0, 255, 255, 255, 255]) }));
});
