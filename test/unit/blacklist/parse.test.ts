import test from 'ava';
import { addressToBigInt, bigIntToAddress, parseAddress, type AddressRange } from '../../../src/net/address.js';
import {
  EXPECTED_ENTRY,
  assertBlacklistValid,
  parseBlacklist,
  parseEntry,
  type BlacklistEntryKind,
} from '../../../src/blacklist/parse.js';
import { BlacklistError } from '../../../src/errors.js';

/** A range as `FIRST-LAST` text, so failures read as addresses rather than big integers. */
function shown(range: AddressRange): string {
  return `IPv${range.family} ${bigIntToAddress(range.family, range.first)}-${bigIntToAddress(range.family, range.last)}`;
}

interface Accepted {
  readonly text: string;
  readonly kind: BlacklistEntryKind;
  readonly range: string;
  readonly comment?: string;
}

const accepts = test.macro({
  exec(t, line: string, expected: Accepted) {
    const parsed = parseBlacklist(`${line}\n`, 'static_blacklist');
    t.deepEqual(parsed.problems, []);
    t.is(parsed.entries.length, 1);
    const entry = parsed.entries[0];
    if (entry === undefined) return;
    t.is(entry.line, 1);
    t.is(entry.text, expected.text);
    t.is(entry.kind, expected.kind);
    t.is(shown(entry.range), expected.range);
    t.is(entry.comment, expected.comment);
  },
  title(_provided, line: string) {
    return `A line reading ${JSON.stringify(line)} is accepted.`;
  },
});

test(accepts, '192.0.2.1', { text: '192.0.2.1', kind: 'host', range: 'IPv4 192.0.2.1-192.0.2.1' });
test(accepts, '0.0.0.0', { text: '0.0.0.0', kind: 'host', range: 'IPv4 0.0.0.0-0.0.0.0' });
test(accepts, '255.255.255.255', { text: '255.255.255.255', kind: 'host', range: 'IPv4 255.255.255.255-255.255.255.255' });
test(accepts, '2001:db8::1', { text: '2001:db8::1', kind: 'host', range: 'IPv6 2001:db8::1-2001:db8::1' });
test(accepts, '2001:DB8:0:0::A', { text: '2001:DB8:0:0::A', kind: 'host', range: 'IPv6 2001:db8::a-2001:db8::a' });
// IPv4-mapped forms name the IPv4 addresses: that is how those clients reach an inet hook.
test(accepts, '::ffff:192.0.2.1', { text: '::ffff:192.0.2.1', kind: 'host', range: 'IPv4 192.0.2.1-192.0.2.1' });
test(accepts, '::ffff:0:0/96', { text: '::ffff:0:0/96', kind: 'cidr', range: 'IPv4 0.0.0.0-255.255.255.255' });
test(accepts, '::ffff:198.51.100.0/120', { text: '::ffff:198.51.100.0/120', kind: 'cidr', range: 'IPv4 198.51.100.0-198.51.100.255' });

