/**
 * Renders Ruleset data as nft text: the replace script (one transaction,
 * see src/nft/render/script.ts) and the table as a person reads it.
 */
import { elementTexts, sliceElements } from '../nft/model/elements.js';
import { chainLines, renderScript, setHeaderLines, tableBody } from '../nft/render/script.js';
import { Transaction } from '../nft/transaction.js';
import { TABLE_FAMILY, TABLE_NAME, type Ruleset } from './types.js';

export { ELEMENTS_PER_COMMAND, REPLACE_PROLOGUE } from '../nft/render/script.js';

/** The table body without elements (sets' elements are added by separate commands). */
export function renderTableBody(ruleset: Ruleset): string {
  return tableBody(ruleset);
}

/** renderReplaceScript renders the whole replace transaction for `nft -f -`. */
export function renderReplaceScript(ruleset: Ruleset): string {
  return renderScript(new Transaction().replaceTable(ruleset));
}

/**
 * renderTable renders the table as a person reads it (sets with their
 * elements inline); `plan` prints this. Long sets are cut to `preview`
 * elements with a count of the rest.
 */
export function renderTable(ruleset: Ruleset, preview = Infinity): string {
  const sets = ruleset.sets.flatMap((set) => {
    const shown = elementTexts(sliceElements(set.elements, 0, Math.min(preview, set.elements.count)));
    const more = set.elements.count - shown.length;
    const elements =
      shown.length === 0 ? [] : [`\t\telements = { ${shown.join(', ')}${more > 0 ? `, ... (${more} more)` : ''} }`];
    return [...setHeaderLines(set), ...elements, '\t}'];
  });
  return [`table ${TABLE_FAMILY} ${TABLE_NAME} {`, ...sets, ...ruleset.chains.flatMap(chainLines), '}', ''].join('\n');
}
