/**
 * `lbfw plan`: show what apply would change, changing nothing.
 */
import { Command } from 'commander';
import { planHost } from '../../host/plan.js';
import { renderTable } from '../../ruleset/render.js';
import { EXIT_OK, type ExitCode } from '../exit-codes.js';
import { addHostOptions, addPartOptions, hostConfigFrom, hostOptionsFrom, type HostFlags, type PartFlags } from '../host-options.js';
import { printJson, type Io } from '../io.js';
import { selectBackend } from '../../nft/select.js';
import { blacklistSummary, describeHost, reportPrepared } from '../render.js';
import { failLines, resultCounts, unresolvedLines, vipLines, writeLines } from '../render-host.js';
import { inferredLines } from '../render-host.js';

/** Elements of each set shown by plan unless --full. */
const PREVIEW = 20;

interface PlanFlags extends HostFlags, PartFlags {
  readonly check?: boolean;
  readonly full?: boolean;
  readonly skipInvalid?: boolean;
  readonly force?: boolean;
}

/** planCommand builds `lbfw plan`. */
export function planCommand(io: Io, done: (code: ExitCode) => void): Command {
  const command = new Command('plan')
    .description('show the kernel settings, VIPs and firewall apply would change, changing nothing')
    .option('--check', 'also let the kernel validate the firewall transaction (nft -c; needs root)')
    .option('--full', 'print the exact nft transaction (a loadable script), every element included')
    .option('--skip-invalid', 'leave bad blacklist lines out instead of refusing')
    .option('--force', 'allow blacklist entries that cover protected addresses')
    .option('--json', 'print the plan as JSON')
    .addHelpText('after', '\nExamples:\n  lbfw plan --config /etc/lbfw/lbfw.yaml\n  lbfw plan --role director --vip 192.0.2.10:80 --mgmt 198.51.100.0/24 --only firewall');
  addPartOptions(addHostOptions(command)).action(async (flags: PlanFlags) => {
    const config = await hostConfigFrom(flags, io);
    const plan = await planHost(config, {
      ...hostOptionsFrom(flags, io),
      check: flags.check === true,
      skipInvalid: flags.skipInvalid === true,
      force: flags.force === true,
    });
    // Which backend apply would use, and why (said once: the nft fallback names its reason).
    const choice = plan.firewall === undefined ? undefined : selectBackend();
    const backend = choice === undefined ? undefined : { name: choice.name, reason: choice.reason };
    if (flags.json === true) {
      const firewall = plan.firewall === undefined ? undefined : { ...plan.firewall, script: flags.full === true ? plan.firewall.script : undefined, backend };
      printJson(io, { config, sysctl: plan.sysctl, vips: plan.vips, firewall });
      return done(EXIT_OK);
    }
    if (plan.firewall !== undefined) reportPrepared(io, plan.firewall);
    const summary = describeHost(config);
    if (plan.firewall !== undefined) summary.push(`  blacklist: ${blacklistSummary(plan.firewall)}`);
    if (backend !== undefined) summary.push(`  nftables backend: ${backend.name} (${backend.reason})`);
    if (flags.full === true && plan.firewall !== undefined) {
      // With --full the output is a loadable nft script: everything else becomes comments.
      io.out(`${[...summary.map((line) => `# ${line}`), plan.firewall.script].join('\n')}\n`);
      return done(EXIT_OK);
    }
    const lines = [...summary, ...inferredLines(plan.inferred)];
    if (plan.sysctl !== undefined) {
      lines.push(
        '',
        `kernel settings (profile ${plan.sysctl.profile}): ${resultCounts(plan.sysctl.results)}; ${plan.sysctl.writes.length} writes planned`,
        ...writeLines(plan.sysctl.writes),
        ...unresolvedLines(plan.sysctl.unresolved),
      );
      if (plan.sysctl.writes.length === 0) lines.push(...failLines(plan.sysctl.results, false));
    }
    if (plan.vips !== undefined) lines.push('', 'VIPs on lo:', ...vipLines(plan.vips, false));
    if (plan.firewall !== undefined) {
      lines.push('', renderTable(plan.firewall.ruleset, PREVIEW));
      if (plan.firewall.checked) lines.push('kernel check (nft -c): the transaction is valid');
    }
    io.out(`${lines.join('\n')}\n`);
    return done(EXIT_OK);
  });
  return command;
}
