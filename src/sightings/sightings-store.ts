/**
 * The sightings store: what earlier scans saw, in an SQLite file of its own (by default beside the
 * index), so that the known index only ever holds known material and scans never write to it. It keeps
 * the same value, band and chunk tables as the index (value-store.ts), searched by the same matcher, plus
 * one sighting per value: the first scan that saw it, the path there, and when.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { HashtriageError } from '../errors.js';
import type { SignalType } from '../hashing/signal-type.js';
import { SIGNAL_TYPES } from '../hashing/signals.js';
import { BAND_LAYOUTS_SQL, configureConnection, ensureValueTables, tableExists, tablesFor } from '../index-store/schema.js';
import { createOwnerOnly } from '../index-store/store.js';
import { IndexMatcher } from '../index-store/matcher.js';
import { ValueStore } from '../index-store/value-store.js';

/** meta 'format' of a sightings store. */
export const SIGHTINGS_FORMAT = 'hashtriage-sightings';
/** Schema version of the sightings store (PRAGMA user_version). */
const SIGHTINGS_SCHEMA_VERSION = 1;

/** One value seen by a scan. */
export interface SeenItem {
  readonly signal: string;
  readonly value: Uint32Array;
  readonly quality?: number | null;
  /** Path of the file as the scan names it. */
  readonly path: string;
  /** ISO 8601 time of the sighting. */
  readonly seenAt: string;
}

/** The first sighting of a value, attached to hits on the sightings store. */
export interface Sighting {
  /** Label of the scan that saw it first. */
  readonly scan: string;
  readonly path: string | null;
  readonly seenAt: string;
}

/** Table of the first sighting of each value of a signal type. */
function seenTable(signal: SignalType): string {
  return `seen_${signal.name}`;
}

/** An open sightings store. */
export class SightingsStore extends ValueStore {
  /**
   * Records values seen by a scan, atomically. Only the first (earliest) sighting of a value is kept, so
   * repeating a batch changes nothing. Returns how many values were new to the store's sightings.
   */
  record(scanLabel: string, items: readonly SeenItem[]): { recorded: number; alreadySeen: number } {
    return this.writeTransaction(() => {
      let recorded = 0;
      let alreadySeen = 0;
      for (const item of items) {
        const signal = this.signal(item.signal);
        if (!signal) throw new HashtriageError('BAD_INPUT', `sightings: unknown signal type ${item.signal}`);
        if (item.value.length * 32 !== signal.bits) throw new HashtriageError('BAD_INPUT', `sightings: ${item.signal} value has ${item.value.length * 32} bits, expected ${signal.bits}`);
        const quality = signal.source === 'pixels' ? (item.quality ?? null) : null;
        const id = this.hashId(signal, item.value, quality);
        const table = seenTable(signal);
        const first = this.stmt(`SELECT seen_at FROM ${table} WHERE hash_id = ?`).pluck().get(id) as string | undefined;
        if (first === undefined) {
          this.stmt(`INSERT INTO ${table} (hash_id, scan, path, seen_at) VALUES (?, ?, ?, ?)`).run(id, scanLabel, item.path, item.seenAt);
          recorded++;
        } else {
          // an earlier sighting than the one on record (scans recorded out of order) becomes the first
          // '' is an unknown time (moved from an earlier version): any known time replaces it
          if (item.seenAt !== '' && (first === '' || item.seenAt < first)) this.stmt(`UPDATE ${table} SET scan = ?, path = ?, seen_at = ? WHERE hash_id = ?`).run(scanLabel, item.path, item.seenAt, id);
          alreadySeen++;
        }
      }
      return { recorded, alreadySeen };
    });
  }

  /** The sighting of each given hash id (ids without one are absent). */
  sightingsOf(signal: SignalType, ids: readonly number[]): Map<number, Sighting[]> {
    const out = new Map<number, Sighting[]>();
    if (ids.length === 0) return out;
    const rows = this.stmt(`SELECT hash_id, scan, path, seen_at FROM ${seenTable(signal)} WHERE hash_id IN (SELECT value FROM json_each(?))`).all(
      JSON.stringify(ids),
    ) as Array<{ hash_id: number; scan: string; path: string | null; seen_at: string }>;
    for (const r of rows) out.set(r.hash_id, [{ scan: r.scan, path: r.path, seenAt: r.seen_at }]);
    return out;
  }