test('An IPv4-mapped entry gets a warning saying which IPv4 entry is loaded.', (t) => {
  const parsed = parseBlacklist('::ffff:0:0/96\n::ffff:192.0.2.1\n::/0\n', 'f');
  t.deepEqual(parsed.warnings.map((w) => [w.line, w.message]), [
    [1, '::ffff:0:0/96 is IPv4-mapped IPv6: IPv4 clients reach the firewall as IPv4, so it is loaded as 0.0.0.0/0'],
    [2, '::ffff:192.0.2.1 is IPv4-mapped IPv6: IPv4 clients reach the firewall as IPv4, so it is loaded as 192.0.2.1'],
  ]);
  t.is(parsed.entries[2]?.range.family, 6, '::/0 is only partly IPv4-mapped and stays IPv6');
});
test(accepts, '198.51.100.0/24', { text: '198.51.100.0/24', kind: 'cidr', range: 'IPv4 198.51.100.0-198.51.100.255' });
test(accepts, '192.0.2.1/32', { text: '192.0.2.1/32', kind: 'cidr', range: 'IPv4 192.0.2.1-192.0.2.1' });
test(accepts, '0.0.0.0/0', { text: '0.0.0.0/0', kind: 'cidr', range: 'IPv4 0.0.0.0-255.255.255.255' });
test(accepts, '2001:db8::/32', {
  text: '2001:db8::/32',
  kind: 'cidr',
  range: 'IPv6 2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff',
});
test(accepts, '::/0', { text: '::/0', kind: 'cidr', range: 'IPv6 ::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' });
test(accepts, '192.0.2.10-192.0.2.20', { text: '192.0.2.10-192.0.2.20', kind: 'range', range: 'IPv4 192.0.2.10-192.0.2.20' });
test(accepts, '192.0.2.10 - 192.0.2.20', { text: '192.0.2.10 - 192.0.2.20', kind: 'range', range: 'IPv4 192.0.2.10-192.0.2.20' });
test(accepts, '192.0.2.7-192.0.2.7', { text: '192.0.2.7-192.0.2.7', kind: 'range', range: 'IPv4 192.0.2.7-192.0.2.7' });
test(accepts, '2001:db8::1-2001:db8::ff', { text: '2001:db8::1-2001:db8::ff', kind: 'range', range: 'IPv6 2001:db8::1-2001:db8::ff' });
test(accepts, '  192.0.2.1\t', { text: '192.0.2.1', kind: 'host', range: 'IPv4 192.0.2.1-192.0.2.1' });
test(accepts, '192.0.2.1 # scanner, 2024-05', {
  text: '192.0.2.1',
  kind: 'host',
  range: 'IPv4 192.0.2.1-192.0.2.1',
  comment: 'scanner, 2024-05',
});
test(accepts, '192.0.2.1#tight', { text: '192.0.2.1', kind: 'host', range: 'IPv4 192.0.2.1-192.0.2.1', comment: 'tight' });
test(accepts, '192.0.2.1 #', { text: '192.0.2.1', kind: 'host', range: 'IPv4 192.0.2.1-192.0.2.1' });
test(accepts, '\t2001:db8::/48\t# tabs', {
  text: '2001:db8::/48',
  kind: 'cidr',
  range: 'IPv6 2001:db8::-2001:db8:0:ffff:ffff:ffff:ffff:ffff',
  comment: 'tabs',
});
test(accepts, '198.51.100.0/24 # range-looking - comment', {
  text: '198.51.100.0/24',
  kind: 'cidr',
  range: 'IPv4 198.51.100.0-198.51.100.255',
  comment: 'range-looking - comment',
});

const rejects = test.macro({
  exec(t, line: string, reason: string, entryText: string = line.trim()) {
    const parsed = parseBlacklist(`# header\n${line}\n192.0.2.1\n`, '/etc/lbfw/static_blacklist');
    t.deepEqual(parsed.problems, [
      { file: '/etc/lbfw/static_blacklist', line: 2, message: `"${entryText}": ${reason}; ${EXPECTED_ENTRY}` },
    ]);
    t.deepEqual(
      parsed.entries.map((e) => e.line),
      [3],
    );
  },
  title(_provided, line: string) {
    return `A line reading ${JSON.stringify(line)} is reported as a problem on its own line.`;
  },
});

test(rejects, '1.2.3', '"1.2.3" is not an IPv4 or IPv6 address (it has 3 parts, IPv4 needs 4)');
test(rejects, '1.2.3.4.5', '"1.2.3.4.5" is not an IPv4 or IPv6 address (it has 5 parts, IPv4 needs 4)');
test(rejects, '1..2.3', '"1..2.3" is not an IPv4 or IPv6 address (it has an empty part)');
test(rejects, '010.0.0.1', '"010.0.0.1" is not an IPv4 or IPv6 address ("010" has a leading zero)');
test(rejects, '10.0.0.00', '"10.0.0.00" is not an IPv4 or IPv6 address ("00" has a leading zero)');
test(rejects, '256.0.0.1', '"256.0.0.1" is not an IPv4 or IPv6 address (256 is larger than 255)');
test(rejects, '1234.1.1.1', '"1234.1.1.1" is not an IPv4 or IPv6 address (1234 is larger than 255)');
test(rejects, 'example.com', '"example.com" is not an IPv4 or IPv6 address');
test(rejects, '2001:db8::1::2', '"2001:db8::1::2" is not an IPv4 or IPv6 address');
test(rejects, 'fe80::1%eth0', '"fe80::1%eth0" is not an IPv4 or IPv6 address (a zone index like %eth0 is not allowed)');
test(rejects, '10.0.0.0/33', 'prefix 33 is longer than 32');
test(rejects, '::1/129', 'prefix 129 is longer than 128');
test(rejects, '10.0.0.0/x', 'prefix "x" is not a number');
test(rejects, '10.0.0.0/', 'prefix "" is not a number');
test(rejects, '10.0.0.0/24/8', 'prefix "24/8" is not a number');
test(rejects, '1.2.3/24', '"1.2.3" is not an IPv4 or IPv6 address (it has 3 parts, IPv4 needs 4)');
test(rejects, '10.0.0.1 10.0.0.2', 'more than one word on the line; write one entry a line and comments after #');
test(
  rejects,
  '  10.0.0.1\t10.0.0.2  # two',
  'more than one word on the line; write one entry a line and comments after #',
  // Quoted as an excerpt: control characters (the tab) are shown escaped.
  '10.0.0.1\\x0910.0.0.2',
);
test(rejects, '10.0.0.1-::1', 'range mixes IPv4 and IPv6');
test(rejects, '::1-10.0.0.1', 'range mixes IPv6 and IPv4');
test(rejects, '10.0.0.9-10.0.0.1', 'range start 10.0.0.9 is after its end 10.0.0.1');
test(rejects, '2001:db8::9-2001:db8::1', 'range start 2001:db8::9 is after its end 2001:db8::1');
test(rejects, '10.0.0.0/24-10.0.1.0/24', 'range ends must be single addresses, "10.0.0.0/24" is a prefix');
test(rejects, '10.0.0.1-10.0.0.2-10.0.0.3', 'a range is written FIRST-LAST with one dash between two addresses');
test(rejects, '10.0.0.1-', 'a range is written FIRST-LAST with one dash between two addresses');
test(rejects, '10.0.0.1-10.0.0', '"10.0.0" is not an IPv4 or IPv6 address (it has 3 parts, IPv4 needs 4)');

