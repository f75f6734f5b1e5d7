/**
 * Helpers over `yaml` document nodes shared by the YAML readers (lbfw.yaml
 * and the sysctl profiles): what a node is, for "expected X; got Y" messages.
 */
import { isMap, isScalar, isSeq } from 'yaml';

/** isEmpty says whether a node holds nothing (`key:` with no value). */
export function isEmpty(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

/** describe says what a node is, e.g. `a list`, `"eighty"`, `80 (a number)`. */
export function describe(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isEmpty(node)) return 'nothing';
  if (isScalar(node)) {
    if (typeof node.value === 'string') return `"${node.value}"`;
    return `${node.source ?? String(node.value)} (a ${typeof node.value})`;
  }
  return 'an unsupported YAML node';
}

/** countLines counts the lines of a text, a final line break not starting another. */
export function countLines(text: string): number {
  const lines = text.split('\n').length;
  return text.endsWith('\n') ? lines - 1 : lines;
}
