import test from 'ava';
import {
  ELEMENTS_OMITTED,
  EXTERNAL,
  droppedBy,
  hookVerdicts,
  omitLargeSetElements,
  passedBy,
  readNftModel,
  type Packet,
} from '../../../src/doctor/nft-eval.js';
import { parseRuleWords } from '../../../src/doctor/iptables-save.js';
import { ACCEPT, DROP, lbfwTable, match, meta, nftChain, nftRule, payload, sshOnlyFilter } from './fixtures.js';

const vipHttp: Packet = { family: 4, daddr: '192.0.2.10', l4proto: 6, dport: 80, iifname: 'eth0', ctState: 'new' };
const vrrpFromPeer: Packet = { family: 4, saddr: '192.0.2.3', l4proto: 112, iifname: EXTERNAL, ctState: 'new' };

const verdict = test.macro({
  exec(t, ruleset: readonly unknown[], packet: Packet, expected: 'pass' | 'drop') {
    const dropped = droppedBy(readNftModel(ruleset), 'input', packet);
    t.is(dropped === undefined ? 'pass' : 'drop', expected, JSON.stringify(dropped));
  },
  title: (given, _ruleset, _packet, expected: 'pass' | 'drop') => `${given ?? ''}: ${expected}`,
});

test("lbfw's table lets the VIP service in by its concatenated set", verdict, lbfwTable(), vipHttp, 'pass');
test("lbfw's table drops a VIP port it does not list", verdict, lbfwTable(), { ...vipHttp, dport: 8080 }, 'drop');
test("lbfw's table lets VRRP in from a listed peer", verdict, lbfwTable(), vrrpFromPeer, 'pass');
test("lbfw's table drops VRRP from an unlisted host", verdict, lbfwTable(), { ...vrrpFromPeer, saddr: '192.0.2.99' }, 'drop');
test("lbfw's loopback rule does not accept traffic arriving from outside", verdict, lbfwTable({ vip4: [] }), vipHttp, 'drop');
test('established,related does not accept the first packet of a flow', verdict, sshOnlyFilter(), vipHttp, 'drop');
test('an unknown input interface might be the one a rule accepts', verdict, [
  nftChain('inet', 'f', 'input', 'input', 'drop'),
  nftRule('inet', 'f', 'input', 2, [match(meta('iifname'), 'eth0'), ACCEPT]),
], { ...vipHttp, iifname: EXTERNAL }, 'pass');
test('a wildcard interface name matches', verdict, [
  nftChain('inet', 'f', 'input', 'input', 'drop'),
  nftRule('inet', 'f', 'input', 2, [match(meta('iifname'), 'eth*'), ACCEPT]),
], vipHttp, 'pass');
test('an ip table does not see IPv6 packets', verdict, [nftChain('ip', 'f', 'input', 'input', 'drop')], { ...vipHttp, family: 6, daddr: '2001:db8::10' }, 'pass');
test('a jump to a chain that accepts the port', verdict, [
  nftChain('inet', 'f', 'input', 'input', 'drop'),
  nftChain('inet', 'f', 'web'),
  nftRule('inet', 'f', 'input', 2, [match(payload('ip', 'daddr'), { prefix: { addr: '192.0.2.0', len: 24 } }), { jump: { target: 'web' } }]),
  nftRule('inet', 'f', 'web', 3, [match(payload('tcp', 'dport'), { set: [80, 443] }), ACCEPT]),
], vipHttp, 'pass');
test('a jump to a chain that returns falls back to the policy', verdict, [
  nftChain('inet', 'f', 'input', 'input', 'drop'),
  nftChain('inet', 'f', 'web'),
  nftRule('inet', 'f', 'input', 2, [{ jump: { target: 'web' } }]),
  nftRule('inet', 'f', 'web', 3, [match(payload('tcp', 'dport'), { range: [8000, 8999] }), ACCEPT]),
], vipHttp, 'drop');
test('a rate-limited accept might accept', verdict, [
  nftChain('inet', 'f', 'input', 'input', 'drop'),
  nftRule('inet', 'f', 'input', 2, [match(payload('tcp', 'dport'), 80), { limit: { rate: 10, per: 'second' } }, ACCEPT]),
], vipHttp, 'pass');
test('a set whose elements were omitted might hold the address', verdict, [
  { set: { family: 'inet', table: 'f', name: 'big', [ELEMENTS_OMITTED]: 5000 } },
  nftChain('inet', 'f', 'input', 'input', 'drop'),
  nftRule('inet', 'f', 'input', 2, [match(payload('ip', 'daddr'), '@big'), ACCEPT]),
], vipHttp, 'pass');
test('a drop rule for another address does not drop', verdict, [
  nftChain('ip', 'f', 'input', 'input', 'accept'),
  nftRule('ip', 'f', 'input', 2, [match(payload('ip', 'daddr'), '192.0.2.11'), DROP]),
], vipHttp, 'pass');
test('a negated match drops everything else', verdict, [
  nftChain('ip', 'f', 'input', 'input', 'accept'),
  nftRule('ip', 'f', 'input', 2, [match(payload('tcp', 'dport'), 22, '!='), DROP]),
], vipHttp, 'drop');
test('a udp match never matches tcp packets', verdict, [
  nftChain('inet', 'f', 'input', 'input', 'drop'),
  nftRule('inet', 'f', 'input', 2, [match(payload('udp', 'dport'), 80), ACCEPT]),
], vipHttp, 'drop');

