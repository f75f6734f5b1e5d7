/**
 * `lbfw completion bash|zsh` and `lbfw man`: shell completion and the man
 * page, both rendered from the live command tree.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Argument, Command } from 'commander';
import { writeFileAtomic } from '../../blacklist/atomic-write.js';
import { checkIds } from '../../doctor/registry.js';
import { FAULTS } from '../../lab/faults.js';
import { packageVersion } from '../../package-info.js';
import { describeCommand } from '../command-tree.js';
import { renderBash, renderZsh, type CompletionValues } from '../completion.js';
import { renderMan, type ManSection } from '../man.js';
import { EXIT_OK, type ExitCode } from '../exit-codes.js';
import type { Io } from '../io.js';

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent !== null) root = root.parent;
  return root;
}

/** The values lbfw knows for some words of its command line. */
function completionValues(): CompletionValues {
  return {
    arguments: { 'lbfw doctor': checkIds() },
    options: { 'lbfw lab up --fault': FAULTS.map((f) => f.id) },
  };
}

/** completionCommand builds `lbfw completion`. */
export function completionCommand(io: Io, done: (code: ExitCode) => void): Command {
  const command: Command = new Command('completion')
    .description('print a shell completion script for bash or zsh (commands, options, doctor ids, lab faults)')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  lbfw completion bash > /etc/bash_completion.d/lbfw',
        '  lbfw completion zsh > /usr/local/share/zsh/site-functions/_lbfw',
      ].join('\n'),
    )
    .action((shell: 'bash' | 'zsh') => {
      const tree = describeCommand(rootOf(command));
      io.out(shell === 'bash' ? renderBash(tree, completionValues()) : renderZsh(tree, completionValues()));
      done(EXIT_OK);
    });
  return command;
}

const MAN_SECTIONS: readonly ManSection[] = [
  {
    title: 'Exit status',
    body: '0: done, nothing wrong.\n\n1: lbfw could not do the job (bad input, missing permission, the kernel refused, lock not obtained); one line on stderr starting with "lbfw:".\n\n2: lbfw ran and found drift or problems (verify, doctor), or the address is not blocked (blacklist test).',
  },
  {
    title: 'Environment',
    body: 'LBFW_CONFIG: the host config (default /etc/lbfw/lbfw.yaml).\n\nLBFW_ROOT: prefix for /etc/sysctl.d and /etc/lbfw/profiles.\n\nLBFW_STATE_DIR: backups, lock and records (default /var/lib/lbfw).\n\nLBFW_DEBUG: set to print details of failures.\n\nNO_COLOR: no colour on a terminal.',
  },
  {
    title: 'Files',
    body: '/etc/lbfw/lbfw.yaml, /etc/lbfw/static_blacklist, /etc/lbfw/profiles/: configuration.\n\n/etc/sysctl.d/90-lbfw.conf: the kernel settings lbfw persists.\n\n/var/lib/lbfw/: backups of the firewall, the record of VIPs lbfw added, the host records rollback restores, the lock.\n\n/etc/systemd/system/lbfw-firewall.service, lbfw.service: the boot units (lbfw install-units).',
  },
  { title: 'See also', body: 'nft(8), keepalived(8), ipvsadm(8), sysctl.d(5), systemd.service(5)' },
];

/** manCommand builds `lbfw man`. */
export function manCommand(io: Io, done: (code: ExitCode) => void): Command {
  const command: Command = new Command('man')
    .description('print the lbfw(1) man page (roff), generated from the commands')
    .option('-o, --output <file>', 'write it to FILE instead of stdout')
    .addHelpText('after', '\nExamples:\n  lbfw man | man -l -\n  lbfw man -o /usr/local/share/man/man1/lbfw.1')
    .action(async (flags: { output?: string }) => {
      const page = renderMan(describeCommand(rootOf(command)), packageVersion(), MAN_SECTIONS);
      if (flags.output === undefined) io.out(page);
      else {
        await mkdir(path.dirname(path.resolve(flags.output)), { recursive: true });
        await writeFileAtomic(flags.output, page);
      }
      done(EXIT_OK);
    });
  return command;
}
