/**
 * `lbfw apply`: replace lbfw's table atomically.
 */
import { Command } from 'commander';
import { applyFirewall } from '../../firewall/apply.js';
import { UsageError } from '../../errors.js';
import { EXIT_OK, type ExitCode } from '../exit-codes.js';
import { addHostOptions, firewallOptionsFrom, hostConfigFrom, type HostFlags } from '../host-options.js';
import { printJson, type Io } from '../io.js';
import { blacklistSummary, reportPrepared } from '../render.js';

interface ApplyFlags extends HostFlags {
  readonly confirm?: string;
  readonly skipInvalid?: boolean;
  readonly force?: boolean;
}

function confirmSeconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86400) {
    throw new UsageError(`--confirm takes whole seconds from 1 to 86400, not "${text}"`);
  }
  return seconds;
}

/** applyCommand builds `lbfw apply`. */
export function applyCommand(io: Io, done: (code: ExitCode) => void): Command {
  const command = new Command('apply')
    .description('replace lbfw\'s nftables table in one transaction, then read it back')
    .option('--confirm <seconds>', 'restore the previous table unless `lbfw confirm` runs within SECONDS')
    .option('--skip-invalid', 'load the good blacklist lines and report the bad ones instead of refusing')
    .option('--force', 'load blacklist entries that cover protected addresses (VIPs, peers, you)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  lbfw apply --config /etc/lbfw/lbfw.yaml\n  lbfw apply --confirm 60    # over SSH: then `lbfw confirm` within 60 s',
    );
  addHostOptions(command).action(async (flags: ApplyFlags) => {
    const seconds = confirmSeconds(flags.confirm);
    const config = await hostConfigFrom(flags, io);
    const result = await applyFirewall(config, {
      ...firewallOptionsFrom(flags, io),
      skipInvalid: flags.skipInvalid === true,
      force: flags.force === true,
      ...(seconds === undefined ? {} : { confirmSeconds: seconds }),
    });
    if (flags.json === true) {
      printJson(io, {
        applied: true,
        backup: result.backup,
        elementsLoaded: result.elementsLoaded,
        warnings: result.warnings,
        skipped: result.skipped,
        forced: result.forced,
        confirm: result.confirm,
        supersededConfirm: result.supersededConfirm,
      });
      return done(EXIT_OK);
    }
    reportPrepared(io, result);
    const lines = [
      `applied: table inet lbfw replaced in one transaction (${result.elementsLoaded} set elements) and read back: it matches`,
      `blacklist: ${blacklistSummary(result)}`,
      `previous table saved for \`lbfw rollback\` (backup ${result.backup.id})`,
    ];
    if (result.supersededConfirm) lines.push('note: an earlier `apply --confirm` was pending; this apply replaces it');
    if (result.confirm !== undefined) {
      lines.push(
        `CONFIRM within ${result.confirm.seconds} s (until ${result.confirm.deadline}): run \`lbfw confirm\`, or the previous table comes back by itself`,
      );
    }
    io.out(`${lines.join('\n')}\n`);
    return done(EXIT_OK);
  });
  return command;
}