  /** Number of values with a sighting, per signal type. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.signals) out[s.name] = this.stmt(`SELECT count(*) FROM ${seenTable(s)}`).pluck().get() as number;
    return out;
  }
}

/** A matcher over the sightings store whose hits carry their first sighting. */
export function sightingsMatcher(store: SightingsStore): IndexMatcher<Sighting> {
  return new IndexMatcher(store, (signal, ids) => store.sightingsOf(signal, ids));
}

/**
 * Opens the sightings store at `file`: writable (created owner-only when missing) or read-only (null when
 * there is no file: nothing was seen yet). Throws HashtriageError BAD_INPUT for a file that is not a
 * sightings store (an index given by mistake, say) or cannot be opened.
 */
export function openSightings(file: string, options: { readonly readonly?: boolean; readonly signals?: readonly SignalType[] } = {}): SightingsStore | null {
  const readonly = options.readonly ?? false;
  const signals = options.signals ?? SIGNAL_TYPES;
  if (readonly && !existsSync(file)) return null;
  let db: Database.Database | undefined;
  try {
    if (!readonly && !existsSync(file)) createOwnerOnly(file);
    db = new Database(file, { readonly, fileMustExist: readonly });
    const problem = notSightings(db); // before any setting changes the file
    if (problem !== null) throw new Error(problem);
    configureConnection(db, readonly);
    if (!readonly) migrateSightings(db, signals);
    else if (!signals.every((s) => tableExists(db!, seenTable(s)))) throw new Error('it was written by another version of hashtriage');
  } catch (err) {
    db?.close();
    throw new HashtriageError('BAD_INPUT', `cannot use ${file} as a sightings store: ${(err as Error).message}`);
  }
  return new SightingsStore(db, file, readonly, signals);
}

/** Why the file is not (and cannot become) a sightings store, or null. */
function notSightings(db: Database.Database): string | null {
  const version = db.pragma('user_version', { simple: true }) as number;
  const tables = db.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'table'`).pluck().get() as number;
  if (version === 0) return tables === 0 ? null : 'the file is an SQLite database of another program';
  const format = tableExists(db, 'meta') ? (db.prepare(`SELECT value FROM meta WHERE key = 'format'`).pluck().get() as string | undefined) : undefined;
  if (format !== SIGHTINGS_FORMAT) return `the file is ${format ? `a ${format} file` : 'a database of another kind'}, not a sightings store`;
  if (version > SIGHTINGS_SCHEMA_VERSION) return `its schema version ${version} is newer than this hashtriage supports`;
  return null;
}

/** Creates the schema of a new store and the tables of every given signal type (one transaction). */
function migrateSightings(db: Database.Database, signals: readonly SignalType[]): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === SIGHTINGS_SCHEMA_VERSION && signals.every((s) => tableExists(db, seenTable(s)))) return;
  db.transaction(() => {
    // read again under the write lock: another process may have created the schema while this one waited
    if ((db.pragma('user_version', { simple: true }) as number) === 0) {
      db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID; ${BAND_LAYOUTS_SQL}`);
      db.prepare(`INSERT INTO meta (key, value) VALUES ('format', ?), ('generation', '0')`).run(SIGHTINGS_FORMAT);
    }
    for (const s of signals) {
      ensureValueTables(db, s);
      db.exec(
        `CREATE TABLE IF NOT EXISTS ${seenTable(s)} (
           hash_id INTEGER PRIMARY KEY REFERENCES ${tablesFor(s).hashes}(id),
           scan TEXT NOT NULL, path TEXT, seen_at TEXT NOT NULL
         )`,
      );
    }
    db.pragma(`user_version = ${SIGHTINGS_SCHEMA_VERSION}`);
  }).immediate();
}
