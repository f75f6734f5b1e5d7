/**
 * Running `lbfw doctor` inside a lab node through the real CLI, and reading
 * its JSON report. The lab only relies on the report's public shape.
 */
import type { Lab, LbfwNodeName } from './topology.js';

/** DoctorFinding: one finding of `lbfw doctor --json`. */
export interface DoctorFinding {
  readonly id: string;
  readonly severity: string;
  readonly subject?: string;
  readonly what: string;
  readonly breaks: string;
  readonly fix?: string;
  readonly fixSteps?: DoctorFixSteps;
}

/** DoctorFixSteps: a finding's fix as steps (`fixSteps` of `lbfw doctor --json`). */
export interface DoctorFixSteps {
  readonly edit?: string;
  /** Complete shell command lines to run in the node, in order. */
  readonly run: readonly string[];
  readonly note?: string;
}

/** DoctorReport: what `lbfw doctor --json` prints. */
export interface DoctorReport {
  readonly ok: boolean;
  readonly role: string;
  readonly findings: readonly DoctorFinding[];
  readonly checksRun: unknown;
}

/** DoctorRun: one run of the doctor in a node: the report, or why there is none. */
export interface DoctorRun {
  readonly node: LbfwNodeName;
  readonly code: number | null;
  readonly report?: DoctorReport;
  /** Why no report could be read (the doctor failed, printed no JSON, ...). */
  readonly problem?: string;
  /** Everything the doctor printed. */
  readonly output: string;
}

function isFinding(value: unknown): value is DoctorFinding {
  const f = value as Record<string, unknown> | null;
  return typeof f === 'object' && f !== null && typeof f['id'] === 'string' && typeof f['severity'] === 'string';
}

/** parseDoctorReport reads the JSON report; undefined when `text` is not one. */
export function parseDoctorReport(text: string): DoctorReport | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = value as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null || !Array.isArray(r['findings']) || !r['findings'].every(isFinding)) return undefined;
  return value as DoctorReport;
}

/** errorFindings: the findings that say DR cannot work (severity `error`). */
export function errorFindings(report: DoctorReport): DoctorFinding[] {
  return report.findings.filter((f) => f.severity === 'error');
}

/** findingIds lists the ids of a report's findings, optionally only of one severity. */
export function findingIds(report: DoctorReport, severity?: string): string[] {
  return report.findings.filter((f) => severity === undefined || f.severity === severity).map((f) => f.id);
}

/** runDoctor runs `lbfw doctor --json [ARGS]` in a node and reads the report. */
export async function runDoctor(lab: Lab, node: LbfwNodeName, args: readonly string[] = []): Promise<DoctorRun> {
  const result = await lab.lbfw(node, ['doctor', '--json', ...args]);
  const output = `${result.stdout}${result.stderr}`;
  const report = parseDoctorReport(result.stdout);
  if (report !== undefined) return { node, code: result.code, report, output };
  const said = result.stderr.trim().split('\n')[0] ?? '';
  return { node, code: result.code, problem: `lbfw doctor exited ${result.code} without a JSON report${said === '' ? '' : `: ${said}`}`, output };
}

/** doctorText runs `lbfw doctor` (the human form) in a node and returns what it printed. */
export async function doctorText(lab: Lab, node: LbfwNodeName): Promise<{ readonly code: number | null; readonly text: string }> {
  const result = await lab.lbfw(node, ['doctor']);
  return { code: result.code, text: `${result.stdout}${result.stderr}`.trimEnd() };
}