test('Every base chain of the hook judges the packet: an accept in one does not save it from a drop in another.', (t) => {
  const model = readNftModel([...lbfwTable(), ...sshOnlyFilter()]);
  const verdicts = hookVerdicts(model, 'input', vipHttp);
  t.deepEqual(verdicts.map((v) => [`${v.chain.family} ${v.chain.table}`, v.verdict.kind]), [
    ['inet lbfw', 'accept'],
    ['inet filter', 'drop'],
  ]);
});

test('Sets larger than the limit lose their elements and remember how many they had.', (t) => {
  const big = { set: { family: 'inet', table: 'lbfw', name: 'bl4_hosts', elem: Array.from({ length: 1001 }, (_, i) => `198.51.100.${i % 250}`) } };
  const small = { set: { family: 'inet', table: 'lbfw', name: 'peers4', elem: ['192.0.2.3'] } };
  const [omitted, kept] = omitLargeSetElements([big, small], 1000) as [{ set: Record<string, unknown> }, unknown];
  t.is(omitted.set['elem'], undefined);
  t.is(omitted.set[ELEMENTS_OMITTED], 1001);
  t.is(omitted.set['name'], 'bl4_hosts');
  t.is(kept, small);
});

// TTL / hop limit and ICMP types (issue 12's hole checks send such packets).
const vrrpTtl = (hopLimit: number): Packet => ({ ...vrrpFromPeer, hopLimit });
test('a TTL 255 check accepts an advert with TTL 255', verdict, [
  nftChain('inet', 'f', 'input', 'input', 'drop'),
  nftRule('inet', 'f', 'input', 2, [match(payload('ip', 'ttl'), 255), match(meta('l4proto'), 'vrrp'), ACCEPT]),
], vrrpTtl(255), 'pass');
test('a TTL 255 check drops a routed advert (TTL 63)', verdict, [
  nftChain('inet', 'f', 'input', 'input', 'drop'),
  nftRule('inet', 'f', 'input', 2, [match(payload('ip', 'ttl'), 255), match(meta('l4proto'), 'vrrp'), ACCEPT]),
], vrrpTtl(63), 'drop');
const redirect: Packet = { family: 4, daddr: '192.0.2.2', l4proto: 1, icmpType: 5, iifname: 'eth0', ctState: 'related' };
test('an ICMP type set by name holds the type by number', verdict, [
  nftChain('inet', 'f', 'input', 'input', 'accept'),
  nftRule('inet', 'f', 'input', 2, [match(payload('icmp', 'type'), { set: ['echo-request', 'redirect'] }), DROP]),
], redirect, 'drop');
test('an ICMP type match does not hold another type', verdict, [
  nftChain('inet', 'f', 'input', 'input', 'accept'),
  nftRule('inet', 'f', 'input', 2, [match(payload('icmp', 'type'), 'echo-request'), DROP]),
], redirect, 'pass');
test('an icmpv6 type match never holds an IPv4 ICMP packet', verdict, [
  nftChain('inet', 'f', 'input', 'input', 'accept'),
  nftRule('inet', 'f', 'input', 2, [match(payload('icmpv6', 'type'), 137), DROP]),
], redirect, 'pass');

test('passedBy is certain or nothing: an accept, a policy accept, but never a rule that may not match.', (t) => {
  const model = (expr: readonly Record<string, unknown>[]) =>
    readNftModel([nftChain('inet', 'f', 'input', 'input', 'drop'), nftRule('inet', 'f', 'input', 2, expr), nftChain('ip', 'g', 'input', 'input', 'accept', 10)]);
  const accepted = passedBy(model([match(meta('l4proto'), 'vrrp'), ACCEPT]), 'input', vrrpTtl(63));
  t.deepEqual(accepted?.map((v) => [v.chain.table, v.verdict.kind, v.verdict.rule?.handle]), [['f', 'accept', 2], ['g', 'accept', undefined]]);
  t.is(passedBy(model([match(meta('l4proto'), 'vrrp'), { limit: { rate: 5, per: 'second' } }, ACCEPT]), 'input', vrrpTtl(63)), undefined, 'a rate limit may not match');
  t.is(passedBy(model([match(payload('ip', 'ttl'), 255), ACCEPT]), 'input', vrrpTtl(63)), undefined, 'dropped by policy');
  t.deepEqual(passedBy(readNftModel([]), 'forward', vrrpTtl(63)), [], 'no chain on the hook: nothing filters it');
});

test('iptables-save options for TTL, hop limit and ICMP types become nft matches.', (t) => {
  t.deepEqual(parseRuleWords(['-p', 'vrrp', '-m', 'ttl', '!', '--ttl-eq', '255', '-j', 'DROP'], 'ip'), [
    match(meta('l4proto'), 'vrrp'),
    match(payload('ip', 'ttl'), 255, '!='),
    DROP,
  ]);
  t.deepEqual(parseRuleWords(['-m', 'hl', '--hl-lt', '2', '-j', 'ACCEPT'], 'ip6'), [match(payload('ip6', 'hoplimit'), 2, '<'), ACCEPT]);
  t.deepEqual(parseRuleWords(['-p', 'icmp', '-m', 'icmp', '--icmp-type', '3/4', '-j', 'ACCEPT'], 'ip'), [
    match(meta('l4proto'), 'icmp'),
    match(payload('icmp', 'type'), 3),
    match(payload('icmp', 'code'), 4),
    ACCEPT,
  ]);
  t.deepEqual(parseRuleWords(['-p', 'ipv6-icmp', '--icmpv6-type', 'redirect', '-j', 'DROP'], 'ip6'), [match(meta('l4proto'), 'ipv6-icmp'), match(payload('icmpv6', 'type'), 'redirect'), DROP]);
});
