/**
 * Opening the index as commands need it: writable for imports and removals, read-only for lookups (scan,
 * match, stats). An index written by an earlier version is brought up to date on its first writable open:
 * that version kept the sightings of scans in the index as the list '@seen', and they move to the
 * sightings store beside the index (first sighting wins, so a move repeated after a crash changes
 * nothing), after which the index holds known material only.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { bytesToWords } from '../hashing/bits.js';
import type { SignalType } from '../hashing/signal-type.js';
import { SIGNAL_TYPES } from '../hashing/signals.js';
import { openSightings, type SeenItem } from '../sightings/sightings-store.js';
import { wrongValueLength } from './damaged.js';
import { removeList } from './list-removal.js';
import { hasLegacySightings, SCHEMA_VERSION } from './schema.js';
import { DEFAULT_DB_PATH, defaultSightingsPath } from './db-path.js';
import { IndexNeedsUpgrade, openIndexConnection, type IndexStore } from './store.js';

/** How to open the index. */
export interface OpenIndexOptions {
  /** Open without writing (the file must exist). */
  readonly readonly?: boolean;
  /** Signal types the index knows (default: every signal type hashtriage computes). */
  readonly signals?: readonly SignalType[];
}

/**
 * Opens the index at `file` (created and migrated when writable). A read-only open of an earlier
 * version's index upgrades it first when the file and its folder are writable; on read-only storage an
 * index of a readable earlier version (schemaIsReadable) is used as it is. Throws HashtriageError
 * NOT_FOUND when a read-only open finds no file, BAD_INPUT when the file is not a usable index.
 */
export function openIndex(file: string = DEFAULT_DB_PATH, options: OpenIndexOptions = {}): IndexStore {
  const signals = options.signals ?? SIGNAL_TYPES;
  if (!options.readonly) {
    const store = openIndexConnection(file, false, signals);
    try {
      moveLegacySightings(store);
    } catch (err) {
      store.close();
      throw err;
    }
    return store;
  }
  try {
    const store = openIndexConnection(file, true, signals);
    // an earlier but readable version is used as it is only where it cannot be upgraded (read-only storage)
    if ((store.db.pragma('user_version', { simple: true }) as number) === SCHEMA_VERSION || !writable(file)) return store;
    store.close();
  } catch (err) {
    if (!(err instanceof IndexNeedsUpgrade) || !writable(file)) throw err;
  }
  openIndex(file, { signals }).close();
  return openIndexConnection(file, true, signals);
}

function writable(file: string): boolean {
  try {
    accessSync(file, constants.W_OK);
    accessSync(path.dirname(path.resolve(file)), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Moves an earlier version's '@seen' list into the sightings store beside the index, then removes it. */
function moveLegacySightings(store: IndexStore): void {
  if (!hasLegacySightings(store.db)) return;
  const lists = store.db.prepare(`SELECT id, name FROM lists WHERE kind = 'seen'`).all() as Array<{ id: number; name: string }>;
  const sightings = openSightings(defaultSightingsPath(store.path), { signals: store.signals })!;
  try {
    for (const list of lists) {
      const byScan = new Map<string, SeenItem[]>();
      for (const signal of store.signals) {
        const t = store.tablesOf(signal);
        const rows = store.db
          .prepare(`SELECT h.id, h.value, e.quality, e.external_id, e.added_at, e.note FROM ${t.entries} e JOIN ${t.hashes} h ON h.id = e.hash_id WHERE e.list_id = ?`)
          .all(list.id) as Array<{ id: number; value: Buffer; quality: number | null; external_id: string | null; added_at: string | null; note: string | null }>;
        for (const r of rows) {
          const scan = r.external_id ?? list.name;
          const prefix = `${scan}: `;
          const seenPath = r.note === null ? '' : r.note.startsWith(prefix) ? r.note.slice(prefix.length) : r.note;
          let items = byScan.get(scan);
          if (!items) byScan.set(scan, (items = []));
          if (r.value.byteLength !== signal.bits / 8) throw wrongValueLength(store.db, t.hashes, r.id, r.value, signal.bits / 8);
          items.push({ signal: signal.name, value: bytesToWords(r.value), quality: r.quality, path: seenPath, seenAt: r.added_at ?? '' });
        }
      }
      for (const [scan, items] of byScan) sightings.record(scan, items);
      removeList(store, list.name);
    }
  } finally {
    sightings.close();
  }
}
