/**
 * Helpers for the list-importer tests: synthetic list files (random hex only, never real hashes) in a
 * private temporary directory, and a reader that collects every item of a list.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wordsToHex } from '../../src/hashing/bits.js';
import { readList, type ReadListOptions } from '../../src/index-store/import/read-list.js';
import { SIGNAL_BITS } from '../../src/index-store/import/fields.js';
import type { ImportItem, ImportRow, RowError } from '../../src/index-store/types.js';
import { loadSeverityPolicy } from '../../src/policy/severity.js';

/** Random lowercase hex of `digits` digits. */
export function hex(digits: number): string {
  return randomBytes(Math.ceil(digits / 2)).toString('hex').slice(0, digits);
}

/** A temp directory with a writer for list files; `cleanup` removes it. */
export function listDir(): { write(name: string, content: string | Buffer): string; cleanup(): void; path: string } {
  const path = mkdtempSync(join(tmpdir(), 'hashtriage-lists-'));
  return {
    path,
    write(name, content) {
      const file = join(path, name);
      writeFileSync(file, content, { mode: 0o600 });
      return file;
    },
    cleanup() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}

export const policy = loadSeverityPolicy();

/** Reads a whole list: its detected format, good rows and errors, in file order. */
export async function readAll(
  file: string,
  opts: Partial<ReadListOptions> = {},
): Promise<{ format: string; items: ImportItem[]; rows: ImportRow[]; errors: RowError[] }> {
  const reader = await readList(file, { severity: policy, ...opts });
  const items: ImportItem[] = [];
  for await (const item of reader.items) items.push(item);
  return {
    format: reader.format,
    items,
    rows: items.flatMap((i) => (i.kind === 'row' ? [i.row] : [])),
    errors: items.flatMap((i) => (i.kind === 'error' ? [i.error] : [])),
  };
}

/** The hashes of a row as {signal: hex} (hex re-formatted from the parsed words). */
export function hexOf(row: ImportRow): Record<string, string> {
  return Object.fromEntries(row.hashes.map((h) => [h.signal, wordsToHex(h.value, SIGNAL_BITS[h.signal])]));
}
