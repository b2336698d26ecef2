/**
 * The per-scan case database: one SQLite file in the output directory that holds the scan's parameters
 * and every finished item (its hashing result in the flat form `hash` prints, and its matches), written
 * as the scan goes, one small transaction per batch. A crashed or interrupted scan continues from it with
 * `--resume`; a second scan into the same directory without `--resume` is refused so results are never mixed.
 */
import Database from 'better-sqlite3';
import { closeSync, chmodSync, constants as fsConstants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { HashtriageError } from '../errors.js';
import type { FileHashResult } from '../hashing/record.js';
import { hashRecordFromFields, hashRecordToFields, type OutputFields } from '../hashing/record-fields.js';
import { lockCase } from './case-lock.js';
import { OUTPUT_FORMAT_FAMILY } from './outputs/manifest.js';
import type { KnownMatch, SeenMatch } from './types.js';

/** File name of the case database inside the output directory. */
export const CASE_DB_NAME = 'case.db';

const SCHEMA_VERSION = 1;

/** SQLite's application id of a case database (header bytes 68–71): "HTSC". */
const CASE_APPLICATION_ID = 0x48545343;
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** Largest manifest.json read to recognise an output folder of an earlier version (this tool's are a few KB). */
const MANIFEST_READ_LIMIT = 1 << 20;

/**
 * True when `file` (path bytes) is the case database of a hashtriage scan, so that a later scan of a
 * folder holding an earlier scan's output leaves it out. Reads without opening the database (SQLite would
 * create -wal/-shm files beside a WAL-mode file, which is writing into evidence, and cannot open one on
 * read-only storage): the SQLite header with this tool's application id, or, for case databases written
 * before they carried it, a manifest.json of this tool's output format beside it. Any error gives false.
 */
export function isCaseDatabase(file: Buffer): boolean {
  try {
    const header = Buffer.alloc(100);
    const fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    let n: number;
    try {
      n = readSync(fd, header, 0, header.length, 0);
    } finally {
      closeSync(fd);
    }
    if (n < header.length || !header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) return false;
    if (header.readUInt32BE(68) === CASE_APPLICATION_ID) return true;
    const manifest = Buffer.concat([file.subarray(0, file.lastIndexOf(0x2f) + 1), Buffer.from('manifest.json')]);
    if (statSync(manifest).size > MANIFEST_READ_LIMIT) return false;
    const format = (JSON.parse(readFileSync(manifest, 'utf8')) as { format?: unknown }).format;
    return typeof format === 'string' && format.startsWith(OUTPUT_FORMAT_FAMILY);
  } catch {
    return false;
  }
}

const SCHEMA_SQL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE items (
  key TEXT PRIMARY KEY,
  path TEXT NOT NULL,
  size INTEGER,
  mtime_ms REAL,
  result TEXT NOT NULL,
  known TEXT NOT NULL,
  seen TEXT NOT NULL,
  low_quality INTEGER NOT NULL,
  done_at TEXT NOT NULL
);
PRAGMA user_version = ${SCHEMA_VERSION};
PRAGMA application_id = ${CASE_APPLICATION_ID};
`;

/** What defines a scan: a resumed scan must have exactly these (otherwise its result would differ). */
export interface ScanParams {
  /** Input paths (files and directories) as absolute paths, in the order given. */
  readonly inputs: readonly string[];
  /** Manifests as absolute paths with the SHA-256 of their content. */
  readonly manifests: ReadonlyArray<{ readonly path: string; readonly sha256: string }>;
  /** Options that change results (hashing flavour, dihedral, policy content digest, thresholds…). */
  readonly options: Readonly<Record<string, string | number | boolean | null>>;
  /** The index database (null: a scan without one) and a digest of its known lists. */
  readonly index: { readonly path: string | null; readonly digest: string };
}

/** One finished item as kept in the case database. */
export interface StoredItem {
  /** Identity of the file: its absolute real path (or absolute path when it could not be resolved). */
  readonly key: string;
  /** The path shown in outputs. */
  readonly path: string;
  /** Size and modification time when it was hashed; a changed file is hashed again on resume. */
  readonly size: number | null;
  readonly mtimeMs: number | null;
  readonly hash: FileHashResult;
  readonly known: readonly KnownMatch[];
  readonly seen: readonly SeenMatch[];
  readonly lowQuality: boolean;
}

/** Scan-level facts kept across a resume. */
export interface CaseInfo {
  readonly scanLabel: string;
  readonly startedAt: string;
  readonly params: ScanParams;
  readonly finishedAt: string | null;
}

/** Stable text form of a value: object keys sorted, so equal params give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

/** Option keys whose values are policy file digests, as resume messages name them. */
const POLICY_OPTIONS: Readonly<Record<string, string>> = { policy: 'priority policy (--policy)', severityPolicy: 'severity policy (--severity-policy)' };

/** A recorded option value as a resume message shows it (digests shortened). */
function shownOption(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return 'not recorded';
  return typeof v === 'string' && /^[0-9a-f]{64}$/.test(v) ? `SHA-256 ${v.slice(0, 12)}…` : JSON.stringify(v);
}

/** Names of the top-level parameter fields (and option keys, with the old and new value) that differ; empty when equal. */
export function diffParams(a: ScanParams, b: ScanParams): string[] {
  const out: string[] = [];
  if (canonicalJson(a.inputs) !== canonicalJson(b.inputs)) out.push('inputs');
  if (canonicalJson(a.manifests) !== canonicalJson(b.manifests)) out.push('manifests');
  const keys = [...new Set([...Object.keys(a.options), ...Object.keys(b.options)])].sort();
  for (const k of keys) {
    const was = a.options[k] ?? null;
    const now = b.options[k] ?? null;
    if (was === now) continue;
    const what = POLICY_OPTIONS[k] ? `option ${k}: the ${POLICY_OPTIONS[k]} changed` : `option ${k}`;
    out.push(`${what} (started with ${shownOption(was)}, now ${shownOption(now)})`);
  }
  if (a.index.path !== b.index.path) out.push('index path');
  else if (a.index.digest !== b.index.digest) out.push('index content (known lists changed)');
  return out;
}

const OUT_DIR_REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted (is the directory owned by another user?)',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EEXIST: 'a file of that name exists',
};

/**
 * Runs one file-system step on the output directory; a system error comes back as a USAGE
 * HashtriageError that names --out, what was being done and why (never a raw stack trace).
 */
function onOutDir<T>(outDir: string, doing: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof HashtriageError) throw err;
    const e = err as NodeJS.ErrnoException;
    const reason = (e.code !== undefined ? OUT_DIR_REASONS[e.code] : undefined) ?? e.message;
    throw new HashtriageError('USAGE', `--out ${outDir}: cannot ${doing}: ${reason}`);
  }
}

/** The output directory: created 0o700 when missing; an existing one must be a directory. */
function ensureOutDir(outDir: string): void {
  if (existsSync(outDir)) {
    if (!statSync(outDir).isDirectory()) throw new HashtriageError('USAGE', `--out ${outDir} exists and is not a directory`);
    return;
  }
  onOutDir(outDir, 'create the directory', () => {
    mkdirSync(outDir, { recursive: true, mode: 0o700 });
    chmodSync(outDir, 0o700);
  });
}

/** An open case database. */
export class CaseDb {
  private readonly insertItem: Database.Statement;
  private readonly saveMany: (items: readonly StoredItem[]) => void;

  private constructor(
    private readonly db: Database.Database,
    /** Path of the database file. */
    readonly file: string,
    /** Releases the case lock (case-lock.ts) this process holds. */
    private readonly unlock: () => void,
  ) {
    this.insertItem = db.prepare(
      `INSERT OR REPLACE INTO items (key, path, size, mtime_ms, result, known, seen, low_quality, done_at)
       VALUES (@key, @path, @size, @mtimeMs, @result, @known, @seen, @lowQuality, @doneAt)`,
    );
    this.saveMany = db.transaction((items: readonly StoredItem[]) => {
      const doneAt = new Date().toISOString();
      for (const item of items) {
        this.insertItem.run({
          key: item.key,
          path: item.path,
          size: item.size,
          mtimeMs: item.mtimeMs,
          result: JSON.stringify(hashRecordToFields(item.hash)),
          known: JSON.stringify(item.known),
          seen: JSON.stringify(item.seen),
          lowQuality: item.lowQuality ? 1 : 0,
          doneAt,
        });
      }
    });
  }

  /**
   * Starts a new case in `outDir`. Refuses (USAGE) when the directory already holds a case or any other
   * file, so two scans never mix. Creates the directory 0o700 and the database file 0o600.
   */
  static create(outDir: string, params: ScanParams, scanLabel: string, startedAt: string): CaseDb {
    ensureOutDir(outDir);
    const file = path.join(outDir, CASE_DB_NAME);
    if (existsSync(file))
      throw new HashtriageError('USAGE', `${outDir} already holds a scan (${CASE_DB_NAME}); add --resume to continue it, or choose another --out`);
    const others = onOutDir(outDir, 'list the directory', () => readdirSync(outDir));
    if (others.length > 0)
      throw new HashtriageError('USAGE', `${outDir} is not empty (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''}); choose a new or empty --out`);
    onOutDir(outDir, 'make the directory owner-only (0700)', () => chmodSync(outDir, 0o700));
    const unlock = lockCase(outDir);
    let db: CaseDb;
    try {
      // Create the file ourselves so it is owner-only from the first byte; SQLite gives its -wal/-shm the same mode.
      onOutDir(outDir, `create ${CASE_DB_NAME}`, () => closeSync(openSync(file, 'wx', 0o600)));
      db = CaseDb.open(file, unlock, true);
    } catch (err) {
      unlock();
      throw err;
    }
    try {
      const put = db.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      db.db.transaction(() => {
        put.run('params', canonicalJson(params));
        put.run('scan_label', scanLabel);
        put.run('started_at', startedAt);
      })();
    } catch (err) {
      db.close(); // releases the lock too
      throw err;
    }
    return db;
  }

  /**
   * Opens the case in `outDir` to continue it. Refuses (USAGE) when there is none, when it was made by
   * another schema version, or when `params` differ from the ones it was started with (naming what differs).
   */
  static resume(outDir: string, params: ScanParams): CaseDb {
    const file = path.join(outDir, CASE_DB_NAME);
    if (!existsSync(file)) throw new HashtriageError('USAGE', `--resume: ${outDir} holds no scan to resume (${CASE_DB_NAME} missing)`);
    const unlock = lockCase(outDir);
    let db: CaseDb;
    try {
      db = CaseDb.open(file, unlock);
    } catch (err) {
      unlock();
      throw new HashtriageError('USAGE', `--resume: ${file} is not a readable case database: ${(err as Error).message}`);
    }
    const version = db.db.pragma('user_version', { simple: true }) as number;
    const info = version === SCHEMA_VERSION ? db.readInfo() : null;
    if (info === null) {
      db.close();
      throw new HashtriageError('USAGE', `--resume: ${file} was not written by this version of hashtriage (schema ${version})`);
    }
    const differs = diffParams(info.params, params);
    if (differs.length > 0) {
      db.close();
      throw new HashtriageError('USAGE', `--resume: this scan was started with different ${differs.join(', ')}; run it with the same inputs and options, or choose another --out`);
    }
    return db;
  }

  private static open(file: string, unlock: () => void, init = false): CaseDb {
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      // FULL: a committed batch is on disk before saveItems returns, so it survives a power loss or OS
      // crash too (NORMAL in WAL mode may lose the last commits); one fsync per batch is cheap.
      db.pragma('synchronous = FULL');
      if (init) db.exec(SCHEMA_SQL);
      return new CaseDb(db, file, unlock);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private readInfo(): CaseInfo | null {
    try {
      const rows = this.db.prepare('SELECT key, value FROM meta').all() as Array<{ key: string; value: string }>;
      const meta = new Map(rows.map((r) => [r.key, r.value]));
      const params = meta.get('params');
      const scanLabel = meta.get('scan_label');
      const startedAt = meta.get('started_at');
      if (params === undefined || scanLabel === undefined || startedAt === undefined) return null;
      return {
        params: JSON.parse(params) as ScanParams,
        scanLabel,
        startedAt,
        finishedAt: meta.get('finished_at') ?? null,
      };
    } catch {
      return null;
    }
  }

  /** The scan's label, start time, parameters and finish time. */
  info(): CaseInfo {
    const info = this.readInfo();
    if (info === null) throw new HashtriageError('INTERNAL', `${this.file}: case metadata missing`);
    return info;
  }

  /** Every finished item, by key. */
  finishedItems(): Map<string, StoredItem> {
    const rows = this.db.prepare('SELECT key, path, size, mtime_ms, result, known, seen, low_quality FROM items ORDER BY key').all() as Array<{
      key: string;
      path: string;
      size: number | null;
      mtime_ms: number | null;
      result: string;
      known: string;
      seen: string;
      low_quality: number;
    }>;
    const out = new Map<string, StoredItem>();
    for (const r of rows) {
      out.set(r.key, {
        key: r.key,
        path: r.path,
        size: r.size,
        mtimeMs: r.mtime_ms,
        hash: hashRecordFromFields(JSON.parse(r.result) as OutputFields),
        known: JSON.parse(r.known) as KnownMatch[],
        seen: JSON.parse(r.seen) as SeenMatch[],
        lowQuality: r.low_quality === 1,
      });
    }
    return out;
  }

  /** Writes finished items in one durable transaction: after it returns they survive a process, OS or power crash. */
  saveItems(items: readonly StoredItem[]): void {
    if (items.length > 0) this.saveMany(items);
  }

  /** Records that the outputs were written. */
  markFinished(finishedAt: string): void {
    this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('finished_at', ?)").run(finishedAt);
  }

  /** Checkpoints the WAL into the main file, closes and releases the case lock; safe to call twice. */
  close(): void {
    if (!this.db.open) return;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
      this.unlock();
    }
  }
}
