/**
 * The known-hash index: one SQLite file holding lists, distinct hash values per signal type, list
 * entries, opaque values, and band tables for the 256-bit Hamming types. Writes are atomic: an import,
 * a removal or a batch of sightings either lands completely or not at all (one IMMEDIATE transaction,
 * WAL journal), so a killed process leaves the database as it was before or after.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { HashtriageError } from '../errors.js';
import { bytesToWords, wordsToBytes } from '../hashing/bits.js';
import type { SignalType } from '../hashing/signal-type.js';
import { SIGNAL_TYPES } from '../hashing/signals.js';
import { readIdCodes, SQLITE_LAYOUT, updateBands, verifyBands } from './band-tables.js';
import { IdCodeBuffer, type IdCodes } from './id-blobs.js';
import { readChunks, updateChunks, verifyChunks } from './value-chunks.js';
import {
  bumpGeneration,
  configureConnection,
  isBanded,
  migrate,
  readGeneration,
  schemaIsCurrent,
  tablesFor,
  type SignalTables,
} from './schema.js';
import type { EntryMeta, ImportItem, ImportRow, ImportSummary, MatchEntry, RowError } from './types.js';

/** Default database file, relative to the working directory. */
export const DEFAULT_DB_PATH = 'hashtriage.db';
/** Environment variable that overrides the default database path. */
export const DB_ENV_VAR = 'HASHTRIAGE_DB';
/** Name of the reserved list that holds content seen by earlier scans. */
export const SEEN_LIST = '@seen';

/** The database path to use: the --db flag, else $HASHTRIAGE_DB, else ./hashtriage.db. */
export function resolveDbPath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== '') return flag;
  const fromEnv = env[DB_ENV_VAR];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return DEFAULT_DB_PATH;
}

/** How to open the index. */
export interface OpenIndexOptions {
  /** Open without writing (the file must exist and have the current schema). */
  readonly readonly?: boolean;
  /** Signal types the index knows (default: every signal type hashtriage computes). */
  readonly signals?: readonly SignalType[];
}

/**
 * Opens (creating and migrating when writable) the index at `file`. Throws HashtriageError NOT_FOUND when
 * a read-only open finds no file, BAD_INPUT when the file is not a usable index.
 */
export function openIndex(file: string = DEFAULT_DB_PATH, options: OpenIndexOptions = {}): IndexStore {
  const readonly = options.readonly ?? false;
  const signals = options.signals ?? SIGNAL_TYPES;
  if (readonly && !existsSync(file)) {
    throw new HashtriageError('NOT_FOUND', `no index at ${file} (import a list first, or pass --db / set ${DB_ENV_VAR})`);
  }
  let db: Database.Database | undefined;
  try {
    // a new index file is created owner-only before SQLite writes to it (its WAL and SHM files follow)
    if (!readonly && !existsSync(file)) closeSync(openSync(file, 'wx', 0o600));
    db = new Database(file, { readonly, fileMustExist: readonly });
    configureConnection(db, readonly);
    if (readonly) {
      if (!schemaIsCurrent(db, signals)) throw new Error('the file is not a hashtriage index of this version');
    } else {
      migrate(db, signals);
    }
  } catch (err) {
    db?.close();
    if (err instanceof HashtriageError) throw err;
    throw new HashtriageError('BAD_INPUT', `cannot use ${file} as an index: ${(err as Error).message}`);
  }
  return new IndexStore(db, file, readonly, signals);
}

/** What identifies one import of one list. */
export interface ListSource {
  readonly name: string;
  readonly kind?: 'known';
  /** Path of the list file; only its base name is stored. */
  readonly sourcePath: string | null;
  /** SHA-256 hex of the file's bytes: the same digest under the same name is imported once. */
  readonly fileSha256: string | null;
  readonly format: string;
}

/** Options of one import. */
export interface ImportOptions {
  /** Replace the list's current contents with this file's (atomically). */
  readonly replace?: boolean;
  /** Called for each rejected row as it is met (the summary keeps only the first MAX_KEPT_ERRORS). */
  readonly onRowError?: (error: RowError) => void;
  /** Called every PROGRESS_EVERY rows with the number of rows read so far. */
  readonly onProgress?: (rows: number) => void;
}

/** Rows written per prepared-statement batch. */
const BATCH_ROWS = 1000;
/** New values queued before they are written to the band and chunk tables (bounds import memory). */
const PENDING_FLUSH = 1 << 22;
/** Page cache of a writing import (random inserts into the value index need the index in cache). */
const IMPORT_CACHE_KIB = 512 * 1024;
/** Page cache otherwise (matches configureConnection). */
const DEFAULT_CACHE_KIB = 64 * 1024;
/** Rejected rows kept in ImportSummary.errors (all of them go to onRowError). */
export const MAX_KEPT_ERRORS = 1000;
const PROGRESS_EVERY = 10_000;

