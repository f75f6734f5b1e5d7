/**
 * `lbfw metrics`: a Prometheus textfile for node_exporter's textfile
 * collector, written atomically.
 */
import { Command } from 'commander';
import { runChecks } from '../../doctor/run.js';
import { readTableStats, TABLE_STATS_SOURCE } from '../../nft/table-stats.js';
import { metricFamilies, type MetricsInput } from '../../metrics/families.js';
import { renderMetrics, writeMetricsFile } from '../../metrics/textfile.js';
import { verifyHost } from '../../host/plan.js';
import { readCurrent } from '../../state/current.js';
import { readLastApply } from '../../state/last-apply.js';
import { statePaths } from '../../state/paths.js';
import { EXIT_OK, type ExitCode } from '../exit-codes.js';
import { hostConfigFrom, hostOptionsFrom, type HostFlags, type PartFlags } from '../host-options.js';
import type { Io } from '../io.js';
import { addFactsOptions, gatherFacts, type FactsFlags } from './facts.js';

/** The ban table of `lbfw overlimit`, reported when it is loaded. */
const BAN_TABLE = 'lbfw_ban';

interface MetricsFlags extends FactsFlags, HostFlags, PartFlags {
  readonly output?: string;
  readonly verify: boolean;
  readonly doctor: boolean;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function collect(flags: MetricsFlags, io: Io): Promise<MetricsInput> {
  const errors: Record<string, string> = {};
  const state = statePaths(flags.stateDir, io.env);
  let tables: MetricsInput['tables'] = [];
  try {
    const record = await readCurrent(state);
    tables = [await readTableStats('lbfw', record?.ruleset), await readTableStats(BAN_TABLE)];
  } catch (error) {
    errors[TABLE_STATS_SOURCE] = message(error);
  }
  let verify: Record<string, boolean> | undefined;
  if (flags.verify) {
    try {
      const result = await verifyHost(await hostConfigFrom(flags, io), hostOptionsFrom(flags, io));
      verify = {};
      if (result.sysctl !== undefined) verify['sysctl'] = result.sysctl.ok;
      if (result.vips !== undefined) verify['vips'] = result.vips.ok;
      if (result.firewall !== undefined) verify['firewall'] = result.firewall.ok;
    } catch (error) {
      errors['verify'] = message(error);
    }
  }
  let findings: MetricsInput['findings'];
  if (flags.doctor) {
    try {
      const report = runChecks(await gatherFacts(flags, io));
      findings = { error: 0, warning: 0, info: 0 };
      for (const finding of report.findings) findings = { ...findings, [finding.severity]: findings[finding.severity] + 1 };
    } catch (error) {
      errors['doctor'] = message(error);
    }
  }
  const last = await readLastApply(state.dir);
  return {
    tables,
    errors,
    ...(verify === undefined ? {} : { verify }),
    ...(findings === undefined ? {} : { findings }),
    ...(last === undefined ? {} : { lastApply: new Date(last.at) }),
  };
}

/** metricsCommand builds `lbfw metrics`. */
export function metricsCommand(io: Io, done: (code: ExitCode) => void): Command {
  const command = new Command('metrics')
    .description('write Prometheus metrics (set sizes, drop counters, verify status, doctor findings, last apply) for node_exporter\'s textfile collector')
    .option('-o, --output <file>', 'write atomically to FILE (a *.prom file in the collector\'s directory) instead of stdout')
    .option('--no-verify', 'leave out lbfw_verify_ok')
    .option('--no-doctor', 'leave out lbfw_doctor_findings')
    .option('--only <parts>', 'verify only these parts, comma-separated: sysctl,vips,firewall')
    .option('--profile <name>', 'sysctl profile (default: director-dr or realserver-dr by role)')
    .addHelpText(
      'after',
      [
        '',
        'A source that cannot be read is reported on stderr and as lbfw_metrics_source_ok{source} 0;',
        'the file is still written. Exit 0 unless the file cannot be written.',
        '',
        'Example (a systemd timer or cron, every minute):',
        '  lbfw metrics -o /var/lib/prometheus/node-exporter/lbfw.prom',
      ].join('\n'),
    );
  addFactsOptions(command).action(async (flags: MetricsFlags) => {
    const input = await collect(flags, io);
    for (const [source, why] of Object.entries(input.errors)) io.err(`lbfw: metrics: ${source} not read: ${why}\n`);
    const families = metricFamilies(input);
    if (flags.output === undefined) io.out(renderMetrics(families));
    else await writeMetricsFile(flags.output, families);
    return done(EXIT_OK);
  });
  return command;
}
