/**
 * `lbfw ban list|add|remove|promote`: the timed bans of `inet lbfw_ban`.
 */
import { Command } from 'commander';
import { addBan, listBans, promoteBan, removeBan } from '../../ban/manage.js';
import { checkDuration } from '../../config/overlimit.js';
import { UsageError } from '../../errors.js';
import { EXIT_OK, type ExitCode } from '../exit-codes.js';
import { addHostOptions, firewallOptionsFrom, hostConfigFrom, type HostFlags } from '../host-options.js';
import { printJson, type Io } from '../io.js';
import { duration } from './overlimit.js';

interface BanFlags extends HostFlags {
  readonly timeout?: string;
  readonly comment?: string;
}

/** banCommand builds `lbfw ban` and its subcommands. */
export function banCommand(io: Io, done: (code: ExitCode) => void): Command {
  const command = new Command('ban').description('list, add, remove and promote timed bans (table inet lbfw_ban, kept across apply and rollback)');

  const list = new Command('list').description('list every ban with its expiry and why').option('--json', 'print the bans as JSON');
  addHostOptions(list).action(async (flags: HostFlags) => {
    const config = await hostConfigFrom(flags, io);
    const result = await listBans(config, { env: io.env });
    if (flags.json === true) printJson(io, result);
    else if (!result.tablePresent) io.out('no ban table (inet lbfw_ban) loaded: nothing is banned\n');
    else {
      const lines = result.bans.map(
        (b) => `${b.client}\t${b.set}\t${b.expiresSeconds === undefined ? 'no expiry' : `expires in ${duration(b.expiresSeconds)}`}\t${b.by}${b.comment === undefined ? '' : `\t${b.comment}`}`,
      );
      lines.push(`${result.bans.length} bans`);
      io.out(`${lines.join('\n')}\n`);
    }
    done(EXIT_OK);
  });
  command.addCommand(list);

  const add = new Command('add')
    .argument('<client>', 'address (widened to the ban prefix, /64 for IPv6 by default)')
    .description('ban a client for a while')
    .option('--timeout <duration>', 'how long (e.g. 10m, 1h; default overlimit.ban_time)')
    .option('--comment <text>', 'why, kept with the ban')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  lbfw ban add 203.0.113.7 --timeout 1h --comment "ticket 4711"');
  addHostOptions(add).action(async (client: string, flags: BanFlags) => {
    const config = await hostConfigFrom(flags, io);
    let timeoutSeconds: number | undefined;
    if (flags.timeout !== undefined) {
      const checked = checkDuration(flags.timeout);
      if (!checked.ok) throw new UsageError(`--timeout: ${checked.problem}`);
      timeoutSeconds = checked.value;
    }
    const result = await addBan(
      config,
      client,
      { ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }), ...(flags.comment === undefined ? {} : { comment: flags.comment }) },
      { env: io.env },
    );
    if (flags.json === true) printJson(io, result);
    else io.out(`banned ${result.target.client} for ${duration(result.timeoutSeconds)} (set ${result.set}): ${result.comment}\n`);
    done(EXIT_OK);
  });
  command.addCommand(add);

  const remove = new Command('remove').argument('<client>', 'address or prefix').description('lift the bans of a client').option('--json', 'print the result as JSON');
  addHostOptions(remove).action(async (client: string, flags: HostFlags) => {
    const config = await hostConfigFrom(flags, io);
    const result = await removeBan(config, client, { env: io.env });
    if (flags.json === true) printJson(io, result);
    else io.out(result.removedFrom.length === 0 ? `${result.target.client} is not banned\n` : `lifted the ban of ${result.target.client} (${result.removedFrom.join(', ')})\n`);
    done(EXIT_OK);
  });
  command.addCommand(remove);

  const promote = new Command('promote')
    .argument('<client>', 'a banned address or prefix')
    .description('make a ban permanent: write it into static_blacklist (atomic edit, running sets updated) and lift the timed ban')
    .option('--json', 'print the result as JSON');
  addHostOptions(promote).action(async (client: string, flags: HostFlags) => {
    const config = await hostConfigFrom(flags, io);
    const result = await promoteBan(config, client, { ...firewallOptionsFrom(flags, io) });
    if (flags.json === true) printJson(io, result);
    else io.out(`promoted ${result.target.client} into ${result.blacklist.file}${result.blacklist.lines.length === 0 ? '' : ` (line ${result.blacklist.lines.join(', ')})`}; timed ban lifted\n`);
    done(EXIT_OK);
  });
  command.addCommand(promote);
  return command;
}
