/**
 * `lbfw uninstall`: lists everything lbfw left on this host; `--yes` removes it.
 */
import { Command } from 'commander';
import { describeItem, planUninstall, runUninstall, type UninstallOptions, type UninstallPlan } from '../../uninstall/uninstall.js';
import { EXIT_OK, type ExitCode } from '../exit-codes.js';
import { printJson, type Io } from '../io.js';

interface UninstallFlags {
  readonly yes?: boolean;
  readonly root?: string;
  readonly stateDir?: string;
  readonly json?: boolean;
}

function describeStays(plan: UninstallPlan): string[] {
  const lines: string[] = [];
  if (plan.staysUntilReboot.length > 0) {
    lines.push('kernel values lbfw set stay in effect until reboot (set them back with sysctl -w if needed):');
    for (const value of plan.staysUntilReboot) lines.push(`  ${value}`);
  }
  for (const kept of plan.kept) lines.push(`kept: ${kept} (your configuration; remove it yourself)`);
  return lines;
}

/** uninstallCommand builds `lbfw uninstall`. */
export function uninstallCommand(io: Io, done: (code: ExitCode) => void): Command {
  return new Command('uninstall')
    .description('list everything lbfw left on this host (tables, VIPs it added, sysctl.d file, units, state); remove it with --yes')
    .option('--yes', 'remove what is listed (without it, nothing changes)')
    .option('--root <dir>', 'prefix for /etc/sysctl.d, /etc/systemd/system and /etc/lbfw (default: $LBFW_ROOT or /)')
    .option('--state-dir <dir>', 'lbfw state (default: $LBFW_STATE_DIR or /var/lib/lbfw)')
    .option('--json', 'print the list (and what was removed) as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Then remove the package itself: npm uninstall -g lbfw',
        '',
        'Examples:',
        '  lbfw uninstall          # the list, nothing changes',
        '  sudo lbfw uninstall --yes',
      ].join('\n'),
    )
    .action(async (flags: UninstallFlags) => {
      const options: UninstallOptions = {
        env: io.env,
        ...(flags.root === undefined ? {} : { root: flags.root }),
        ...(flags.stateDir === undefined ? {} : { stateDir: flags.stateDir }),
      };
      const plan = await planUninstall(options);
      if (flags.yes !== true) {
        if (flags.json === true) printJson(io, { ...plan, removed: [] });
        else {
          io.out(plan.items.length === 0 ? 'lbfw left nothing on this host\n' : `lbfw uninstall --yes would remove:\n${plan.items.map((i) => `  ${describeItem(i)}\n`).join('')}`);
          for (const line of describeStays(plan)) io.out(`${line}\n`);
        }
        return done(EXIT_OK);
      }
      const result = await runUninstall(plan, options);
      if (flags.json === true) printJson(io, result);
      else {
        io.out(result.removed.length === 0 ? 'lbfw left nothing on this host\n' : `removed:\n${result.removed.map((i) => `  ${describeItem(i)}\n`).join('')}`);
        if (result.daemonReloaded) io.out('systemd reloaded\n');
        for (const line of describeStays(result)) io.out(`${line}\n`);
        io.out('to remove the program too: npm uninstall -g lbfw\n');
      }
      return done(EXIT_OK);
    });
}
