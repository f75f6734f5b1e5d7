/**
 * Quoting input in messages: an error about a 50 MB line must not be a 50 MB
 * line itself, and a hostile file must not put terminal escapes on the
 * operator's screen.
 */

/** Longest excerpt of an input line that a message quotes, in characters. */
export const EXCERPT_MAX = 80;

/**
 * excerpt returns `text` fit to quote in a message: control characters
 * (C0, DEL, C1) shown as `\xNN`, and cut to `max` characters with an ellipsis
 * and the full length when it is longer.
 */
export function excerpt(text: string, max: number = EXCERPT_MAX): string {
  const head = text.length > max ? text.slice(0, max) : text;
  // eslint-disable-next-line no-control-regex
  const safe = head.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return text.length > max ? `${safe}… (${text.length} characters)` : safe;
}
