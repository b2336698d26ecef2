/**
 * Yes/no values as lists, manifests and spreadsheets write them. One rule for every tabular input, so a
 * value accepted in one file is accepted in all of them.
 */

const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', '1', 'x', 'on']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', '0', 'off']);

/**
 * Reads a boolean: a JSON boolean, the numbers 1 and 0, or text true/false, t/f, yes/no, y/n, 1/0,
 * on/off, or x (a ticked box) in any case and with surrounding spaces. Returns null for a missing or
 * empty value and undefined for anything else (the caller reports it).
 */
export function parseBoolean(value: unknown): boolean | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (text === '') return null;
  if (TRUE_WORDS.has(text)) return true;
  if (FALSE_WORDS.has(text)) return false;
  return undefined;
}
