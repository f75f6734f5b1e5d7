import test from 'ava';
import { normaliseBlacklist, type NormalisedBlacklist } from '../../../src/blacklist/normalise.js';
import { parseBlacklist, parseEntry } from '../../../src/blacklist/parse.js';
import type { AddressRange } from '../../../src/net/address.js';

function normalise(lines: readonly string[]): NormalisedBlacklist {
  const parsed = parseBlacklist(lines.join('\n'), 'bl');
  if (parsed.problems.length > 0) throw new Error(`bad fixture: ${JSON.stringify(parsed.problems)}`);
  return normaliseBlacklist(parsed.entries);
}

const EMPTY: NormalisedBlacklist = { hosts4: [], nets4: [], hosts6: [], nets6: [] };

const normalisesTo = test.macro((t, lines: readonly string[], expected: Partial<NormalisedBlacklist>) => {
  t.deepEqual(normalise(lines), { ...EMPTY, ...expected });
});

test('An empty blacklist gives four empty lists.', normalisesTo, [], {});
test('Hosts are sorted by value, not as text.', normalisesTo, ['10.0.0.10', '9.0.0.1', '10.0.0.2', '100.0.0.1'], {
  hosts4: ['9.0.0.1', '10.0.0.2', '10.0.0.10', '100.0.0.1'],
});
test('Duplicate hosts collapse to one.', normalisesTo, ['192.0.2.1', '192.0.2.1', '192.0.2.1/32'], {
  hosts4: ['192.0.2.1'],
});
test('Overlapping ranges merge into one range.', normalisesTo, ['10.0.0.0-10.0.0.20', '10.0.0.10-10.0.0.30'], {
  nets4: ['10.0.0.0-10.0.0.30'],
});
test('Adjacent prefixes merge and are written as the prefix they form.', normalisesTo, ['10.0.0.128/25', '10.0.0.0/25'], {
  nets4: ['10.0.0.0/24'],
});
test('Adjacent ranges that do not form a prefix are written FIRST-LAST.', normalisesTo, ['10.0.0.1-10.0.0.4', '10.0.0.5-10.0.0.9'], {
  nets4: ['10.0.0.1-10.0.0.9'],
});
test('Entries inside a range disappear into it.', normalisesTo, ['10.1.2.3', '10.0.0.0/8', '10.2.0.0/16', '10.255.255.255'], {
  nets4: ['10.0.0.0/8'],
});
test('A host next to a range stays a host, so adding or removing it never touches the interval set.', normalisesTo, ['10.0.0.0/31', '10.0.0.2'], {
  hosts4: ['10.0.0.2'],
  nets4: ['10.0.0.0/31'],
});
test('Two adjacent hosts stay two hash-set hosts.', normalisesTo, ['10.0.0.3', '10.0.0.2'], { hosts4: ['10.0.0.2', '10.0.0.3'] });
test('A host one address away from a range stays a host.', normalisesTo, ['10.0.0.0/31', '10.0.0.3'], {
  hosts4: ['10.0.0.3'],
  nets4: ['10.0.0.0/31'],
});
test('A range that is exactly one aligned prefix is written as that prefix.', normalisesTo, ['192.0.2.0-192.0.2.255'], {
  nets4: ['192.0.2.0/24'],
});
test('A range of prefix size that is not aligned is written FIRST-LAST.', normalisesTo, ['192.0.2.2-192.0.2.5'], {
  nets4: ['192.0.2.2-192.0.2.5'],
});
test('Ranges and prefixes of a single address go to the hosts.', normalisesTo, ['192.0.2.5-192.0.2.5', '192.0.2.9/32'], {
  hosts4: ['192.0.2.5', '192.0.2.9'],
});
test('0.0.0.0/0 swallows every other IPv4 entry.', normalisesTo, ['192.0.2.1', '0.0.0.0/0', '198.51.100.0/24'], {
  nets4: ['0.0.0.0/0'],
});
test('The whole IPv4 space written as a range is 0.0.0.0/0.', normalisesTo, ['0.0.0.0-255.255.255.255'], {
  nets4: ['0.0.0.0/0'],
});
test('The top of the IPv4 space merges without overflowing.', normalisesTo, ['255.255.255.255', '255.255.255.254-255.255.255.255', '255.255.255.252/31'], {
  nets4: ['255.255.255.252/30'],
});
test('Mixed hosts and ranges come out in address order.', normalisesTo, ['203.0.113.9', '198.51.100.0/24', '10.0.0.1', '192.0.2.1-192.0.2.3'], {
  hosts4: ['10.0.0.1', '203.0.113.9'],
  nets4: ['192.0.2.1-192.0.2.3', '198.51.100.0/24'],
});
test('Adjacent IPv6 prefixes merge into their common prefix.', normalisesTo, ['2001:db8:8000::/33', '2001:db8::/33'], {
  nets6: ['2001:db8::/32'],
});
test('IPv6 hosts are written canonical and sorted by value.', normalisesTo, ['2001:DB8:0:0::10', '2001:db8::9', '::1'], {
  hosts6: ['::1', '2001:db8::9', '2001:db8::10'],
});
test('IPv6 ranges merge and keep FIRST-LAST when they are not a prefix.', normalisesTo, ['2001:db8::1-2001:db8::3', '2001:db8::2-2001:db8::5', '2001:db8::/127'], {
  nets6: ['2001:db8::-2001:db8::5'],
});
test('::/0 swallows every other IPv6 entry.', normalisesTo, ['2001:db8::1', '::/0', 'fe80::/10'], { nets6: ['::/0'] });
test('IPv4-mapped IPv6 entries are loaded as the IPv4 they name and merge with IPv4.', normalisesTo, ['::ffff:10.0.0.1', '10.0.0.0/8', '::ffff:192.0.2.7'], {
  hosts4: ['192.0.2.7'],
  nets4: ['10.0.0.0/8'],
});