/** One list as stats and the CLI show it. */
export interface ListInfo {
  readonly name: string;
  readonly kind: 'known' | 'seen';
  readonly importedAt: string;
  readonly sourcePath: string | null;
  readonly fileSha256: string | null;
  readonly format: string | null;
  /** Rows added over all imports of the list (since the last --replace). */
  readonly rowsAdded: number;
  /** Rows rejected by the last import. */
  readonly rowsRejected: number;
  /** Entries per signal type. */
  readonly entries: Readonly<Record<string, number>>;
  readonly opaque: number;
}

/** Counts for one signal type. */
export interface SignalStats {
  readonly signal: string;
  readonly comparison: 'hamming' | 'exact';
  /** Distinct values stored. */
  readonly values: number;
  readonly entries: number;
  /** Values whose quality is below the type's minMatchQuality (kept, not matched by default). */
  readonly lowQuality: number;
  /** Band layout and bucket sizes (banded types only). */
  readonly bands?: {
    readonly count: number;
    readonly widths: readonly number[];
    readonly rows: number;
    readonly bucketMax: number;
    readonly bucketP50: number;
    readonly bucketP90: number;
    readonly bucketP99: number;
  };
}

/** Everything `index stats` reports. */
export interface IndexStats {
  readonly path: string;
  readonly schemaVersion: number;
  /** Bytes of the database file plus its WAL. */
  readonly bytesOnDisk: number;
  readonly lists: readonly ListInfo[];
  readonly signals: readonly SignalStats[];
  readonly opaque: number;
}

/** Result of `verify`: empty `problems` means consistent. */
export interface VerifyReport {
  readonly ok: boolean;
  readonly problems: readonly string[];
  /** Per banded signal type, the number of values checked. */
  readonly checked: Readonly<Record<string, number>>;
}

/** Result of removing a list. */
export interface RemoveSummary {
  readonly removed: boolean;
  readonly entries: number;
  /** Distinct values deleted because no list refers to them any more. */
  readonly valuesDeleted: number;
}

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

/** Formats `index export` writes. */
export type ExportFormat = 'csv' | 'ndjson';

/** Columns of the export, after the signal-type columns (CSV header order). */
export const EXPORT_META_COLUMNS = [
  'quality',
  'category',
  'severity',
  'series',
  'victim_identified',
  'external_id',
  'added_at',
  'note',
  'list',
] as const;

/** A hit id's stored value and quality (used by the matchers). */
export interface StoredValue {
  readonly value: Uint32Array;
  readonly quality: number | null;
}

interface EntryRow {
  list: string;
  kind: 'known' | 'seen';
  category: string | null;
  severity: number | null;
  series: string | null;
  victim_identified: number | null;
  external_id: string | null;
  added_at: string | null;
  note: string | null;
}

const ZERO_KEY = Buffer.alloc(16);

interface ValueStatements {
  readonly tables: SignalTables;
  readonly insert: Database.Statement;
  readonly find: Database.Statement;
  readonly setQuality: Database.Statement;
}

/**
 * Digest of an entry's metadata: two rows of one list with the same value and the same digest are the
 * same entry. Severity is left out (it is derived from the category by policy), so is the row's set of
 * other values (an exported row per value re-imports as duplicates).
 */
export function entryMetaKey(meta: EntryMeta): Buffer {
  const text = `${field(meta.category)}${field(meta.series)}${field(meta.victimIdentified)}${field(meta.externalId)}${field(meta.addedAt)}${field(meta.note)}${field(meta.quality)}`;
  let key = META_KEYS.get(text);
  if (!key) {
    key = createHash('sha256').update(text).digest().subarray(0, 16);
    if (META_KEYS.size >= 4096) META_KEYS.clear(); // lists repeat a few metadata combinations: a small memo is enough
    META_KEYS.set(text, key);
  }
  return key;
}

const META_KEYS = new Map<string, Buffer>();

/** One metadata field in the meta-key text: type tag, length, value (unambiguous for any content). */
function field(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return 'n;';
  if (typeof v === 'string') return `s${v.length}:${v};`;
  return `${typeof v === 'number' ? 'i' : 'b'}${String(v)};`;
}

function boolToInt(v: boolean | null | undefined): number | null {
  return v === true ? 1 : v === false ? 0 : null;
}

function now(): string {
  return new Date().toISOString();
}

/** An open index. Not safe to share between concurrent imports in one process (imports are serialized per store). */
export class IndexStore {
  private readonly tables = new Map<string, SignalTables>();
  private readonly byName = new Map<string, SignalType>();
  private readonly statements = new Map<string, Database.Statement>();
  private readonly valueStmts = new Map<SignalType, ValueStatements>();
  /** Values inserted by the open write transaction, not yet in the band and chunk tables. */
  private readonly pending = new Map<SignalType, IdCodeBuffer>();
  private writing = false;

  constructor(
    /** The connection (exposed for the matchers in this directory; others use the methods). */
    readonly db: Database.Database,
    /** Path of the database file. */
    readonly path: string,
    readonly readonly: boolean,
    /** Signal types this index holds tables for. */
    readonly signals: readonly SignalType[],
  ) {
    for (const s of signals) {
      this.tables.set(s.name, tablesFor(s));
      this.byName.set(s.name, s);
    }
  }

