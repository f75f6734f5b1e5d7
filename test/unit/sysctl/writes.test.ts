import test from 'ava';
import { planWrites, simulateWrite, writePhase } from '../../../src/sysctl/writes.js';
import { readings, resolved } from './fixtures.js';

const IFACES = { vip: 'eth0', realServers: 'eth1', client: 'eth0' };

/** The writes of a plan as `key=value` strings, in order. */
function plan(table: Record<string, string>, values: Record<string, string>) {
  const result = planWrites(resolved(table, IFACES), readings(values));
  return { ...result, lines: result.writes.map((w) => `${w.key}=${w.value}`) };
}

test('ip_forward is written first, and an interface forwarding value after it, since ip_forward resets it.', (t) => {
  const { lines, writes } = plan(
    { 'net.ipv4.conf.{realservers}.forwarding': '0', 'net.ipv4.vs.conntrack': '0', 'net.ipv4.ip_forward': '1' },
    { 'net.ipv4.ip_forward': '0', 'net.ipv4.conf.all.forwarding': '0', 'net.ipv4.conf.eth1.forwarding': '0', 'net.ipv4.vs.conntrack': '1' },
  );
  t.deepEqual(lines, ['net.ipv4.ip_forward=1', 'net.ipv4.conf.eth1.forwarding=0', 'net.ipv4.vs.conntrack=0']);
  t.is(writes[1]?.previous, '1', 'the plan knows ip_forward will have set it to 1');
});