/** The range an output element covers, read back with the same parser the operator's file uses. */
function elementRange(element: string): AddressRange {
  const parsed = parseEntry(element);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.range;
}

test('A dense random list comes out sorted, disjoint, non-adjacent ranges and uncovered hosts covering exactly the input.', (t) => {
  // A small space (10.0.0.0/20) so that overlaps and adjacency are frequent.
  // xorshift32: fixed seed, so a failure can be replayed.
  let seed = 7;
  const random = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const covered = new Set<number>();
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const first = random(4096);
    const size = random(10) === 0 ? random(40) + 1 : 1;
    const last = Math.min(4095, first + size - 1);
    for (let a = first; a <= last; a++) covered.add(a);
    const text = (a: number): string => `10.0.${a >> 8}.${a & 255}`;
    lines.push(first === last ? text(first) : `${text(first)}-${text(last)}`);
  }
  const result = normalise(lines);
  const ranges = [...result.hosts4.map(elementRange), ...result.nets4.map(elementRange)].sort((a, b) =>
    a.first < b.first ? -1 : 1,
  );
  for (const host of result.hosts4) t.is(elementRange(host).first, elementRange(host).last);
  for (const net of result.nets4) t.true(elementRange(net).first < elementRange(net).last, net);
  const base = 10n << 24n;
  let outputCount = 0;
  let previousLast = -2n;
  for (const range of ranges) {
    // Hosts may touch each other or a range (they stay hash-set elements); nothing overlaps.
    t.true(range.first > previousLast, 'elements are disjoint');
    previousLast = range.last;
    for (let a = range.first; a <= range.last; a++) {
      outputCount++;
      if (!covered.has(Number(a - base))) t.fail(`address ${a} was not in the input`);
    }
  }
  t.is(outputCount, covered.size);
  const nets = result.nets4.map(elementRange);
  for (let i = 1; i < nets.length; i++) t.true((nets[i] as AddressRange).first > (nets[i - 1] as AddressRange).last + 1n, 'ranges are not adjacent');
  t.true(result.hosts4.length > 100 && result.nets4.length > 10, 'the fixture exercises both lists');
  const sortedHosts = [...result.hosts4].sort((a, b) => (elementRange(a).first < elementRange(b).first ? -1 : 1));
  t.deepEqual(result.hosts4, sortedHosts);
});

test('The result does not depend on the order of the entries.', (t) => {
  const lines = ['192.0.2.0/25', '10.0.0.1', '2001:db8::/64', '192.0.2.128-192.0.2.130', '10.0.0.2', '2001:db8:0:1::/64'];
  t.deepEqual(normalise(lines), normalise([...lines].reverse()));
});
