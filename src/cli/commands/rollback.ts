/**
 * `lbfw rollback` and `lbfw confirm`.
 */
import { Command } from 'commander';
import { confirmApply } from '../../firewall/confirm.js';
import { rollbackFirewall } from '../../firewall/rollback.js';
import { EXIT_FAILED, EXIT_OK, type ExitCode } from '../exit-codes.js';
import { addStateOptions, firewallOptionsFrom, type HostFlags } from '../host-options.js';
import { printJson, type Io } from '../io.js';

/** rollbackCommand builds `lbfw rollback`. */
export function rollbackCommand(io: Io, done: (code: ExitCode) => void): Command {
  const command = new Command('rollback')
    .description('restore the lbfw table saved before the last change (repeat to go further back)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  lbfw rollback');
  addStateOptions(command).action(async (flags: HostFlags) => {
    const result = await rollbackFirewall(firewallOptionsFrom(flags, io));
    if (flags.json === true) printJson(io, result);
    else {
      const what = result.restored.tableExisted ? 'the lbfw table' : 'no lbfw table (it was removed)';
      io.out(
        `rollback: restored ${what} as it was at ${result.restored.createdAt} (before ${result.restored.reason}); ` +
          `${result.remaining} older backups left\n`,
      );
    }
    return done(EXIT_OK);
  });
  return command;
}

/** confirmCommand builds `lbfw confirm`. */
export function confirmCommand(io: Io, done: (code: ExitCode) => void): Command {
  const command = new Command('confirm')
    .description('keep the firewall loaded by `apply --confirm`: cancel the automatic restore')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  lbfw apply --confirm 60 && lbfw confirm');
  addStateOptions(command).action(async (flags: HostFlags) => {
    const result = await confirmApply(firewallOptionsFrom(flags, io));
    if (flags.json === true) printJson(io, result);
    else if (result.confirmed && result.timerStopped === true) io.out(`confirm: kept the new firewall (the restore due at ${result.deadline} is cancelled)\n`);
    else if (result.confirmed) {
      io.out(
        `confirm: kept the new firewall; its confirm timer (restore due at ${result.deadline}) was no longer running, ` +
          'so nothing would have restored the previous one\n',
      );
    }
    else {
      const last = result.lastExpiry === undefined ? '' : ` (last confirm timer: ${result.lastExpiry})`;
      io.err(`lbfw: nothing is waiting for confirmation${last}\n`);
    }
    return done(result.confirmed ? EXIT_OK : EXIT_FAILED);
  });
  return command;
}
