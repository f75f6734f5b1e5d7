import test from 'ava';
import type { HostConfig, Origin } from '../../../src/config/model.js';
import { hostFromKeepalived, mergeKeepalived, parseKeepalived } from '../../../src/keepalived/index.js';
import { DIRECTOR_PAIR_CONF, lineOf } from './director-pair.js';
import { buildRuleset } from '../../../src/ruleset/build.js';
import { renderRuleText } from '../../../src/nft/render/rule-text.js';
import { EMPTY_BLACKLIST } from '../../helpers/fixtures.js';

const FILE = '/etc/keepalived/keepalived.conf';
const from = (text: string): Origin => ({ kind: 'keepalived', file: FILE, line: lineOf(text) });
const derived = () => hostFromKeepalived(parseKeepalived(DIRECTOR_PAIR_CONF, FILE, { configId: 'lb1' }));

test('VIP services come from address virtual servers and group entries, each with its origin', (t) => {
  t.deepEqual(derived().services, [
    { family: 4, address: '192.0.2.10', protocol: 'tcp', port: 80, origin: from('virtual_server 192.0.2.10 80') },
    { family: 4, address: '192.0.2.10', protocol: 'tcp', port: 443, origin: from('virtual_server 192.0.2.10 443') },
    { family: 6, address: '2001:db8::10', protocol: 'tcp', port: 443, origin: from('virtual_server 2001:db8::10 443') },
    { family: 4, address: '192.0.2.11', protocol: 'udp', port: 53, origin: from('    192.0.2.11 53') },
    { family: 4, address: '192.0.2.12', protocol: 'udp', port: 53, origin: from('192.0.2.12-13 53') },
    { family: 4, address: '192.0.2.13', protocol: 'udp', port: 53, origin: from('192.0.2.12-13 53') },
  ]);
});

test('real servers keep their port; one written with port 0 means any port', (t) => {
  t.deepEqual(derived().realServers, [
    { family: 4, address: '198.51.100.21', port: 80, origin: from('real_server 198.51.100.21 80') },
    { family: 4, address: '198.51.100.22', port: 80, origin: from('real_server 198.51.100.22 80') },
    { family: 4, address: '198.51.100.21', port: 443, origin: from('real_server 198.51.100.21 443') },
    { family: 4, address: '198.51.100.22', port: 443, origin: from('real_server 198.51.100.22 443') },
    { family: 6, address: '2001:db8:1::21', port: 443, origin: from('real_server 2001:db8:1::21 443') },
    { family: 4, address: '198.51.100.21', origin: from('real_server 198.51.100.21 0') },
    { family: 4, address: '198.51.100.31', port: 53, origin: from('real_server 198.51.100.31 53') },
  ]);
});

test('peers are the unicast peers of this director and the VIP interface is the VRRP interface', (t) => {
  const result = derived();
  t.deepEqual(result.peers, [{ family: 4, address: '192.0.2.3', origin: from('@^lb2 192.0.2.3') }]);
  t.deepEqual(result.vipInterface, { name: 'eth0', origin: from('vrrp_instance VI_WEB') });
  t.deepEqual(result.config.interfaces, { vip: 'eth0' });
});

test('firewall-mark services are notes, not guesses', (t) => {
  t.deepEqual(
    derived().notes.map((n) => [n.line, n.message.split(':')[0]]),
    [
      [lineOf('virtual_server fwmark 7'), 'virtual_server fwmark 7'],
      [lineOf('fwmark 9'), 'virtual_server_group dns fwmark 9'],
    ],
  );
});

test('the derived config is a complete director config with lbfw defaults', (t) => {
  const { config } = derived();
  t.like(config, {
    role: 'director',
    management: { sources: [], sshPort: 22, allow: [] },
    blacklistPath: '/etc/lbfw/static_blacklist',
    inputPolicy: 'drop',
  });
  t.is(config.services.length, 6);
  t.is(config.peers.length, 1);
  t.is(config.realServers.length, 7);
});

