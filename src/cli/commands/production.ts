/**
 * The commands for running lbfw in production: boot units, removal,
 * metrics, shell completion and the man page.
 */
import type { Command } from 'commander';
import type { ExitCode } from '../exit-codes.js';
import type { Io } from '../io.js';
import { completionCommand, manCommand } from './completion.js';
import { installUnitsCommand } from './install-units.js';
import { metricsCommand } from './metrics.js';
import { uninstallCommand } from './uninstall.js';

/** productionCommands builds them, in the order help lists them. */
export function productionCommands(io: Io, done: (code: ExitCode) => void): Command[] {
  return [installUnitsCommand(io, done), uninstallCommand(io, done), metricsCommand(io, done), completionCommand(io, done), manCommand(io, done)];
}