test('The problem message for a too long prefix reads exactly as documented.', (t) => {
  const parsed = parseBlacklist('10.0.0.0/33\n', 'static_blacklist');
  t.is(
    parsed.problems[0]?.message,
    '"10.0.0.0/33": prefix 33 is longer than 32; expected an IPv4/IPv6 address, CIDR or range a-b',
  );
});

test('Every bad line is reported with its line number while the good lines are still parsed.', (t) => {
  const text = ['192.0.2.1', '1.2.3', '', '# fine', '10.0.0.0/33', '198.51.100.0/24', 'nonsense # note', '::1'].join('\n');
  const parsed = parseBlacklist(text, 'bl');
  t.deepEqual(
    parsed.problems.map((p) => [p.file, p.line]),
    [
      ['bl', 2],
      ['bl', 5],
      ['bl', 7],
    ],
  );
  t.deepEqual(
    parsed.entries.map((e) => [e.line, e.text]),
    [
      [1, '192.0.2.1'],
      [6, '198.51.100.0/24'],
      [8, '::1'],
    ],
  );
});

test('CRLF line ends, blank lines, blank-only lines and comment-only lines are read with the right line numbers.', (t) => {
  const text = '# blacklist\r\n\r\n192.0.2.1\r\n   \t \r\n  # indented comment\r\n2001:db8::/64 # v6\r\n198.51.100.1';
  const parsed = parseBlacklist(text, 'bl');
  t.deepEqual(parsed.problems, []);
  t.deepEqual(parsed.warnings, []);
  t.deepEqual(
    parsed.entries.map((e) => ({ line: e.line, text: e.text, comment: e.comment })),
    [
      { line: 3, text: '192.0.2.1', comment: undefined },
      { line: 6, text: '2001:db8::/64', comment: 'v6' },
      { line: 7, text: '198.51.100.1', comment: undefined },
    ],
  );
});

test('An entry without a comment has no comment property at all.', (t) => {
  const [entry] = parseBlacklist('192.0.2.1\n', 'bl').entries;
  t.false(entry !== undefined && 'comment' in entry);
});

test('A byte order mark at the start of the file is not part of line 1.', (t) => {
  const parsed = parseBlacklist('\uFEFF192.0.2.1\n', 'bl');
  t.deepEqual(parsed.problems, []);
  t.is(parsed.entries[0]?.text, '192.0.2.1');
});

test('An empty text and a text of comments give no entries and no problems.', (t) => {
  for (const text of ['', '\n', '# only\n# comments\n', '\r\n\r\n']) {
    const parsed = parseBlacklist(text, 'bl');
    t.deepEqual([parsed.entries.length, parsed.problems.length, parsed.warnings.length], [0, 0, 0], text);
  }
});

