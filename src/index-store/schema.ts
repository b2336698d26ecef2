/**
 * The index database's schema: connection settings, versioned migrations (PRAGMA user_version) and the
 * per-signal-type tables. Table names are derived from signal type names; nothing here names an algorithm.
 *
 * Tables
 *  - meta(key, value): schema facts and the content generation counter (see bumpGeneration).
 *  - lists: one row per list (name UNIQUE, kind 'known' | 'seen', imported_at, source_path = basename of
 *    the file, file_sha256, format, rows_added (all imports), rows_rejected (last import)).
 *  - band_layouts(signal, bands, widths): the band layout of each banded signal type's band table.
 *  - opaque: values kept but never compared (e.g. PhotoDNA), with the row's metadata.
 *  - per signal type S:
 *    hashes_S(id INTEGER PRIMARY KEY, value BLOB UNIQUE, quality): each distinct value once, bytes in
 *      hex-string order (bits.wordsToBytes); quality is the first known quality of the value. An import
 *      numbers its new values in byte order (ValueStore.hashIds), so ids say nothing about file order.
 *    entries_S: one row per (hash, list, metadata) with UNIQUE(hash_id, list_id, meta_key), so a
 *      re-imported row is a no-op; meta_key is a digest of the row's metadata (see entryMetaKey);
 *      category is the label as written, scheme the category scheme given or implied at import (NULL:
 *      inferred per label, '': deliberately unmapped), severity the rank at import (scans and match rate
 *      the category again through the policy in force).
 *    bands_S (only 256-bit Hamming types): one row per (band, key), bk = band·2^16 + key, holding a BLOB
 *      of the ids in that bucket as ascending little-endian uint32 (the layout measured fastest).
 *    chunks_S (only 256-bit Hamming types): the values packed 4096 ids per row, for fast loading into
 *      memory (value-chunks.ts).
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { SignalType } from '../hashing/signal-type.js';
import { chunkTableSql } from './value-chunks.js';

/** Current schema version (PRAGMA user_version after migrate). */
export const SCHEMA_VERSION = 4;
/** meta 'format' of a hashtriage index (files of other programs, or a sightings store, have another or none). */
export const INDEX_FORMAT = 'hashtriage-index';

/** Bands of the SQLite band tables: 16 × 16 bits (measured fastest for the one-BLOB-per-key layout). */
export const SQLITE_BAND_COUNT = 16;
/** Multiplier that packs (band, key) into the band tables' integer primary key. */
export const BAND_KEY_SPAN = 2 ** 16;

/** Table names of one signal type. */
export interface SignalTables {
  readonly hashes: string;
  readonly entries: string;
  /** Band table, or null when the type is not banded (exact digests, non-256-bit types). */
  readonly bands: string | null;
}

const NAME_RE = /^[a-z][a-z0-9_]{0,31}$/;

/** True when the type's values are searched by Hamming distance through band tables (256-bit Hamming types). */
export function isBanded(signal: SignalType): boolean {
  return signal.comparison === 'hamming' && signal.bits === 256;
}

/** Table names for a signal type; throws for names that are not plain identifiers (never interpolated unchecked). */
export function tablesFor(signal: SignalType): SignalTables {
  if (!NAME_RE.test(signal.name)) throw new Error(`signal type name "${signal.name}" is not a valid table suffix`);
  return {
    hashes: `hashes_${signal.name}`,
    entries: `entries_${signal.name}`,
    bands: isBanded(signal) ? `bands_${signal.name}` : null,
  };
}

