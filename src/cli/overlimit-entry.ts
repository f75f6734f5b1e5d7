/**
 * The entry of the overlimit bundle (scripts/bundle.mjs): the CLI with the
 * `overlimit` command only. bin/lbfw loads it for `lbfw overlimit ...`, which
 * a timer runs every minute: it then reads, compiles and deserializes a
 * third of the full bundle (and of its code cache). The command is the same
 * module as in the full CLI (main.ts).
 */
import { processIo, type Io } from './io.js';
import type { ExitCode } from './exit-codes.js';
import { runCli, type CommandEntry } from './program.js';

const COMMANDS: readonly CommandEntry[] = [{ name: 'overlimit', load: async () => (await import('./commands/overlimit.js')).overlimitCommand }];

/** main runs `lbfw overlimit ...` (argv as in process.argv) and returns the exit code. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<ExitCode> {
  return runCli(argv, io, COMMANDS);
}

/** warmUp: see ./warm-up-overlimit.ts. */
export async function warmUp(): Promise<void> {
  await (await import('./warm-up-overlimit.js')).warmUpOverlimit(main);
}