test('base settings win over keepalived.conf', (t) => {
  const mine: Origin = { kind: 'config', file: '/etc/lbfw/lbfw.yaml', line: 4 };
  const result = hostFromKeepalived(parseKeepalived(DIRECTOR_PAIR_CONF, FILE, { configId: 'lb1' }), {
    interfaces: { vip: 'bond0' },
    services: [{ family: 4, address: '192.0.2.10', protocol: 'tcp', port: 80, origin: mine }],
    blacklistPath: '/srv/blacklist',
  });
  t.deepEqual(result.config.interfaces, { vip: 'bond0' });
  t.deepEqual(result.config.services[0]?.origin, mine);
  t.is(result.config.services.length, 6);
  t.is(result.config.blacklistPath, '/srv/blacklist');
});

const EXPLICIT: HostConfig = {
  file: '/etc/lbfw/lbfw.yaml',
  role: 'director',
  interfaces: { realServers: 'eth1' },
  services: [{ family: 4, address: '192.0.2.10', protocol: 'tcp', port: 443, origin: { kind: 'config', file: '/etc/lbfw/lbfw.yaml', line: 7 } }],
  peers: [{ family: 4, address: '192.0.2.3', origin: { kind: 'config', file: '/etc/lbfw/lbfw.yaml', line: 9 } }],
  realServers: [],
  management: { sources: [{ family: 4, address: '203.0.113.0', prefix: 24 }], sshPort: 2222, allow: [] },
  blacklistPath: '/etc/lbfw/static_blacklist',
  inputPolicy: 'drop',
};

test('mergeKeepalived adds what the explicit config lacks and keeps its items and origins', (t) => {
  const merged = mergeKeepalived(EXPLICIT, derived());
  t.deepEqual(merged.services[0], EXPLICIT.services[0]);
  t.is(merged.services.length, 6);
  t.deepEqual(merged.peers, EXPLICIT.peers);
  t.is(merged.realServers.length, 7);
  t.deepEqual(merged.interfaces, { realServers: 'eth1', vip: 'eth0' });
  t.deepEqual(merged.management, EXPLICIT.management);
  t.is(merged.file, EXPLICIT.file);
});

test('mergeKeepalived keeps an explicit VIP interface', (t) => {
  const merged = mergeKeepalived({ ...EXPLICIT, interfaces: { vip: 'bond0' } }, derived());
  t.deepEqual(merged.interfaces, { vip: 'bond0' });
});

test('a real server takes only the services from keepalived', (t) => {
  const realServer: HostConfig = { ...EXPLICIT, role: 'realserver', interfaces: { client: 'eth0' }, peers: [] };
  const merged = mergeKeepalived(realServer, derived());
  t.is(merged.services.length, 6);
  t.deepEqual(merged.peers, []);
  t.deepEqual(merged.realServers, []);
  t.deepEqual(merged.interfaces, { client: 'eth0' });
});

const noted = test.macro({
  exec(t, conf: string, fragment: string) {
    const result = hostFromKeepalived(parseKeepalived(conf, 'k.conf'));
    t.deepEqual(result.services, []);
    t.true(
      result.notes.some((n) => n.message.includes(fragment)),
      JSON.stringify(result.notes),
    );
  },
  title: (given) => given ?? '',
});

const vs = (head: string, body: string) => `vrrp_instance V {\n  unicast_peer {\n    192.0.2.3\n  }\n}\nvirtual_server ${head} {\n${body}\n  real_server 198.51.100.21 {\n  }\n}\n`;

test('a virtual server without a port is a note', noted, vs('192.0.2.10', '  protocol TCP\n  persistence_timeout 600'), 'no port (a persistent all-ports service)');
test('an SCTP virtual server is a note', noted, vs('192.0.2.10 3868', '  protocol SCTP'), 'protocol SCTP');
test('a group that does not exist is a note', noted, vs('group missing', '  protocol TCP'), 'no virtual_server_group missing is defined');
test('a group range larger than lbfw expands is a note', noted, `virtual_server_group big {\n  192.0.2.0/23 80\n}\n${vs('group big', '  protocol TCP')}`, '512 addresses');
test('multicast VRRP is a note that names no peer', noted, 'vrrp_instance V {\n  interface eth0\n}\n', 'uses multicast VRRP');

