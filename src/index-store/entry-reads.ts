/** Reads of the known index's list entries that the matcher attaches to hits. Read-only. */
import type { SignalType } from '../hashing/signal-type.js';
import { storedSchemeSql } from './schema.js';
import { IndexMatcher } from './matcher.js';
import { sidecarPath } from './memory-sidecar.js';
import type { IndexStore } from './store.js';
import type { MatchEntry } from './types.js';

/** One list entry as the entry tables and the lists table give it (column names as in SQL). */
export interface EntryRow {
  readonly list: string;
  readonly category: string | null;
  readonly severity: number | null;
  readonly scheme: string | null;
  readonly series: string | null;
  readonly victim_identified: number | null;
  readonly external_id: string | null;
  readonly added_at: string | null;
  readonly note: string | null;
}

/** Entries of the given hash ids, each list sorted by list name then entry order. */
export function knownEntriesOf(store: IndexStore, signal: SignalType, ids: readonly number[]): Map<number, MatchEntry[]> {
  const out = new Map<number, MatchEntry[]>();
  if (ids.length === 0) return out;
  const t = store.tablesOf(signal);
  const stmt = store.stmt(
    `SELECT e.hash_id, l.name AS list, e.category, e.severity, ${storedSchemeSql(store.db, t.entries, 'e', 'l')} AS scheme, e.series, e.victim_identified, e.external_id, e.added_at, e.note
     FROM ${t.entries} e JOIN lists l ON l.id = e.list_id
     WHERE e.hash_id IN (SELECT value FROM json_each(?)) ORDER BY l.name, e.id`,
  );
  for (const r of stmt.all(JSON.stringify(ids)) as Array<EntryRow & { hash_id: number }>) {
    let list = out.get(r.hash_id);
    if (!list) out.set(r.hash_id, (list = []));
    list.push({
      list: r.list,
      category: r.category,
      severity: r.severity,
      scheme: r.scheme,
      series: r.series,
      victimIdentified: r.victim_identified === null ? null : r.victim_identified === 1,
      externalId: r.external_id,
      addedAt: r.added_at,
      note: r.note,
    });
  }
  return out;
}

/**
 * A matcher over the known index whose hits carry their list entries. With warmStart (the default) it
 * loads and saves its in-memory index through the warm-start file beside the index (memory-sidecar.ts).
 */
export function knownMatcher(store: IndexStore, options: { readonly warmStart?: boolean } = {}): IndexMatcher<MatchEntry> {
  const file = store.path;
  const warm = options.warmStart === false || file === '' || file === ':memory:' ? undefined : (signal: SignalType, includeLow: boolean) => sidecarPath(file, signal, includeLow);
  return new IndexMatcher(store, (signal, ids) => knownEntriesOf(store, signal, ids), warm);
}
