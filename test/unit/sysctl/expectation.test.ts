import test from 'ava';
import {
  type Expectation,
  candidates,
  describeExpectation,
  formatExpectation,
  parseExpectation,
  satisfies,
} from '../../../src/sysctl/expectation.js';

const parses = test.macro({
  exec(t, text: string, expected: Expectation, words: string) {
    const parsed = parseExpectation(text);
    t.deepEqual(parsed, { ok: true, value: expected });
    if (parsed.ok) t.is(describeExpectation(parsed.value), words);
  },
  title: (given, text: string, _expected: Expectation, words: string) => given ?? `"${text}" means ${words}`,
});

test(parses, '0', { kind: 'exact', values: [0] }, '0');
test(parses, '-1', { kind: 'exact', values: [-1] }, '-1');
test(parses, '0|2', { kind: 'oneOf', values: [0, 2] }, '0 or 2');
test(parses, '1 | 2 | 3', { kind: 'oneOf', values: [1, 2, 3] }, '1, 2 or 3');
test(parses, '>=1', { kind: 'atLeast', value: 1 }, 'at least 1');
test(parses, '<= 1', { kind: 'atMost', value: 1 }, 'at most 1');
test(parses, '4096 131072  6291456', { kind: 'exact', values: [4096, 131072, 6291456] }, '4096 131072 6291456');

const refuses = test.macro({
  exec(t, text: string) {
    const parsed = parseExpectation(text);
    t.false(parsed.ok);
    if (!parsed.ok) t.regex(parsed.problem, /expected an integer/);
  },
  title: (given, text: string) => given ?? `"${text}" is not a value form`,
});

for (const bad of ['', 'on', '>1', '=>1', '0|', '|2', '1.5', '0,2', '>=x', '0|0']) test(refuses, bad);

const judges = test.macro({
  exec(t, form: string, actual: string, expected: boolean) {
    const parsed = parseExpectation(form);
    if (!parsed.ok) return t.fail(parsed.problem);
    t.is(satisfies(parsed.value, actual), expected);
  },
  title: (given, form: string, actual: string, expected: boolean) => given ?? `"${actual}" ${expected ? 'meets' : 'does not meet'} "${form}"`,
});

test(judges, '0', '0', true);
test(judges, '0', '1', false);
test(judges, '0|2', '2', true);
test(judges, '0|2', '1', false);
test(judges, '>=1', '8', true);
test(judges, '>=1', '0', false);
test(judges, '<=1', '1', true);
test(judges, '<=1', '2', false);
test(judges, '4096 131072 6291456', '4096\t131072\t6291456', true);
test(judges, '4096 131072 6291456', '4096 131072', false);
test(judges, '1', 'on', false);
test(judges, '>=1', '1 2', false);

test('The first alternative is what apply prefers to write, and bounds write the bound.', (t) => {
  const values = ['2|0', '>=1', '<=1', '3'].map((text) => {
    const parsed = parseExpectation(text);
    return parsed.ok ? candidates(parsed.value) : [];
  });
  t.deepEqual(values, [[2, 0], [1], [1], [3]]);
});

test('formatExpectation writes each form back in profile syntax.', (t) => {
  for (const text of ['0', '0|2', '>=1', '<=1', '1 2 3']) {
    const parsed = parseExpectation(text);
    t.true(parsed.ok && formatExpectation(parsed.value) === text, text);
  }
});
