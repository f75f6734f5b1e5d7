/**
 * `lbfw doctor`: placeholder, filled in by the doctor/lab work of issue 4.
 */
import { Command } from 'commander';
import { EXIT_FAILED, type ExitCode } from '../exit-codes.js';
import type { Io } from '../io.js';

/** doctorCommand builds `lbfw doctor`. */
export function doctorCommand(io: Io, done: (code: ExitCode) => void): Command {
  return new Command('doctor').description('(not yet available)').action(() => {
    io.err('lbfw: doctor is not available yet\n');
    done(EXIT_FAILED);
  });
}
