/**
 * `lbfw blacklist check|add|remove|list|test`.
 */
import { Command } from 'commander';
import { readBlacklist } from '../../blacklist/read.js';
import { hostCount, normaliseBlacklist } from '../../blacklist/normalise.js';
import { entryCount } from '../../blacklist/parse.js';
import { addToBlacklist, listBlacklist, removeFromBlacklist, testBlacklist, type BlacklistChange } from '../../firewall/blacklist-live.js';
import { EXIT_FAILED, EXIT_OK, type ExitCode } from '../exit-codes.js';
import { addHostOptions, firewallOptionsFrom, hostConfigFrom, type HostFlags } from '../host-options.js';
import { printJson, type Io } from '../io.js';
import { forcedLines, problemLines } from '../render.js';

interface ChangeFlags extends HostFlags {
  readonly comment?: string;
  readonly force?: boolean;
  readonly skipInvalid?: boolean;
}

function liveText(change: BlacklistChange): string {
  switch (change.live) {
    case 'updated':
      return `running sets updated in place (+${change.elementsAdded} -${change.elementsDeleted} elements)`;
    case 'unchanged':
      return 'running sets unchanged';
    case 'not-loaded':
      return 'lbfw table not loaded: `lbfw apply` will load it';
  }
}

function checkCommand(io: Io, done: (code: ExitCode) => void): Command {
  return new Command('check')
    .argument('<file>', 'static_blacklist file')
    .description('validate a blacklist file: exit 1 listing every bad line')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  lbfw blacklist check /etc/lbfw/static_blacklist')
    .action(async (file: string, flags: { json?: boolean }) => {
      const parsed = await readBlacklist(file);
      const normalised = normaliseBlacklist(parsed);
      const count = entryCount(parsed);
      const hosts4 = hostCount(normalised, 4);
      const ok = parsed.problems.length === 0;
      if (flags.json === true) {
        printJson(io, {
          ok,
          entries: count,
          problems: parsed.problems,
          warnings: parsed.warnings,
          elements: { hosts4: hosts4, nets4: normalised.nets4.length, hosts6: normalised.hosts6.length, nets6: normalised.nets6.length },
        });
      } else {
        const lines = [...problemLines(parsed.problems), ...problemLines(parsed.warnings, 'warning: ')];
        if (lines.length > 0) io.err(`${lines.join('\n')}\n`);
        io.out(
          `${
            ok
              ? `${file}: ${count} entries, all valid`
              : `${file}: ${parsed.problems.length} bad lines (of ${count + parsed.problems.length} entries)`
          }; ${hosts4 + normalised.hosts6.length} hosts and ${normalised.nets4.length + normalised.nets6.length} ranges after merging\n`,
        );
      }
      done(ok ? EXIT_OK : EXIT_FAILED);
    });
}

function changeReport(io: Io, verb: string, entry: string, change: BlacklistChange, json: boolean): void {
  if (json) return printJson(io, change);
  if (change.warnings.length > 0) io.err(`${problemLines(change.warnings, 'warning: ').join('\n')}\n`);
  if (change.forced.length > 0) io.err(`${forcedLines(change.forced).join('\n')}\n`);
  const where = change.lines.length === 0 ? '' : ` (line ${change.lines.join(', ')})`;
  const lines = [
    change.changed ? `${verb} ${entry} in ${change.file}${where}; ${liveText(change)}` : `${entry}: ${change.file} already says so${where}; nothing changed`,
    ...change.coveredBy.map((e) => `note: still blocked by ${change.file}:${e.line}: ${e.text}`),
  ];
  io.out(`${lines.join('\n')}\n`);
}