  /** Closes the connection; the store is unusable afterwards. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The signal type called `name` among this index's types, or undefined. */
  signal(name: string): SignalType | undefined {
    return this.byName.get(name);
  }

  /** Table names of a signal type this index holds; throws for a type it does not. */
  tablesOf(signal: SignalType): SignalTables {
    const t = this.tables.get(signal.name);
    if (!t) throw new HashtriageError('USAGE', `the index has no tables for signal type ${signal.name}`);
    return t;
  }

  /**
   * The content generation: changes whenever values are removed or replaced (not on appends, which show in
   * maxHashId, nor on quality updates: those only give an unknown quality a value, and readers re-check
   * quality when they report a hit).
   */
  generation(): number {
    return readGeneration(this.db);
  }

  /**
   * SQLite's data_version of this connection: changes when another connection commits to the database
   * (never on this connection's own commits).
   */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Largest hash id of a signal type (0 when empty); grows on every append. */
  maxHashId(signal: SignalType): number {
    return (this.db.prepare(`SELECT coalesce(max(id), 0) FROM ${this.tablesOf(signal).hashes}`).pluck().get() as number) ?? 0;
  }

  /** Number of distinct values of a signal type. */
  valueCount(signal: SignalType): number {
    return this.db.prepare(`SELECT count(*) FROM ${this.tablesOf(signal).hashes}`).pluck().get() as number;
  }

  /**
   * Imports one list from a stream of items, atomically. Same name and same file digest as the list's
   * last import, which rejected no row → unchanged (nothing read, nothing written). A row whose entries all exist already counts
   * as duplicate; bad rows are counted as rejected and reported through onRowError, the rest imports.
   * Band tables are updated for the new values before COMMIT. On any thrown error nothing is written.
   */
  async importList(source: ListSource, items: AsyncIterable<ImportItem>, options: ImportOptions = {}): Promise<ImportSummary> {
    this.assertWritable();
    checkListName(source.name);
    const summary = { list: source.name, format: source.format, added: 0, duplicate: 0, rejected: 0, errors: [] as RowError[], unchanged: false };
    this.beginWrite();
    try {
      const db = this.db;
      db.pragma(`cache_size = -${IMPORT_CACHE_KIB}`);
      const existing = db.prepare(`SELECT id, file_sha256, format, rows_rejected FROM lists WHERE name = ?`).get(source.name) as
        | { id: number; file_sha256: string | null; format: string | null; rows_rejected: number }
        | undefined;
      // A file whose last import rejected rows is read again: the user may be retrying it with --type or
      // another option that makes those rows valid (rows already in are counted as duplicates).
      if (
        existing &&
        source.fileSha256 !== null &&
        existing.file_sha256 === source.fileSha256 &&
        existing.format === source.format &&
        existing.rows_rejected === 0
      ) {
        db.exec('ROLLBACK');
        return { ...summary, unchanged: true };
      }
      const importedAt = now();
      const baseName = source.sourcePath === null ? null : path.basename(source.sourcePath);
      let listId: number;
      let changedExisting = false;
      if (existing) {
        listId = existing.id;
        db.prepare(`UPDATE lists SET imported_at = ?, source_path = ?, file_sha256 = ?, format = ? WHERE id = ?`).run(
          importedAt,
          baseName,
          source.fileSha256,
          source.format,
          listId,
        );
        if (options.replace) {
          this.stashListHashes(listId);
          this.deleteListEntries(listId);
          db.prepare(`UPDATE lists SET rows_added = 0 WHERE id = ?`).run(listId);
          changedExisting = true;
        }
      } else {
        listId = Number(
          db
            .prepare(`INSERT INTO lists (name, kind, imported_at, source_path, file_sha256, format) VALUES (?, 'known', ?, ?, ?, ?)`)
            .run(source.name, importedAt, baseName, source.fileSha256, source.format).lastInsertRowid,
        );
      }
      const writer = this.rowWriter(listId, importedAt);
      let batch: ImportRow[] = [];
      let read = 0;
      const flush = () => {
        for (const row of batch) {
          const outcome = writer.write(row);
          if (outcome === 'added') summary.added++;
          else if (outcome === 'duplicate') summary.duplicate++;
          else {
            summary.rejected++;
            const error = { line: row.line, message: outcome.error };
            if (summary.errors.length < MAX_KEPT_ERRORS) summary.errors.push(error);
            options.onRowError?.(error);
          }
        }
        batch = [];
      };
      for await (const item of items) {
        read++;
        if (item.kind === 'row') {
          batch.push(item.row);
          if (batch.length >= BATCH_ROWS) flush();
        } else {
          flush(); // keep errors in file order
          summary.rejected++;
          if (summary.errors.length < MAX_KEPT_ERRORS) summary.errors.push(item.error);
          options.onRowError?.(item.error);
        }
        if (read % PROGRESS_EVERY === 0) options.onProgress?.(read);
      }
      flush();
      this.flushPending();
      if (options.replace && existing) this.deleteOrphans();
      db.prepare(`UPDATE lists SET rows_added = rows_added + ?, rows_rejected = ? WHERE id = ?`).run(summary.added, summary.rejected, listId);
      if (changedExisting) bumpGeneration(db);
      db.exec('COMMIT');
      return summary;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    } finally {
      this.endWrite();
    }
  }

