/**
 * lbfw(1) in roff (man(7) macros), rendered from the command tree so the
 * page lists exactly the commands and options lbfw has. Pure.
 */
import type { CommandNode } from './command-tree.js';
import { walkCommands } from './command-tree.js';

/** roff escapes text for a man page: backslashes, hyphens, and control characters at line starts. */
export function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
}

function synopsis(node: CommandNode): string {
  const args = node.arguments.map((a) => {
    const name = `${a.name}${a.variadic ? '...' : ''}`;
    return a.required ? `<${name}>` : `[${name}]`;
  });
  const parts = [...node.path, ...(node.options.length > 1 ? ['[options]'] : []), ...(node.subcommands.length > 0 ? ['<command>'] : []), ...args];
  return parts.join(' ');
}

/** ManSection: extra prose for the page (exit status, files, ...). */
export interface ManSection {
  readonly title: string;
  readonly body: string;
}

/** renderMan returns the man page of `root` for `version`, with extra sections after the commands. */
export function renderMan(root: CommandNode, version: string, sections: readonly ManSection[]): string {
  const lines: string[] = [
    `.TH ${root.name.toUpperCase()} 1 "" "${root.name} ${version}" "User Commands"`,
    '.SH NAME',
    `${root.name} \\- ${roff(root.description)}`,
    '.SH SYNOPSIS',
    `.B ${root.name}`,
    '<command> [options]',
    '.SH COMMANDS',
  ];
  for (const node of walkCommands(root)) {
    if (node === root) continue;
    lines.push(`.SS "${roff(synopsis(node))}"`, roff(node.description));
    for (const arg of node.arguments.filter((a) => a.description !== '')) lines.push('.TP', `.I ${roff(arg.name)}`, roff(arg.description));
    for (const option of node.options) lines.push('.TP', `.B ${roff(option.flags)}`, roff(option.description));
  }
  lines.push('.SH GLOBAL OPTIONS');
  for (const option of root.options) lines.push('.TP', `.B ${roff(option.flags)}`, roff(option.description));
  for (const section of sections) lines.push(`.SH ${roff(section.title.toUpperCase())}`, ...section.body.split('\n\n').flatMap((p, i) => (i === 0 ? [roff(p)] : ['.PP', roff(p)])));
  return `${lines.join('\n')}\n`;
}
