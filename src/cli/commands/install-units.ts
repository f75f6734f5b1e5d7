/**
 * `lbfw install-units`: the systemd units of lbfw's two-phase boot apply,
 * written with the real path of this lbfw and enabled.
 */
import path from 'node:path';
import { Command } from 'commander';
import { launcherPath } from '../../package-info.js';
import { installUnits } from '../../units/install.js';
import { renderUnits, type UnitTarget } from '../../units/render.js';
import { EXIT_OK, type ExitCode } from '../exit-codes.js';
import { printJson, type Io } from '../io.js';

interface InstallUnitsFlags {
  readonly root?: string;
  readonly config?: string;
  readonly enable: boolean;
  readonly print?: boolean;
  readonly json?: boolean;
}

/** installUnitsCommand builds `lbfw install-units`. */
export function installUnitsCommand(io: Io, done: (code: ExitCode) => void): Command {
  return new Command('install-units')
    .description('write and enable the systemd units that apply lbfw at boot: the firewall before the network, everything else before keepalived')
    .option('--root <dir>', 'write under DIR/etc/systemd/system (default: $LBFW_ROOT or /; tests, images)')
    .option('-c, --config <file>', 'the host config the units pass to `lbfw apply` (default: lbfw\'s own default)')
    .option('--no-enable', 'write the units without linking them into their targets')
    .option('--print', 'print the units instead of writing them')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Units (both run an idempotent `lbfw apply`):',
        '  lbfw-firewall.service  apply --only firewall, Before=network-pre.target (sysinit.target)',
        '  lbfw.service           apply, After=network-online.target, Before=keepalived.service',
        '',
        'Examples:',
        '  sudo lbfw install-units && sudo systemctl start lbfw-firewall lbfw',
        '  lbfw install-units --print',
      ].join('\n'),
    )
    .action(async (flags: InstallUnitsFlags) => {
      const target: UnitTarget = {
        node: process.execPath,
        launcher: launcherPath(),
        ...(flags.config === undefined ? {} : { config: path.resolve(flags.config) }),
      };
      if (flags.print === true) {
        for (const unit of renderUnits(target)) io.out(`# ${unit.name}\n${unit.text}\n`);
        return done(EXIT_OK);
      }
      const root = flags.root ?? (io.env['LBFW_ROOT'] === '' ? undefined : io.env['LBFW_ROOT']);
      const result = await installUnits(target, { ...(root === undefined ? {} : { root }), enable: flags.enable });
      if (flags.json === true) printJson(io, result);
      else {
        for (const unit of result.units) {
          io.out(`${unit.changed ? 'wrote' : 'unchanged'} ${unit.file}${unit.links.length === 0 ? '' : ` (enabled: ${unit.links.map((l) => path.basename(path.dirname(l))).join(', ')})`}\n`);
        }
        io.out(
          result.daemonReloaded
            ? 'systemd reloaded; start now with: systemctl start lbfw-firewall.service lbfw.service\n'
            : root === undefined
              ? 'systemd is not running here: the units take effect at the next boot\n'
              : `written under ${path.resolve(root)}\n`,
        );
      }
      return done(EXIT_OK);
    });
}
