/**
 * Reporting many bad lines: a real list can have 100k of them, and one line
 * each buries the point. Lines are grouped by kind (the message without the
 * quoted entry), counted, and only the first few of each kind are shown.
 */
import type { InputProblem } from '../errors.js';

/** Up to this many problems are listed one by one. */
export const PROBLEMS_LISTED = 20;
/** Lines shown per kind once problems are grouped. */
export const PER_KIND = 3;

function kindOf(message: string): string {
  return message.replace(/^"[^"]*":\s*/, '');
}

/**
 * problemReport renders problems as `file:line: message` lines: all of them
 * when there are few, else per kind a count and the first {@link PER_KIND}.
 */
export function problemReport(problems: readonly InputProblem[], prefix = ''): string[] {
  const line = (p: InputProblem): string => `${prefix}${p.file}:${p.line}: ${p.message}`;
  if (problems.length <= PROBLEMS_LISTED) return problems.map(line);
  const kinds = new Map<string, InputProblem[]>();
  for (const p of problems) {
    const kind = kindOf(p.message);
    const list = kinds.get(kind);
    if (list === undefined) kinds.set(kind, [p]);
    else if (list.length < PER_KIND) list.push(p);
  }
  const counts = new Map<string, number>();
  for (const p of problems) counts.set(kindOf(p.message), (counts.get(kindOf(p.message)) ?? 0) + 1);
  const lines = [`${prefix}${problems.length} bad lines, ${kinds.size} kinds:`];
  for (const [kind, shown] of kinds) {
    lines.push(`${prefix}  ${counts.get(kind) ?? 0} lines: ${kind}`, ...shown.map((p) => `${prefix}    ${p.file}:${p.line}: ${p.message}`));
  }
  return lines;
}
