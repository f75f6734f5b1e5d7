import test from 'ava';
import { ProcFileError } from '../../../src/doctor/errors.js';
import { parseIpvs, parseSocketTable, socketAddress, type Endianness } from '../../../src/doctor/proc-net.js';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0A0200C0:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2210 1 0000000000000000 100 0 0 10 0
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1219 1 0000000000000000 100 0 0 10 0
   2: 1533A8C6:0016 640071CB:D431 01 00000000:00000000 02:0009A5D2 00000000     0        0 3311 2 0000000000000000 20 4 29 10 -1
`;

const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4411 1 0000000000000000 100 0 0 10 0
   1: B80D0120000000000000000010000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4412 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000A0200C0:0035 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4413 1 0000000000000000 100 0 0 10 0
`;

const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  120: 0100007F:0143 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1422 2 0000000000000000 0
  121: 0A0200C0:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1423 2 0000000000000000 0
  122: 1533A8C6:A1B2 08080808:0035 01 00000000:00000000 00:00000000 00000000     0        0 1424 2 0000000000000000 0
`;

const decodes = test.macro({
  exec(t, hex: string, family: 4 | 6, endianness: Endianness, expected: string) {
    t.is(socketAddress(hex, family, endianness), expected);
  },
  title: (given, hex: string, _family: 4 | 6, endianness: Endianness, expected: string) => given ?? `${hex} on a ${endianness} host is ${expected}`,
});

test(decodes, '0100007F', 4, 'LE', '127.0.0.1');
test(decodes, '0A0200C0', 4, 'LE', '192.0.2.10');
test(decodes, 'C000020A', 4, 'BE', '192.0.2.10');
test(decodes, 'B80D0120000000000000000010000000', 6, 'LE', '2001:db8::10');
test(decodes, '20010DB8000000000000000000000010', 6, 'BE', '2001:db8::10');
test(decodes, '0000000000000000FFFF00000A0200C0', 6, 'LE', '::ffff:c000:20a');

test('Listening TCP sockets are read from /proc/net/tcp; established ones are left out.', (t) => {
  t.deepEqual(parseSocketTable(TCP, '/proc/net/tcp', 'LE'), [
    { protocol: 'tcp', family: 4, address: '192.0.2.10', port: 80 },
    { protocol: 'tcp', family: 4, address: '0.0.0.0', port: 22 },
  ]);
});

test('Listening TCP sockets over IPv6 are read from /proc/net/tcp6, including IPv4-mapped ones.', (t) => {
  t.deepEqual(parseSocketTable(TCP6, '/proc/net/tcp6', 'LE'), [
    { protocol: 'tcp', family: 6, address: '::', port: 443 },
    { protocol: 'tcp', family: 6, address: '2001:db8::10', port: 80 },
    { protocol: 'tcp', family: 6, address: '::ffff:c000:20a', port: 53 },
  ]);
});

test('Bound UDP sockets are read from /proc/net/udp; connected ones are left out.', (t) => {
  t.deepEqual(parseSocketTable(UDP, '/proc/net/udp', 'LE'), [
    { protocol: 'udp', family: 4, address: '127.0.0.1', port: 323 },
    { protocol: 'udp', family: 4, address: '192.0.2.10', port: 53 },
  ]);
});

test('An empty table (header only) has no sockets.', (t) => {
  t.deepEqual(parseSocketTable(TCP.split('\n')[0] ?? '', '/proc/net/tcp', 'LE'), []);
});

test('A malformed line is a typed error naming the file and the line.', (t) => {
  const broken = TCP.replace('00000000:0016', '0000000:0016');
  const error = t.throws(() => parseSocketTable(broken, '/proc/net/tcp', 'LE'), { instanceOf: ProcFileError });
  t.is(error?.file, '/proc/net/tcp');
  t.is(error?.line, 3);
  t.is(error?.code, 'PROC_UNREADABLE');
  t.regex(error?.message ?? '', /^\/proc\/net\/tcp:3: expected "N: LOCAL:PORT REMOTE:PORT STATE \.\.\." with 8 hex digits per address/);
});

test('An IPv4 address in /proc/net/tcp6 is a malformed line.', (t) => {
  const broken = TCP6.replace('B80D0120000000000000000010000000:0050', '0A0200C0:0050');
  const error = t.throws(() => parseSocketTable(broken, '/proc/net/tcp6', 'LE'), { instanceOf: ProcFileError });
  t.is(error?.line, 3);
  t.regex(error?.message ?? '', /32 hex digits per address/);
});

test('A file without the header line is refused at line 1.', (t) => {
  const error = t.throws(() => parseSocketTable('garbage\n', '/proc/net/udp6', 'LE'), { instanceOf: ProcFileError });
  t.is(error?.line, 1);
});

const IPVS = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port Forward Weight ActiveConn InActConn
TCP  C000020A:0050 wlc persistent 300
  -> C6336415:0050      Route   1      3          12
  -> C6336416:0050      Route   0      0          0
UDP  [2001:0db8:0000:0000:0000:0000:0000:0010]:0035 rr
  -> [2001:0db8:0001:0000:0000:0000:0000:0021]:0035      Route   1      0          0
FWM  00000007 rr
  -> C6336415:0000      Masq    1      0          0
`;

test('/proc/net/ip_vs is read into services and destinations, IPv4, IPv6 and firewall marks.', (t) => {
  const services = parseIpvs(IPVS);
  t.is(services.length, 3);
  t.like(services[0], { protocol: 'TCP', family: 4, address: '192.0.2.10', port: 80, scheduler: 'wlc', flags: 'persistent 300', line: 4 });
  t.deepEqual(services[0]?.destinations, [
    { family: 4, address: '198.51.100.21', port: 80, forward: 'Route', weight: 1 },
    { family: 4, address: '198.51.100.22', port: 80, forward: 'Route', weight: 0 },
  ]);
  t.like(services[1], { protocol: 'UDP', family: 6, address: '2001:db8::10', port: 53 });
  t.like(services[1]?.destinations[0], { address: '2001:db8:1::21', port: 53 });
  t.like(services[2], { protocol: 'FWM', fwmark: 7 });
});

test('A line of /proc/net/ip_vs that is neither service nor destination is a typed error.', (t) => {
  const error = t.throws(() => parseIpvs(`${IPVS}TCP  C000020A 0050 rr\n`), { instanceOf: ProcFileError });
  t.is(error?.file, '/proc/net/ip_vs');
  t.is(error?.line, 11);
});
