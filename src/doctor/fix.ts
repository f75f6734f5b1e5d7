/**
 * A finding's fix as data a program can follow (FixSteps) and its one-line
 * text for people. The steps are the truth; the text is rendered from them,
 * so the two never disagree.
 */
import type { Finding, FixSteps } from './types.js';

/**
 * fixText renders steps on one line: the edit, then the commands joined by
 * `&&` (each runs only when the one before worked), then the note in
 * parentheses.
 */
export function fixText(steps: FixSteps): string {
  const commands = steps.run.join(' && ');
  const main = steps.edit === undefined ? commands : commands === '' ? steps.edit : `${steps.edit}, then ${commands}`;
  return steps.note === undefined ? main : main === '' ? steps.note : `${main} (${steps.note})`;
}

/** fixOf gives a finding both forms of its fix: the steps and their text. */
export function fixOf(steps: FixSteps): Pick<Finding, 'fix' | 'fixSteps'> {
  return { fix: fixText(steps), fixSteps: steps };
}

/** runFix is a fix made of command lines only (each complete, run in order), with an optional note. */
export function runFix(run: string | readonly string[], note?: string): Pick<Finding, 'fix' | 'fixSteps'> {
  return fixOf({ run: typeof run === 'string' ? [run] : run, ...(note === undefined ? {} : { note }) });
}

/** editFix is a fix that needs an edit by hand first, then the command lines (often a reload) that make it take effect. */
export function editFix(edit: string, run: string | readonly string[] = [], note?: string): Pick<Finding, 'fix' | 'fixSteps'> {
  return fixOf({ edit, run: typeof run === 'string' ? [run] : run, ...(note === undefined ? {} : { note }) });
}