/** Applies the connection settings every opener needs: WAL, foreign keys, synchronous=NORMAL, busy timeout. */
export function configureConnection(db: Database.Database, readonly: boolean): void {
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 30000');
  if (!readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('cache_size = -65536'); // 64 MiB page cache
}

const MIGRATIONS: ReadonlyArray<(db: Database.Database) => void> = [
  // 0 → 1: lists, meta, band layouts, opaque values.
  (db) => {
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE lists (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('known', 'seen')),
        imported_at TEXT NOT NULL,
        source_path TEXT,
        file_sha256 TEXT,
        format TEXT,
        rows_added INTEGER NOT NULL DEFAULT 0,
        rows_rejected INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE band_layouts (signal TEXT PRIMARY KEY, bands INTEGER NOT NULL, widths TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE opaque (
        id INTEGER PRIMARY KEY,
        list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        meta_key BLOB NOT NULL,
        category TEXT, severity INTEGER, series TEXT, victim_identified INTEGER,
        external_id TEXT, added_at TEXT, note TEXT,
        imported_at TEXT NOT NULL,
        UNIQUE (list_id, kind, value, meta_key)
      );
      INSERT INTO meta (key, value) VALUES ('generation', '0');
    `);
  },
  // 1 → 2: the file says what it is (sightings of scans moved to a store of their own: see openIndex).
  (db) => {
    db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('format', ?)`).run(INDEX_FORMAT);
  },
  // 2 → 3: entries keep the category scheme of their list, so a scan rates labels through the policy in
  // force. Earlier rows held only the rank computed at import: their scheme is unknown (NULL, inferred per
  // label), except rows of VICS lists, which that version always read as Project VIC.
  (db) => {
    const entryTables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'entries\\_%' ESCAPE '\\'`).pluck().all() as string[];
    for (const table of [...entryTables, 'opaque']) {
      if (!/^[a-z][a-z0-9_]*$/.test(table)) continue;
      if (!hasColumn(db, table, 'scheme')) db.exec(`ALTER TABLE ${table} ADD COLUMN scheme TEXT`);
      db.prepare(`UPDATE ${table} SET scheme = 'projectvic' WHERE list_id IN (SELECT id FROM lists WHERE format = 'vics')`).run();
    }
  },
  // 3 → 4: opaque values (PhotoDNA, source) found by the entry they came with (list and metadata key), so
  // an export writes them on that entry's line.
  (db) => {
    db.exec(`CREATE INDEX IF NOT EXISTS opaque_entry ON opaque (list_id, meta_key, kind)`);
  },
];

/**
 * Brings the database to SCHEMA_VERSION inside one transaction (each step once, in order) and makes sure
 * every given signal type has its tables. Throws when the file was written by a newer version, or is a
 * database of something else (tables but no index version, or another format).
 */
export function migrate(db: Database.Database, signals: readonly SignalType[]): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`index schema version ${version} is newer than this hashtriage supports (${SCHEMA_VERSION})`);
  }
  const problem = notAnIndex(db);
  if (problem !== null) throw new Error(problem);
  const needsTables = signals.some((s) => !tableExists(db, tablesFor(s).hashes));
  if (version === SCHEMA_VERSION && !needsTables) return;
  db.transaction(() => {
    // read again under the write lock: another process may have migrated the file while this one waited
    const current = db.pragma('user_version', { simple: true }) as number;
    for (let v = current; v < SCHEMA_VERSION; v++) MIGRATIONS[v](db);
    for (const s of signals) ensureSignalTables(db, s);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/**
 * Oldest schema a read-only open uses as it is: version 2 differs only by the entries' missing scheme
 * column, which reads as unknown (Project VIC for VICS lists; see entry-reads.ts), so an index of that
 * version on read-only storage still works.
 */
export const OLDEST_READABLE_VERSION = 2;

/** True when the database has the current schema and the tables of every given signal type (read-only check). */
export function schemaIsCurrent(db: Database.Database, signals: readonly SignalType[]): boolean {
  const version = db.pragma('user_version', { simple: true }) as number;
  return version === SCHEMA_VERSION && schemaIsReadable(db, signals);
}

/** True when a read-only open can use the database as it is: OLDEST_READABLE_VERSION or newer, no legacy sightings, every given type's tables. */
export function schemaIsReadable(db: Database.Database, signals: readonly SignalType[]): boolean {
  const version = db.pragma('user_version', { simple: true }) as number;
  return (
    version >= OLDEST_READABLE_VERSION &&
    version <= SCHEMA_VERSION &&
    notAnIndex(db) === null &&
    !hasLegacySightings(db) &&
    signals.every((s) => tableExists(db, tablesFor(s).hashes))
  );
}

/** True when `table` has a column called `column`. */
export function hasColumn(db: Database.Database, table: string, column: string): boolean {
  return (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]).includes(column);
}

/**
 * SQL for the stored scheme of a row of `table` (alias `row`, joined to lists as `list`). An index of
 * schema 2, used as it is on read-only storage, has no scheme column: its VICS lists were always read as
 * Project VIC, other labels are inferred.
 */
export function storedSchemeSql(db: Database.Database, table: string, row: string, list: string): string {
  return hasColumn(db, table, 'scheme') ? `${row}.scheme` : `CASE WHEN ${list}.format = 'vics' THEN 'projectvic' END`;
}

/** True when the index still holds sightings of scans as a list (written by an earlier version; see openIndex). */
export function hasLegacySightings(db: Database.Database): boolean {
  return db.prepare(`SELECT 1 FROM lists WHERE kind = 'seen'`).get() !== undefined;
}

/** Why the database is not (and cannot become) a hashtriage index, or null when it is one or is empty. */
export function notAnIndex(db: Database.Database): string | null {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === 0) {
    const tables = db.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'table'`).pluck().get() as number;
    return tables === 0 ? null : 'the file is an SQLite database of another program, not a hashtriage index';
  }
  const format = tableExists(db, 'meta') ? (db.prepare(`SELECT value FROM meta WHERE key = 'format'`).pluck().get() as string | undefined) : undefined;
  if (format !== undefined && format !== INDEX_FORMAT) return `the file is a ${format} file, not a hashtriage index`;
  if (!tableExists(db, 'meta') || !tableExists(db, 'lists')) return 'the file is not a hashtriage index';
  return null;
}

