/**
 * `lbfw verify`: does the host still do what the config means?
 */
import { Command } from 'commander';
import { fillAlarmText } from '../../ban/fill.js';
import { verifyHost } from '../../host/plan.js';
import { EXIT_OK, EXIT_PROBLEMS, type ExitCode } from '../exit-codes.js';
import { addHostOptions, addPartOptions, hostConfigFrom, hostOptionsFrom, type HostFlags, type PartFlags } from '../host-options.js';
import { printJson, type Io } from '../io.js';
import { driftLines } from '../render.js';
import { failLines, resultCounts, vipLines } from '../render-host.js';
import { inferredLines } from '../render-host.js';

interface VerifyFlags extends HostFlags, PartFlags {
  readonly skipInvalid?: boolean;
  readonly force?: boolean;
  readonly verbose?: boolean;
}

/** verifyCommand builds `lbfw verify`. */
export function verifyCommand(io: Io, done: (code: ExitCode) => void): Command {
  const command = new Command('verify')
    .description('judge the effective kernel settings, the VIPs and the running firewall against the config (exit 2 on any failure)')
    .option('--skip-invalid', 'ignore bad blacklist lines, as apply --skip-invalid did')
    .option('--force', 'accept blacklist entries that cover protected addresses, as apply --force did')
    .option('-v, --verbose', 'also list skipped kernel settings and why')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  lbfw verify --config /etc/lbfw/lbfw.yaml || echo "host drifted"');
  addPartOptions(addHostOptions(command)).action(async (flags: VerifyFlags) => {
    const config = await hostConfigFrom(flags, io);
    const result = await verifyHost(config, {
      ...hostOptionsFrom(flags, io),
      skipInvalid: flags.skipInvalid === true,
      force: flags.force === true,
    });
    if (flags.json === true) {
      printJson(io, result);
      return done(result.ok ? EXIT_OK : EXIT_PROBLEMS);
    }
    const lines: string[] = inferredLines(result.inferred);
    if (result.sysctl !== undefined) {
      lines.push(
        `kernel settings (profile ${result.sysctl.profile}): ${resultCounts(result.sysctl.results)}`,
        ...failLines(result.sysctl.results, flags.verbose === true),
      );
    }
    if (result.vips !== undefined) lines.push(`VIPs on lo: ${result.vips.ok ? 'ok' : 'NOT as configured'}`, ...vipLines(result.vips, false));
    const fw = result.firewall;
    if (fw !== undefined) {
      lines.push(
        fw.ok
          ? 'firewall: the running lbfw table is exactly what the config and blacklist build'
          : fw.drift.length === 0
            ? 'firewall: the running lbfw table is exactly what the config and blacklist build'
            : `firewall: the running table differs from what was meant (${fw.drift.length} differences):`,
        ...driftLines(fw.drift),
      );
      if (fw.confirmProblem !== undefined) lines.push(`firewall: ERROR: ${fw.confirmProblem}`);
      else if (fw.pendingConfirm !== undefined) lines.push(`  pending: an apply waits for \`lbfw confirm\` until ${fw.pendingConfirm.deadline}`);
    }
    const bans = result.bans;
    if (bans?.tablePresent === true) {
      lines.push(bans.ok ? `ban table inet lbfw_ban: no set 80% full` : 'ban table inet lbfw_ban: a dynamic set is 80% full or more (full sets fail open):');
      for (const alarm of bans.alarms) lines.push(`  ALARM: ${fillAlarmText(alarm)} (raise overlimit.set_size)`);
    }
    const onlyBans = (bans?.ok ?? true) === false && (result.sysctl?.ok ?? true) && (result.vips?.ok ?? true) && (result.firewall?.ok ?? true);
    lines.push(
      result.ok
        ? 'verify: ok'
        : onlyBans
          ? 'verify: FAILED (a ban set is filling up: raise overlimit.set_size)'
          : 'verify: FAILED (run `lbfw apply` to fix what lbfw manages)',
    );
    io.out(`${lines.join('\n')}\n`);
    return done(result.ok ? EXIT_OK : EXIT_PROBLEMS);
  });
  return command;
}
