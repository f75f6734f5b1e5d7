/**
 * `lbfw verify`: is the running firewall still what was meant?
 */
import { Command } from 'commander';
import { verifyFirewall } from '../../firewall/verify.js';
import { EXIT_OK, EXIT_PROBLEMS, type ExitCode } from '../exit-codes.js';
import { addHostOptions, firewallOptionsFrom, hostConfigFrom, type HostFlags } from '../host-options.js';
import { printJson, type Io } from '../io.js';
import { driftLines } from '../render.js';

interface VerifyFlags extends HostFlags {
  readonly skipInvalid?: boolean;
  readonly force?: boolean;
}

/** verifyCommand builds `lbfw verify`. */
export function verifyCommand(io: Io, done: (code: ExitCode) => void): Command {
  const command = new Command('verify')
    .description('compare the running lbfw table with what the config and blacklist build (exit 2 on drift)')
    .option('--skip-invalid', 'ignore bad blacklist lines, as apply --skip-invalid did')
    .option('--force', 'accept blacklist entries that cover protected addresses, as apply --force did')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  lbfw verify --config /etc/lbfw/lbfw.yaml || echo "firewall drifted"');
  addHostOptions(command).action(async (flags: VerifyFlags) => {
    const config = await hostConfigFrom(flags, io);
    const result = await verifyFirewall(config, {
      ...firewallOptionsFrom(flags, io),
      skipInvalid: flags.skipInvalid === true,
      force: flags.force === true,
    });
    if (flags.json === true) printJson(io, result);
    else if (result.ok) io.out('verify: the running lbfw table is exactly what the config and blacklist build\n');
    else io.out(`verify: the running firewall differs from what was meant (${result.drift.length} differences):\n${driftLines(result.drift).join('\n')}\nfix: run \`lbfw apply\` to load what the config says\n`);
    if (flags.json !== true && result.pendingConfirm !== undefined) {
      io.out(`pending: an apply waits for \`lbfw confirm\` until ${result.pendingConfirm.deadline}\n`);
    }
    return done(result.ok ? EXIT_OK : EXIT_PROBLEMS);
  });
  return command;
}
