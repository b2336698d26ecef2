/**
 * Formula-injection defence for CSV cells that spreadsheets open. A cell starting with = + - @ (or a tab
 * or carriage return) can run as a formula, so the writer puts an apostrophe in front of it. Cells that
 * already start with apostrophes before such a character get one more, which makes the rule reversible:
 * the readers remove exactly one apostrophe again, and every value reads back as it was written.
 */

const NEEDS_PROTECTION = /^'*[=+\-@\t\r]/;
const IS_PROTECTED = /^'+[=+\-@\t\r]/;
const APOSTROPHE = 0x27;

/** The cell text a spreadsheet shows as text, never as a formula; unprotectFormula gives `text` back. */
export function protectFormula(text: string): string {
  return NEEDS_PROTECTION.test(text) ? `'${text}` : text;
}

/** Undoes protectFormula: drops the one apostrophe it added; any other text is returned unchanged. */
export function unprotectFormula(text: string): string {
  return text.charCodeAt(0) === APOSTROPHE && IS_PROTECTED.test(text) ? text.slice(1) : text;
}
