/**
 * `lbfw facts`: placeholder, filled in by the doctor/lab work of issue 4.
 */
import { Command } from 'commander';
import { EXIT_FAILED, type ExitCode } from '../exit-codes.js';
import type { Io } from '../io.js';

/** factsCommand builds `lbfw facts`. */
export function factsCommand(io: Io, done: (code: ExitCode) => void): Command {
  return new Command('facts').description('(not yet available)').action(() => {
    io.err('lbfw: facts is not available yet\n');
    done(EXIT_FAILED);
  });
}
