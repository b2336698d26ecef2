/**
 * Taking entries out of the known index: a whole list, or a list's old contents on `import --replace`.
 * Values no entry refers to any more are deleted with their band and chunk rows, so the index never
 * holds a value without an entry.
 */
import { updateBands } from './band-tables.js';
import { bumpGeneration } from './schema.js';
import type { IndexStore } from './store.js';
import { updateChunks } from './value-chunks.js';
import { valuesOf } from './value-reads.js';

/** Result of removing a list. */
export interface RemoveSummary {
  readonly removed: boolean;
  readonly entries: number;
  /** Distinct values deleted because no list refers to them any more. */
  readonly valuesDeleted: number;
}

/** Deletes a list, its entries and opaque values, and every value no other list refers to; atomic. */
export function removeList(store: IndexStore, name: string): RemoveSummary {
  const db = store.db;
  return store.writeTransaction(() => {
    const list = db.prepare(`SELECT id FROM lists WHERE name = ?`).get(name) as { id: number } | undefined;
    if (!list) return { removed: false, entries: 0, valuesDeleted: 0 };
    stashListHashes(store, list.id);
    const entries = deleteListEntries(store, list.id);
    db.prepare(`DELETE FROM lists WHERE id = ?`).run(list.id);
    const valuesDeleted = deleteOrphans(store);
    bumpGeneration(db);
    return { removed: true, entries, valuesDeleted };
  });
}

/**
 * Copies the hash ids a list refers to into temp tables, so that deleteOrphans can find the values left
 * without entries once its entries are gone. Inside a write transaction.
 */
export function stashListHashes(store: IndexStore, listId: number): void {
  for (const s of store.signals) {
    const t = store.tablesOf(s);
    store.db.exec(`CREATE TEMP TABLE IF NOT EXISTS stash_${s.name} (id INTEGER PRIMARY KEY)`);
    store.db.prepare(`INSERT OR IGNORE INTO temp.stash_${s.name} (id) SELECT hash_id FROM ${t.entries} WHERE list_id = ?`).run(listId);
  }
}

/** Deletes a list's entries and opaque values; returns how many. Inside a write transaction. */
export function deleteListEntries(store: IndexStore, listId: number): number {
  let n = 0;
  for (const s of store.signals) n += store.db.prepare(`DELETE FROM ${store.tablesOf(s).entries} WHERE list_id = ?`).run(listId).changes;
  n += store.db.prepare(`DELETE FROM opaque WHERE list_id = ?`).run(listId).changes;
  return n;
}

/** Deletes stashed values that no entry refers to any more (and takes them out of the band tables). */
export function deleteOrphans(store: IndexStore): number {
  const db = store.db;
  let deleted = 0;
  for (const s of store.signals) {
    const t = store.tablesOf(s);
    const orphanIds = db
      .prepare(`SELECT id FROM temp.stash_${s.name} st WHERE NOT EXISTS (SELECT 1 FROM ${t.entries} e WHERE e.hash_id = st.id) ORDER BY id`)
      .pluck()
      .all() as number[];
    db.exec(`DELETE FROM temp.stash_${s.name}`);
    if (orphanIds.length === 0) continue;
    if (t.bands) {
      const ids = Uint32Array.from(orphanIds);
      const codes = new Uint32Array(ids.length * 8);
      const values = valuesOf(store, s, orphanIds);
      ids.forEach((id, i) => codes.set(values.get(id)!.value, i * 8));
      updateBands(db, t.bands, { ids, codes, count: ids.length }, 'remove');
      updateChunks(db, t.hashes, { ids, codes, count: ids.length }, 'remove');
    }
    const del = db.prepare(`DELETE FROM ${t.hashes} WHERE id = ?`);
    for (const id of orphanIds) deleted += del.run(id).changes;
  }
  return deleted;
}
