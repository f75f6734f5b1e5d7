/**
 * `lbfw lab`: placeholder, filled in by the doctor/lab work of issue 4.
 */
import { Command } from 'commander';
import { EXIT_FAILED, type ExitCode } from '../exit-codes.js';
import type { Io } from '../io.js';

/** labCommand builds `lbfw lab`. */
export function labCommand(io: Io, done: (code: ExitCode) => void): Command {
  return new Command('lab').description('(not yet available)').action(() => {
    io.err('lbfw: lab is not available yet\n');
    done(EXIT_FAILED);
  });
}
