import test from 'ava';
import { drBucket, jhash } from '../../../src/lab/jhash.js';
import { DR_EMULATION_TABLE, DR_EMULATION_TABLE6, drEmulationScript, drServicesFromKeepalived, realServerFor } from '../../../src/lab/dr-emulation.js';
import { parseKeepalived } from '../../../src/keepalived/index.js';
import { keepalivedConf } from '../../../src/lab/node-config.js';

test('jhash of an empty key is the initial value', (t) => {
  // length 0: a = b = c = 0xdeadbeef + 0 + seed, returned unmixed (jhash.h "case 0").
  t.is(jhash(new Uint8Array(), 0), 0xdeadbeef);
  t.is(jhash(new Uint8Array(), 1), 0xdeadbef0);
});

test('drBucket matches what the kernel did for `jhash ip saddr . tcp sport mod 2 seed 0x1234`', (t) => {
  // Measured in a namespace (kernel 6.18, nft 1.0.6): curl --local-port P from
  // 203.0.113.100 through the rule reached real server 0 or 1.
  const measured = [0, 0, 0, 1, 1, 0, 0, 1, 1, 0];
  t.deepEqual(
    measured.map((_, i) => drBucket('203.0.113.100', 41001 + i, 0x1234, 2)),
    measured,
  );
});

test('drBucket spreads client ports over every real server', (t) => {
  const counts = [0, 0, 0];
  for (let port = 20000; port < 23000; port++) counts[drBucket('203.0.113.100', port, 0x1b5e, 3)]! += 1;
  for (const count of counts) t.true(count > 800, `${counts.join(' ')}`);
});

const CONF = keepalivedConf({ vip: '203.0.113.10', port: 80 }, { self: '203.0.113.1', peer: '203.0.113.2', state: 'MASTER', priority: 150 }, [
  { address: '203.0.113.11', port: 80 },
  { address: '203.0.113.12', port: 8080 },
]);

test('the lab keepalived.conf parses with lbfw\'s own reader into one DR service, real servers in order', (t) => {
  const services = drServicesFromKeepalived(parseKeepalived(CONF, 'keepalived.conf'));
  t.deepEqual(services, [{ vip: '203.0.113.10', port: 80, realServers: ['203.0.113.11', '203.0.113.12'] }]);
});

