/**
 * `lbfw plan`: show what apply would load.
 */
import { Command } from 'commander';
import { planFirewall } from '../../firewall/plan.js';
import { renderTable } from '../../ruleset/render.js';
import { EXIT_OK, type ExitCode } from '../exit-codes.js';
import { addHostOptions, firewallOptionsFrom, hostConfigFrom, type HostFlags } from '../host-options.js';
import { printJson, type Io } from '../io.js';
import { blacklistSummary, describeHost, reportPrepared } from '../render.js';

/** Elements of each set shown by plan unless --full. */
const PREVIEW = 20;

interface PlanFlags extends HostFlags {
  readonly check?: boolean;
  readonly full?: boolean;
  readonly skipInvalid?: boolean;
  readonly force?: boolean;
}

/** planCommand builds `lbfw plan`. */
export function planCommand(io: Io, done: (code: ExitCode) => void): Command {
  const command = new Command('plan')
    .description('show the firewall apply would load, without changing anything')
    .option('--check', 'also let the kernel validate the transaction (nft -c; needs root)')
    .option('--full', 'print the exact nft transaction, every element included')
    .option('--skip-invalid', 'leave bad blacklist lines out instead of refusing')
    .option('--force', 'allow blacklist entries that cover protected addresses')
    .option('--json', 'print the plan as JSON')
    .addHelpText('after', '\nExample:\n  lbfw plan --config /etc/lbfw/lbfw.yaml\n  lbfw plan --role director --vip 192.0.2.10:80 --mgmt 198.51.100.0/24');
  addHostOptions(command).action(async (flags: PlanFlags) => {
    const config = await hostConfigFrom(flags, io);
    const plan = await planFirewall(config, {
      ...firewallOptionsFrom(flags, io),
      check: flags.check === true,
      skipInvalid: flags.skipInvalid === true,
      force: flags.force === true,
    });
    if (flags.json === true) {
      printJson(io, { config, ruleset: plan.ruleset, warnings: plan.warnings, skipped: plan.skipped, forced: plan.forced, checked: plan.checked, script: flags.full === true ? plan.script : undefined });
      return done(EXIT_OK);
    }
    reportPrepared(io, plan);
    const summary = [...describeHost(config), `  blacklist: ${blacklistSummary(plan)}`];
    // With --full the output is a loadable nft script: the summary becomes comments.
    const lines =
      flags.full === true
        ? [...summary.map((line) => `# ${line}`), plan.script]
        : [...summary, '', renderTable(plan.ruleset, PREVIEW)];
    if (plan.checked) lines.push('kernel check (nft -c): the transaction is valid');
    io.out(`${lines.join('\n')}\n`);
    return done(EXIT_OK);
  });
  return command;
}
