import test from 'ava';
import { xorshift32 } from '../../helpers/random.js';
import { parseBlacklist, parseBlacklistBytes, type ParsedBlacklist } from '../../../src/blacklist/parse.js';

/** Everything a parse gives, as plain data (the entries getter read, the column copied). */
function outcome(parsed: ParsedBlacklist): unknown {
  return {
    file: parsed.file,
    entries: parsed.entries,
    hosts: parsed.columns === undefined ? undefined : { values: [...parsed.columns.hosts.values], lines: [...parsed.columns.hosts.lines] },
    rest: parsed.columns?.rest,
    problems: parsed.problems,
    warnings: parsed.warnings,
  };
}

const sameAsText = test.macro({
  exec(t, text: string | Buffer) {
    const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    t.deepEqual(outcome(parseBlacklistBytes(bytes, 'bl')), outcome(parseBlacklist(bytes.toString('utf8'), 'bl')));
  },
  title: (given) => `Parsing the bytes of ${given ?? ''} gives what parsing its text gives.`,
});

test('plain hosts', sameAsText, '192.0.2.1\n10.0.0.0\n255.255.255.255\n0.0.0.0');
test('an empty file', sameAsText, '');
test('a lone line break', sameAsText, '\n');
test('CRLF line ends, and a CR at the end of the file', sameAsText, '192.0.2.1\r\n192.0.2.2\r\n192.0.2.3\r');
test('a lone CR inside a line, two CRs before LF, CR then blank', sameAsText, '192.0.2.1\r192.0.2.2\n192.0.2.3\r\r\n192.0.2.4\r \n192.0.2.5 \r\n');
test('blanks around hosts and blank lines', sameAsText, '  192.0.2.1\t\n\t \n192.0.2.2  \n \t192.0.2.3 \t\n');
test('a UTF-8 byte order mark', sameAsText, '\ufeff192.0.2.1\n192.0.2.2\n');
test('a byte order mark not at the start', sameAsText, '192.0.2.1\n\ufeff192.0.2.2\n');
test('leading zeros, octets over 255, four digits, missing octets', sameAsText, '01.2.3.4\n1.2.3.04\n1.2.3.00\n0.0.0.00\n256.1.1.1\n1.1.1.256\n1.1.1.1000\n0001.1.1.1\n1.2.3\n1.2.3.\n.1.2.3.4\n1..2.3\n1.2.3.4.5\n');
test('hosts with comments, prefixes, ranges and IPv6', sameAsText, '192.0.2.1 # a comment\n192.0.2.0/24\n192.0.2.7/24\n192.0.2.1-192.0.2.9\n2001:db8::1\n::ffff:192.0.2.1\n# only a comment\n#\n');
test('bad lines of every kind', sameAsText, 'not-an-address\n192.0.2.1 5\n; comment\n192.0.2.1/33\n192.0.2.1x\nx192.0.2.1\n192.0.2.1%eth0\n-\n192.0.2.9-192.0.2.1\n');
test('non-ASCII text in comments and bad lines', sameAsText, '192.0.2.1 # Zürich\nbücher.example\n192.0.2.2 # ✓\n');
test('invalid UTF-8 after a host and in a comment', sameAsText, Buffer.concat([Buffer.from('192.0.2.1'), Buffer.from([0xff]), Buffer.from('\n192.0.2.2 # '), Buffer.from([0xe2, 0x82]), Buffer.from('\n192.0.2.3\n')]));
test('a truncated UTF-8 sequence at the end of the file', sameAsText, Buffer.concat([Buffer.from('192.0.2.1\n'), Buffer.from([0xe2, 0x82])]));
test('a file that ends inside a host', sameAsText, '192.0.2.1\n192.0.2');

test('Random lines of hosts, near-hosts and other entries parse the same as text and as bytes.', (t) => {
  const next = xorshift32(20261202);
  const pieces = ['0', '1', '9', '10', '25', '99', '100', '199', '249', '255', '256', '300', '00', '01', '1000', '', '.', ' ', '\t', '\r', '#', '/', '/24', '-', 'x', ':', '::1', 'é'];
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    if (next() % 3 === 0) {
      lines.push(Array.from({ length: 1 + (next() % 9) }, () => pieces[next() % pieces.length]).join(''));
    } else {
      const v = next();
      lines.push(`${next() % 5 === 0 ? ' ' : ''}${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}${next() % 7 === 0 ? '\r' : ''}`);
    }
  }
  const text = lines.join('\n');
  const parsed = parseBlacklistBytes(Buffer.from(text), 'bl');
  t.true((parsed.columns?.hosts.count ?? 0) > 1000, 'most lines are plain hosts');
  t.deepEqual(outcome(parsed), outcome(parseBlacklist(text, 'bl')));
});
