import test from 'ava';
import type { HostConfig } from '../../../src/config/model.js';
import { inferInterfaces, withInferred } from '../../../src/host/interfaces.js';
import type { HostLink } from '../../../src/vip/addresses.js';

function link(ifname: string, addresses: [string, number][], up = true): HostLink {
  const loopback = ifname === 'lo';
  return { ifname, loopback, answersArp: !loopback, up, addresses: addresses.map(([address, prefix]) => ({ ifname, family: 4, address, prefix })) };
}

const director: HostConfig = {
  role: 'director',
  interfaces: {},
  services: [{ family: 4, address: '203.0.113.10', protocol: 'tcp', port: 80, origin: { kind: 'default' } }],
  peers: [],
  realServers: [{ family: 4, address: '198.51.100.21', origin: { kind: 'default' } }],
  management: { sources: [], sshPort: 22, allow: [] },
  blacklistPath: '/nonexistent',
  inputPolicy: 'drop',
};
const realserver: HostConfig = { ...director, role: 'realserver', realServers: [] };
const links = [link('lo', [['127.0.0.1', 8]]), link('eth0', [['203.0.113.1', 24], ['203.0.113.10', 24]]), link('eth1', [['198.51.100.1', 24]])];

test('a director\'s VIP interface is the one holding the VIP, and its real-server side is the one whose network holds a real server', (t) => {
  t.deepEqual(
    inferInterfaces(director, links).map((i) => [i.role, i.ifname]),
    [
      ['vip', 'eth0'],
      ['realServers', 'eth1'],
    ],
  );
});

test('interfaces the config names are never replaced', (t) => {
  t.deepEqual(inferInterfaces({ ...director, interfaces: { vip: 'bond0', realServers: 'bond1' } }, links), []);
});

test('a real server\'s client-facing interface is the default route\'s, else the only one up', (t) => {
  t.deepEqual(inferInterfaces(realserver, links, 'eth1').map((i) => i.ifname), ['eth1']);
  t.deepEqual(inferInterfaces(realserver, [links[0]!, links[1]!, link('eth2', [['192.0.2.1', 24]], false)]).map((i) => i.ifname), ['eth0']);
  t.deepEqual(inferInterfaces(realserver, links), [], 'two interfaces up and no default route: no guess');
});

test('withInferred fills the config', (t) => {
  t.deepEqual(withInferred(realserver, [{ role: 'client', ifname: 'eth0', why: 'x' }]).interfaces, { client: 'eth0' });
});
