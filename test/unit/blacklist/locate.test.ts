import test from 'ava';
import { appendLine, locateEntry, removeSpans } from '../../../src/blacklist/locate.js';
import { parseEntry, type ParsedEntry } from '../../../src/blacklist/parse.js';

function entry(text: string): ParsedEntry {
  const parsed = parseEntry(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
}

const TEXT = ['# scanners', '192.0.2.1', '192.0.2.11 # not .1', '192.0.2.1/32 # again', '198.51.100.0/24', '2001:DB8::0001', '', '203.0.113.7'].join('\n');

test('locateEntry finds every line of the same host however written, and what covers it, with line numbers', (t) => {
  const found = locateEntry(`${TEXT}\n`, entry('192.0.2.1'));
  t.deepEqual(found.same.map((e) => e.line), [2, 4]);
  t.deepEqual(found.coveredBy, []);
  t.is(found.lineCount, 8);
  const covered = locateEntry(`${TEXT}\n`, entry('198.51.100.9'));
  t.deepEqual(covered.same, []);
  t.deepEqual(covered.coveredBy.map((e) => e.line), [5]);
  t.deepEqual(locateEntry(TEXT, entry('2001:db8::1')).same.map((e) => e.line), [6]);
  t.deepEqual(locateEntry(TEXT, entry('192.0.2.2')).same, []);
  t.deepEqual(locateEntry('2001:db8::2\n::ffff:192.0.2.2\n2001:db8::1:2\n', entry('192.0.2.2')).same.map((e) => e.line), [2], 'an IPv4-mapped line is the IPv4 host');
  t.deepEqual(locateEntry('2001:db8::1:2\n2001:0DB8:0:0::0002\n', entry('2001:db8::2')).same.map((e) => e.line), [2], 'another spelling with the same last group');
});

test('removeSpans deletes exactly the located lines; appendLine keeps the line-break style', (t) => {
  const text = `${TEXT}\n`;
  const found = locateEntry(text, entry('192.0.2.1'));
  t.is(removeSpans(text, found.spans), ['# scanners', '192.0.2.11 # not .1', '198.51.100.0/24', '2001:DB8::0001', '', '203.0.113.7', ''].join('\n'));
  const last = locateEntry(TEXT, entry('203.0.113.7'));
  t.is(removeSpans(TEXT, last.spans), TEXT.slice(0, TEXT.lastIndexOf('\n')), 'the blank line before stays, without the line break the removed last line did not have');
  t.deepEqual(appendLine('a\r\nb\r\n', '192.0.2.9', 2), { text: 'a\r\nb\r\n192.0.2.9\r\n', line: 3 });
  t.deepEqual(appendLine('a\nb', '192.0.2.9', 2), { text: 'a\nb\n192.0.2.9', line: 3 });
  t.deepEqual(appendLine('', '192.0.2.9', 0), { text: '192.0.2.9\n', line: 1 });
});