/** blacklistCommand builds `lbfw blacklist` and its subcommands. */
export function blacklistCommand(io: Io, done: (code: ExitCode) => void): Command {
  const command = new Command('blacklist').description('check, change and query the static blacklist');
  command.addCommand(checkCommand(io, done));

  const add = new Command('add')
    .argument('<entry>', 'address, CIDR or range a-b')
    .description('add an entry to the blacklist file and the running sets')
    .option('--comment <text>', 'comment written after the entry')
    .option('--force', 'allow an entry that covers a VIP, peer, real server or management source')
    .option('--skip-invalid', 'tolerate bad lines already in the file')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  lbfw blacklist add 203.0.113.66 --comment "scanner, ticket 4711"');
  addHostOptions(add).action(async (entry: string, flags: ChangeFlags) => {
    const config = await hostConfigFrom(flags, io);
    const change = await addToBlacklist(config, entry, {
      ...firewallOptionsFrom(flags, io),
      force: flags.force === true,
      skipInvalid: flags.skipInvalid === true,
      ...(flags.comment === undefined ? {} : { comment: flags.comment }),
    });
    changeReport(io, 'added', entry, change, flags.json === true);
    done(EXIT_OK);
  });
  command.addCommand(add);

  const remove = new Command('remove')
    .argument('<entry>', 'the entry as in the file (address, CIDR or range)')
    .description('remove an entry from the blacklist file and the running sets')
    .option('--skip-invalid', 'tolerate bad lines already in the file')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  lbfw blacklist remove 203.0.113.66');
  addHostOptions(remove).action(async (entry: string, flags: ChangeFlags) => {
    const config = await hostConfigFrom(flags, io);
    const change = await removeFromBlacklist(config, entry, { ...firewallOptionsFrom(flags, io), skipInvalid: flags.skipInvalid === true });
    changeReport(io, 'removed', entry, change, flags.json === true);
    done(EXIT_OK);
  });
  command.addCommand(remove);

  const list = new Command('list')
    .description('list the blacklist entries with their lines and comments')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  lbfw blacklist list --blacklist ./static_blacklist --role director');
  addHostOptions(list).action(async (flags: HostFlags) => {
    const config = await hostConfigFrom(flags, io);
    const listing = await listBlacklist(config);
    const n = listing.normalised;
    if (flags.json === true) {
      printJson(io, { file: listing.parsed.file, entries: listing.parsed.entries, problems: listing.parsed.problems, normalised: n });
    } else {
      const lines = listing.parsed.entries.map((e) => `${e.line}\t${e.text}${e.comment === undefined ? '' : `\t# ${e.comment}`}`);
      lines.push(
        `${listing.parsed.entries.length} entries -> ${n.hosts4.length + n.hosts6.length} hosts and ${n.nets4.length + n.nets6.length} ranges after merging`,
        ...problemLines(listing.parsed.problems, 'bad line: '),
      );
      io.out(`${lines.join('\n')}\n`);
    }
    // A script that lists the blacklist must learn that some lines are not in it.
    done(listing.parsed.problems.length === 0 ? EXIT_OK : EXIT_FAILED);
  });
  command.addCommand(list);

  const test = new Command('test')
    .argument('<address>', 'IPv4 or IPv6 address')
    .description('is ADDRESS blocked by the running firewall, and by which line of the file (exit 0 blocked, 2 not)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  lbfw blacklist test 203.0.113.66');
  addHostOptions(test).action(async (address: string, flags: HostFlags) => {
    const config = await hostConfigFrom(flags, io);
    const result = await testBlacklist(config, address, firewallOptionsFrom(flags, io));
    if (flags.json === true) printJson(io, result);
    else {
      const lines = [
        !result.tableLoaded
          ? `${result.address}: lbfw table not loaded: nothing is blocked`
          : result.blocked
            ? `${result.address}: BLOCKED by ${result.liveMatches.map((m) => `${m.set} element ${m.element}`).join(', ')}`
            : `${result.address}: not blocked by the running firewall`,
        ...result.fileEntries.map((e) => `  ${config.blacklistPath}:${e.line}: ${e.text}${e.comment === undefined ? '' : ` # ${e.comment}`}`),
      ];
      if (result.fileEntries.length === 0) lines.push(`  no line of ${config.blacklistPath} covers it`);
      io.out(`${lines.join('\n')}\n`);
    }
    done(result.blocked ? EXIT_OK : 2);
  });
  command.addCommand(test);
  return command;
}
