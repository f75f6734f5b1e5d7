/**
 * `lbfw overlimit`: count connections per client in the IPVS table and ban
 * the clients over the limits (see src/overlimit/run.ts).
 */
import { Command } from 'commander';
import { fillAlarmText } from '../../ban/fill.js';
import { runOverlimit, type OverlimitResult } from '../../overlimit/run.js';
import { EXIT_OK, EXIT_PROBLEMS, type ExitCode } from '../exit-codes.js';
import { addHostOptions, hostConfigFrom, type HostFlags } from '../host-options.js';
import { printJson, type Io } from '../io.js';

interface OverlimitFlags extends HostFlags {
  readonly connFile?: string;
  readonly dryRun?: boolean;
  readonly metricsFile?: string;
}

/** duration formats seconds as nft does (1h30m, 10m, 45s). */
export function duration(seconds: number): string {
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}s`);
  return parts.join('');
}

function report(result: OverlimitResult): string[] {
  const c = result.counts;
  const states = Object.entries(c.byState).map(([state, n]) => `${state} ${n}`).join(', ');
  const origins = Object.entries(c.byOrigin).map(([origin, n]) => `${origin} ${n}`).join(', ');
  const lines = [
    `scanned ${result.stats.rows} rows of ${result.source} in ${result.scanSeconds.toFixed(2)} s: ${c.connections} connections (${states || 'none'}), ` +
      `${c.templates} templates, ${c.clients} clients${origins === '' ? '' : `; origin ${origins}`}`,
    ...result.warnings.map((w) => `warning: ${w}`),
  ];
  const actions = new Map(result.plan.actions.map((a) => [a.client, a]));
  const exempted = new Map(result.plan.exempted.map((e) => [e.client, e]));
  if (result.offenders.length === 0) lines.push('no client is over a limit');
  for (const o of result.offenders) {
    const worst = o.offences[0];
    const head = `  ${o.client}: ${worst?.connections} > ${worst?.limit} (${worst?.scope})${o.services[0] === undefined ? '' : `, top ${o.services[0].service} ${o.services[0].connections}`}`;
    const action = actions.get(o.client);
    const exempt = exempted.get(o.client);
    const verb = result.dryRun ? 'would ban' : action?.reassert === true ? 're-asserted ban' : 'banned';
    if (action !== undefined) lines.push(`${head} -> ${verb} ${duration(action.timeoutSeconds)} (offence ${action.offence}${action.reassert ? ', still over the limit' : ''})`);
    else if (exempt !== undefined) lines.push(`${head} -> exempt: ${exempt.role} ${exempt.exemptBy}`);
  }
  for (const alarm of result.alarms) lines.push(`ALARM: ${fillAlarmText(alarm)}`);
  if (result.dryRun) lines.push('dry run: nothing was changed');
  else lines.push(`${result.plan.actions.length} bans put into inet lbfw_ban; ${result.activeBans} bans active`);
  if (result.metricsFile !== undefined) lines.push(`metrics written to ${result.metricsFile}`);
  return lines;
}

/** overlimitCommand builds `lbfw overlimit`. */
export function overlimitCommand(io: Io, done: (code: ExitCode) => void): Command {
  const command = new Command('overlimit')
    .description('ban clients with too many connections in the IPVS table (one streamed pass; exit 2 when a ban set is 80% full)')
    .option('--conn-file <file>', 'read a saved ip_vs_conn table (or - for standard input) instead of /proc/net/ip_vs_conn_sync')
    .option('--dry-run', 'count and show what would be banned; change nothing')
    .option('--metrics-file <file>', 'write Prometheus textfile metrics here (default: overlimit.metrics_file)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  lbfw overlimit --dry-run\n  cat saved_ip_vs_conn | lbfw overlimit --conn-file - --dry-run --json');
  addHostOptions(command).action(async (flags: OverlimitFlags) => {
    const config = await hostConfigFrom(flags, io);
    const result = await runOverlimit(config, {
      env: io.env,
      dryRun: flags.dryRun === true,
      ...(flags.connFile === undefined ? {} : { connFile: flags.connFile }),
      ...(flags.metricsFile === undefined ? {} : { metricsFile: flags.metricsFile }),
      ...(flags.stateDir === undefined ? {} : { stateDir: flags.stateDir }),
    });
    if (flags.json === true) printJson(io, result);
    else io.out(`${report(result).join('\n')}\n`);
    done(result.alarms.length > 0 ? EXIT_PROBLEMS : EXIT_OK);
  });
  return command;
}
