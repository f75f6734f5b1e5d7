/**
 * `lbfw doctor`: read the host (or a facts file), run the checks, and say
 * what is wrong, what it breaks and the command that fixes it.
 */
import { Command } from 'commander';
import { readFactsFile } from '../../doctor/facts-file.js';
import { CHECKS } from '../../doctor/registry.js';
import { renderList, renderReport, useColour } from '../../doctor/report.js';
import { runChecks, selectChecks } from '../../doctor/run.js';
import { ConfigError, UsageError } from '../../errors.js';
import path from 'node:path';
import { renderFleet, summariseFleet, type HostReport } from '../../doctor/fleet.js';
import type { Finding } from '../../doctor/types.js';
import { readInputFile } from '../../system/input-file.js';
import { EXIT_OK, EXIT_PROBLEMS, type ExitCode } from '../exit-codes.js';
import { printJson, type Io } from '../io.js';
import { addFactsOptions, gatherFacts, type FactsFlags } from './facts.js';

interface DoctorFlags extends FactsFlags {
  readonly list?: boolean;
  readonly facts?: string;
  readonly merge?: string[];
}

/**
 * readHostReports reads `lbfw doctor --json` reports; each host is named by
 * the report's `hostname` when it has one, else by its file name (`lb1.json`).
 */
async function readHostReports(files: readonly string[]): Promise<HostReport[]> {
  const reports: HostReport[] = [];
  for (const file of files) {
    const text = await readInputFile(file, { maxBytes: 16 * 1024 * 1024, what: 'doctor report' });
    let data: { hostname?: unknown; findings?: unknown; ok?: unknown };
    try {
      data = JSON.parse(text) as typeof data;
    } catch (error) {
      throw new ConfigError([{ file, line: 0, message: 'not a doctor report (not JSON): write it with lbfw doctor --json' }]);
    }
    const findings = Array.isArray(data.findings) ? (data.findings as Finding[]).filter((f) => typeof f?.id === 'string' && ['error', 'warning', 'info'].includes(f.severity)) : undefined;
    if (findings === undefined) throw new ConfigError([{ file, line: 0, message: 'not a doctor report (no findings list): write it with lbfw doctor --json' }]);
    const host = typeof data.hostname === 'string' && data.hostname !== '' ? data.hostname : path.basename(file).replace(/\.json$/, '');
    reports.push({ host, report: { ok: !findings.some((f) => f.severity === 'error'), findings } });
  }
  return reports;
}

/** doctorCommand builds `lbfw doctor`. */
export function doctorCommand(io: Io, done: (code: ExitCode) => void): Command {
  const command = new Command('doctor')
    .description('explain why Direct Routing cannot work on this host and how to fix it (exit 2 when an error is found)')
    .argument('[ids...]', 'run only these checks (see --list)')
    .option('--list', 'list every check with one line each')
    .option('--facts <file>', 'judge a facts file written by `lbfw facts` instead of this host')
    .option('--merge <files...>', 'summarise many hosts\' `lbfw doctor --json` reports: which hosts have which findings')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  lbfw doctor --config /etc/lbfw/lbfw.yaml\n  lbfw doctor --role realserver --vip 192.0.2.10:80 rs-arp-ignore rs-arp-announce\n  lbfw facts > facts.json; lbfw doctor --facts facts.json --json\n  lbfw doctor --merge reports/*.json     # one file per host, named HOST.json',
    );
  addFactsOptions(command).action(async (ids: string[], flags: DoctorFlags) => {
    if (flags.list === true) {
      if (flags.json === true) printJson(io, CHECKS.map(({ id, title, roles }) => ({ id, title, roles })));
      else io.out(renderList(CHECKS));
      return done(EXIT_OK);
    }
    if (flags.merge !== undefined) {
      const summary = summariseFleet(await readHostReports(flags.merge));
      if (flags.json === true) printJson(io, summary);
      else io.out(renderFleet(summary));
      return done(summary.ok.length === summary.hosts.length ? EXIT_OK : EXIT_PROBLEMS);
    }
    const selected = selectChecks(ids);
    if (flags.facts !== undefined && flags.probe === true) {
      throw new UsageError('--probe sends ARP requests from this host; it cannot be combined with --facts (run lbfw facts --probe on the director instead)');
    }
    const facts = flags.facts === undefined ? await gatherFacts(flags, io) : await readFactsFile(flags.facts);
    const report = runChecks(facts, ids);
    const otherRole = ids.length === 0 ? [] : selected.filter((c) => !c.roles.includes(facts.role)).map((c) => c.id);
    if (otherRole.length > 0) io.err(`note: not run on a ${facts.role}: ${otherRole.join(', ')} (checks of the other role)\n`);
    if (flags.json === true) printJson(io, facts.backend === undefined ? report : { ...report, backend: facts.backend });
    else io.out(renderReport(report, { colour: useColour(io.isTty, io.env), hostname: facts.host.hostname, ...(facts.backend === undefined ? {} : { backend: facts.backend }) }));
    return done(report.ok ? EXIT_OK : EXIT_PROBLEMS);
  });
  return command;
}
