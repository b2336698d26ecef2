/**
 * Importing a known-hash list into the index: one transaction per import, rows validated whole before
 * any of their entries is written, re-imports of the same file skipped, `--replace` swapping a list's
 * contents atomically.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { HashtriageError } from '../errors.js';
import { deleteListEntries, deleteOrphans, stashListHashes } from './list-removal.js';
import { bumpGeneration } from './schema.js';
import type { IndexStore } from './store.js';
import type { EntryMeta, ImportItem, ImportRow, ImportSummary, RowError } from './types.js';

/** What identifies one import of one list. */
export interface ListSource {
  readonly name: string;
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
  /** Called once when the import has to wait for another process's write to the index to finish. */
  readonly onWait?: () => void;
}

/** Rows written per prepared-statement batch. */
const BATCH_ROWS = 1000;
/** Page cache of a writing import (random inserts into the value index need the index in cache). */
const IMPORT_CACHE_KIB = 512 * 1024;
/** Rejected rows kept in ImportSummary.errors (all of them go to onRowError). */
export const MAX_KEPT_ERRORS = 1000;
const PROGRESS_EVERY = 10_000;

/**
 * Imports one list from a stream of items, atomically. Same name and same file digest as the list's
 * last import, which rejected no row → unchanged (nothing read, nothing written). A row whose entries all
 * exist already counts as duplicate; bad rows are counted as rejected and reported through onRowError,
 * the rest imports. Band tables are updated for the new values before COMMIT. On any thrown error
 * nothing is written.
 */
