/**
 * `lbfw apply`: kernel settings, VIPs on lo, and lbfw's nftables table.
 */
import { Command } from 'commander';
import { applyHost } from '../../host/apply.js';
import { UsageError } from '../../errors.js';
import { EXIT_FAILED, EXIT_OK, type ExitCode } from '../exit-codes.js';
import { addHostOptions, addPartOptions, hostConfigFrom, hostOptionsFrom, type HostFlags, type PartFlags } from '../host-options.js';
import { printJson, type Io } from '../io.js';
import { blacklistSummary, reportPrepared } from '../render.js';
import { failLines, persistLines, resultCounts, unresolvedLines, vipLines, writeLines } from '../render-host.js';
import { inferredLines } from '../render-host.js';

interface ApplyFlags extends HostFlags, PartFlags {
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
    .description('apply the kernel settings, the VIPs on lo (real servers) and the firewall (one nftables transaction)')
    .option('--confirm <seconds>', 'restore the previous firewall unless `lbfw confirm` runs within SECONDS')
    .option('--skip-invalid', 'load the good blacklist lines and report the bad ones instead of refusing')
    .option('--force', 'load blacklist entries that cover protected addresses (VIPs, peers, you)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  lbfw apply --config /etc/lbfw/lbfw.yaml\n' +
        '  lbfw apply --role realserver --vip 198.51.100.50:80 --iface eth0\n' +
        '  lbfw apply --confirm 60    # over SSH: then `lbfw confirm` within 60 s',
    );
  addPartOptions(addHostOptions(command)).action(async (flags: ApplyFlags) => {
    const seconds = confirmSeconds(flags.confirm);
    const config = await hostConfigFrom(flags, io);
    const result = await applyHost(config, {
      ...hostOptionsFrom(flags, io),
      skipInvalid: flags.skipInvalid === true,
      force: flags.force === true,
      ...(seconds === undefined ? {} : { confirmSeconds: seconds }),
    });
    const ok = result.sysctl?.ok ?? true;
    if (flags.json === true) {
      const firewall =
        result.firewall === undefined
          ? undefined
          : { ...result.firewall, ruleset: undefined, blacklist: undefined };
      printJson(io, { ok, sysctl: result.sysctl, persisted: result.persisted, vips: result.vips, firewall });
      return done(ok ? EXIT_OK : EXIT_FAILED);
    }
    const lines: string[] = inferredLines(result.inferred);
    if (result.sysctl !== undefined) {
      lines.push(
        `kernel settings (profile ${result.sysctl.profile}): ${result.sysctl.changed.length} changed; now ${resultCounts(result.sysctl.results)}`,
        ...writeLines(result.sysctl.changed),
        ...unresolvedLines(result.sysctl.unresolved),
        ...failLines(result.sysctl.results, false),
      );
    }
    if (result.persisted !== undefined) lines.push(...persistLines(result.persisted));
    if (result.notPersisted !== undefined) lines.push(`  not persisted: ${result.notPersisted}`);
    if (result.vips !== undefined) {
      lines.push(`VIPs on lo: ${result.vips.applied.length} changed`, ...vipLines(result.vips, true));
    }
    const fw = result.firewall;
    if (fw !== undefined) {
      reportPrepared(io, fw);
      lines.push(
        `firewall: table inet lbfw replaced in one transaction (${fw.elementsLoaded} set elements) and read back: it matches${readBackNote(fw.readBack)}`,
        `  blacklist: ${blacklistSummary(fw)}`,
        `  previous table saved for \`lbfw rollback\` (backup ${fw.backup.id})`,
      );
      if (fw.supersededConfirm) lines.push('  note: an earlier `apply --confirm` was pending; this apply replaces it');
      if (fw.confirm !== undefined) {
        lines.push(
          `CONFIRM within ${fw.confirm.seconds} s (until ${fw.confirm.deadline}): run \`lbfw confirm\`, or the previous firewall comes back by itself`,
        );
      }
    }
    io.out(`${lines.join('\n')}\n`);
    if (!ok) io.err('lbfw: some kernel settings still fail after apply (see above)\n');
    return done(ok ? EXIT_OK : EXIT_FAILED);
  });
  return command;
}

/** How the read-back proved the big sets, when it did not dump them (verify always does). */
function readBackNote(readBack: { readonly method: 'commit' | 'full'; readonly provenSets: number }): string {
  if (readBack.method === 'full') return '';
  return ` (the elements of ${readBack.provenSets} big sets proven by the commit itself, keys sampled; \`lbfw verify\` compares every element)`;
}
