/**
 * The known-hash index: one SQLite file holding known lists, the distinct hash values per signal type
 * (value-store.ts), list entries and opaque values. It holds known material only: what scans saw lives
 * in a sightings store of its own (src/sightings). This module opens the connection; the list writer,
 * removal, admin and the matchers' reads are modules of their own that take an IndexStore.
 */
import { chmodSync, closeSync, existsSync, openSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { HashtriageError } from '../errors.js';
import type { SignalType } from '../hashing/signal-type.js';
import { SIGNAL_TYPES } from '../hashing/signals.js';
import { DB_ENV_VAR } from './db-path.js';
import { configureConnection, migrate, notAnIndex, readContentStamp, renewContentStamp, schemaIsReadable, SCHEMA_VERSION } from './schema.js';
import { ValueStore } from './value-store.js';


/** Page size of a new index file (SQLite's default is 4096; an existing file keeps its own). */
const NEW_INDEX_PAGE_SIZE = 16384;

/** An open index. */
export class IndexStore extends ValueStore {
  /** Commits like ValueStore.commitWrite, giving the index a new content stamp in the same transaction. */
  override commitWrite(): void {
    if (this.db.open && this.db.inTransaction) {
      try {
        renewContentStamp(this.db);
      } catch (err) {
        this.abortWrite();
        throw err;
      }
    }
    super.commitWrite();
  }

  /**
   * Closes the connection. A writer leaves the file in rollback-journal mode when no other connection
   * has it open, so that it can be read from read-only media (a WAL file needs its -shm beside it).
   */
  override close(): void {
    if (this.db.open && !this.readonly) {
      try {
        this.db.pragma('busy_timeout = 0');
        this.db.pragma('journal_mode = DELETE');
      } catch {
        // another connection (a scan, say) still reads it: it stays in WAL mode, which is fine on writable storage
      }
    }
    super.close();
  }
}

/** A read-only open met an index of an earlier version: it needs one writable open to be brought up to date. */
export class IndexNeedsUpgrade extends HashtriageError {
  constructor(file: string) {
    super('BAD_INPUT', `the index ${file} was written by an earlier version of hashtriage; open it once on writable storage (e.g. 'hashtriage index verify --db ${file}') to upgrade it`);
  }
}

/**
 * Opens the index connection at `file` as it is: read-only (the file must exist and have a schema it can
 * read as it is, see schemaIsReadable) or writable (created owner-only when missing, migrated). Throws HashtriageError NOT_FOUND for a
 * missing file opened read-only, IndexNeedsUpgrade for an earlier version opened read-only, BAD_INPUT for
 * a file that is not a usable index.
 */
export function openIndexConnection(file: string, readonly: boolean, signals: readonly SignalType[] = SIGNAL_TYPES): IndexStore {
  if (readonly && !existsSync(file)) {
    throw new HashtriageError('NOT_FOUND', `no index at ${file} (import a list first, or pass --db / set ${DB_ENV_VAR})`);
  }
  let db: Database.Database | undefined;
  try {
    if (existsSync(file) && statSync(file).isDirectory()) throw new HashtriageError('BAD_INPUT', `${file} is a folder, not an index file`);
    // a new index file is created owner-only before SQLite writes to it (its WAL and SHM files follow)
    const fresh = !readonly && (!existsSync(file) || statSync(file).size === 0);
    if (!readonly && !existsSync(file)) createOwnerOnly(file);
    // an empty file given as a new index (made with touch, say) becomes owner-only too
    else if (fresh) chmodSync(file, 0o600);
    db = new Database(file, { readonly, fileMustExist: readonly });
    // larger pages for a new file: bulk imports write a third less and its B-trees are shallower
    if (fresh) db.pragma(`page_size = ${NEW_INDEX_PAGE_SIZE}`);
    // before any setting changes the file: another program's database (or a newer index) is left exactly as it was
    const problem = notAnIndex(db);
    if (problem !== null) throw new Error(problem);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new Error(`it was written by a newer version of hashtriage (schema ${version}; this one reads ${SCHEMA_VERSION})`);
    configureConnection(db, readonly);
    if (readonly) {
      if (!schemaIsReadable(db, signals)) throw new IndexNeedsUpgrade(file);
    } else {
      migrate(db, signals);
      // an index last written by a version without content stamps gets one, so warm-start files can key to it
      const opened = db;
      if (readContentStamp(opened) === '') opened.transaction(() => renewContentStamp(opened)).immediate();
    }
  } catch (err) {
    db?.close();
    if (err instanceof HashtriageError) throw err;
    const message = (err as Error).message;
    const code = (err as { code?: string }).code ?? '';
    // the disk or another process failed us, not the file: not something the user can fix in the command
    if (/^SQLITE_(BUSY|LOCKED|IOERR|FULL|NOMEM)/.test(code) || ['ENOSPC', 'EIO'].includes(code)) {
      throw new HashtriageError('INTERNAL', `cannot open the index ${file}: ${message}`);
    }
    if (readonly && /readonly database|unable to open/.test(message)) {
      throw new HashtriageError(
        'BAD_INPUT',
        `cannot read the index ${file}: it is in WAL mode and its folder is read-only (an import into it was interrupted, or it was copied while a scan read it); copy it to writable storage and run 'hashtriage index verify --db FILE' there once`,
      );
    }
    throw new HashtriageError('BAD_INPUT', `cannot use ${file} as an index: ${message}`);
  }
  return new IndexStore(db, file, readonly, signals);
}

/** Creates `file` empty and owner-only; another process creating it first is fine (it is then its file). */
export function createOwnerOnly(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}
