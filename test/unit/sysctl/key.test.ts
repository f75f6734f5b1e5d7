import test from 'ava';
import { confKey, keyToPath, normaliseKey, parseConfKey, pathToKey } from '../../../src/sysctl/key.js';

const mapsKey = test.macro({
  exec(t, key: string, file: string) {
    t.is(keyToPath(key), file);
    t.is(pathToKey(file), key);
  },
  title: (given, key: string, file: string) => given ?? `${key} is the file ${file} and back`,
});

test(mapsKey, 'net.ipv4.ip_forward', 'net/ipv4/ip_forward');
test(mapsKey, 'net.ipv4.conf.eth0.rp_filter', 'net/ipv4/conf/eth0/rp_filter');
test('A VLAN interface name keeps its dot in the path and becomes a slash in the key.', mapsKey, 'net.ipv4.conf.eth0/100.rp_filter', 'net/ipv4/conf/eth0.100/rp_filter');

const normalises = test.macro({
  exec(t, text: string, key: string) {
    t.is(normaliseKey(text), key);
  },
  title: (given, text: string, key: string) => given ?? `"${text}" is read as ${key}, as systemd-sysctl reads it`,
});

test(normalises, 'net.ipv4.conf.eth0/100.rp_filter', 'net.ipv4.conf.eth0/100.rp_filter');
test(normalises, 'net/ipv4/conf/eth0.100/rp_filter', 'net.ipv4.conf.eth0/100.rp_filter');
test(normalises, '/net/ipv4/ip_forward', 'net.ipv4.ip_forward');
test(normalises, '  net.ipv4.ip_forward ', 'net.ipv4.ip_forward');

test('A per-interface key is taken apart into family, interface and name.', (t) => {
  t.deepEqual(parseConfKey('net.ipv4.conf.eth0/100.arp_ignore'), { family: 4, iface: 'eth0.100', name: 'arp_ignore' });
  t.deepEqual(parseConfKey('net.ipv6.conf.all.forwarding'), { family: 6, iface: 'all', name: 'forwarding' });
  t.is(parseConfKey('net.ipv4.ip_forward'), undefined);
  t.is(parseConfKey('net.ipv4.vs.conntrack'), undefined);
});

test('confKey writes the dots of an interface name as slashes.', (t) => {
  t.is(confKey(4, 'bond0.7', 'rp_filter'), 'net.ipv4.conf.bond0/7.rp_filter');
});
