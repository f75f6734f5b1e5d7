/**
 * The entry of the apply bundle (scripts/bundle.mjs): the CLI with the
 * `apply` and `verify` commands only. bin/lbfw loads it for those two, which
 * the boot units (lbfw-firewall.service, lbfw.service) and monitoring run:
 * a start-up then reads and deserializes only what they use, not the doctor,
 * the lab or the other commands. The commands are the same modules as in the
 * full CLI (main.ts).
 */
import { processIo, type Io } from './io.js';
import type { ExitCode } from './exit-codes.js';
import { runCli, type CommandEntry } from './program.js';

/** The commands of this bundle, as main.ts names them. */
export const APPLY_BUNDLE_COMMANDS: readonly CommandEntry[] = [
  { name: 'apply', load: async () => (await import('./commands/apply.js')).applyCommand },
  { name: 'verify', load: async () => (await import('./commands/verify.js')).verifyCommand },
];

/** main runs `lbfw apply ...` or `lbfw verify ...` (argv as in process.argv) and returns the exit code. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<ExitCode> {
  return runCli(argv, io, APPLY_BUNDLE_COMMANDS);
}

/** warmUp: see ./warm-up.ts. */
export async function warmUp(): Promise<void> {
  await (await import('./warm-up.js')).warmUpApply(main);
}
