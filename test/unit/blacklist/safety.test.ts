import test from 'ava';
import { parseBlacklist, parseEntry } from '../../../src/blacklist/parse.js';
import { findProtectedHits, sshClientAddress, type ProtectedRange } from '../../../src/blacklist/safety.js';
import type { Address } from '../../../src/config/model.js';

/** A protected range written the way an operator would write it. */
function guard(address: string, role: string): ProtectedRange {
  const parsed = parseEntry(address);
  if ('error' in parsed) throw new Error(parsed.error);
  return { range: parsed.range, address, role };
}

const PROTECTED = [
  guard('192.0.2.10', 'VIP 192.0.2.10 tcp/80'),
  guard('198.51.100.0/24', 'management source'),
  guard('10.1.0.5', 'real server'),
  guard('2001:db8::10', 'VIP 2001:db8::10 tcp/443'),
];

function hitsOf(lines: readonly string[], guards: readonly ProtectedRange[] = PROTECTED): Array<[number, string, string]> {
  return findProtectedHits(parseBlacklist(lines.join('\n'), 'bl'), guards).map((h) => [h.line, h.entry, h.address]);
}

test('A hit carries the entry as written, the file, the line, the protected address and its role.', (t) => {
  const parsed = parseBlacklist('# x\n192.0.2.0/24 # oops\n', '/etc/lbfw/static_blacklist');
  t.deepEqual(findProtectedHits(parsed, PROTECTED), [
    {
      entry: '192.0.2.0/24',
      file: '/etc/lbfw/static_blacklist',
      line: 2,
      address: '192.0.2.10',
      role: 'VIP 192.0.2.10 tcp/80',
    },
  ]);
});

test('A prefix covering a protected host is a hit.', (t) => {
  t.deepEqual(hitsOf(['192.0.2.0/28']), [[1, '192.0.2.0/28', '192.0.2.10']]);
});

test('A host inside a protected network is a hit.', (t) => {
  t.deepEqual(hitsOf(['198.51.100.77']), [[1, '198.51.100.77', '198.51.100.0/24']]);
});

test('A range that only partly overlaps a protected network is a hit.', (t) => {
  t.deepEqual(hitsOf(['198.51.99.250-198.51.100.3']), [[1, '198.51.99.250-198.51.100.3', '198.51.100.0/24']]);
});

test('Entries next to protected addresses but not on them are no hit.', (t) => {
  t.deepEqual(hitsOf(['192.0.2.9', '192.0.2.11', '198.51.99.0/24', '198.51.101.0', '10.1.0.4', '2001:db8::11']), []);
});

test('An IPv4-mapped entry is judged as the IPv4 it names.', (t) => {
  t.deepEqual(hitsOf(['::ffff:192.0.2.10']), [[1, '::ffff:192.0.2.10', '192.0.2.10']]);
});

test('An IPv6 prefix covering an IPv6 VIP is a hit.', (t) => {
  t.deepEqual(hitsOf(['2001:db8::/64']), [[1, '2001:db8::/64', '2001:db8::10']]);
});

test('One entry covering several protected ranges gives one hit each, in the order they were given.', (t) => {
  t.deepEqual(hitsOf(['0.0.0.0/0']), [
    [1, '0.0.0.0/0', '192.0.2.10'],
    [1, '0.0.0.0/0', '198.51.100.0/24'],
    [1, '0.0.0.0/0', '10.1.0.5'],
  ]);
});

test('Hits come in file order.', (t) => {
  t.deepEqual(hitsOf(['2001:db8::10', '192.0.2.3', '10.1.0.5', '192.0.2.10']), [
    [1, '2001:db8::10', '2001:db8::10'],
    [3, '10.1.0.5', '10.1.0.5'],
    [4, '192.0.2.10', '192.0.2.10'],
  ]);
});

