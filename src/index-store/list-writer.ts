/**
 * Importing a known-hash list into the index: one transaction per import, rows validated whole before
 * any of their entries is written, re-imports of the same file skipped, `--replace` swapping a list's
 * contents atomically.
 */
import path from 'node:path';
import { HashtriageError } from '../errors.js';
import { EntryBatch } from './entry-batch.js';
import { deleteListEntries, deleteOrphans, stashListHashes } from './list-removal.js';
import { bumpGeneration } from './schema.js';
import type { IndexStore } from './store.js';
import type { ImportItem, ImportRow, ImportSummary, RowError } from './types.js';

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
  /** Called once the write lock is taken (a caller installs its stop handlers then: the wait for the lock cannot be interrupted by JavaScript). */
  readonly onWriting?: () => void;
  /** When aborted, the import stops at the next row and rolls back (throwing the signal's reason): the index is left as it was. */
  readonly signal?: AbortSignal;
}

/** Rows gathered per bulk write: larger batches keep more of each index write in order, but their row objects outlive the young generation. */
const BATCH_ROWS = 1 << 15;
/** Page cache of a writing import (random inserts into the value index need the index in cache). */
const IMPORT_CACHE_KIB = 1024 * 1024;
/** Rejected rows kept in ImportSummary.errors (all of them go to onRowError). */
export const MAX_KEPT_ERRORS = 1000;
const PROGRESS_EVERY = 10_000;

/**
 * Imports one list from a stream of items, atomically. Same name and same file digest as the list's
 * last import, which rejected no row → unchanged (nothing read, nothing written). A row whose entries all
 * exist already counts as duplicate; bad rows are counted as rejected and reported through onRowError,
 * the rest imports. Band tables are updated for the new values before COMMIT. On any thrown error
 * nothing is written; nor when no row could be added to a new list, or to a list being replaced.
 */
export async function importList(store: IndexStore, source: ListSource, items: AsyncIterable<ImportItem>, options: ImportOptions = {}): Promise<ImportSummary> {
  checkListName(source.name);
  const summary = { list: source.name, format: source.format, added: 0, duplicate: 0, rejected: 0, errors: [] as RowError[], unchanged: false, notCreated: false, notReplaced: false };
  // the entries written reference the list row and value ids this import reads or inserts itself
  store.beginWrite({ cacheKib: IMPORT_CACHE_KIB, onWait: options.onWait, checkReferences: false });
  try {
    options.onWriting?.();
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
    const batch = new EntryBatch(store, listId, importedAt);
    let read = 0;
    const flush = () => {
      const outcome = batch.flush();
      summary.added += outcome.added;
      summary.duplicate += outcome.duplicate;
    };
    for await (const item of items) {
      options.signal?.throwIfAborted();
      read++;
      // rows are checked as they come, so errors are reported in file order; good rows wait for one bulk write
      const problem = item.kind === 'row' ? rowProblem(store, item.row) : null;
      if (item.kind === 'error' || problem !== null) {
        const error = item.kind === 'error' ? item.error : { line: item.row.line, message: problem! };
        summary.rejected++;
        if (summary.errors.length < MAX_KEPT_ERRORS) summary.errors.push(error);
        options.onRowError?.(error);
      } else {
        batch.add(item.row);
        if (batch.size >= BATCH_ROWS) flush();
      }
      if (read % PROGRESS_EVERY === 0) options.onProgress?.(read);
    }
    options.signal?.throwIfAborted();
    flush();
    if (summary.added === 0 && (!existing || options.replace)) {
      // a list with no hash would pass for a known list while nothing can match it; and a replacement
      // file none of whose rows could be read (the wrong file, a format problem) must not empty a list
      store.abortWrite();
      return existing ? { ...summary, notReplaced: true } : { ...summary, notCreated: true };
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
