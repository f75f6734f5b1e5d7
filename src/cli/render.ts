/**
 * Plain-text rendering shared by the commands.
 */
import { problemReport } from '../text/problems.js';
import type { HostConfig, Origin } from '../config/model.js';
import type { InputProblem, ProtectedHit } from '../errors.js';
import type { PreparedFirewall } from '../firewall/prepare.js';
import type { Drift } from '../ruleset/compare.js';
import type { Io } from './io.js';
import { hostCount, rangeCount } from '../blacklist/normalise.js';

/** originText says where a model item came from, e.g. `lbfw.yaml:7` or `--vip`. */
export function originText(origin: Origin): string {
  switch (origin.kind) {
    case 'config':
    case 'keepalived':
      return `${origin.file}:${origin.line}`;
    case 'flag':
      return origin.flag;
    case 'default':
      return 'default';
  }
}

/** describeHost renders the model: what lbfw will protect and accept, and from where. */
export function describeHost(config: HostConfig): string[] {
  const lines = [`role: ${config.role}${config.file === undefined ? ' (command-line flags)' : ` (${config.file})`}`];
  if (config.keepalivedPath !== undefined) lines.push(`  keepalived: ${config.keepalivedPath}`);
  const ifaces = Object.entries(config.interfaces).map(([role, name]) => `${role}=${name}`);
  if (ifaces.length > 0) lines.push(`  interfaces: ${ifaces.join(', ')}`);
  for (const s of config.services) lines.push(`  VIP service ${s.address} ${s.protocol}/${s.port}  [${originText(s.origin)}]`);
  for (const v of config.vipAddresses ?? []) lines.push(`  VIP ${v.address}, every port (name ADDR:PORT to open only services)  [${originText(v.origin)}]`);
  for (const p of config.peers) lines.push(`  peer director ${p.address}  [${originText(p.origin)}]`);
  for (const r of config.realServers) {
    lines.push(`  real server ${r.address}${r.port === undefined ? '' : ` port ${r.port}`}  [${originText(r.origin)}]`);
  }
  const mgmt = config.management.sources.map((c) => `${c.address}/${c.prefix}`).join(', ');
  lines.push(`  management: ssh port ${config.management.sshPort} from ${mgmt === '' ? 'nobody' : mgmt}`);
  for (const a of config.management.allow) {
    const sources = a.sources.map((c) => `${c.address}/${c.prefix}`).join(', ');
    lines.push(`  allow ${a.protocol}/${a.port} from ${sources}${a.comment === undefined ? '' : ` (${a.comment})`}`);
  }
  lines.push(`  input policy: ${config.inputPolicy}`, `  blacklist: ${config.blacklistPath}`);
  return lines;
}

/** problemLines renders file:line: message lines, grouped by kind when there are many. */
export function problemLines(problems: readonly InputProblem[], prefix = ''): string[] {
  return problemReport(problems, prefix);
}

/** forcedLines renders dangerous entries loaded with --force. */
export function forcedLines(hits: readonly ProtectedHit[]): string[] {
  return hits.map((h) => `WARNING: ${h.file}:${h.line}: ${h.entry} blocks ${h.address} (${h.role}) -- loaded because of --force`);
}

/** reportPrepared writes the warnings, skipped lines and forced entries to stderr. */
export function reportPrepared(io: Io, prepared: PreparedFirewall): void {
  const lines = [
    ...problemLines(prepared.warnings, 'warning: '),
    ...problemLines(prepared.skipped, 'skipped: '),
    ...forcedLines(prepared.forced),
    ...(prepared.lockout === undefined ? [] : [`WARNING: ${prepared.lockout} -- loaded because of --force`]),
  ];
  if (lines.length > 0) io.err(`${lines.join('\n')}\n`);
}

/** blacklistSummary renders element counts, e.g. `3 entries -> 2 IPv4 hosts, 1 IPv4 range`. */
export function blacklistSummary(prepared: PreparedFirewall): string {
  const b = prepared.blacklist;
  return (
    `${prepared.blacklistEntries} entries -> ${hostCount(b, 4)} IPv4 hosts, ${rangeCount(b, 4)} IPv4 ranges, ` +
    `${b.hosts6.length} IPv6 hosts, ${b.nets6.length} IPv6 ranges` +
    (prepared.skipped.length === 0 ? '' : `; ${prepared.skipped.length} bad lines skipped (--skip-invalid)`)
  );
}

/** driftLines renders drift for people. */
export function driftLines(drift: readonly Drift[]): string[] {
  return drift.flatMap((d) => [
    `  ${d.subject}: ${d.message}`,
    ...(d.expected === undefined ? [] : [`      expected: ${d.expected}`]),
    ...(d.actual === undefined ? [] : [`      actual:   ${d.actual}`]),
  ]);
}