test('the emulation script replaces its own table in one transaction and dups at input priority 100', (t) => {
  const script = drEmulationScript({ services: [{ vip: '203.0.113.10', port: 80, realServers: ['203.0.113.11', '203.0.113.12'] }], seed: 0x1b5e, device: 'eth0' });
  t.is(DR_EMULATION_TABLE, 'ip lbfw_lab_dr');
  t.regex(script, /^table ip lbfw_lab_dr \{\}\ndelete table ip lbfw_lab_dr\ntable ip6 lbfw_lab_dr \{\}\ndelete table ip6 lbfw_lab_dr\ntable ip lbfw_lab_dr \{\n/);
  t.notRegex(script, /^table ip6 lbfw_lab_dr \{$/m, 'no IPv6 table without an IPv6 service');
  t.regex(script, /type filter hook input priority 100; policy accept;/);
  t.regex(
    script,
    /ip daddr 203\.0\.113\.10 tcp dport 80 counter dup to jhash ip saddr \. tcp sport mod 2 seed 0x1b5e map \{ 0 : 203\.0\.113\.11, 1 : 203\.0\.113\.12 \} device "eth0"\n\t\tip daddr 203\.0\.113\.10 tcp dport 80 counter drop\n/,
  );
});

test('a service without real servers only drops, as IPVS with an empty pool', (t) => {
  const script = drEmulationScript({ services: [{ vip: '203.0.113.10', port: 80, realServers: [] }], seed: 1, device: 'eth0' });
  t.notRegex(script, /dup/);
  t.regex(script, /tcp dport 80 counter drop/);
});

test('realServerFor follows the bucket', (t) => {
  const service = { vip: '203.0.113.10', port: 80, realServers: ['203.0.113.11', '203.0.113.12'] };
  const emulation = { services: [service], seed: 0x1234, device: 'eth0' };
  t.is(realServerFor(service, emulation, '203.0.113.100', 41001), '203.0.113.11');
  t.is(realServerFor(service, emulation, '203.0.113.100', 41004), '203.0.113.12');
  t.is(realServerFor({ ...service, realServers: [] }, emulation, '203.0.113.100', 41001), undefined);
});

test('an IPv6 service dups in the ip6 table, hashing ip6 saddr, to IPv6 real servers', (t) => {
  const script = drEmulationScript({
    services: [
      { vip: '203.0.113.10', port: 80, realServers: ['203.0.113.11'] },
      { vip: '2001:db8::10', port: 80, realServers: ['2001:db8::11', '2001:db8::12'] },
    ],
    seed: 0x1b5e,
    device: 'eth0',
  });
  t.is(DR_EMULATION_TABLE6, 'ip6 lbfw_lab_dr');
  const [v4, v6] = script.split('table ip6 lbfw_lab_dr {\n');
  t.regex(v4 ?? '', /ip daddr 203\.0\.113\.10 tcp dport 80 counter dup to jhash ip saddr \. tcp sport mod 1 seed 0x1b5e map \{ 0 : 203\.0\.113\.11 \}/);
  t.notRegex(v4 ?? '', /2001:db8/);
  t.regex(v6 ?? '', /^\tchain input \{\n\t\ttype filter hook input priority 100; policy accept;\n/);
  t.regex(
    v6 ?? '',
    /ip6 daddr 2001:db8::10 tcp dport 80 counter dup to jhash ip6 saddr \. tcp sport mod 2 seed 0x1b5e map \{ 0 : 2001:db8::11, 1 : 2001:db8::12 \} device "eth0"\n\t\tip6 daddr 2001:db8::10 tcp dport 80 counter drop\n/,
  );
});

const V6_CONF = `virtual_server 2001:db8::10 80 {
    lvs_method DR
    protocol TCP
    real_server 2001:db8::11 80 {
    }
}
virtual_server 2001:db8::20 80 {
    lvs_method DR
    protocol TCP
    real_server 203.0.113.11 80 {
    }
}
`;

test('IPv6 virtual servers are read with their IPv6 real servers; one whose real servers are all IPv4 is left out, as keepalived ignores it', (t) => {
  t.deepEqual(drServicesFromKeepalived(parseKeepalived(V6_CONF, 'keepalived.conf')), [{ vip: '2001:db8::10', port: 80, realServers: ['2001:db8::11'] }]);
});

test('realServerFor refuses to guess the bucket of an IPv6 client among several real servers', (t) => {
  const service = { vip: '2001:db8::10', port: 80, realServers: ['2001:db8::11', '2001:db8::12'] };
  const emulation = { services: [service], seed: 1, device: 'eth0' };
  t.throws(() => realServerFor(service, emulation, '2001:db8::100', 41001), { message: /IPv6 client/ });
  t.is(realServerFor({ ...service, realServers: ['2001:db8::11'] }, emulation, '2001:db8::100', 41001), '2001:db8::11');
});

test('a NAT service rewrites the request to the real server and sends it again (input, LOCAL_OUT); its replies get the VIP back in a forward chain after the filters', (t) => {
  const nat = drServicesFromKeepalived(parseKeepalived(CONF.replace('lvs_method DR', 'lvs_method NAT'), 'keepalived.conf'));
  t.deepEqual(nat, [{ vip: '203.0.113.10', port: 80, realServers: ['203.0.113.11', '203.0.113.12'], nat: true }]);
  const script = drEmulationScript({ services: nat, seed: 0x1b5e, device: 'eth0' });
  t.regex(
    script,
    /\t\tip daddr 203\.0\.113\.10 tcp dport 80 counter ip daddr set jhash ip saddr \. tcp sport mod 2 seed 0x1b5e map \{ 0 : 203\.0\.113\.11, 1 : 203\.0\.113\.12 \} dup to ip daddr device "eth0" drop\n\t\}\n/,
  );
  t.regex(
    script,
    /\tchain forward \{\n\t\ttype filter hook forward priority 100; policy accept;\n\t\tip saddr 203\.0\.113\.11 tcp sport 80 counter ip saddr set 203\.0\.113\.10\n\t\tip saddr 203\.0\.113\.12 tcp sport 80 counter ip saddr set 203\.0\.113\.10\n\t\}\n/,
  );
  t.notRegex(drEmulationScript({ services: drServicesFromKeepalived(parseKeepalived(CONF, 'keepalived.conf')), seed: 1, device: 'eth0' }), /forward/, 'DR forwards nothing');
});
