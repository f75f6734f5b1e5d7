import test from 'ava';
import { xorshift32 } from '../../helpers/random.js';
import { RADIX_MIN_LENGTH, sortUint32 } from '../../../src/net/sort-u32.js';

const random = xorshift32;

const sortsLikeNative = test.macro({
  exec(t, values: Uint32Array) {
    const expected = values.slice().sort();
    const input = values.slice();
    const result = sortUint32(input);
    t.is(result, input, 'sorted in place');
    t.deepEqual([...result], [...expected]);
  },
  title: (given) => `sortUint32 sorts ${given ?? ''} as TypedArray.prototype.sort does.`,
});

const n = RADIX_MIN_LENGTH * 4 + 3;
const next = random(20261202);
test('random values', sortsLikeNative, Uint32Array.from({ length: n }, next));
test('values with many duplicates', sortsLikeNative, Uint32Array.from({ length: n }, () => next() % 97));
test('the extremes 0 and 0xffffffff among random values', sortsLikeNative, Uint32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? 0xffffffff : next())));
test('only 0 and 0xffffffff', sortsLikeNative, Uint32Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 0xffffffff : 0)));
test('one value repeated (every pass skipped)', sortsLikeNative, new Uint32Array(n).fill(0x0a000001));
test('values differing only in the top digit', sortsLikeNative, Uint32Array.from({ length: n }, () => (next() & 0xffc00000) >>> 0));
test('values differing only in the low digit', sortsLikeNative, Uint32Array.from({ length: n }, () => (0xc0000200 | (next() & 0x7ff)) >>> 0));
test('a descending run', sortsLikeNative, Uint32Array.from({ length: n }, (_, i) => 0xffffffff - i * 65537));
test('an ascending run', sortsLikeNative, Uint32Array.from({ length: n }, (_, i) => i * 65537));
test('a list shorter than RADIX_MIN_LENGTH', sortsLikeNative, Uint32Array.from({ length: 100 }, next));
test('a list of exactly RADIX_MIN_LENGTH', sortsLikeNative, Uint32Array.from({ length: RADIX_MIN_LENGTH }, next));
test('an empty list', sortsLikeNative, new Uint32Array(0));

test('sortUint32 sorts a subarray in place without touching the rest of its buffer.', (t) => {
  const all = Uint32Array.from({ length: n + 20 }, next);
  const before = all.slice();
  const middle = all.subarray(10, n + 10);
  const expected = middle.slice().sort();
  sortUint32(middle);
  t.deepEqual([...middle], [...expected]);
  t.deepEqual([...all.subarray(0, 10)], [...before.subarray(0, 10)]);
  t.deepEqual([...all.subarray(n + 10)], [...before.subarray(n + 10)]);
});
