/**
 * The commander program as plain data: commands, their options and
 * arguments. Shell completion and the man page are both rendered from it,
 * so neither can drift from the commands lbfw really has.
 */
import type { Command } from 'commander';

/** OptionNode: one option of a command. */
export interface OptionNode {
  /** As written in help, e.g. `-c, --config <file>`. */
  readonly flags: string;
  readonly long?: string;
  readonly short?: string;
  readonly description: string;
  /** True when the option takes a value. */
  readonly takesValue: boolean;
  /** The values it accepts, when commander knows them. */
  readonly choices?: readonly string[];
}

/** ArgumentNode: one positional argument. */
export interface ArgumentNode {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  readonly variadic: boolean;
}

/** CommandNode: a command with its options, arguments and subcommands. */
export interface CommandNode {
  readonly name: string;
  /** The words from the root, e.g. `['lbfw', 'lab', 'up']`. */
  readonly path: readonly string[];
  readonly description: string;
  readonly options: readonly OptionNode[];
  readonly arguments: readonly ArgumentNode[];
  readonly subcommands: readonly CommandNode[];
}

/** describeCommand turns a commander command (and everything under it) into data. */
export function describeCommand(command: Command, parentPath: readonly string[] = []): CommandNode {
  const path = [...parentPath, command.name()];
  const options: OptionNode[] = command.options
    .filter((o) => !o.hidden)
    .map((o) => ({
      flags: o.flags,
      ...(o.long === undefined ? {} : { long: o.long }),
      ...(o.short === undefined ? {} : { short: o.short }),
      description: o.description,
      takesValue: o.required || o.optional,
      ...(o.argChoices === undefined ? {} : { choices: [...o.argChoices] }),
    }));
  options.push({ flags: '-h, --help', long: '--help', short: '-h', description: 'display help for the command', takesValue: false });
  return {
    name: command.name(),
    path,
    description: command.description(),
    options,
    arguments: command.registeredArguments.map((a) => ({ name: a.name(), description: a.description, required: a.required, variadic: a.variadic })),
    subcommands: command.commands.filter((c) => c.name() !== 'help').map((c) => describeCommand(c, path)),
  };
}

/** walkCommands lists a node and every node under it, depth first. */
export function walkCommands(node: CommandNode): CommandNode[] {
  return [node, ...node.subcommands.flatMap(walkCommands)];
}
