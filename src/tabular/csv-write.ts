/**
 * The CSV writer of every CSV hashtriage produces: RFC 4180 quoting (quotes doubled) and formula
 * protection (see formula.ts) on every text cell, so attacker-chosen paths, URLs, notes or labels can
 * never run as a formula in a spreadsheet. Numbers and booleans are ours and written bare.
 */
import { showControls } from './controls.js';
import { protectFormula } from './formula.js';

/** Quotes, delimiters, line breaks, and edge spaces or tabs (which readers trim from unquoted cells). */
const NEEDS_QUOTES = /[",\r\n]|^[ \t\f]|[ \t\f]$/;

function quoted(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** A text cell for people, always quoted and formula-protected, control characters shown as markers (see controls.ts); null is an empty quoted cell. */
export function csvText(value: string | null): string {
  return quoted(protectFormula(showControls(value ?? '')));
}

/** A number cell, written bare. Throws RangeError for NaN and infinities. */
export function csvNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return String(value);
}

/**
 * A cell of any value, quoted only when needed: empty for null/undefined, numbers and booleans bare,
 * anything else as formula-protected text. The list readers read every such cell back as the same text.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  const text = protectFormula(String(value));
  return NEEDS_QUOTES.test(text) ? quoted(text) : text;
}

/** One CSV row: the cells joined with commas, then `lineEnd` (CRLF as RFC 4180 has it, or "\n"). */
export function csvRow(cells: readonly string[], lineEnd: '\r\n' | '\n' = '\r\n'): string {
  return `${cells.join(',')}${lineEnd}`;
}
