import test from 'ava';
import { parseProcIpv6Route, parseProcRoute } from '../../../src/host/default-gateways.js';

// As the kernel prints them; `ip -j -4 route show default` of the same table says
// [{"dst":"default","gateway":"192.0.2.1","dev":"eth0"}].
const ROUTE = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
  'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
  // A default route with no gateway (a point-to-point link) and a blackhole one: no gateway to protect.
  'ppp0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0',
  'eth1\t00000000\t016433C6\t0203\t0\t0\t0\t00000000\t0\t0\t0',
  'eth1\t00000000\t026433C6\t0003\t0\t0\t100\t00000000\t0\t0\t0',
  '',
].join('\n');

test('parseProcRoute returns the gateways of IPv4 default routes, host byte order decoded', (t) => {
  t.deepEqual(parseProcRoute(ROUTE, true), [
    { gateway: '192.0.2.1', dev: 'eth0' },
    { gateway: '198.51.100.2', dev: 'eth1' },
  ]);
});

test('parseProcRoute reads big-endian words in their order', (t) => {
  const text = 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\neth0\t00000000\tC0000201\t0003\t0\t0\t0\t00000000\n';
  t.deepEqual(parseProcRoute(text, false), [{ gateway: '192.0.2.1', dev: 'eth0' }]);
});

// `ip -j -6 route show default` of the same table: [{"dst":"default","gateway":"2001:db8::1","dev":"eth0"}].
const IPV6_ROUTE = [
  '20010db8000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0',
  '00000000000000000000000000000000 00 00000000000000000000000000000000 00 20010db8000000000000000000000001 00000400 00000002 00000000 00000003     eth0',
  // The kernel's unreachable default in lo (RTF_REJECT, no next hop).
  '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo',
  '',
].join('\n');

test('parseProcIpv6Route returns the gateways of ::/0 routes, canonical text', (t) => {
  t.deepEqual(parseProcIpv6Route(IPV6_ROUTE), [{ gateway: '2001:db8::1', dev: 'eth0' }]);
});

test('parseProcIpv6Route ignores routes to other prefixes and lines that are not routes', (t) => {
  t.deepEqual(parseProcIpv6Route('garbage\n20010db8000000000000000000000000 40 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000002 00000000 00000003 eth0\n'), []);
});
