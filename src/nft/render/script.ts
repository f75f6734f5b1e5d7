/**
 * Renders a Transaction as ONE `nft -f` script: nft commits the whole file
 * or nothing, so the script is one kernel transaction.
 */
import { elementTexts, sliceElements, type ElementList } from '../model/elements.js';
import { keyTypeText } from '../model/keys.js';
import { TABLE_FAMILY, TABLE_NAME, type NftChain, type NftSetSpec, type Ruleset } from '../model/objects.js';
import type { Transaction, TxOperation } from '../transaction.js';
import { commentText, priorityText, renderRuleText } from './rule-text.js';

/** Elements per `add element` command: keeps each netlink message well under its size limits. */
export const ELEMENTS_PER_COMMAND = 4096;

/** setHeaderLines renders a set's header lines (inside `set NAME {`). */
export function setHeaderLines(set: NftSetSpec): string[] {
  return [
    `\tset ${set.name} {`,
    `\t\ttype ${keyTypeText(set.key)}`,
    ...(set.interval ? ['\t\tflags interval'] : []),
    ...(set.size === undefined ? [] : [`\t\tsize ${set.size}`]),
  ];
}

/** chainLines renders a chain with its rules, each with its id as comment. */
export function chainLines(chain: NftChain): string[] {
  const base = chain.base;
  return [
    `\tchain ${chain.name} {`,
    ...(base === undefined ? [] : [`\t\ttype ${base.type} hook ${base.hook} priority ${priorityText(base.priority)}; policy ${base.policy};`]),
    ...chain.rules.map((rule) => `\t\t${renderRuleText(rule)} ${commentText(rule.id)}`),
    '\t}',
  ];
}

/** elementCommands renders `add element` (or delete) commands for a set, in chunks. */
export function elementCommands(setName: string, elements: ElementList, verb: 'add' | 'delete' = 'add'): string[] {
  const commands: string[] = [];
  for (let i = 0; i < elements.count; i += ELEMENTS_PER_COMMAND) {
    const chunk = elementTexts(sliceElements(elements, i, i + ELEMENTS_PER_COMMAND));
    commands.push(`${verb} element ${TABLE_FAMILY} ${TABLE_NAME} ${setName} { ${chunk.join(', ')} }`);
  }
  return commands;
}

/** tableBody renders the table without elements (they follow as separate commands). */
export function tableBody(ruleset: Ruleset): string {
  return [
    `table ${TABLE_FAMILY} ${TABLE_NAME} {`,
    ...ruleset.sets.flatMap((set) => [...setHeaderLines(set), '\t}']),
    ...ruleset.chains.flatMap(chainLines),
    '}',
  ].join('\n');
}

/**
 * The prologue that makes a replace atomic on nft 1.0.6, which has no
 * `destroy`: create the table if missing, then delete it, in the same
 * transaction as the new table (DESIGN.md, section 3). `flush table` would
 * keep old sets and their elements.
 */
export const REPLACE_PROLOGUE = `table ${TABLE_FAMILY} ${TABLE_NAME} {}\ndelete table ${TABLE_FAMILY} ${TABLE_NAME}`;

function operationLines(operation: TxOperation): string[] {
  switch (operation.op) {
    case 'replace-table':
      return [
        REPLACE_PROLOGUE,
        tableBody(operation.ruleset),
        ...operation.ruleset.sets.flatMap((set) => elementCommands(set.name, set.elements)),
      ];
    case 'delete-table':
      return [REPLACE_PROLOGUE];
    case 'add-elements':
      return elementCommands(operation.set, operation.elements, 'add');
    case 'delete-elements':
      return elementCommands(operation.set, operation.elements, 'delete');
    case 'flush-set':
      return [`flush set ${TABLE_FAMILY} ${TABLE_NAME} ${operation.set}`];
  }
}

/** renderScript renders the whole transaction for `nft -f -` ('' when it is empty). */
export function renderScript(tx: Transaction): string {
  if (tx.empty) return '';
  return [...tx.operations.flatMap(operationLines), ''].join('\n');
}