test('A CIDR with host bits set is accepted with the bits cleared and a warning.', (t) => {
  const parsed = parseBlacklist('# x\n192.0.2.7/24\n2001:db8::1/64\n', 'bl');
  t.deepEqual(parsed.problems, []);
  t.deepEqual(parsed.warnings, [
    { file: 'bl', line: 2, message: '192.0.2.7/24 has host bits set; using 192.0.2.0/24' },
    { file: 'bl', line: 3, message: '2001:db8::1/64 has host bits set; using 2001:db8::/64' },
  ]);
  const [v4, v6] = parsed.entries;
  t.true(v4?.hostBitsSet);
  t.is(v4 && shown(v4.range), 'IPv4 192.0.2.0-192.0.2.255');
  t.true(v6?.hostBitsSet);
  t.is(v6 && shown(v6.range), 'IPv6 2001:db8::-2001:db8::ffff:ffff:ffff:ffff');
});

test('A CIDR without host bits set gives no warning.', (t) => {
  const parsed = parseBlacklist('192.0.2.0/24\n', 'bl');
  t.deepEqual(parsed.warnings, []);
  t.false(parsed.entries[0]?.hostBitsSet);
});

test('The fast IPv4 path agrees with parseAddress on tricky dotted quads.', (t) => {
  const cases = [
    '1.2.3.4',
    '0.0.0.0',
    '255.255.255.255',
    '01.2.3.4',
    '1.2.3.04',
    '00.0.0.0',
    '1.2.3.4.',
    '.1.2.3.4',
    '1.2.3.256',
    '1.2.3.0000',
    '1.2.3.4a',
    '1.2.3.-4',
    '1,2,3,4',
    '99.199.249.255',
    '4294967295',
  ];
  for (const text of cases) {
    const expected = parseAddress(text);
    const entries = parseBlacklist(text, 'bl').entries;
    if (expected === undefined) {
      t.is(entries.length, 0, text);
    } else {
      const value = addressToBigInt(expected);
      t.deepEqual(entries[0]?.range, { family: 4, first: value, last: value }, text);
    }
  }
});

test('The fast IPv4 path reads hosts and prefixes exactly as the general parser does.', (t) => {
  const cases = [
    '192.0.2.1',
    '10.0.0.0/8',
    '10.1.2.3/8',
    '0.0.0.0/0',
    '1.2.3.4/0',
    '255.255.255.255/32',
    '255.255.255.255/31',
    '192.0.2.128/25',
    '192.0.2.129/25',
    '192.0.2.1/08',
    '192.0.2.1/024',
    '192.0.2.1/33',
    '192.0.2.1/',
    '192.0.2.1/3a',
    '192.0.2.1/-1',
    '192.0.2.1/2/3',
    '192.0.2.1/ 24',
  ];
  for (const text of cases) {
    const general = parseEntry(text);
    const parsed = parseBlacklist(`${text} # c`, 'bl');
    if ('error' in general) {
      t.deepEqual(parsed.problems.map((p) => p.message), [general.error], text);
      continue;
    }
    const entry = parsed.entries[0];
    t.deepEqual(
      entry && { kind: entry.kind, range: entry.range, hostBitsSet: entry.hostBitsSet, comment: entry.comment },
      { kind: general.kind, range: general.range, hostBitsSet: general.hostBitsSet, comment: 'c' },
      text,
    );
    const warning = general.hostBitsSet ? [`${text} has host bits set; using ${general.canonical}`] : [];
    t.deepEqual(parsed.warnings.map((w) => w.message), warning, text);
  }
});

test('parseEntry gives the canonical form of each kind of entry.', (t) => {
  const canonical = (text: string): string | undefined => {
    const parsed = parseEntry(text);
    return 'error' in parsed ? undefined : parsed.canonical;
  };
  t.is(canonical('2001:DB8:0::1'), '2001:db8::1');
  t.is(canonical('192.0.2.9/24'), '192.0.2.0/24');
  t.is(canonical('2001:DB8::1 - 2001:DB8::2'), '2001:db8::1-2001:db8::2');
  t.is(canonical('1.2.3'), undefined);
});

test('assertBlacklistValid throws a BlacklistError listing every bad line, and passes a clean list.', (t) => {
  t.notThrows(() => assertBlacklistValid(parseBlacklist('192.0.2.1\n', 'bl')));
  const error = t.throws(() => assertBlacklistValid(parseBlacklist('x\n192.0.2.1\ny\n', 'bl')), {
    instanceOf: BlacklistError,
  });
  t.deepEqual(
    error?.problems.map((p) => p.line),
    [1, 3],
  );
  t.is(error?.code, 'BLACKLIST_INVALID');
});
