/**
 * commander's own errors (unknown option, missing argument, bad choice,
 * unknown command) in lbfw's one-line form: `lbfw: what is wrong: see
 * \`lbfw CMD --help\``, instead of commander's `error: ...` plus the help.
 */
import type { Command } from 'commander';

/** commandPath: `lbfw lab up` for the `up` command under `lab`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** commanderErrorLine turns commander's error text into one `lbfw:` line naming the help to read. */
export function commanderErrorLine(text: string, command: Command): string {
  const message = text
    .replace(/^error:\s*/i, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ')
    .replace(/\.$/, '');
  return `lbfw: ${message}: see \`${commandPath(command)} --help\`\n`;
}
