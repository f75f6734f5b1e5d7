import test from 'ava';
import { parseRealServerSpec, parseVipSpec, type RealServerSpec, type VipSpec } from '../../../src/config/vip-spec.js';

const readsVip = test.macro((t, text: string, expected: VipSpec) => {
  t.deepEqual(parseVipSpec(text), { ok: true, value: expected });
});

const refusesVip = test.macro((t, text: string, fragments: readonly string[]) => {
  const result = parseVipSpec(text);
  if (result.ok) {
    t.fail(`accepted ${text}`);
    return;
  }
  for (const fragment of fragments) t.true(result.problem.includes(fragment), `"${result.problem}" lacks "${fragment}"`);
});

test('an IPv4 VIP with a port defaults to tcp', readsVip, '192.0.2.10:80', {
  family: 4,
  address: '192.0.2.10',
  port: 80,
  protocol: 'tcp',
});
test('an IPv4 VIP may name udp', readsVip, '192.0.2.11:53/udp', { family: 4, address: '192.0.2.11', port: 53, protocol: 'udp' });
test('the protocol is read case-insensitively', readsVip, '192.0.2.11:53/UDP', {
  family: 4,
  address: '192.0.2.11',
  port: 53,
  protocol: 'udp',
});
test('an IPv6 VIP in brackets is canonicalised', readsVip, '[2001:DB8:0::10]:443/tcp', {
  family: 6,
  address: '2001:db8::10',
  port: 443,
  protocol: 'tcp',
});
test('surrounding spaces are ignored', readsVip, ' 192.0.2.10:8080 ', { family: 4, address: '192.0.2.10', port: 8080, protocol: 'tcp' });

test('a VIP without a port is refused with the grammar', refusesVip, '192.0.2.10', ['has no port', 'ADDR:PORT[/PROTO]']);
test('a bare IPv6 VIP is refused with a hint about brackets', refusesVip, '2001:db8::10', ['has no port', 'in brackets']);
test('an IPv6 VIP with an unbracketed port is refused as portless', refusesVip, '2001:db8::10:80', ['has no port', 'in brackets']);
test('a VIP prefix is refused', refusesVip, '192.0.2.0/24', ['is a prefix', 'ADDR:PORT[/PROTO]']);
test('port 0 is refused with the allowed range', refusesVip, '192.0.2.10:0', ['not a port', '1-65535']);
test('port 65536 is refused with the allowed range', refusesVip, '192.0.2.10:65536', ['not a port', '1-65535']);
test('a named port is refused', refusesVip, '192.0.2.10:http', ['"http" is not a port', '1-65535']);
test('an unknown protocol is refused with the allowed ones', refusesVip, '192.0.2.10:80/sctp', ['"sctp" is not a protocol', 'tcp, udp']);
test('a bad address is refused with an example', refusesVip, '192.0.2.300:80', ['not an IP address', 'IPv4 or IPv6']);
test('a host name is refused', refusesVip, 'www.example.com:80', ['not an IP address']);
test('an unclosed bracket is refused', refusesVip, '[2001:db8::10:80', ['without "]"']);
test('text after the bracket must be a port', refusesVip, '[2001:db8::10]80', ['not ":PORT"']);

const readsRealServer = test.macro((t, text: string, expected: RealServerSpec) => {
  t.deepEqual(parseRealServerSpec(text), { ok: true, value: expected });
});

test('a real server without a port means any port', readsRealServer, '192.0.2.21', { family: 4, address: '192.0.2.21' });
test('a real server may name a port', readsRealServer, '192.0.2.21:80', { family: 4, address: '192.0.2.21', port: 80 });
test('a bare IPv6 real server is read', readsRealServer, '2001:db8::21', { family: 6, address: '2001:db8::21' });
test('a bracketed IPv6 real server with a port is read', readsRealServer, '[2001:db8::21]:80', {
  family: 6,
  address: '2001:db8::21',
  port: 80,
});

test('a real server with a protocol is refused', (t) => {
  const result = parseRealServerSpec('192.0.2.21:80/tcp');
  t.false(result.ok);
  t.true(!result.ok && result.problem.includes('no protocol of its own'));
});
