/**
 * Human rendering of a doctor report: grouped by severity (errors first),
 * each finding as what is wrong -> what it breaks -> the command that fixes
 * it. Colour only when asked (a terminal without NO_COLOR); the JSON form is
 * the report itself.
 */
import type { Check, DoctorReport, Finding, FixSteps, Severity } from './types.js';
import { SEVERITIES } from './types.js';

/** Style: how text is decorated; identity when colour is off. */
interface Style {
  readonly severity: (severity: Severity, text: string) => string;
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly ok: (text: string) => string;
}

const ANSI = (code: string) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;

const COLOURS: Readonly<Record<Severity, (text: string) => string>> = {
  error: ANSI('1;31'),
  warning: ANSI('33'),
  info: ANSI('36'),
};

function style(colour: boolean): Style {
  if (!colour) return { severity: (_s, t) => t, bold: (t) => t, dim: (t) => t, ok: (t) => t };
  return { severity: (s, t) => COLOURS[s](t), bold: ANSI('1'), dim: ANSI('2'), ok: ANSI('32') };
}

/**
 * useColour says whether output may be coloured: only on a terminal, and
 * never when NO_COLOR is set to anything (https://no-color.org).
 */
export function useColour(isTty: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  const noColour = env['NO_COLOR'];
  return isTty && (noColour === undefined || noColour === '');
}

const HEADINGS: Readonly<Record<Severity, string>> = { error: 'Errors', warning: 'Warnings', info: 'Info' };
const MARKS: Readonly<Record<Severity, string>> = { error: 'x', warning: '!', info: 'i' };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function findingLines(finding: Finding, s: Style): string[] {
  const head = `  ${s.severity(finding.severity, `${MARKS[finding.severity]} ${finding.id}`)}${finding.subject === undefined ? '' : `  ${s.bold(finding.subject)}`}`;
  const lines = [head, `      ${finding.what}`, `      ${s.dim('breaks:')} ${finding.breaks}`];
  const steps = finding.fixSteps;
  if (steps !== undefined) lines.push(...stepLines(steps, s));
  else if (finding.fix !== undefined) lines.push(`      ${s.dim('fix:')}    ${finding.fix}`);
  return lines;
}

/**
 * stepLines shows a fix as steps: the edit, then each command on a line of
 * its own (so it can be copied whole), then the note.
 */
function stepLines(steps: FixSteps, s: Style): string[] {
  const indent = ' '.repeat(14);
  const body: string[] = [];
  if (steps.edit !== undefined) body.push(steps.run.length === 0 ? steps.edit : `${steps.edit}, then run:`);
  body.push(...steps.run);
  const lines = body.map((line, i) => (i === 0 ? `      ${s.dim('fix:')}    ${line}` : `${indent}${line}`));
  if (steps.note !== undefined) lines.push(`      ${s.dim('note:')}   ${steps.note}`);
  return lines;
}

/** RenderOptions: colour, the host name for the heading, and the nftables backend in use (from the facts). */
export interface RenderOptions {
  readonly colour: boolean;
  readonly hostname?: string;
  readonly backend?: { readonly name: string; readonly reason: string; readonly version?: string };
}

/** renderReport renders the report for people. */
export function renderReport(report: DoctorReport, options: RenderOptions): string {
  const s = style(options.colour);
  const count = (severity: Severity): number => report.findings.filter((f) => f.severity === severity).length;
  const host = options.hostname === undefined ? '' : ` ${options.hostname}`;
  const lines = [
    `lbfw doctor: ${report.role}${host}, ${plural(report.checksRun.length, 'check')}: ${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}, ${count('info')} info`,
  ];
  const backend = options.backend;
  if (backend !== undefined) lines.push(s.dim(`nftables backend: ${backend.name} (${backend.reason})${backend.version === undefined ? '' : `, ${backend.version}`}`));
  for (const severity of SEVERITIES) {
    const findings = report.findings.filter((f) => f.severity === severity);
    if (findings.length === 0) continue;
    lines.push('', s.severity(severity, `${HEADINGS[severity]} (${findings.length})`));
    for (const finding of findings) lines.push(...findingLines(finding, s));
  }
  lines.push(
    '',
    report.ok
      ? s.ok(count('warning') === 0 ? 'doctor: no problems found' : 'doctor: no errors (see the warnings above)')
      : s.severity('error', `doctor: ${plural(count('error'), 'error')}: Direct Routing is broken here until they are fixed`),
  );
  return `${lines.join('\n')}\n`;
}

/** renderList lists every check on one line: id, roles, title. */
export function renderList(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.id.length));
  const roleWidth = 'director,realserver'.length;
  return `${checks.map((c) => `${c.id.padEnd(width)}  ${c.roles.join(',').padEnd(roleWidth)}  ${c.title}`).join('\n')}\n`;
}
