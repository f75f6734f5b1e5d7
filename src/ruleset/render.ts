/**
 * Renders Ruleset data as nft text. The replace script is ONE transaction:
 * `nft -f` commits the whole file or nothing.
 */
import { comment } from './fragments.js';
import { TABLE_FAMILY, TABLE_NAME, type NftChain, type NftSet, type Ruleset } from './types.js';

/** Elements per `add element` command: keeps each netlink message well under its size limits. */
export const ELEMENTS_PER_COMMAND = 4096;

function renderSetHeader(set: NftSet): string[] {
  return [
    `\tset ${set.name} {`,
    `\t\ttype ${set.type}`,
    ...(set.interval ? ['\t\tflags interval'] : []),
    ...(set.size === undefined ? [] : [`\t\tsize ${set.size}`]),
  ];
}

function renderChain(chain: NftChain): string[] {
  return [
    `\tchain ${chain.name} {`,
    ...(chain.hook === undefined ? [] : [`\t\ttype filter hook ${chain.hook} priority ${chain.priority}; policy ${chain.policy};`]),
    ...chain.rules.map((rule) => `\t\t${rule.text} ${comment(rule.id)}`),
    '\t}',
  ];
}

/** renderElementCommands yields `add element` commands for a set, in chunks. */
export function renderElementCommands(setName: string, elements: readonly string[], verb: 'add' | 'delete' = 'add'): string[] {
  const commands: string[] = [];
  for (let i = 0; i < elements.length; i += ELEMENTS_PER_COMMAND) {
    const chunk = elements.slice(i, i + ELEMENTS_PER_COMMAND);
    commands.push(`${verb} element ${TABLE_FAMILY} ${TABLE_NAME} ${setName} { ${chunk.join(', ')} }`);
  }
  return commands;
}

/** The table body without elements (sets' elements are added by separate commands). */
export function renderTableBody(ruleset: Ruleset): string {
  const parts = [
    `table ${TABLE_FAMILY} ${TABLE_NAME} {`,
    ...ruleset.sets.flatMap((set) => [...renderSetHeader(set), '\t}']),
    ...ruleset.chains.flatMap(renderChain),
    '}',
  ];
  return parts.join('\n');
}

/**
 * The prologue that makes a replace atomic on nft 1.0.6, which has no
 * `destroy`: create the table if missing, then delete it, in the same
 * transaction as the new table (DESIGN.md, section 3). `flush table` would
 * keep old sets and their elements.
 */
export const REPLACE_PROLOGUE = `table ${TABLE_FAMILY} ${TABLE_NAME} {}\ndelete table ${TABLE_FAMILY} ${TABLE_NAME}`;

/** renderReplaceScript renders the whole replace transaction for `nft -f -`. */
export function renderReplaceScript(ruleset: Ruleset): string {
  const elementCommands = ruleset.sets.flatMap((set) => renderElementCommands(set.name, set.elements));
  return [REPLACE_PROLOGUE, renderTableBody(ruleset), ...elementCommands, ''].join('\n');
}

/** renderDeleteScript removes lbfw's table if it exists (used when rolling back to "no table"). */
export function renderDeleteScript(): string {
  return `${REPLACE_PROLOGUE}\n`;
}

/**
 * renderTable renders the table as a person reads it (sets with their
 * elements inline); `plan` prints this. Long sets are cut to `preview`
 * elements with a count of the rest.
 */
export function renderTable(ruleset: Ruleset, preview = Infinity): string {
  const sets = ruleset.sets.flatMap((set) => {
    const shown = set.elements.slice(0, preview);
    const more = set.elements.length - shown.length;
    const elements =
      shown.length === 0 ? [] : [`\t\telements = { ${shown.join(', ')}${more > 0 ? `, ... (${more} more)` : ''} }`];
    return [...renderSetHeader(set), ...elements, '\t}'];
  });
  return [`table ${TABLE_FAMILY} ${TABLE_NAME} {`, ...sets, ...ruleset.chains.flatMap(renderChain), '}', ''].join('\n');
}
