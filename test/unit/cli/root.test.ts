import test from 'ava';
import { PermissionError } from '../../../src/errors.js';
import { assertRoot } from '../../../src/system/root.js';

test('assertRoot refuses any uid but 0 with the command and why it needs root', (t) => {
  const error = t.throws(() => assertRoot('lab up', 'it creates network namespaces', 1000), { instanceOf: PermissionError });
  t.is(error?.message, 'lbfw lab up needs root (it creates network namespaces): run it with sudo');
  t.notThrows(() => assertRoot('lab up', 'x', 0));
});