test('Nested and overlapping protected ranges are all found, and only those that overlap.', (t) => {
  const guards = [
    guard('10.0.0.0/8', 'management source'),
    guard('10.1.0.0/16', 'peer network'),
    guard('10.2.0.5', 'real server'),
    guard('10.2.0.0-10.2.0.4', 'peer director'),
    guard('11.0.0.1', 'VIP'),
  ];
  t.deepEqual(hitsOf(['10.2.0.5', '10.2.0.4-11.0.0.0', '9.255.255.255', '10.1.255.255-10.2.0.0'], guards), [
    [1, '10.2.0.5', '10.0.0.0/8'],
    [1, '10.2.0.5', '10.2.0.5'],
    [2, '10.2.0.4-11.0.0.0', '10.0.0.0/8'],
    [2, '10.2.0.4-11.0.0.0', '10.2.0.5'],
    [2, '10.2.0.4-11.0.0.0', '10.2.0.0-10.2.0.4'],
    [4, '10.1.255.255-10.2.0.0', '10.0.0.0/8'],
    [4, '10.1.255.255-10.2.0.0', '10.1.0.0/16'],
    [4, '10.1.255.255-10.2.0.0', '10.2.0.0-10.2.0.4'],
  ]);
});

test('Without protected ranges there are no hits.', (t) => {
  t.deepEqual(hitsOf(['0.0.0.0/0', '::/0'], []), []);
});

const sshClient = test.macro({
  exec(t, value: string | undefined, expected: Address | undefined) {
    t.deepEqual(sshClientAddress({ SSH_CONNECTION: value }), expected);
  },
  title(_provided, value: string | undefined) {
    return `SSH_CONNECTION=${JSON.stringify(value)} gives the client address the firewall sees.`;
  },
});

test(sshClient, '192.0.2.50 53211 192.0.2.1 22', { family: 4, address: '192.0.2.50' });
test(sshClient, '2001:db8::50 53211 2001:db8::1 22', { family: 6, address: '2001:db8::50' });
test(sshClient, '2001:DB8:0:0::50 53211 2001:db8::1 22', { family: 6, address: '2001:db8::50' });
test(sshClient, '::ffff:192.0.2.50 53211 ::ffff:192.0.2.1 22', { family: 4, address: '192.0.2.50' });
test(sshClient, '::ffff:c000:232 53211 ::ffff:c000:201 22', { family: 4, address: '192.0.2.50' });
test(sshClient, 'fe80::1%eth0 53211 fe80::2%eth0 22', { family: 6, address: 'fe80::1' });
test(sshClient, '  192.0.2.50   53211 192.0.2.1 22\n', { family: 4, address: '192.0.2.50' });
test(sshClient, '', undefined);
test(sshClient, 'not-an-address 1 2 3', undefined);
test(sshClient, undefined, undefined);

test('sshClientAddress is undefined when SSH_CONNECTION is not set at all.', (t) => {
  t.is(sshClientAddress({}), undefined);
});

test('Hosts read as a column find the same hits as the same hosts read one by one, at every /16 edge.', (t) => {
  const guards = [
    guard('10.0.255.255', 'VIP'),
    guard('10.1.0.0-10.3.0.0', 'peer network'),
    guard('172.16.0.0/12', 'management source'),
    guard('255.255.255.254-255.255.255.255', 'top'),
    guard('0.0.0.0', 'bottom'),
    guard('2001:db8::/32', 'IPv6 only'),
  ];
  const hosts: string[] = [];
  const quad = (v: number): string => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  for (const base of [0x0a000000, 0x0a010000, 0x0a030000, 0x0a040000, 0xac100000, 0xac200000, 0xffff0000, 0]) {
    for (const delta of [-2, -1, 0, 1, 2, 0xffff, 0x10000]) {
      const v = base + delta;
      if (v >= 0 && v <= 0xffffffff) hosts.push(quad(v));
    }
  }
  hosts.push('255.255.255.255', '255.255.255.253');
  const column = findProtectedHits(parseBlacklist(hosts.join('\n'), 'bl'), guards);
  // A comment makes each line an entry object of its own, searched without the column.
  const objects = findProtectedHits(parseBlacklist(hosts.map((h) => `${h} # one`).join('\n'), 'bl'), guards);
  t.deepEqual(column, objects);
  t.true(column.length > 10);
});
