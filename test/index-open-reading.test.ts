/**
 * openIndexForReading, the read-only open of one-shot lookups (`match`): the same store and errors as
 * openIndex(file, { readonly: true }), including the upgrade of an earlier version's index, whose code it
 * loads only when the file needs it.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signalTypeByName } from '../src/hashing/signals.js';
import { defaultSightingsPath } from '../src/index-store/db-path.js';
import { importList } from '../src/index-store/list-writer.js';
import { openIndexForReading } from '../src/index-store/open-for-reading.js';
import { openIndex } from '../src/index-store/open-index.js';
import type { ImportItem } from '../src/index-store/types.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-open-reading-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pdq = signalTypeByName('pdq')!;
const value = new Uint32Array([1, 2, 3, 4, 5, 6, 7, 0x80000000]);

async function indexWithOneValue(file: string): Promise<void> {
  const store = openIndex(file);
  async function* rows(): AsyncGenerator<ImportItem> {
    yield { kind: 'row', row: { line: 1, hashes: [{ signal: 'pdq', value }], meta: { category: 'A1' } } };
  }
  await importList(store, { name: 'known', sourcePath: null, fileSha256: null, format: 'generated' }, rows());
  store.close();
}

describe('openIndexForReading', () => {
  it('opens a current index read-only with its values', async () => {
    const file = path.join(dir, 'current.db');
    await indexWithOneValue(file);
    const store = await openIndexForReading(file);
    try {
      expect(store.readonly).toBe(true);
      expect(store.db.prepare(`SELECT count(*) FROM ${store.tablesOf(pdq).hashes}`).pluck().get()).toBe(1);
    } finally {
      store.close();
    }
  });

  it("upgrades an earlier version's index (sightings kept as a list) on writable storage, as openIndex does", async () => {
    const file = path.join(dir, 'legacy.db');
    await indexWithOneValue(file);
    const raw = new Database(file);
    raw.prepare(`INSERT INTO lists (name, kind, imported_at) VALUES ('@seen', 'seen', '2024-01-01T00:00:00Z')`).run();
    raw.close();
    const store = await openIndexForReading(file);
    try {
      expect(store.readonly).toBe(true);
      expect(store.db.prepare(`SELECT count(*) FROM lists WHERE kind = 'seen'`).pluck().get()).toBe(0);
      expect(store.db.prepare(`SELECT name FROM lists`).pluck().all()).toEqual(['known']);
      expect(existsSync(defaultSightingsPath(file))).toBe(true);
    } finally {
      store.close();
    }
  });

  it('refuses a missing file (NOT_FOUND) and a file that is not an index (BAD_INPUT), like openIndex', async () => {
    await expect(openIndexForReading(path.join(dir, 'missing.db'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const other = path.join(dir, 'other.db');
    const raw = new Database(other);
    raw.exec('CREATE TABLE t (x)');
    raw.close();
    await expect(openIndexForReading(other)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    const text = path.join(dir, 'text.db');
    writeFileSync(text, 'not a database at all, just text\n');
    await expect(openIndexForReading(text)).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});
