import test from 'ava';
import { entryCount, parseBlacklist, parseEntry, type BlacklistEntry } from '../../../src/blacklist/parse.js';
import { hostCount, ipv4HostValues, normaliseBlacklist } from '../../../src/blacklist/normalise.js';
import { findProtectedHits, type ProtectedRange } from '../../../src/blacklist/safety.js';

const MIXED = [
  '# header',
  '203.0.113.7', // column
  '203.0.113.8 # with a comment', // object: keeps its comment
  '198.51.100.0/24',
  '  203.0.113.9\t', // column: blanks around are not part of the entry
  '2001:db8::1',
  '203.0.113.10-203.0.113.12',
  'not-an-address',
  '203.0.113.7', // a duplicate line stays an entry of its own
  '0.0.0.0',
  '255.255.255.255',
].join('\n');

/** What every line gives when read alone (parseEntry), numbered: the object path, without the column. */
function expectedEntries(): BlacklistEntry[] {
  const entries: BlacklistEntry[] = [];
  MIXED.split('\n').forEach((raw, i) => {
    const [body = '', ...comment] = raw.split('#');
    const text = body.trim();
    if (text === '') return;
    const parsed = parseEntry(text);
    if ('error' in parsed) return;
    const c = comment.join('#').trim();
    entries.push({ line: i + 1, text, ...(c === '' ? {} : { comment: c }), kind: parsed.kind, range: parsed.range, hostBitsSet: parsed.hostBitsSet });
  });
  return entries;
}

test('Plain IPv4 host lines go to the numeric column; entries still lists every valid line in file order', (t) => {
  const parsed = parseBlacklist(MIXED, 'bl');
  t.deepEqual(Array.from(parsed.columns?.hosts.lines ?? []), [2, 5, 9, 10, 11]);
  t.deepEqual(parsed.entries, expectedEntries());
  t.is(entryCount(parsed), parsed.entries.length);
  t.deepEqual(parsed.problems.map((p) => p.line), [8]);
});

test('The column path and the entries path normalise to the same lists and the same host values', (t) => {
  const parsed = parseBlacklist(MIXED, 'bl');
  const fromColumns = normaliseBlacklist(parsed);
  const fromEntries = normaliseBlacklist([...parsed.entries]);
  t.is(hostCount(fromColumns, 4), fromEntries.hosts4.length);
  t.deepEqual(Array.from(ipv4HostValues(fromColumns) ?? []), Array.from(ipv4HostValues(fromEntries) ?? []));
  t.deepEqual(
    { hosts4: fromColumns.hosts4, nets4: fromColumns.nets4, hosts6: fromColumns.hosts6, nets6: fromColumns.nets6 },
    { hosts4: fromEntries.hosts4, nets4: fromEntries.nets4, hosts6: fromEntries.hosts6, nets6: fromEntries.nets6 },
  );
  // 203.0.113.10-12 covers no column host; 0.0.0.0 and 255.255.255.255 (the ends of the space) stay.
  t.deepEqual(fromColumns.hosts4, ['0.0.0.0', '203.0.113.7', '203.0.113.8', '203.0.113.9', '255.255.255.255']);
});

test('A range covering column hosts removes them from the hash-set list, as for object entries', (t) => {
  const parsed = parseBlacklist('203.0.113.5\n203.0.113.0/29\n203.0.113.8\n', 'bl');
  t.deepEqual(normaliseBlacklist(parsed).hosts4, ['203.0.113.8']);
});

function guard(address: string, role: string): ProtectedRange {
  const parsed = parseEntry(address);
  if ('error' in parsed) throw new Error(parsed.error);
  return { range: parsed.range, address, role };
}

test('Protected hits from the column and from other entries come in file order, then in protected order', (t) => {
  const guards = [guard('203.0.113.0/24', 'management source'), guard('203.0.113.7', 'VIP 203.0.113.7 tcp/80')];
  const hits = findProtectedHits(parseBlacklist(MIXED, 'bl'), guards).map((h) => [h.line, h.entry, h.address]);
  t.deepEqual(hits, [
    [2, '203.0.113.7', '203.0.113.0/24'],
    [2, '203.0.113.7', '203.0.113.7'],
    [3, '203.0.113.8', '203.0.113.0/24'],
    [5, '203.0.113.9', '203.0.113.0/24'],
    [7, '203.0.113.10-203.0.113.12', '203.0.113.0/24'],
    [9, '203.0.113.7', '203.0.113.0/24'],
    [9, '203.0.113.7', '203.0.113.7'],
  ]);
});