/** True when the database has an index of that name. */
export function indexExists(db: Database.Database, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?`).get(name) !== undefined;
}

/** True when the database has a table of that name. */
export function tableExists(db: Database.Database, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}

/** SQL of the table that lists each band table's layout (every value store has one). */
export const BAND_LAYOUTS_SQL = `CREATE TABLE IF NOT EXISTS band_layouts (signal TEXT PRIMARY KEY, bands INTEGER NOT NULL, widths TEXT NOT NULL) WITHOUT ROWID;`;

/** Creates a signal type's value table, and for banded types its band and chunk tables (idempotent). */
export function ensureValueTables(db: Database.Database, signal: SignalType): void {
  const t = tablesFor(signal);
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${t.hashes} (
      id INTEGER PRIMARY KEY,
      value BLOB NOT NULL UNIQUE,
      quality INTEGER
    );`);
  if (t.bands) {
    db.exec(`CREATE TABLE IF NOT EXISTS ${t.bands} (bk INTEGER PRIMARY KEY, ids BLOB NOT NULL);`);
    db.exec(chunkTableSql(t.hashes));
    const widths = new Array(SQLITE_BAND_COUNT).fill(256 / SQLITE_BAND_COUNT).join(',');
    db.prepare(`INSERT OR IGNORE INTO band_layouts (signal, bands, widths) VALUES (?, ?, ?)`).run(signal.name, SQLITE_BAND_COUNT, widths);
  }
}

function ensureSignalTables(db: Database.Database, signal: SignalType): void {
  const t = tablesFor(signal);
  ensureValueTables(db, signal);
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${t.entries} (
      id INTEGER PRIMARY KEY,
      hash_id INTEGER NOT NULL REFERENCES ${t.hashes}(id),
      list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
      meta_key BLOB NOT NULL,
      category TEXT, severity INTEGER, scheme TEXT, series TEXT, victim_identified INTEGER,
      external_id TEXT, added_at TEXT, note TEXT, quality INTEGER,
      imported_at TEXT NOT NULL,
      UNIQUE (hash_id, list_id, meta_key)
    );
    CREATE INDEX IF NOT EXISTS ${t.entries}_list ON ${t.entries}(list_id);
  `);
}

/** Increments the content generation: readers holding derived data (in-memory indexes) reload when it changes. */
export function bumpGeneration(db: Database.Database): void {
  db.prepare(`UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'generation'`).run();
}

/** The content generation (changes on every removal or replacement; appends are seen by max id, quality updates by re-reading quality). */
export function readGeneration(db: Database.Database): number {
  const row = db.prepare(`SELECT value FROM meta WHERE key = 'generation'`).get() as { value: string } | undefined;
  return row ? Number(row.value) : 0;
}

/** The index content stamp (meta 'content_stamp'), or '' when no write of this version has set it yet. */
export function readContentStamp(db: Database.Database): string {
  const row = db.prepare(`SELECT value FROM meta WHERE key = 'content_stamp'`).get() as { value: string } | undefined;
  return row?.value ?? '';
}

/** Gives the index a new random content stamp: call inside every write transaction (warm-start files compare it). */
export function renewContentStamp(db: Database.Database): void {
  db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('content_stamp', ?)`).run(randomBytes(16).toString('hex'));
}