  /** Deletes a list, its entries and opaque values, and every value no other list refers to; atomic. */
  removeList(name: string): RemoveSummary {
    this.assertWritable();
    const db = this.db;
    return this.writeTransaction(() => {
      const list = db.prepare(`SELECT id FROM lists WHERE name = ?`).get(name) as { id: number } | undefined;
      if (!list) return { removed: false, entries: 0, valuesDeleted: 0 };
      this.stashListHashes(list.id);
      const entries = this.deleteListEntries(list.id);
      db.prepare(`DELETE FROM lists WHERE id = ?`).run(list.id);
      const valuesDeleted = this.deleteOrphans();
      bumpGeneration(db);
      return { removed: true, entries, valuesDeleted };
    });
  }

  /**
   * Records values seen by a scan as entries of the reserved '@seen' list (kind 'seen'): external id =
   * scan label, note = "label: path", added time = the sighting. Only the first (earliest) sighting of a
   * value is kept; repeating a batch changes nothing. Atomic. Returns how many values were new.
   * `onAppended` is called after the commit, per signal type, with the ids of the values this call
   * inserted (ascending; not called for a type without new values).
   */
  recordSeen(
    scanLabel: string,
    items: readonly SeenItem[],
    options: { readonly onAppended?: (signal: SignalType, ids: readonly number[]) => void } = {},
  ): { recorded: number; alreadySeen: number } {
    this.assertWritable();
    const db = this.db;
    // ids above a type's largest id at the start of the (IMMEDIATE) transaction are values it inserted
    const maxBefore = new Map<SignalType, number>();
    const appended = new Map<SignalType, Set<number>>();
    const result = this.writeTransaction(() => {
      if (options.onAppended) for (const s of this.signals) maxBefore.set(s, this.maxHashId(s));
      let list = db.prepare(`SELECT id FROM lists WHERE name = ?`).get(SEEN_LIST) as { id: number } | undefined;
      if (!list) {
        const id = db.prepare(`INSERT INTO lists (name, kind, imported_at, format) VALUES (?, 'seen', ?, 'scan')`).run(SEEN_LIST, now()).lastInsertRowid;
        list = { id: Number(id) };
      }
      let recorded = 0;
      let alreadySeen = 0;
      for (const item of items) {
        const signal = this.byName.get(item.signal);
        if (!signal) throw new HashtriageError('BAD_INPUT', `recordSeen: unknown signal type ${item.signal}`);
        if (item.value.length * 32 !== signal.bits) throw new HashtriageError('BAD_INPUT', `recordSeen: ${item.signal} value has ${item.value.length * 32} bits, expected ${signal.bits}`);
        const t = this.tablesOf(signal);
        const quality = signal.source === 'pixels' ? (item.quality ?? null) : null;
        const id = this.hashId(signal, item.value, quality);
        const before = maxBefore.get(signal);
        if (before !== undefined && id > before) {
          let ids = appended.get(signal);
          if (!ids) appended.set(signal, (ids = new Set()));
          ids.add(id);
        }
        const note = `${scanLabel}: ${item.path}`;
        const first = this.stmt(`SELECT id, added_at FROM ${t.entries} WHERE hash_id = ? AND list_id = ? AND meta_key = ?`).get(id, list.id, ZERO_KEY) as
          | { id: number; added_at: string | null }
          | undefined;
        if (!first) {
          this.stmt(
            `INSERT INTO ${t.entries} (hash_id, list_id, meta_key, external_id, added_at, note, quality, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(id, list.id, ZERO_KEY, scanLabel, item.seenAt, note, quality, now());
          recorded++;
        } else {
          if (first.added_at === null || item.seenAt < first.added_at) {
            // an earlier sighting than the one on record (scans recorded out of order): it becomes the first
            this.stmt(`UPDATE ${t.entries} SET added_at = ?, note = ?, external_id = ? WHERE id = ?`).run(item.seenAt, note, scanLabel, first.id);
          }
          alreadySeen++;
        }
      }
      this.flushPending();
      db.prepare(`UPDATE lists SET imported_at = ?, rows_added = rows_added + ? WHERE id = ?`).run(now(), recorded, list.id);
      return { recorded, alreadySeen };
    });
    if (options.onAppended) for (const [signal, ids] of appended) options.onAppended(signal, [...ids]);
    return result;
  }

  /** All lists with their counts, by name. */
  lists(): ListInfo[] {
    const rows = this.db
      .prepare(`SELECT id, name, kind, imported_at, source_path, file_sha256, format, rows_added, rows_rejected FROM lists ORDER BY name`)
      .all() as Array<{
      id: number;
      name: string;
      kind: 'known' | 'seen';
      imported_at: string;
      source_path: string | null;
      file_sha256: string | null;
      format: string | null;
      rows_added: number;
      rows_rejected: number;
    }>;
    const perList = new Map<number, Record<string, number>>();
    for (const s of this.signals) {
      const t = this.tablesOf(s);
      for (const r of this.db.prepare(`SELECT list_id, count(*) AS n FROM ${t.entries} GROUP BY list_id`).all() as Array<{ list_id: number; n: number }>) {
        const rec = perList.get(r.list_id) ?? {};
        rec[s.name] = r.n;
        perList.set(r.list_id, rec);
      }
    }
    const opaque = new Map<number, number>();
    for (const r of this.db.prepare(`SELECT list_id, count(*) AS n FROM opaque GROUP BY list_id`).all() as Array<{ list_id: number; n: number }>)
      opaque.set(r.list_id, r.n);
    return rows.map((r) => ({
      name: r.name,
      kind: r.kind,
      importedAt: r.imported_at,
      sourcePath: r.source_path,
      fileSha256: r.file_sha256,
      format: r.format,
      rowsAdded: r.rows_added,
      rowsRejected: r.rows_rejected,
      entries: perList.get(r.id) ?? {},
      opaque: opaque.get(r.id) ?? 0,
    }));
  }

  /**
   * A digest of the lists of the given kinds (name, file digest, entry counts): equal digests mean the
   * same list contents were imported. Used to record which index a scan matched against.
   */
  listsDigest(kinds: ReadonlyArray<'known' | 'seen'> = ['known']): string {
    const parts = this.lists()
      .filter((l) => kinds.includes(l.kind))
      .map((l) => [l.name, l.kind, l.fileSha256, l.entries, l.opaque]);
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  }

  /** Lists, counts per signal type, band layout and bucket sizes, size on disk. */
  stats(): IndexStats {
    const signals: SignalStats[] = [];
    for (const s of this.signals) {
      const t = this.tablesOf(s);
      const values = this.db.prepare(`SELECT count(*) FROM ${t.hashes}`).pluck().get() as number;
      const entries = this.db.prepare(`SELECT count(*) FROM ${t.entries}`).pluck().get() as number;
      const minQ = s.source === 'pixels' ? s.minMatchQuality : 0;
      const lowQuality = minQ > 0 ? (this.db.prepare(`SELECT count(*) FROM ${t.hashes} WHERE quality < ?`).pluck().get(minQ) as number) : 0;
      let bands: SignalStats['bands'];
      if (t.bands) {
        const sizes = Uint32Array.from(
          this.db.prepare(`SELECT length(ids) / 4 FROM ${t.bands}`).pluck().all() as number[],
        ).sort();
        const pct = (p: number) => (sizes.length === 0 ? 0 : sizes[Math.min(sizes.length - 1, Math.floor(p * sizes.length))]);
        bands = {
          count: SQLITE_LAYOUT.count,
          widths: Array.from(SQLITE_LAYOUT.widths),
          rows: sizes.length,
          bucketMax: sizes.length === 0 ? 0 : sizes[sizes.length - 1],
          bucketP50: pct(0.5),
          bucketP90: pct(0.9),
          bucketP99: pct(0.99),
        };
      }
      signals.push({ signal: s.name, comparison: s.comparison, values, entries, lowQuality, ...(bands ? { bands } : {}) });
    }
    const fileBytes = (p: string) => (existsSync(p) ? statSync(p).size : 0);
    return {
      path: this.path,
      schemaVersion: this.db.pragma('user_version', { simple: true }) as number,
      bytesOnDisk: fileBytes(this.path) + fileBytes(`${this.path}-wal`),
      lists: this.lists(),
      signals,
      opaque: this.db.prepare(`SELECT count(*) FROM opaque`).pluck().get() as number,
    };
  }

  /** True when a list of that name exists. */
  hasList(name: string): boolean {
    return this.db.prepare(`SELECT 1 FROM lists WHERE name = ?`).get(name) !== undefined;
  }

  /**
   * The entries (one line per entry, opaque values included) of one list or of all known lists (the
   * '@seen' record of earlier scans only when named), as CSV (header
   * first: one column per signal type and opaque kind, then EXPORT_META_COLUMNS) or NDJSON. Lines end in
   * "\n". Streams from the database: constant memory. Re-importing the output gives the same entries.
   */
  *exportLines(format: ExportFormat, listName?: string): Generator<string> {
    // Without a list name only known lists go out: the '@seen' record holds hashes (and paths) of every
    // file earlier scans looked at, which must not leave the index, or come back as "known", by accident.
    const listFilter = listName === undefined ? `WHERE l.kind = 'known'` : 'WHERE l.name = ?';
    const params = listName === undefined ? [] : [listName];
    const opaqueKinds = (
      this.db.prepare(`SELECT DISTINCT o.kind FROM opaque o JOIN lists l ON l.id = o.list_id ${listFilter} ORDER BY o.kind`).pluck().all(...params) as string[]
    ).filter((k) => !this.byName.has(k));
    const valueColumns = [...this.signals.map((s) => s.name), ...opaqueKinds];
    if (format === 'csv') yield `${[...valueColumns, ...EXPORT_META_COLUMNS].join(',')}\n`;
    const emit = (column: string, value: string, r: EntryRow & { quality: number | null }): string => {
      const meta = {
        quality: r.quality,
        category: r.category,
        severity: r.severity,
        series: r.series,
        victim_identified: r.victim_identified === null ? null : r.victim_identified === 1,
        external_id: r.external_id,
        added_at: r.added_at,
        note: r.note,
        list: r.list,
      };
      if (format === 'ndjson') {
        const obj: Record<string, unknown> = { [column]: value };
        for (const [k, v] of Object.entries(meta)) if (v !== null) obj[k] = v;
        return `${JSON.stringify(obj)}\n`;
      }
      const cells = valueColumns.map((c) => (c === column ? value : ''));
      for (const k of EXPORT_META_COLUMNS) cells.push(csvCell(meta[k]));
      return `${cells.join(',')}\n`;
    };
    for (const s of this.signals) {
      const t = this.tablesOf(s);
      const stmt = this.db.prepare(
        `SELECT l.name AS list, l.kind AS kind, h.value AS value, e.quality AS quality, e.category, e.severity, e.series,
                e.victim_identified, e.external_id, e.added_at, e.note
         FROM ${t.entries} e JOIN ${t.hashes} h ON h.id = e.hash_id JOIN lists l ON l.id = e.list_id ${listFilter}
         ORDER BY l.name, e.id`,
      );
      for (const r of stmt.iterate(...params) as IterableIterator<EntryRow & { value: Buffer; quality: number | null }>) {
        yield emit(s.name, s.format(bytesToWords(r.value)), r);
      }
    }
    const stmt = this.db.prepare(
      `SELECT l.name AS list, l.kind AS kind, o.kind AS okind, o.value AS value, NULL AS quality, o.category, o.severity, o.series,
              o.victim_identified, o.external_id, o.added_at, o.note
       FROM opaque o JOIN lists l ON l.id = o.list_id ${listFilter} ORDER BY l.name, o.id`,
    );
    for (const r of stmt.iterate(...params) as IterableIterator<EntryRow & { okind: string; value: string; quality: null }>) {
      yield emit(r.okind, r.value, r);
    }
  }

  /** Checks integrity: SQLite quick_check, foreign keys, and every band table against its hashes table. */
  verify(): VerifyReport {
    const problems: string[] = [];
    const quick = this.db.pragma('quick_check') as Array<{ quick_check: string }>;
    for (const r of quick) if (r.quick_check !== 'ok') problems.push(`sqlite: ${r.quick_check}`);
    const fk = this.db.pragma('foreign_key_check') as Array<{ table: string; rowid: number; parent: string }>;
    for (const r of fk.slice(0, 100)) problems.push(`${r.table} row ${r.rowid} refers to a missing ${r.parent} row`);
    const checked: Record<string, number> = {};
    this.db.transaction(() => {
      for (const s of this.signals) {
        const t = this.tablesOf(s);
        const orphans = this.db
          .prepare(`SELECT count(*) FROM ${t.hashes} h WHERE NOT EXISTS (SELECT 1 FROM ${t.entries} e WHERE e.hash_id = h.id)`)
          .pluck()
          .get() as number;
        if (orphans > 0) problems.push(`${t.hashes}: ${orphans} values without any entry`);
        if (!t.bands) continue;
        checked[s.name] = this.valueCount(s);
        for (const p of verifyBands(this.db, t.hashes, t.bands)) problems.push(`${t.bands} band ${p.band} key ${p.key}: ${p.message}`);
        problems.push(...verifyChunks(this.db, t.hashes, readIdCodes(this.db, t.hashes)));
      }
    })();
    return { ok: problems.length === 0, problems, checked };
  }

  // ---- lookups used by the matchers (read-only) ----

  /** Ids of stored values equal to the given ones (same order; null when absent). */
  idsOfValues(signal: SignalType, values: readonly Uint32Array[]): Array<number | null> {
    const stmt = this.db.prepare(`SELECT id FROM ${this.tablesOf(signal).hashes} WHERE value = ?`).pluck();
    return values.map((v) => (stmt.get(wordsToBytes(v)) as number | undefined) ?? null);
  }

  /** Values and qualities of the given ids (missing ids are absent from the map). */
  valuesOf(signal: SignalType, ids: readonly number[]): Map<number, StoredValue> {
    const out = new Map<number, StoredValue>();
    if (ids.length === 0) return out;
    const stmt = this.db.prepare(`SELECT id, value, quality FROM ${this.tablesOf(signal).hashes} WHERE id IN (SELECT value FROM json_each(?))`);
    for (const r of stmt.all(JSON.stringify(ids)) as Array<{ id: number; value: Buffer; quality: number | null }>) {
      out.set(r.id, { value: bytesToWords(r.value), quality: r.quality });
    }
    return out;
  }

  /** Entries of the given hash ids, each list sorted by list name then entry order. */
  entriesOf(signal: SignalType, ids: readonly number[]): Map<number, MatchEntry[]> {
    const out = new Map<number, MatchEntry[]>();
    if (ids.length === 0) return out;
    const t = this.tablesOf(signal);
    const stmt = this.db.prepare(
      `SELECT e.hash_id, l.name AS list, l.kind, e.category, e.severity, e.series, e.victim_identified, e.external_id, e.added_at, e.note
       FROM ${t.entries} e JOIN lists l ON l.id = e.list_id
       WHERE e.hash_id IN (SELECT value FROM json_each(?)) ORDER BY l.name, e.id`,
    );
    for (const r of stmt.all(JSON.stringify(ids)) as Array<EntryRow & { hash_id: number }>) {
      const list = out.get(r.hash_id) ?? [];
      list.push({
        list: r.list,
        listKind: r.kind,
        category: r.category,
        severity: r.severity,
        series: r.series,
        victimIdentified: r.victim_identified === null ? null : r.victim_identified === 1,
        externalId: r.external_id,
        addedAt: r.added_at,
        note: r.note,
      });
      out.set(r.hash_id, list);
    }
    return out;
  }

  /**
   * Ids and codes of a 256-bit signal type's values with id > afterId, ascending (read from the packed
   * chunk table), and the ids whose quality is below the type's minMatchQuality (ascending).
   */
  loadCodes(signal: SignalType, afterId = 0): IdCodes & { lowQualityIds: Uint32Array } {
    const t = this.tablesOf(signal);
    if (!t.bands) throw new HashtriageError('USAGE', `${signal.name} is not a 256-bit Hamming signal type`);
    const read = this.db.transaction(() => {
      const base = readChunks(this.db, t.hashes, afterId);
      const minQ = signal.source === 'pixels' ? signal.minMatchQuality : 0;
      const low = minQ > 0 ? (this.db.prepare(`SELECT id FROM ${t.hashes} WHERE id > ? AND quality < ? ORDER BY id`).pluck().all(afterId, minQ) as number[]) : [];
      return { ...base, lowQualityIds: Uint32Array.from(low) };
    });
    return read();
  }

  // ---- internals ----

  /** A prepared statement, cached per SQL text. */
  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  private assertWritable(): void {
    if (this.readonly) throw new HashtriageError('USAGE', `the index ${this.path} is open read-only`);
    if (this.writing) throw new HashtriageError('USAGE', 'another write to this index is in progress in this process');
  }

  private beginWrite(): void {
    this.writing = true;
    this.pending.clear();
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      this.writing = false;
      throw err;
    }
  }

  private endWrite(): void {
    this.pending.clear();
    this.writing = false;
    this.db.pragma(`cache_size = -${DEFAULT_CACHE_KIB}`);
  }

  private writeTransaction<T>(fn: () => T): T {
    this.beginWrite();
    try {
      const result = fn();
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    } finally {
      this.endWrite();
    }
  }

  /** Writes the queued new values into the band and chunk tables (inside the open transaction). */
  private flushPending(): void {
    for (const [s, buffer] of this.pending) {
      if (buffer.count === 0) continue;
      const t = this.tablesOf(s);
      const fresh = buffer.take();
      updateBands(this.db, t.bands!, fresh, 'add');
      updateChunks(this.db, t.hashes, fresh, 'add');
    }
  }

  /** Copies the hash ids a list refers to into temp tables, so orphans can be found after its entries go. */
  private stashListHashes(listId: number): void {
    for (const s of this.signals) {
      const t = this.tablesOf(s);
      this.db.exec(`CREATE TEMP TABLE IF NOT EXISTS stash_${s.name} (id INTEGER PRIMARY KEY)`);
      this.db.prepare(`INSERT OR IGNORE INTO temp.stash_${s.name} (id) SELECT hash_id FROM ${t.entries} WHERE list_id = ?`).run(listId);
    }
  }

  private deleteListEntries(listId: number): number {
    let n = 0;
    for (const s of this.signals) n += this.db.prepare(`DELETE FROM ${this.tablesOf(s).entries} WHERE list_id = ?`).run(listId).changes;
    n += this.db.prepare(`DELETE FROM opaque WHERE list_id = ?`).run(listId).changes;
    return n;
  }

  /** Deletes stashed values that no entry refers to any more (and takes them out of the band tables). */
  private deleteOrphans(): number {
    let deleted = 0;
    for (const s of this.signals) {
      const t = this.tablesOf(s);
      const orphanIds = this.db
        .prepare(`SELECT id FROM temp.stash_${s.name} st WHERE NOT EXISTS (SELECT 1 FROM ${t.entries} e WHERE e.hash_id = st.id) ORDER BY id`)
        .pluck()
        .all() as number[];
      this.db.exec(`DELETE FROM temp.stash_${s.name}`);
      if (orphanIds.length === 0) continue;
      if (t.bands) {
        const ids = Uint32Array.from(orphanIds);
        const codes = new Uint32Array(ids.length * 8);
        const values = this.valuesOf(s, orphanIds);
        ids.forEach((id, i) => codes.set(values.get(id)!.value, i * 8));
        updateBands(this.db, t.bands, { ids, codes, count: ids.length }, 'remove');
        updateChunks(this.db, t.hashes, { ids, codes, count: ids.length }, 'remove');
      }
      const del = this.db.prepare(`DELETE FROM ${t.hashes} WHERE id = ?`);
      for (const id of orphanIds) deleted += del.run(id).changes;
    }
    return deleted;
  }

  /** Prepared statements of one signal type's value table (cached per store). */
  private valueStatements(signal: SignalType): ValueStatements {
    let v = this.valueStmts.get(signal);
    if (!v) {
      const t = this.tablesOf(signal);
      v = {
        tables: t,
        insert: this.db.prepare(`INSERT INTO ${t.hashes} (value, quality) VALUES (?, ?) ON CONFLICT(value) DO NOTHING`),
        find: this.db.prepare(`SELECT id, quality FROM ${t.hashes} WHERE value = ?`).raw(),
        setQuality: this.db.prepare(`UPDATE ${t.hashes} SET quality = ? WHERE id = ?`),
      };
      this.valueStmts.set(signal, v);
    }
    return v;
  }

  /**
   * The id of a value (inserted when new; new values of banded types are queued for the band and chunk
   * tables); fills in a quality where none was known.
   */
  private hashId(signal: SignalType, value: Uint32Array, quality: number | null): number {
    const v = this.valueStatements(signal);
    const bytes = wordsToBytes(value);
    const res = v.insert.run(bytes, quality);
    if (res.changes === 1) {
      const id = Number(res.lastInsertRowid);
      if (v.tables.bands) {
        let buffer = this.pending.get(signal);
        if (!buffer) {
          buffer = new IdCodeBuffer();
          this.pending.set(signal, buffer);
        }
        buffer.push(id, value);
        if (buffer.count >= PENDING_FLUSH) this.flushPending();
      }
      return id;
    }
    const [id, known] = v.find.get(bytes) as [number, number | null];
    if (known === null && quality !== null) {
      v.setQuality.run(quality, id); // an unknown quality becomes known (a known one is never changed)
    }
    return id;
  }

  /** A writer of rows into one list: validates each row whole, then writes its entries. */
  private rowWriter(listId: number, importedAt: string) {
    const db = this.db;
    const self = this;
    const insertEntry = new Map<string, Database.Statement>();
    for (const s of this.signals) {
      const t = this.tablesOf(s);
      insertEntry.set(
        s.name,
        db.prepare(
          `INSERT OR IGNORE INTO ${t.entries} (hash_id, list_id, meta_key, category, severity, series, victim_identified, external_id, added_at, note, quality, imported_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ),
      );
    }
    const insertOpaque = db.prepare(
      `INSERT OR IGNORE INTO opaque (list_id, kind, value, meta_key, category, severity, series, victim_identified, external_id, added_at, note, imported_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return {
      write(row: ImportRow): 'added' | 'duplicate' | { error: string } {
        const problem = self.rowProblem(row);
        if (problem) return { error: problem };
        const m = row.meta;
        const key = entryMetaKey(m);
        const victim = boolToInt(m.victimIdentified);
        let added = false;
        for (let k = 0; k < row.hashes.length; k++) {
          const h = row.hashes[k];
          const s = self.byName.get(h.signal)!;
          const quality = s.source === 'pixels' ? (m.quality ?? null) : null;
          const id = self.hashId(s, h.value, quality);
          const res = insertEntry
            .get(s.name)!
            .run(id, listId, key, m.category ?? null, m.severity ?? null, m.series ?? null, victim, m.externalId ?? null, m.addedAt ?? null, m.note ?? null, quality, importedAt);
          if (res.changes > 0) added = true;
        }
        for (const [kind, value] of Object.entries(row.opaque ?? {})) {
          const res = insertOpaque.run(listId, kind, value, key, m.category ?? null, m.severity ?? null, m.series ?? null, victim, m.externalId ?? null, m.addedAt ?? null, m.note ?? null, importedAt);
          if (res.changes > 0) added = true;
        }
        return added ? 'added' : 'duplicate';
      },
    };
  }

  /** Why a row cannot be imported, or null when it can. */
  private rowProblem(row: ImportRow): string | null {
    if (row.hashes.length === 0 && Object.keys(row.opaque ?? {}).length === 0) return 'row has no hash value';
    for (const h of row.hashes) {
      const s = this.byName.get(h.signal);
      if (!s) return `unknown hash type ${h.signal}`;
      if (h.value.length * 32 !== s.bits) return `${h.signal} value has ${h.value.length * 32} bits, expected ${s.bits}`;
    }
    const q = row.meta.quality;
    if (q !== undefined && q !== null && !(Number.isInteger(q) && q >= 0 && q <= 100)) return `quality ${q} is not an integer 0-100`;
    return null;
  }
}

/** Throws USAGE for list names that are empty, too long, reserved ('@…') or contain control characters. */
export function checkListName(name: string): void {
  if (name.trim() === '') throw new HashtriageError('USAGE', 'list name is empty');
  if (name.length > 200) throw new HashtriageError('USAGE', 'list name is longer than 200 characters');
  if (name.startsWith('@')) throw new HashtriageError('USAGE', `list names starting with "@" are reserved (${name})`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new HashtriageError('USAGE', 'list name contains control characters');
}

/** A CSV cell: empty for null, quoted when it holds a comma, quote or line break. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