test('Writing ip_forward turns all/accept_redirects off, so a profile wanting it on writes it afterwards.', (t) => {
  const { lines } = plan(
    { 'net.ipv4.conf.all.accept_redirects': '1', 'net.ipv4.ip_forward': '1' },
    { 'net.ipv4.ip_forward': '0', 'net.ipv4.conf.all.accept_redirects': '1' },
  );
  t.deepEqual(lines, ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.accept_redirects=1']);
});

const minimal = test.macro({
  exec(t, table: Record<string, string>, values: Record<string, string>, expected: readonly string[]) {
    const result = plan(table, values);
    t.deepEqual(result.lines, expected);
    t.deepEqual(result.unresolved, []);
  },
  title: (given) => given ?? 'plans',
});

test(
  'rp_filter that must be 0 with all=1 and the interface at 0 needs only all.',
  minimal,
  { 'net.ipv4.conf.{vip}.rp_filter': '0' },
  { 'net.ipv4.conf.all.rp_filter': '1', 'net.ipv4.conf.eth0.rp_filter': '0' },
  ['net.ipv4.conf.all.rp_filter=0'],
);
test(
  'rp_filter that must be 0 with both at 1 needs both, all first.',
  minimal,
  { 'net.ipv4.conf.{vip}.rp_filter': '0' },
  { 'net.ipv4.conf.all.rp_filter': '1', 'net.ipv4.conf.eth0.rp_filter': '1' },
  ['net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.eth0.rp_filter=0'],
);
test(
  'rp_filter that must be 0 with all=0 needs only the interface.',
  minimal,
  { 'net.ipv4.conf.{vip}.rp_filter': '0' },
  { 'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.eth0.rp_filter': '2' },
  ['net.ipv4.conf.eth0.rp_filter=0'],
);
test(
  'arp_ignore that must rise needs only the interface.',
  minimal,
  { 'net.ipv4.conf.{client}.arp_ignore': '1|2' },
  { 'net.ipv4.conf.all.arp_ignore': '0', 'net.ipv4.conf.eth0.arp_ignore': '0' },
  ['net.ipv4.conf.eth0.arp_ignore=1'],
);
test(
  'send_redirects that must be 0 with both at 1 needs both.',
  minimal,
  { 'net.ipv4.conf.{vip}.send_redirects': '0' },
  { 'net.ipv4.conf.all.send_redirects': '1', 'net.ipv4.conf.eth0.send_redirects': '1' },
  ['net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.eth0.send_redirects=0'],
);
test(
  'send_redirects that must be 0 with the interface already at 0 needs only all.',
  minimal,
  { 'net.ipv4.conf.{vip}.send_redirects': '0' },
  { 'net.ipv4.conf.all.send_redirects': '1', 'net.ipv4.conf.eth0.send_redirects': '0' },
  ['net.ipv4.conf.all.send_redirects=0'],
);
test(
  'accept_redirects that must be 0 on an interface that does not forward needs all and the interface (OR there).',
  minimal,
  { 'net.ipv4.conf.{vip}.accept_redirects': '0' },
  { 'net.ipv4.conf.all.accept_redirects': '1', 'net.ipv4.conf.eth0.accept_redirects': '1', 'net.ipv4.conf.eth0.forwarding': '0' },
  ['net.ipv4.conf.all.accept_redirects=0', 'net.ipv4.conf.eth0.accept_redirects=0'],
);
test(
  'accept_redirects that must be 0 on a forwarding interface is already 0 when all is 0 (AND there).',
  minimal,
  { 'net.ipv4.conf.{realservers}.accept_redirects': '0' },
  { 'net.ipv4.conf.all.accept_redirects': '0', 'net.ipv4.conf.eth1.accept_redirects': '1', 'net.ipv4.conf.eth1.forwarding': '1' },
  [],
);
test(
  'secure_redirects that must be 1 passes while either all or the interface is 1 (OR).',
  minimal,
  { 'net.ipv4.conf.{vip}.secure_redirects': '1' },
  { 'net.ipv4.conf.all.secure_redirects': '0', 'net.ipv4.conf.eth0.secure_redirects': '1' },
  [],
);
test(
  'IPv6 accept_ra and accept_redirects are read from the interface alone: all is never written for them.',
  minimal,
  { 'net.ipv6.conf.{vip}.accept_ra': '0', 'net.ipv6.conf.{vip}.accept_redirects': '0' },
  {
    'net.ipv6.conf.all.accept_ra': '1',
    'net.ipv6.conf.eth0.accept_ra': '1',
    'net.ipv6.conf.all.accept_redirects': '1',
    'net.ipv6.conf.eth0.accept_redirects': '1',
  },
  ['net.ipv6.conf.eth0.accept_ra=0', 'net.ipv6.conf.eth0.accept_redirects=0'],
);
test(
  'accept_source_route that must be 1 needs both sides of the AND.',
  minimal,
  { 'net.ipv4.conf.{vip}.accept_source_route': '1' },
  { 'net.ipv4.conf.all.accept_source_route': '0', 'net.ipv4.conf.eth0.accept_source_route': '0' },
  ['net.ipv4.conf.all.accept_source_route=1', 'net.ipv4.conf.eth0.accept_source_route=1'],
);
test(
  'Settings that already pass need no write.',
  minimal,
  { 'net.ipv4.conf.{vip}.rp_filter': '0', 'net.ipv4.ip_forward': '1' },
  { 'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.eth0.rp_filter': '0', 'net.ipv4.ip_forward': '1' },
  [],
);
test(
  'Keys absent on this kernel are neither written nor reported as unresolved.',
  minimal,
  { 'net.ipv4.vs.conntrack': '0' },
  {},
  [],
);

test('Lowering all keeps the other interfaces at their effective value, before all changes.', (t) => {
  const { writes } = plan(
    { 'net.ipv4.conf.{vip}.rp_filter': '0' },
    {
      'net.ipv4.conf.all.rp_filter': '1',
      'net.ipv4.conf.eth0.rp_filter': '0',
      'net.ipv4.conf.eth2.rp_filter': '0',
      'net.ipv4.conf.eth3.rp_filter': '2',
    },
  );
  t.deepEqual(
    writes.map((w) => [w.key, w.previous, w.value, w.kind]),
    [
      ['net.ipv4.conf.eth2.rp_filter', '0', '1', 'keep'],
      ['net.ipv4.conf.all.rp_filter', '1', '0', 'setting'],
    ],
  );
  t.deepEqual(writes[0]?.reasons, ["keeps eth2's effective rp_filter at 1 while all changes from 1 to 0"]);
  t.is(writes[1]?.note, 'all side of net.ipv4.conf.eth0.rp_filter: for eth0 the kernel combines all and eth0 (the larger of the two)');
  t.deepEqual(writes[1]?.reasons, ['why net.ipv4.conf.{vip}.rp_filter']);
});

test('A profile that sets all itself means every interface: nothing is kept.', (t) => {
  const { lines } = plan(
    { 'net.ipv4.conf.{vip}.proxy_arp': '0', 'net.ipv4.conf.all.proxy_arp': '0' },
    { 'net.ipv4.conf.all.proxy_arp': '1', 'net.ipv4.conf.eth0.proxy_arp': '0', 'net.ipv4.conf.eth2.proxy_arp': '0' },
  );
  t.deepEqual(lines, ['net.ipv4.conf.all.proxy_arp=0']);
});

test('One all write serving two settings is made once and carries both reasons.', (t) => {
  const { writes } = plan(
    { 'net.ipv4.conf.{vip}.send_redirects': '0', 'net.ipv4.conf.{realservers}.send_redirects': '0' },
    {
      'net.ipv4.conf.all.send_redirects': '1',
      'net.ipv4.conf.eth0.send_redirects': '1',
      'net.ipv4.conf.eth1.send_redirects': '1',
    },
  );
  t.deepEqual(writes.map((w) => `${w.key}=${w.value}`), [
    'net.ipv4.conf.all.send_redirects=0',
    'net.ipv4.conf.eth0.send_redirects=0',
    'net.ipv4.conf.eth1.send_redirects=0',
  ]);
  t.deepEqual(writes[0]?.settings, ['net.ipv4.conf.eth0.send_redirects', 'net.ipv4.conf.eth1.send_redirects']);
  t.deepEqual(writes[0]?.reasons, ['why net.ipv4.conf.{vip}.send_redirects', 'why net.ipv4.conf.{realservers}.send_redirects']);
});

test('Settings that contradict each other are reported as unresolved.', (t) => {
  const result = plan(
    { 'net.ipv4.conf.{vip}.rp_filter': '0', 'net.ipv4.conf.all.rp_filter': '1' },
    { 'net.ipv4.conf.all.rp_filter': '1', 'net.ipv4.conf.eth0.rp_filter': '1' },
  );
  t.deepEqual(result.unresolved.map((u) => u.key), ['net.ipv4.conf.eth0.rp_filter']);
  t.regex(result.unresolved[0]?.message ?? '', /cannot be made 0 together with the other settings/);
});

test('An arp_ignore expectation on lo cannot be fixed by a write.', (t) => {
  const result = plan({ 'net.ipv4.conf.lo.arp_ignore': '1' }, { 'net.ipv4.conf.all.arp_ignore': '0', 'net.ipv4.conf.lo.arp_ignore': '0' });
  t.deepEqual(result.lines, []);
  t.regex(result.unresolved[0]?.message ?? '', /ARP is never received or sent on lo/);
});

const phase = test.macro({
  exec(t, key: string, expected: number) {
    t.is(writePhase(key) as number, expected);
  },
  title: (given, key: string, expected: number) => given ?? `${key} is written in phase ${expected}`,
});

test(phase, 'net.ipv4.ip_forward', 0);
test(phase, 'net.ipv4.conf.all.forwarding', 0);
test(phase, 'net.ipv6.conf.all.forwarding', 0);
test(phase, 'net.ipv4.conf.eth0.forwarding', 1);
test(phase, 'net.ipv4.conf.default.forwarding', 1);
test(phase, 'net.ipv6.conf.eth0.disable_ipv6', 1);
test(phase, 'net.ipv4.conf.all.rp_filter', 2);
test(phase, 'net.ipv4.vs.conntrack', 2);

test('Simulating IPv6 all/forwarding rewrites default and every known interface.', (t) => {
  const state = readings({ 'net.ipv6.conf.all.forwarding': '0', 'net.ipv6.conf.default.forwarding': '0', 'net.ipv6.conf.eth0.forwarding': '0' });
  simulateWrite(state, 'net.ipv6.conf.all.forwarding', '1');
  t.deepEqual(Object.fromEntries(state), {
    'net.ipv6.conf.all.forwarding': '1',
    'net.ipv6.conf.default.forwarding': '1',
    'net.ipv6.conf.eth0.forwarding': '1',
  });
});
