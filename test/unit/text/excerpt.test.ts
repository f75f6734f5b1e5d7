import test from 'ava';
import { excerpt } from '../../../src/text/excerpt.js';

test('excerpt leaves a short plain line as it is.', (t) => {
  t.is(excerpt('192.0.2.1 # scanner'), '192.0.2.1 # scanner');
});

test('excerpt shows control bytes as escapes, never raw.', (t) => {
  t.is(excerpt('a\u001b[31mb\u0000c\u007f'), 'a\\x1b[31mb\\x00c\\x7f');
});

test('excerpt cuts a long line and says how long it was.', (t) => {
  const quoted = excerpt('x'.repeat(50_000_000), 10);
  t.is(quoted, `${'x'.repeat(10)}… (50000000 characters)`);
});
