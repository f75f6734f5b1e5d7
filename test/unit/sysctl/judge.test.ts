import test from 'ava';
import { judgeSetting, judgeSettings, type SysctlResult } from '../../../src/sysctl/judge.js';
import { readings, resolved, setting } from './fixtures.js';

type Expected = Partial<Pick<SysctlResult, 'status' | 'message' | 'fix' | 'effective' | 'actual' | 'all'>>;

const judges = test.macro({
  exec(t, template: string, value: string, values: Record<string, string>, expected: Expected) {
    const result = judgeSetting(setting(template, value, { vip: 'eth1', client: 'eth0', realServers: 'eth2' }), readings(values));
    const picked = Object.fromEntries(Object.keys(expected).map((key) => [key, result[key as keyof SysctlResult]]));
    t.deepEqual(picked, expected);
  },
  title: (given) => given ?? 'judges',
});

test(
  'rp_filter set to 0 on the interface while all=1 fails and asks to change all.',
  judges,
  'net.ipv4.conf.{vip}.rp_filter',
  '0',
  { 'net.ipv4.conf.all.rp_filter': '1', 'net.ipv4.conf.eth1.rp_filter': '0' },
  {
    status: 'fail',
    actual: '0',
    all: '1',
    effective: 1,
    message:
      'eth1 has rp_filter 0 but all=1, so the kernel uses 1 on eth1 (the larger of the two); expected 0: set net.ipv4.conf.all.rp_filter=0',
    fix: 'sysctl -w net.ipv4.conf.all.rp_filter=0',
  },
);

test(
  'rp_filter at 1 on both sides fails and asks to change both.',
  judges,
  'net.ipv4.conf.{vip}.rp_filter',
  '0',
  { 'net.ipv4.conf.all.rp_filter': '1', 'net.ipv4.conf.eth1.rp_filter': '1' },
  {
    status: 'fail',
    message:
      'eth1 has rp_filter 1 and all=1, so the kernel uses 1 on eth1 (the larger of the two); expected 0: set net.ipv4.conf.all.rp_filter=0 and net.ipv4.conf.eth1.rp_filter=0',
    fix: 'sysctl -w net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth1.rp_filter=0',
  },
);

test(
  'rp_filter at 0 on both sides passes with the effective value.',
  judges,
  'net.ipv4.conf.{vip}.rp_filter',
  '0',
  { 'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.eth1.rp_filter': '0' },
  { status: 'pass', effective: 0, message: 'eth1 has rp_filter 0 and all=0, so the kernel uses 0 on eth1 (the larger of the two); expected 0' },
);

test(
  'A real server with strict rp_filter gets loose mode written on the interface alone, since 2 beats all=1.',
  judges,
  'net.ipv4.conf.{client}.rp_filter',
  '2|0',
  { 'net.ipv4.conf.all.rp_filter': '1', 'net.ipv4.conf.eth0.rp_filter': '0' },
  { status: 'fail', effective: 1, fix: 'sysctl -w net.ipv4.conf.eth0.rp_filter=2' },
);

test(
  'send_redirects off on the interface but on in all fails: the OR keeps it on.',
  judges,
  'net.ipv4.conf.{vip}.send_redirects',
  '0',
  { 'net.ipv4.conf.all.send_redirects': '1', 'net.ipv4.conf.eth1.send_redirects': '0' },
  {
    status: 'fail',
    effective: 1,
    message:
      'eth1 has send_redirects 0 but all=1, so the kernel uses 1 on eth1 (on when either is non-zero); expected 0: set net.ipv4.conf.all.send_redirects=0',
  },
);

test(
  'accept_source_route on the interface with all=0 is off: the AND needs both.',
  judges,
  'net.ipv4.conf.{vip}.accept_source_route',
  '0',
  { 'net.ipv4.conf.all.accept_source_route': '0', 'net.ipv4.conf.eth1.accept_source_route': '1' },
  { status: 'pass', effective: 0 },
);

test(
  'arp_ignore set only on lo does not pass for the client-facing interface, and says why.',
  judges,
  'net.ipv4.conf.{client}.arp_ignore',
  '1|2',
  { 'net.ipv4.conf.all.arp_ignore': '0', 'net.ipv4.conf.eth0.arp_ignore': '0', 'net.ipv4.conf.lo.arp_ignore': '1' },
  {
    status: 'fail',
    effective: 0,
    message:
      'eth0 has arp_ignore 0 and all=0, so the kernel uses 0 on eth0 (the larger of the two); expected 1 or 2: set net.ipv4.conf.eth0.arp_ignore=1. lo has arp_ignore 1, which does not help: ARP requests never arrive on lo',
    fix: 'sysctl -w net.ipv4.conf.eth0.arp_ignore=1',
  },
);

test(
  'arp_ignore=1 in all is enough for the client-facing interface.',
  judges,
  'net.ipv4.conf.{client}.arp_ignore',
  '1|2',
  { 'net.ipv4.conf.all.arp_ignore': '1', 'net.ipv4.conf.eth0.arp_ignore': '0' },
  { status: 'pass', effective: 1 },
);

