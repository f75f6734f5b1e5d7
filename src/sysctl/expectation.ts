/**
 * What a profile expects of a sysctl value. Four forms, written as text in
 * the profile:
 *
 * - `0`, or several integers `4096 131072 6291456` for vector keys: exactly that;
 * - `0|2`: one of the listed integers; the first is the one apply writes when
 *   it has a free choice;
 * - `>=1`: at least; `<=1`: at most.
 *
 * Only integers are understood: every sysctl lbfw reasons about is one.
 */
import { type Checked, fail, ok } from '../config/values.js';

/** Expectation is a parsed value form. */
export type Expectation =
  | { readonly kind: 'exact'; readonly values: readonly number[] }
  | { readonly kind: 'oneOf'; readonly values: readonly number[] }
  | { readonly kind: 'atLeast'; readonly value: number }
  | { readonly kind: 'atMost'; readonly value: number };

/** The value forms, for messages. */
export const VALUE_FORMS = 'an integer ("0"), alternatives ("0|2"), at least (">=1") or at most ("<=1")';

const INTEGER = '-?\\d+';
const EXACT = new RegExp(`^${INTEGER}(?:\\s+${INTEGER})*$`);
const ONE_OF = new RegExp(`^${INTEGER}(?:\\s*\\|\\s*${INTEGER})+$`);
const BOUND = new RegExp(`^([<>]=)\\s*(${INTEGER})$`);

/** parseExpectation reads a value form; a YAML number is accepted as its decimal text. */
export function parseExpectation(text: string): Checked<Expectation> {
  const value = text.trim();
  if (EXACT.test(value)) return ok({ kind: 'exact', values: integers(value.split(/\s+/)) });
  if (ONE_OF.test(value)) {
    const values = integers(value.split('|'));
    if (new Set(values).size !== values.length) return fail(`"${text}" lists a value twice; expected ${VALUE_FORMS}`);
    return ok({ kind: 'oneOf', values });
  }
  const bound = BOUND.exec(value);
  if (bound !== null) {
    const n = Number(bound[2]);
    return ok(bound[1] === '>=' ? { kind: 'atLeast', value: n } : { kind: 'atMost', value: n });
  }
  return fail(`"${text}" is not a value form; expected ${VALUE_FORMS}`);
}

function integers(parts: readonly string[]): number[] {
  return parts.map((part) => Number(part.trim()));
}

/** isScalar says whether the expectation is about one integer (all forms but a vector). */
export function isScalar(expectation: Expectation): boolean {
  return expectation.kind !== 'exact' || expectation.values.length === 1;
}

/** parseReading turns the text of a /proc/sys file into its integers; undefined when it holds anything else. */
export function parseReading(text: string): readonly number[] | undefined {
  const value = text.trim();
  return EXACT.test(value) ? integers(value.split(/\s+/)) : undefined;
}

/** satisfiesNumber says whether one integer meets a scalar expectation. */
export function satisfiesNumber(expectation: Expectation, n: number): boolean {
  switch (expectation.kind) {
    case 'exact':
      return expectation.values.length === 1 && expectation.values[0] === n;
    case 'oneOf':
      return expectation.values.includes(n);
    case 'atLeast':
      return n >= expectation.value;
    case 'atMost':
      return n <= expectation.value;
  }
}

/** satisfies says whether the text of a sysctl meets the expectation. */
export function satisfies(expectation: Expectation, text: string): boolean {
  const values = parseReading(text);
  if (values === undefined) return false;
  if (expectation.kind === 'exact') {
    return values.length === expectation.values.length && values.every((v, i) => v === expectation.values[i]);
  }
  const [first] = values;
  return values.length === 1 && first !== undefined && satisfiesNumber(expectation, first);
}

/** candidates lists the integers apply may write, preferred first. */
export function candidates(expectation: Expectation): readonly number[] {
  switch (expectation.kind) {
    case 'exact':
    case 'oneOf':
      return expectation.values;
    case 'atLeast':
    case 'atMost':
      return [expectation.value];
  }
}

/** preferredText is the text apply writes for a key judged alone. */
export function preferredText(expectation: Expectation): string {
  return expectation.kind === 'exact' ? expectation.values.join(' ') : String(candidates(expectation)[0]);
}

/** formatExpectation writes the expectation in profile syntax (`0|2`, `>=1`). */
export function formatExpectation(expectation: Expectation): string {
  switch (expectation.kind) {
    case 'exact':
      return expectation.values.join(' ');
    case 'oneOf':
      return expectation.values.join('|');
    case 'atLeast':
      return `>=${expectation.value}`;
    case 'atMost':
      return `<=${expectation.value}`;
  }
}

/** describeExpectation says the expectation in words (`0 or 2`, `at least 1`). */
export function describeExpectation(expectation: Expectation): string {
  switch (expectation.kind) {
    case 'exact':
      return expectation.values.join(' ');
    case 'oneOf': {
      const values = expectation.values.map(String);
      return values.length === 2 ? values.join(' or ') : `${values.slice(0, -1).join(', ')} or ${values.at(-1) ?? ''}`;
    }
    case 'atLeast':
      return `at least ${expectation.value}`;
    case 'atMost':
      return `at most ${expectation.value}`;
  }
}
