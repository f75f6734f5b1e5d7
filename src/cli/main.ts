/**
 * The lbfw command line: parses flags, calls the library, renders. Errors are
 * caught here, in one place, and mapped to exit codes (program.ts).
 */
import type { Command } from 'commander';
import type { ExitCode } from './exit-codes.js';
import { processIo, type Io } from './io.js';
import { buildProgram as buildWith, runCli, type CommandEntry } from './program.js';

/**
 * Every command, by name, loaded when it is used: a command module pulls in
 * what it needs (the doctor and systeminformation, the lab), and the boot-time
 * `lbfw apply` should not pay for the others. Order is the help's order.
 */
const COMMANDS: readonly CommandEntry[] = [
  { name: 'plan', load: async () => (await import('./commands/plan.js')).planCommand },
  { name: 'apply', load: async () => (await import('./commands/apply.js')).applyCommand },
  { name: 'verify', load: async () => (await import('./commands/verify.js')).verifyCommand },
  { name: 'rollback', load: async () => (await import('./commands/rollback.js')).rollbackCommand },
  { name: 'confirm', load: async () => (await import('./commands/rollback.js')).confirmCommand },
  { name: 'blacklist', load: async () => (await import('./commands/blacklist.js')).blacklistCommand },
  { name: 'doctor', load: async () => (await import('./commands/doctor.js')).doctorCommand },
  { name: 'facts', load: async () => (await import('./commands/facts.js')).factsCommand },
  { name: 'lab', load: async () => (await import('./commands/lab.js')).labCommand },
  { name: 'demo', load: async () => (await import('./commands/demo.js')).demoCommand },
  { name: 'overlimit', load: async () => (await import('./commands/overlimit.js')).overlimitCommand },
  { name: 'ban', load: async () => (await import('./commands/ban.js')).banCommand },
  { name: 'install-units', load: async () => (await import('./commands/install-units.js')).installUnitsCommand },
  { name: 'uninstall', load: async () => (await import('./commands/uninstall.js')).uninstallCommand },
  { name: 'metrics', load: async () => (await import('./commands/metrics.js')).metricsCommand },
  { name: 'completion', load: async () => (await import('./commands/completion.js')).completionCommand },
  { name: 'man', load: async () => (await import('./commands/completion.js')).manCommand },
];

/**
 * buildProgram assembles the commander program writing to `io`. With
 * `only`, just that command is loaded (the others stay unimported); without,
 * all of them (help, an unknown command).
 */
export async function buildProgram(io: Io, done: (code: ExitCode) => void, only?: string): Promise<Command> {
  return buildWith(io, done, only, COMMANDS);
}

/**
 * main runs lbfw with `argv` (as in process.argv) and returns the exit code;
 * it never calls process.exit, so tests can run it in-process.
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<ExitCode> {
  return runCli(argv, io, COMMANDS);
}
