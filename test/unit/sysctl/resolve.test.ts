import test from 'ava';
import { TEST_FILE, resolved } from './fixtures.js';

test('Placeholders are replaced by the interfaces of the config.', (t) => {
  const result = resolved(
    {
      'net.ipv4.conf.{vip}.rp_filter': '0',
      'net.ipv4.conf.{realservers}.send_redirects': '0',
      'net.ipv4.conf.all.send_redirects': '0',
      'net.ipv4.vs.conntrack': '0',
    },
    { vip: 'eth0', realServers: 'eth1' },
  );
  t.deepEqual(
    result.settings.map((s) => [s.key, s.path, s.conf?.iface, s.conf?.rule, s.conf?.placeholder]),
    [
      ['net.ipv4.conf.eth0.rp_filter', 'net/ipv4/conf/eth0/rp_filter', 'eth0', 'max', 'vip'],
      ['net.ipv4.conf.eth1.send_redirects', 'net/ipv4/conf/eth1/send_redirects', 'eth1', 'or', 'realservers'],
      ['net.ipv4.conf.all.send_redirects', 'net/ipv4/conf/all/send_redirects', 'all', 'or', undefined],
      ['net.ipv4.vs.conntrack', 'net/ipv4/vs/conntrack', undefined, undefined, undefined],
    ],
  );
  t.deepEqual(result.settings[0]?.source, { profile: 'test', file: TEST_FILE, line: 1 });
  t.deepEqual(result.skipped, []);
});

test('A VLAN interface keeps its dot in the path and gets a slash in the key.', (t) => {
  const [only] = resolved({ 'net.ipv4.conf.{vip}.rp_filter': '0' }, { vip: 'eth0.100' }).settings;
  t.is(only?.key, 'net.ipv4.conf.eth0/100.rp_filter');
  t.is(only?.path, 'net/ipv4/conf/eth0.100/rp_filter');
  t.is(only?.conf?.iface, 'eth0.100');
});

const skips = test.macro({
  exec(t, template: string, why: string) {
    const result = resolved({ [template]: '0' }, {});
    t.deepEqual(result.settings, []);
    t.is(result.skipped[0]?.why, why);
    t.is(result.skipped[0]?.template, template);
  },
  title: (given, template: string, why: string) => given ?? `${template} is skipped: ${why}`,
});

test(skips, 'net.ipv4.conf.{vip}.rp_filter', 'no VIP interface in the config (interfaces.vip)');
test(skips, 'net.ipv4.conf.{realservers}.send_redirects', 'no interface facing the real servers in the config (interfaces.realservers)');
test(skips, 'net.ipv4.conf.{client}.arp_ignore', 'no client-facing interface in the config (interfaces.client)');

test('When vip and realservers name one interface, the same key with the same value is kept once.', (t) => {
  const result = resolved(
    { 'net.ipv4.conf.{vip}.send_redirects': '0', 'net.ipv4.conf.{realservers}.send_redirects': '0' },
    { vip: 'eth0', realServers: 'eth0' },
  );
  t.deepEqual(result.settings.map((s) => s.template), ['net.ipv4.conf.{vip}.send_redirects']);
});

test('The same key asked with different values is kept twice, so both must hold.', (t) => {
  const result = resolved(
    { 'net.ipv4.conf.{vip}.rp_filter': '0', 'net.ipv4.conf.{realservers}.rp_filter': '0|2' },
    { vip: 'eth0', realServers: 'eth0' },
  );
  t.deepEqual(result.settings.map((s) => [s.key, s.value]), [
    ['net.ipv4.conf.eth0.rp_filter', '0'],
    ['net.ipv4.conf.eth0.rp_filter', '0|2'],
  ]);
});