test('a virtual server without a protocol is accepted as udp, as keepalived creates it, with a note', (t) => {
  const result = hostFromKeepalived(parseKeepalived(vs('192.0.2.10 53', '  lvs_method DR'), 'k.conf'));
  t.deepEqual(
    result.services.map((s) => [s.address, s.protocol, s.port]),
    [['192.0.2.10', 'udp', 53]],
  );
  t.true(result.notes.some((n) => n.line === 6 && n.message.includes('keepalived then creates a UDP service')));
});

test('a NAT virtual server is noted but still gives its service', (t) => {
  const result = hostFromKeepalived(parseKeepalived(vs('192.0.2.10 80', '  protocol TCP\n  lvs_method NAT'), 'k.conf'));
  t.is(result.services.length, 1);
  t.true(result.notes.some((n) => n.message.includes('lvs_method NAT')));
});

test('a NAT virtual server makes the director forward by NAT unless lbfw.yaml says otherwise; DR alone leaves the default', (t) => {
  const nat = hostFromKeepalived(parseKeepalived(vs('192.0.2.10 80', '  protocol TCP\n  lvs_method NAT'), 'k.conf'));
  t.is(nat.config.forwarding, 'nat');
  t.true(nat.notes.some((n) => n.message.includes('forwarding: nat')));
  // keepalived's default lvs_method is NAT too.
  t.is(hostFromKeepalived(parseKeepalived(vs('192.0.2.10 80', '  protocol TCP'), 'k.conf')).config.forwarding, 'nat');
  t.is(hostFromKeepalived(parseKeepalived(vs('192.0.2.10 80', '  protocol TCP\n  lvs_method DR'), 'k.conf')).config.forwarding, undefined);
  const explicit = hostFromKeepalived(parseKeepalived(vs('192.0.2.10 80', '  protocol TCP\n  lvs_method NAT'), 'k.conf'), { forwarding: 'dr' });
  t.is(explicit.config.forwarding, 'dr');
});

test('a second VRRP interface is noted; the first one is the VIP interface', (t) => {
  const result = hostFromKeepalived(
    parseKeepalived('vrrp_instance A {\n  interface eth0\n  unicast_peer {\n    192.0.2.3\n  }\n}\nvrrp_instance B {\n  interface eth2\n  unicast_peer {\n    192.0.2.3\n  }\n}\n', 'k.conf'),
  );
  t.is(result.vipInterface?.name, 'eth0');
  t.deepEqual(result.peers.map((p) => p.origin), [{ kind: 'keepalived', file: 'k.conf', line: 4 }]);
  t.true(result.notes.some((n) => n.line === 7 && n.message.includes('uses interface eth2')));
});

test('the sync daemon port and group of lvs_sync_daemon reach the firewall rule that accepts it', (t) => {
  const conf = 'global_defs {\n  lvs_sync_daemon eth1 VI_1 id 5 port 9000 group 239.0.0.9\n}\nvrrp_instance VI_1 {\n  unicast_peer {\n    192.0.2.3\n  }\n}\n';
  const result = hostFromKeepalived(parseKeepalived(conf, FILE));
  t.deepEqual(result.config.ipvsSync, { port: 9000, group: { family: 4, address: '239.0.0.9' }, origin: { kind: 'keepalived', file: FILE, line: 2 } });
  const ruleset = buildRuleset(result.config, EMPTY_BLACKLIST);
  const texts = ruleset.chains.flatMap((c) => c.rules).filter((r) => r.id.startsWith('ipvs-sync')).map((r) => renderRuleText(r));
  t.deepEqual(texts, ['ip saddr @peers4 ip daddr 239.0.0.9 udp dport 9000 accept']);
});

test('keepalived warnings become warning notes, before the notes of what lbfw left out', (t) => {
  const result = hostFromKeepalived(parseKeepalived('virtual_server 192.0.2.10 80 {\n  lb_kind dr\n  protocol TCP\n}\n', FILE));
  t.deepEqual(
    result.notes.map((n) => [n.severity, n.line]),
    [
      ['warning', 2],
      ['note', 1],
    ],
  );
});