test(
  'arp_ignore=8 in all is too much even with 1 on the interface, and only all can fix it.',
  judges,
  'net.ipv4.conf.{client}.arp_ignore',
  '1|2',
  { 'net.ipv4.conf.all.arp_ignore': '8', 'net.ipv4.conf.eth0.arp_ignore': '1' },
  { status: 'fail', effective: 8, fix: 'sysctl -w net.ipv4.conf.all.arp_ignore=1' },
);

test(
  'An arp_ignore expectation on lo is never enough, whatever lo holds.',
  judges,
  'net.ipv4.conf.lo.arp_ignore',
  '1',
  { 'net.ipv4.conf.all.arp_ignore': '0', 'net.ipv4.conf.lo.arp_ignore': '1' },
  {
    status: 'fail',
    message:
      'lo has arp_ignore 1, which is not enough: ARP requests never arrive on lo, and the kernel reads arp_ignore on the interface a request arrives on; expect it on the client-facing interface (net.ipv4.conf.{client}.arp_ignore) or on all instead (/profiles/test.yaml:1)',
  },
);

test(
  'An arp_announce expectation on lo is never enough either.',
  judges,
  'net.ipv4.conf.lo.arp_announce',
  '2',
  { 'net.ipv4.conf.all.arp_announce': '2', 'net.ipv4.conf.lo.arp_announce': '2' },
  { status: 'fail' },
);

test(
  'forwarding is judged on the interface alone.',
  judges,
  'net.ipv4.conf.{realservers}.forwarding',
  '1',
  { 'net.ipv4.conf.all.forwarding': '1', 'net.ipv4.conf.eth2.forwarding': '0' },
  {
    status: 'fail',
    message: "eth2 has forwarding 0; expected 1 (the kernel reads only eth2's own value): set net.ipv4.conf.eth2.forwarding=1",
    fix: 'sysctl -w net.ipv4.conf.eth2.forwarding=1',
  },
);

test(
  'A global key is judged on its own value.',
  judges,
  'net.ipv4.ip_forward',
  '1',
  { 'net.ipv4.ip_forward': '0' },
  { status: 'fail', message: 'net.ipv4.ip_forward is 0; expected 1: set net.ipv4.ip_forward=1', fix: 'sysctl -w net.ipv4.ip_forward=1' },
);

test(
  'An all key is judged on its own value.',
  judges,
  'net.ipv4.conf.all.proxy_arp',
  '0',
  { 'net.ipv4.conf.all.proxy_arp': '0' },
  { status: 'pass', message: 'net.ipv4.conf.all.proxy_arp is 0; expected 0' },
);

test(
  'An IPVS key is skipped while the IPVS module is not loaded.',
  judges,
  'net.ipv4.vs.expire_nodest_conn',
  '1',
  {},
  { status: 'skip', message: 'net.ipv4.vs.expire_nodest_conn does not exist: the IPVS module is not loaded (modprobe ip_vs)' },
);

test(
  'vs.conntrack absent while IPVS is loaded is skipped with the build option it needs.',
  judges,
  'net.ipv4.vs.conntrack',
  '0',
  { 'net.ipv4.vs.am_droprate': '10' },
  { status: 'skip', message: 'net.ipv4.vs.conntrack does not exist on this kernel even though IPVS is loaded (conntrack needs CONFIG_IP_VS_NFCT)' },
);

test(
  'An interface that does not exist is skipped with that reason.',
  judges,
  'net.ipv4.conf.{vip}.rp_filter',
  '0',
  { 'net.ipv4.conf.all.rp_filter': '0' },
  { status: 'skip', message: 'interface eth1 does not exist in this network namespace (no /proc/sys/net/ipv4/conf/eth1)' },
);

test(
  'A value that is not an integer fails and is written over.',
  judges,
  'net.ipv4.ip_forward',
  '1',
  { 'net.ipv4.ip_forward': 'yes' },
  { status: 'fail', message: 'net.ipv4.ip_forward holds "yes", not an integer; expected 1: set net.ipv4.ip_forward=1' },
);

test(
  'A vector key compares every integer, whatever the white space.',
  judges,
  'net.ipv4.tcp_rmem',
  '4096 131072 6291456',
  { 'net.ipv4.tcp_rmem': '4096\t131072\t6291456' },
  { status: 'pass', message: 'net.ipv4.tcp_rmem is 4096 131072 6291456; expected 4096 131072 6291456' },
);

test('A setting skipped for a missing interface is listed as skipped with its reason.', (t) => {
  const results = judgeSettings(resolved({ 'net.ipv4.conf.{vip}.rp_filter': '0', 'net.ipv4.ip_forward': '0' }, {}), readings({ 'net.ipv4.ip_forward': '0' }));
  t.deepEqual(
    results.map((r) => [r.key, r.status, r.message]),
    [
      ['net.ipv4.ip_forward', 'pass', 'net.ipv4.ip_forward is 0; expected 0'],
      ['net.ipv4.conf.{vip}.rp_filter', 'skip', 'no VIP interface in the config (interfaces.vip)'],
    ],
  );
  t.is(results[1]?.reason, 'why net.ipv4.conf.{vip}.rp_filter');
});
