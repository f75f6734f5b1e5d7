/**
 * The command line's machinery, whatever commands it is given: flags,
 * help, and errors caught in one place and mapped to exit codes. main.ts
 * gives it every command; the overlimit bundle (overlimit-entry.ts) only
 * `overlimit`, so that a per-minute timer loads none of the others.
 */
import { existsSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { LbfwError, NftError } from '../errors.js';
import { EXIT_FAILED, EXIT_OK, type ExitCode } from './exit-codes.js';
import type { Io } from './io.js';
import { commanderErrorLine } from './usage-errors.js';
import { packageVersion } from '../package-info.js';

/** CommandFactory builds one command writing to `io`. */
export type CommandFactory = (io: Io, done: (code: ExitCode) => void) => Command;

/** CommandEntry: a command by name, loaded when it is used. */
export interface CommandEntry {
  readonly name: string;
  readonly load: () => Promise<CommandFactory>;
}

/**
 * The command word of argv (process.argv: node, script, then arguments), if
 * it names a command; '' for a bare `--version`, which needs none.
 */
function commandOf(argv: readonly string[], commands: readonly CommandEntry[]): string | undefined {
  const args = argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) return '';
  const word = args.find((a) => !a.startsWith('-'));
  // completion and man describe the whole command tree, so they load every command.
  if (word === 'completion' || word === 'man') return undefined;
  return commands.some((c) => c.name === word) ? word : undefined;
}

/**
 * buildProgram assembles the commander program writing to `io`. With
 * `only`, just that command is loaded (the others stay unimported); without,
 * all of them (help, an unknown command).
 */
export async function buildProgram(io: Io, done: (code: ExitCode) => void, only: string | undefined, commands: readonly CommandEntry[]): Promise<Command> {
  const program = new Command('lbfw')
    .description('firewall and kernel settings for IPVS/keepalived Direct Routing load balancers')
    .version(packageVersion())
    .exitOverride();
  const wanted = commands.filter((c) => only === undefined || c.name === only);
  for (const factory of await Promise.all(wanted.map((c) => c.load()))) program.addCommand(factory(io, done));
  program.hook('preAction', (_program, action) => warnMissedConfirm(io, action));
  configureTree(program, io);
  return program;
}

/**
 * configureTree makes every command of the tree write to `io`, throw instead
 * of exiting, and report commander's own errors (unknown option, missing
 * argument, bad choice) as the one `lbfw:` line every other failure uses.
 */
function configureTree(command: Command, io: Io): void {
  command.exitOverride().configureOutput({
    writeOut: io.out,
    writeErr: io.err,
    outputError: (text, write) => write(commanderErrorLine(text, command)),
  });
  for (const sub of command.commands) configureTree(sub, io);
}

/** Commands that report a broken confirm timer themselves, or never touch the host. */
const REPORTS_CONFIRM = new Set(['confirm', 'verify', 'doctor', 'completion', 'man']);

/**
 * warnMissedConfirm tells the operator, before any command runs, when an
 * `apply --confirm` lost its safety net (dead timer, missed deadline).
 * Loaded on use, so that start-up stays cheap.
 */
async function warnMissedConfirm(io: Io, action: Command): Promise<void> {
  if (REPORTS_CONFIRM.has(action.name()) || REPORTS_CONFIRM.has(action.parent?.name() ?? '')) return;
  const stateDir = (action.opts() as { stateDir?: string }).stateDir;
  try {
    const { statePaths } = await import('../state/paths.js');
    const paths = statePaths(stateDir, io.env);
    // Nearly always there is no pending confirmation: confirm.js pulls in the
    // firewall backends, so it is loaded only when the file is there.
    if (!existsSync(paths.pending)) return;
    const { confirmState } = await import('../firewall/confirm.js');
    const state = await confirmState(paths);
    if (state?.problem !== undefined) io.err(`lbfw: warning: ${state.problem}\n`);
  } catch {
    // An unreadable state directory is the command's own business to report.
  }
}

/** errorLine turns any error into the one line the operator sees. */
function errorLine(error: unknown, env: Record<string, string | undefined>): string {
  if (error instanceof NftError && env['LBFW_DEBUG'] !== undefined) return `${error.message}\n${error.stderr}`;
  if (error instanceof LbfwError) return error.message;
  // Not a failure lbfw foresaw: still one line, with where to look next.
  return `${error instanceof Error ? error.message : String(error)} (an unexpected failure: LBFW_DEBUG=1 shows where it happened; please report it)`;
}

/**
 * runCli runs lbfw with `argv` (as in process.argv) and the commands
 * `commands`, and returns the exit code; it never calls process.exit, so
 * tests can run it in-process.
 */
export async function runCli(argv: readonly string[], io: Io, commands: readonly CommandEntry[]): Promise<ExitCode> {
  let code: ExitCode = EXIT_OK;
  try {
    const program = await buildProgram(io, (c) => {
      code = c;
    }, commandOf(argv, commands), commands);
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
