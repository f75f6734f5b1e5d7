/**
 * A fleet summary from many hosts' `lbfw doctor --json` reports: which hosts
 * have which findings. Pure: the CLI reads the files and prints the summary.
 */
import type { DoctorReport, Severity } from './types.js';

/** HostReport: one host's report, named by its host. */
export interface HostReport {
  readonly host: string;
  readonly report: Pick<DoctorReport, 'ok' | 'findings'>;
}

/** FleetFinding: one finding id, its worst severity, and the hosts that have it. */
export interface FleetFinding {
  readonly id: string;
  readonly severity: Severity;
  readonly hosts: readonly string[];
}

/** FleetSummary: every finding across the fleet, worst first, and the clean hosts. */
export interface FleetSummary {
  readonly hosts: readonly string[];
  readonly findings: readonly FleetFinding[];
  /** Hosts without any error finding. */
  readonly ok: readonly string[];
  /** Hosts with no finding at all. */
  readonly clean: readonly string[];
}

const RANK: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

/** summariseFleet groups the findings of every host by id. */
export function summariseFleet(reports: readonly HostReport[]): FleetSummary {
  const byId = new Map<string, { severity: Severity; hosts: Set<string> }>();
  for (const { host, report } of reports) {
    for (const finding of report.findings) {
      const entry = byId.get(finding.id) ?? { severity: finding.severity, hosts: new Set<string>() };
      if (RANK[finding.severity] < RANK[entry.severity]) entry.severity = finding.severity;
      entry.hosts.add(host);
      byId.set(finding.id, entry);
    }
  }
  const findings = [...byId.entries()]
    .map(([id, e]) => ({ id, severity: e.severity, hosts: [...e.hosts].sort() }))
    .sort((a, b) => RANK[a.severity] - RANK[b.severity] || b.hosts.length - a.hosts.length || a.id.localeCompare(b.id));
  return {
    hosts: reports.map((r) => r.host),
    findings,
    ok: reports.filter((r) => !r.report.findings.some((f) => f.severity === 'error')).map((r) => r.host),
    clean: reports.filter((r) => r.report.findings.length === 0).map((r) => r.host),
  };
}

/** renderFleet prints the summary, one finding a line. */
export function renderFleet(summary: FleetSummary): string {
  const width = Math.max(0, ...summary.findings.map((f) => f.id.length));
  const lines = [
    `fleet: ${summary.hosts.length} hosts, ${summary.hosts.length - summary.ok.length} with errors, ${summary.clean.length} without findings${summary.clean.length === 0 ? '' : ` (${summary.clean.join(', ')})`}`,
    ...summary.findings.map((f) => `${f.severity.padEnd(7)} ${f.id.padEnd(width)}  ${f.hosts.length}: ${f.hosts.join(', ')}`),
  ];
  return `${lines.join('\n')}\n`;
}
