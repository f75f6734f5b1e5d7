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
    .description('undo the last change: the lbfw table saved before it, and the kernel settings, sysctl.d file and VIPs on lo that apply changed (repeat to go further back)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      [
        '',
        'What it restores: the lbfw table (and its blacklist elements) as it was before the last',
        'apply or blacklist add/remove; with the table, for every apply since, the sysctl values it',
        'wrote (through /proc/sys), /etc/sysctl.d/90-lbfw.conf and the VIPs it added or narrowed on lo',
        '(from the host record in the state directory). Other tables and files are never touched.',
        '',
        'Example:',
        '  lbfw rollback',
      ].join('\n'),
    );
  addStateOptions(command).action(async (flags: HostFlags) => {
    const result = await rollbackFirewall(firewallOptionsFrom(flags, io));
    if (flags.json === true) printJson(io, result);
    else {
      const what = result.restored.tableExisted ? 'the lbfw table' : 'no lbfw table (it was removed)';
      io.out(
        `rollback: restored ${what} as it was at ${result.restored.createdAt} (before ${result.restored.reason}); ` +
          `${result.remaining} older backups left\n`,
      );
      for (const host of result.host) {
        const parts = [
          host.sysctls.length === 0 ? '' : `${host.sysctls.length} kernel settings (${host.sysctls.join(', ')})`,
          host.vips.length === 0 ? '' : `VIPs on lo (undid ${host.vips.join(', ')})`,
          host.files.length === 0 ? '' : `files ${host.files.join(', ')}`,
        ].filter((p) => p !== '');
        io.out(`rollback: put back what apply changed at ${host.createdAt}: ${parts.join('; ')}\n`);
        for (const problem of host.problems) io.err(`warning: not restored: ${problem}\n`);
      }
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
    else if (result.restoredAlready === true) {
      io.err(
        `lbfw: too late to keep the new firewall: its confirm timer (restore due at ${result.deadline}) restored the previous one before it died; ` +
          '`lbfw apply` loads the new one again\n',
      );
    }
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
