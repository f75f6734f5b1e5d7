import test from 'ava';
import { addEntry, removeEntry } from '../../../src/blacklist/edit.js';
import { BlacklistError } from '../../../src/errors.js';

const FILE = ['# static blacklist', '192.0.2.1 # scanner', '', '# networks', '198.51.100.0/24', '# end', ''].join('\n');

test('addEntry appends the entry and its comment as the last line and keeps everything else.', (t) => {
  const result = addEntry(FILE, '203.0.113.9', 'brute force');
  t.deepEqual(result, { text: `${FILE}203.0.113.9 # brute force\n`, added: true, line: 7 });
});

test('addEntry writes the canonical form of the entry.', (t) => {
  t.is(addEntry('', '192.0.2.77/24').text, '192.0.2.0/24\n');
  t.is(addEntry('', '  2001:DB8:0:0::1  ').text, '2001:db8::1\n');
  t.is(addEntry('', '2001:DB8::1 - 2001:DB8::9').text, '2001:db8::1-2001:db8::9\n');
});

test('addEntry to an empty text gives a one-line file with a line break.', (t) => {
  t.deepEqual(addEntry('', '192.0.2.1'), { text: '192.0.2.1\n', added: true, line: 1 });
});

test('addEntry keeps CRLF line ends in a CRLF file.', (t) => {
  const text = '# list\r\n192.0.2.1\r\n';
  t.deepEqual(addEntry(text, '192.0.2.2', 'x'), { text: '# list\r\n192.0.2.1\r\n192.0.2.2 # x\r\n', added: true, line: 3 });
});

test('addEntry keeps a missing final line break missing.', (t) => {
  t.deepEqual(addEntry('192.0.2.1', '192.0.2.2'), { text: '192.0.2.1\n192.0.2.2', added: true, line: 2 });
  t.deepEqual(addEntry('# a\r\n192.0.2.1', '192.0.2.2'), { text: '# a\r\n192.0.2.1\r\n192.0.2.2', added: true, line: 3 });
});

test('addEntry leaves the text alone when the same entry is already there, however it was written.', (t) => {
  const text = '# x\n192.0.2.9/24\n2001:DB8::1\n';
  t.deepEqual(addEntry(text, '192.0.2.0/24'), { text, added: false, line: 2 });
  t.deepEqual(addEntry(text, '2001:db8:0::1'), { text, added: false, line: 3 });
});

test('addEntry adds an entry of another kind even when it covers the same addresses.', (t) => {
  const text = '192.0.2.0-192.0.2.255\n';
  t.deepEqual(addEntry(text, '192.0.2.0/24'), { text: `${text}192.0.2.0/24\n`, added: true, line: 2 });
});

test('addEntry ignores a blank comment.', (t) => {
  t.is(addEntry('', '192.0.2.1', '   ').text, '192.0.2.1\n');
});

const addRejects = test.macro({
  exec(t, entry: string, comment: string | undefined, message: string) {
    const error = t.throws(() => addEntry('192.0.2.1\n', entry, comment), { instanceOf: BlacklistError });
    t.deepEqual(error?.problems, [{ file: '<argument>', line: 0, message }]);
  },
  title(_provided, entry: string, comment: string | undefined) {
    return `addEntry refuses ${JSON.stringify(entry)} with comment ${JSON.stringify(comment)}.`;
  },
});

test(addRejects, '10.0.0.0/33', undefined, '"10.0.0.0/33": prefix 33 is longer than 32; expected an IPv4/IPv6 address, CIDR or range a-b');
test(addRejects, '192.0.2.1 # note', undefined, '"192.0.2.1 # note": more than one word on the line; write one entry a line and comments after #; expected an IPv4/IPv6 address, CIDR or range a-b');
test(addRejects, '', undefined, '"": empty entry; expected an IPv4/IPv6 address, CIDR or range a-b');
test(addRejects, '192.0.2.2', 'two\nlines', 'a comment must be a single line');

test('removeEntry removes every line with the same addresses and keeps the comment lines around them.', (t) => {
  const text = [
    '# first',
    '192.0.2.0/24 # a',
    '# keep me',
    '192.0.2.9/24',
    '203.0.113.1',
    '192.0.2.0-192.0.2.255 # c',
    '# trailing comment',
    '',
  ].join('\n');
  const result = removeEntry(text, '192.0.2.0/24');
  t.deepEqual(result.removedLines, [2, 4, 6]);
  t.is(result.text, ['# first', '# keep me', '203.0.113.1', '# trailing comment', ''].join('\n'));
  t.deepEqual(result.coveredBy, []);
});

test('removeEntry keeps CRLF line ends.', (t) => {
  const result = removeEntry('# a\r\n192.0.2.1\r\n# b\r\n192.0.2.2\r\n', '192.0.2.1');
  t.is(result.text, '# a\r\n# b\r\n192.0.2.2\r\n');
  t.deepEqual(result.removedLines, [2]);
});

test('removeEntry of the last line keeps a missing final line break missing.', (t) => {
  t.is(removeEntry('192.0.2.1\n192.0.2.2', '192.0.2.2').text, '192.0.2.1');
  t.is(removeEntry('192.0.2.1\r\n192.0.2.2', '192.0.2.2').text, '192.0.2.1');
  t.is(removeEntry('192.0.2.1\n192.0.2.2\n', '192.0.2.2').text, '192.0.2.1\n');
});

test('removeEntry of the only line leaves an empty text.', (t) => {
  t.is(removeEntry('192.0.2.1\n', '192.0.2.1').text, '');
});

test('removeEntry keeps the byte order mark when it removes line 1.', (t) => {
  t.is(removeEntry('\uFEFF192.0.2.1\n192.0.2.2\n', '192.0.2.1').text, '\uFEFF192.0.2.2\n');
});

test('removeEntry of an address that is not an entry changes nothing and names the entries that cover it.', (t) => {
  const text = '# x\n10.0.0.0/8\n192.0.2.0/24 # office\n192.0.2.50-192.0.2.60\n';
  const result = removeEntry(text, '192.0.2.55');
  t.is(result.text, text);
  t.deepEqual(result.removedLines, []);
  t.deepEqual(
    result.coveredBy.map((e) => [e.line, e.text]),
    [
      [3, '192.0.2.0/24'],
      [4, '192.0.2.50-192.0.2.60'],
    ],
  );
});

test('removeEntry names entries that still cover the removed range, numbered as in the new text.', (t) => {
  const result = removeEntry('192.0.2.7\n# y\n192.0.2.0/24\n', '192.0.2.7');
  t.deepEqual(result.removedLines, [1]);
  t.deepEqual(
    result.coveredBy.map((e) => [e.line, e.text]),
    [[2, '192.0.2.0/24']],
  );
});

test('removeEntry does not count an entry that only partly covers the range.', (t) => {
  const result = removeEntry('192.0.2.0/25\n', '192.0.2.0/24');
  t.deepEqual([result.removedLines, result.coveredBy], [[], []]);
});

test('removeEntry refuses an invalid entry with a BlacklistError.', (t) => {
  const error = t.throws(() => removeEntry('192.0.2.1\n', '192.0.2'), { instanceOf: BlacklistError });
  t.is(error?.file, '<argument>');
  t.is(error?.line, 0);
  t.regex(error?.message ?? '', /expected an IPv4\/IPv6 address, CIDR or range a-b/);
});
