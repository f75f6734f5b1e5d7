/**
 * `lbfw demo`: placeholder until the lab lands (same commit series).
 */
import { Command } from 'commander';
import { runDemo } from '../../lab/demo.js';
import { EXIT_FAILED, EXIT_OK, type ExitCode } from '../exit-codes.js';
import type { Io } from '../io.js';

/** demoCommand builds `lbfw demo`. */
export function demoCommand(io: Io, done: (code: ExitCode) => void): Command {
  return new Command('demo')
    .description('apply an example director firewall in throwaway network namespaces and show real packets dropped and accepted')
    .addHelpText('after', '\nExample:\n  sudo lbfw demo    # creates namespaces lbfw-demo-*, removes them at the end')
    .action(async () => {
      const ok = await runDemo({ log: (line) => io.out(`${line}\n`) });
      done(ok ? EXIT_OK : EXIT_FAILED);
    });
}
