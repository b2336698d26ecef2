/**
 * Where benchmark results go and how they look: bench/results/<name>.json (every number, for machines)
 * next to bench/results/<name>.md (the tables people read), both owner-only, plus Markdown helpers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/results of this checkout. */
export const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');

/**
 * Writes `<dir>/<name>.json` (data, pretty-printed) and `<dir>/<name>.md` (markdown), creating the
 * directory owner-only; returns both paths. Each file is written whole (no half-written JSON on success).
 */
export function writeResults(name: string, data: unknown, markdown: string, dir: string = RESULTS_DIR): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const json = path.join(dir, `${name}.json`);
  const md = path.join(dir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  writeFileSync(md, markdown.endsWith('\n') ? markdown : `${markdown}\n`, { mode: 0o600 });
  return { json, markdown: md };
}

/** Column alignment: left or right. */
export type Align = 'l' | 'r';

/** A Markdown table; cells are converted with String(); `align` defaults to left for the first column, right for the rest. */
export function markdownTable(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>, align?: readonly Align[]): string {
  const al = headers.map((_, i) => align?.[i] ?? (i === 0 ? 'l' : 'r'));
  const line = (cells: ReadonlyArray<string | number>) => `| ${cells.map((c) => String(c).replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(headers), `|${al.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Rounds to `digits` decimals (a number, for JSON). */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** An integer with thousands separators ("12,345"). */
export function fmtInt(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : String(value);
}

/** A speed-up: "46×" from 10 up, "4.6×" below 10, "0.46×" below 1. */
export function fmtRatio(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const digits = value >= 10 ? 0 : value >= 1 ? 1 : 2;
  return `${value.toFixed(digits)}×`;
}

/** A median with its spread as "median (min–max)". */
export function fmtSpread(s: { median: number; min: number; max: number }, format: (v: number) => string = fmtInt): string {
  return `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}
