/**
 * `lbfw doctor`: read the host (or a facts file), run the checks, and say
 * what is wrong, what it breaks and the command that fixes it.
 */
import { Command } from 'commander';
import { readFactsFile } from '../../doctor/facts-file.js';
import { CHECKS } from '../../doctor/registry.js';
import { renderList, renderReport, useColour } from '../../doctor/report.js';
import { runChecks, selectChecks } from '../../doctor/run.js';
import { UsageError } from '../../errors.js';
import { EXIT_OK, EXIT_PROBLEMS, type ExitCode } from '../exit-codes.js';
import { printJson, type Io } from '../io.js';
import { addFactsOptions, gatherFacts, type FactsFlags } from './facts.js';

interface DoctorFlags extends FactsFlags {
  readonly list?: boolean;
  readonly facts?: string;
}

/** doctorCommand builds `lbfw doctor`. */
export function doctorCommand(io: Io, done: (code: ExitCode) => void): Command {
  const command = new Command('doctor')
    .description('explain why Direct Routing cannot work on this host and how to fix it (exit 2 when an error is found)')
    .argument('[ids...]', 'run only these checks (see --list)')
    .option('--list', 'list every check with one line each')
    .option('--facts <file>', 'judge a facts file written by `lbfw facts` instead of this host')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  lbfw doctor --config /etc/lbfw/lbfw.yaml\n  lbfw doctor --role realserver --vip 192.0.2.10:80 rs-arp-ignore rs-arp-announce\n  lbfw facts > facts.json; lbfw doctor --facts facts.json --json',
    );
  addFactsOptions(command).action(async (ids: string[], flags: DoctorFlags) => {
    if (flags.list === true) {
      if (flags.json === true) printJson(io, CHECKS.map(({ id, title, roles }) => ({ id, title, roles })));
      else io.out(renderList(CHECKS));
      return done(EXIT_OK);
    }
    const selected = selectChecks(ids);
    if (flags.facts !== undefined && flags.probe === true) {
      throw new UsageError('--probe sends ARP requests from this host; it cannot be combined with --facts (run lbfw facts --probe on the director instead)');
    }
    const facts = flags.facts === undefined ? await gatherFacts(flags, io) : await readFactsFile(flags.facts);
    const report = runChecks(facts, ids);
    const otherRole = ids.length === 0 ? [] : selected.filter((c) => !c.roles.includes(facts.role)).map((c) => c.id);
    if (otherRole.length > 0) io.err(`note: not run on a ${facts.role}: ${otherRole.join(', ')} (checks of the other role)\n`);
    if (flags.json === true) printJson(io, report);
    else io.out(renderReport(report, { colour: useColour(io.isTty, io.env), hostname: facts.host.hostname }));
    return done(report.ok ? EXIT_OK : EXIT_PROBLEMS);
  });
  return command;
}
