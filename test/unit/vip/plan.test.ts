import test from 'ava';
import type { HostConfig } from '../../../src/config/model.js';
import { parseIpAddrJson, type HostLink } from '../../../src/vip/addresses.js';
import { describeAction, planLoVips } from '../../../src/vip/plan.js';

const realserver: HostConfig = {
  role: 'realserver',
  interfaces: { client: 'eth0' },
  services: [
    { family: 4, address: '192.0.2.10', protocol: 'tcp', port: 80, origin: { kind: 'default' } },
    { family: 4, address: '192.0.2.10', protocol: 'tcp', port: 443, origin: { kind: 'default' } },
    { family: 6, address: '2001:db8::10', protocol: 'tcp', port: 80, origin: { kind: 'default' } },
  ],
  peers: [],
  realServers: [],
  management: { sources: [], sshPort: 22, allow: [] },
  blacklistPath: '/nonexistent',
  inputPolicy: 'drop',
};

function link(ifname: string, addresses: [string, number][], loopback = false): HostLink {
  return {
    ifname,
    loopback,
    answersArp: !loopback,
    up: true,
    addresses: addresses.map(([address, prefix]) => ({ ifname, family: address.includes(':') ? 6 : 4, address, prefix })),
  };
}

test('each VIP missing from lo is added once, as a host prefix', (t) => {
  const plan = planLoVips(realserver, [link('lo', [['127.0.0.1', 8]], true)], []);
  t.deepEqual(plan.actions, [
    { kind: 'add', address: '192.0.2.10', family: 4 },
    { kind: 'add', address: '2001:db8::10', family: 6 },
  ]);
  t.is(describeAction(plan.actions[0]!), 'add VIP 192.0.2.10/32 on lo');
});

test('VIPs already on lo as /32 and /128 need nothing', (t) => {
  const plan = planLoVips(realserver, [link('lo', [['192.0.2.10', 32], ['2001:db8::10', 128]], true)], []);
  t.deepEqual(plan.actions, []);
  t.deepEqual(plan.inPlace, ['192.0.2.10', '2001:db8::10']);
});

test('a VIP on lo with a wider prefix is narrowed and the reason says what the wide prefix breaks', (t) => {
  const plan = planLoVips(realserver, [link('lo', [['192.0.2.10', 24], ['2001:db8::10', 128]], true)], []);
  t.deepEqual(plan.actions, [{ kind: 'narrow', address: '192.0.2.10', family: 4, fromPrefix: 24 }]);
  t.regex(describeAction(plan.actions[0]!), /from \/24 to \/32 .*whole range local/);
});

test('a VIP on an interface that answers ARP is reported with the command that removes it', (t) => {
  const plan = planLoVips(realserver, [link('lo', [['192.0.2.10', 32]], true), link('eth0', [['192.0.2.10', 24]])], []);
  t.is(plan.warnings.length, 1);
  t.is(plan.warnings[0]?.ifname, 'eth0');
  t.is(plan.warnings[0]?.fix, 'ip addr del 192.0.2.10/24 dev eth0');
});

test('a VIP lbfw added that left the config is removed; addresses lbfw never added stay', (t) => {
  const lo = link('lo', [['192.0.2.10', 32], ['2001:db8::10', 128], ['192.0.2.99', 32], ['192.0.2.98', 32]], true);
  const plan = planLoVips(realserver, [lo], ['192.0.2.10', '192.0.2.99']);
  t.deepEqual(plan.actions, [{ kind: 'remove', address: '192.0.2.99', family: 4, prefix: 32 }]);
});

test('ip -j addr output is read into links with their ARP behaviour', (t) => {
  const text = JSON.stringify([
    { ifname: 'lo', flags: ['LOOPBACK', 'UP'], link_type: 'loopback', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
    { ifname: 'eth0', flags: ['BROADCAST', 'UP'], link_type: 'ether', addr_info: [{ family: 'inet6', local: '2001:DB8::1', prefixlen: 64 }] },
    { ifname: 'dummy0', flags: ['BROADCAST', 'NOARP'], link_type: 'ether', addr_info: [] },
  ]);
  t.deepEqual(
    parseIpAddrJson(text).map((l) => [l.ifname, l.loopback, l.answersArp, l.up, l.addresses.map((a) => `${a.address}/${a.prefix}`)]),
    [
      ['lo', true, false, true, ['127.0.0.1/8']],
      ['eth0', false, true, true, ['2001:db8::1/64']],
      ['dummy0', false, false, false, []],
    ],
  );
});

test('output of ip that is not JSON is a typed error naming its source', (t) => {
  const error = t.throws(() => parseIpAddrJson('Object not found', 'ip -j addr show'));
  t.is((error as { code?: string }).code, 'CONFIG_INVALID');
  t.regex(error?.message ?? '', /ip -j addr show:0: expected JSON/);
});