export async function importList(store: IndexStore, source: ListSource, items: AsyncIterable<ImportItem>, options: ImportOptions = {}): Promise<ImportSummary> {
  checkListName(source.name);
  const summary = { list: source.name, format: source.format, added: 0, duplicate: 0, rejected: 0, errors: [] as RowError[], unchanged: false, notCreated: false };
  store.beginWrite({ cacheKib: IMPORT_CACHE_KIB, onWait: options.onWait });
  try {
    const db = store.db;
    const existing = db.prepare(`SELECT id, file_sha256, format, rows_rejected FROM lists WHERE name = ?`).get(source.name) as
      | { id: number; file_sha256: string | null; format: string | null; rows_rejected: number }
      | undefined;
    // A file whose last import rejected rows is read again: the user may be retrying it with --type or
    // another option that makes those rows valid (rows already in are counted as duplicates).
    // (--replace always rewrites: an import appended since may have brought entries the user wants gone)
    if (!options.replace && existing && source.fileSha256 !== null && existing.file_sha256 === source.fileSha256 && existing.format === source.format && existing.rows_rejected === 0) {
      store.abortWrite();
      return { ...summary, unchanged: true };
    }
    const importedAt = new Date().toISOString();
    const baseName = source.sourcePath === null ? null : path.basename(source.sourcePath);
    let listId: number;
    let changedExisting = false;
    if (existing) {
      listId = existing.id;
      db.prepare(`UPDATE lists SET imported_at = ?, source_path = ?, file_sha256 = ?, format = ? WHERE id = ?`).run(importedAt, baseName, source.fileSha256, source.format, listId);
      if (options.replace) {
        stashListHashes(store, listId);
        deleteListEntries(store, listId);
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
    const writer = rowWriter(store, listId, importedAt);
    let batch: ImportRow[] = [];
    let read = 0;
    const reject = (error: RowError) => {
      summary.rejected++;
      if (summary.errors.length < MAX_KEPT_ERRORS) summary.errors.push(error);
      options.onRowError?.(error);
    };
    const flush = () => {
      for (const row of batch) {
        const outcome = writer(row);
        if (outcome === 'added') summary.added++;
        else if (outcome === 'duplicate') summary.duplicate++;
        else reject({ line: row.line, message: outcome.error });
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
        reject(item.error);
      }
      if (read % PROGRESS_EVERY === 0) options.onProgress?.(read);
    }
    flush();
    if (!existing && summary.added === 0) {
      // a list with no hash would pass for a known list while nothing can match it
      store.abortWrite();
      return { ...summary, notCreated: true };
    }
    store.flushPending();
    if (options.replace && existing) deleteOrphans(store);
    db.prepare(`UPDATE lists SET rows_added = rows_added + ?, rows_rejected = ? WHERE id = ?`).run(summary.added, summary.rejected, listId);
    if (changedExisting) bumpGeneration(db);
  } catch (err) {
    store.abortWrite();
    throw err;
  }
  store.commitWrite();
  return summary;
}

/** Throws USAGE for list names that are empty, too long, reserved ('@…') or contain control characters. */
export function checkListName(name: string): void {
  if (name.trim() === '') throw new HashtriageError('USAGE', 'list name is empty');
  if (name.length > 200) throw new HashtriageError('USAGE', 'list name is longer than 200 characters');
  if (name.startsWith('@')) throw new HashtriageError('USAGE', `list names starting with "@" are reserved (${name})`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new HashtriageError('USAGE', 'list name contains control characters');
}

/**
 * Digest of an entry's metadata: two rows of one list with the same value and the same digest are the
 * same entry. Severity is left out (it is derived from the category by policy), so is the row's set of
 * other values (an exported row per value re-imports as duplicates).
 */
export function entryMetaKey(meta: EntryMeta): Buffer {
  const text = `${field(meta.category)}${field(meta.series)}${field(meta.victimIdentified)}${field(meta.externalId)}${field(meta.addedAt)}${field(meta.note)}${field(meta.quality)}`;
  // lists repeat a few metadata combinations: a small memo is enough; an external id makes a row's
  // metadata unique (a lookup would always miss)
  if (meta.externalId !== null && meta.externalId !== undefined) return sha256(text).subarray(0, 16);
  let key = META_KEYS.get(text);
  if (!key) {
    key = sha256(text).subarray(0, 16);
    if (META_KEYS.size >= 4096) META_KEYS.clear();
    META_KEYS.set(text, key);
  }
  return key;
}

const META_KEYS = new Map<string, Buffer>();

/** SHA-256 of a string: the one-shot crypto.hash where Node has it (a third cheaper per call), else a Hash object. */
const sha256: (text: string) => Buffer =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (text) => (crypto as unknown as { hash: (a: string, d: string, e: 'buffer') => Buffer }).hash('sha256', text, 'buffer')
    : (text) => crypto.createHash('sha256').update(text).digest();

/** One metadata field in the meta-key text: type tag, length, value (unambiguous for any content). */
function field(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return 'n;';
  if (typeof v === 'string') return `s${v.length}:${v};`;
  return `${typeof v === 'number' ? 'i' : 'b'}${String(v)};`;
}

function boolToInt(v: boolean | null | undefined): number | null {
  return v === true ? 1 : v === false ? 0 : null;
}

/** A writer of rows into one list: validates each row whole, then writes its entries. */
function rowWriter(store: IndexStore, listId: number, importedAt: string): (row: ImportRow) => 'added' | 'duplicate' | { error: string } {
  const db = store.db;
  const insertEntry = new Map<string, Database.Statement>();
  for (const s of store.signals) {
    const t = store.tablesOf(s);
    insertEntry.set(
      s.name,
      db.prepare(
        `INSERT OR IGNORE INTO ${t.entries} (hash_id, list_id, meta_key, category, severity, scheme, series, victim_identified, external_id, added_at, note, quality, imported_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    );
  }
  const insertOpaque = db.prepare(
    `INSERT OR IGNORE INTO opaque (list_id, kind, value, meta_key, category, severity, scheme, series, victim_identified, external_id, added_at, note, imported_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return (row) => {
    const problem = rowProblem(store, row);
    if (problem) return { error: problem };
    const m = row.meta;
    const key = entryMetaKey(m);
    const victim = boolToInt(m.victimIdentified);
    let added = false;
    for (const h of row.hashes) {
      const s = store.signal(h.signal)!;
      const quality = s.source === 'pixels' ? (m.quality ?? null) : null;
      const id = store.hashId(s, h.value, quality);
      const res = insertEntry
        .get(s.name)!
        .run(id, listId, key, m.category ?? null, m.severity ?? null, m.scheme ?? null, m.series ?? null, victim, m.externalId ?? null, m.addedAt ?? null, m.note ?? null, quality, importedAt);
      if (res.changes > 0) added = true;
    }
    for (const [kind, value] of Object.entries(row.opaque ?? {})) {
      const res = insertOpaque.run(listId, kind, value, key, m.category ?? null, m.severity ?? null, m.scheme ?? null, m.series ?? null, victim, m.externalId ?? null, m.addedAt ?? null, m.note ?? null, importedAt);
      if (res.changes > 0) added = true;
    }
    return added ? 'added' : 'duplicate';
  };
}

/** Why a row cannot be imported, or null when it can. */
function rowProblem(store: IndexStore, row: ImportRow): string | null {
  if (row.hashes.length === 0 && Object.keys(row.opaque ?? {}).length === 0) return 'row has no hash value';
  for (const h of row.hashes) {
    const s = store.signal(h.signal);
    if (!s) return `unknown hash type ${h.signal}`;
    if (h.value.length * 32 !== s.bits) return `${h.signal} value has ${h.value.length * 32} bits, expected ${s.bits}`;
  }
  const q = row.meta.quality;
  if (q !== undefined && q !== null && !(Number.isInteger(q) && q >= 0 && q <= 100)) return `quality ${q} is not an integer 0-100`;
  return null;
}
