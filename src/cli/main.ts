/**
 * The lbfw command line: parses flags, calls the library, renders. Errors are
 * caught here, in one place, and mapped to exit codes.
 */
import { Command, CommanderError } from 'commander';
import { LbfwError, NftError } from '../errors.js';
import { confirmState } from '../firewall/confirm.js';
import { statePaths } from '../state/paths.js';
import { applyCommand } from './commands/apply.js';
import { blacklistCommand } from './commands/blacklist.js';
import { demoCommand } from './commands/demo.js';
import { doctorCommand } from './commands/doctor.js';
import { factsCommand } from './commands/facts.js';
import { labCommand } from './commands/lab.js';
import { planCommand } from './commands/plan.js';
import { confirmCommand, rollbackCommand } from './commands/rollback.js';
import { verifyCommand } from './commands/verify.js';
import { EXIT_FAILED, EXIT_OK, type ExitCode } from './exit-codes.js';
import { processIo, type Io } from './io.js';

/** buildProgram assembles the commander program writing to `io`. */
export function buildProgram(io: Io, done: (code: ExitCode) => void): Command {
  const program = new Command('lbfw')
    .description('firewall and kernel settings for IPVS/keepalived Direct Routing load balancers')
    .version('0.1.0')
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  for (const command of [
    planCommand(io, done),
    applyCommand(io, done),
    verifyCommand(io, done),
    rollbackCommand(io, done),
    confirmCommand(io, done),
    blacklistCommand(io, done),
    doctorCommand(io, done),
    factsCommand(io, done),
    labCommand(io, done),
    demoCommand(io, done),
  ]) {
    program.addCommand(command);
  }
  program.hook('preAction', (_program, action) => warnMissedConfirm(io, action));
  for (const command of program.commands) {
    command.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
    for (const sub of command.commands) sub.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  }
  return program;
}

/** Commands that report a broken confirm timer themselves. */
const REPORTS_CONFIRM = new Set(['confirm', 'verify', 'doctor']);

/**
 * warnMissedConfirm tells the operator, before any command runs, when an
 * `apply --confirm` lost its safety net (dead timer, missed deadline).
 */
async function warnMissedConfirm(io: Io, action: Command): Promise<void> {
  if (REPORTS_CONFIRM.has(action.name()) || REPORTS_CONFIRM.has(action.parent?.name() ?? '')) return;
  const stateDir = (action.opts() as { stateDir?: string }).stateDir;
  try {
    const state = await confirmState(statePaths(stateDir, io.env));
    if (state?.problem !== undefined) io.err(`lbfw: warning: ${state.problem}\n`);
  } catch {
    // An unreadable state directory is the command's own business to report.
  }
}

/** errorLine turns any error into the one line the operator sees. */
function errorLine(error: unknown, env: Record<string, string | undefined>): string {
  if (error instanceof NftError && env['LBFW_DEBUG'] !== undefined) return `${error.message}\n${error.stderr}`;
  if (error instanceof LbfwError) return error.message;
  return `internal error: ${error instanceof Error ? error.message : String(error)} (set LBFW_DEBUG=1 for details)`;
}

/**
 * main runs lbfw with `argv` (as in process.argv) and returns the exit code;
 * it never calls process.exit, so tests can run it in-process.
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<ExitCode> {
  let code: ExitCode = EXIT_OK;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return error.exitCode === 0 ? EXIT_OK : EXIT_FAILED;
    }
    io.err(`lbfw: ${errorLine(error, io.env)}\n`);
    if (io.env['LBFW_DEBUG'] !== undefined && error instanceof Error && !(error instanceof LbfwError)) io.err(`${error.stack}\n`);
    return EXIT_FAILED;
  }
}
