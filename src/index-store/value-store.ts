/**
 * What the known index and the sightings store share: one SQLite connection over per-signal-type value
 * tables (each distinct value once, with its id), the band and chunk tables kept in step with them, and
 * write transactions. A write either lands completely or not at all (one IMMEDIATE transaction), so a
 * killed process leaves the file as it was before or after.
 */
import type Database from 'better-sqlite3';
import { HashtriageError } from '../errors.js';
import { wordsToBytes } from '../hashing/bits.js';
import type { SignalType } from '../hashing/signal-type.js';
import { updateBands } from './band-tables.js';
import { IdCodeBuffer } from './id-blobs.js';
import { readGeneration, tablesFor, type SignalTables } from './schema.js';
import { updateChunks } from './value-chunks.js';
import { orderByStoredBytes } from './value-order.js';
import { ValuePresence } from './value-presence.js';

/** Rows inserted per statement of hashIds. */
const INSERT_ROWS = 64;

/** What hashIds found for each input position. */
export interface ValueIds {
  /** The value's id. */
  readonly ids: Uint32Array;
  /** 1 where the value was in the table before the call (its entries may exist already), 0 where the call inserted it. */
  readonly existed: Uint8Array;
}

/**
 * New values queued at most before they are written to the band and chunk tables (bounds import memory:
 * 36 bytes a value, 576 MB). Each write rewrites every band bucket it touches, so an import flushing every
 * 4M values rewrote 22M ids for 10M values; with 16M, lists up to that size are written once.
 */
const PENDING_FLUSH = 1 << 24;
/** Page cache outside bulk writes (matches configureConnection). */
const DEFAULT_CACHE_KIB = 64 * 1024;

interface ValueStatements {
  readonly tables: SignalTables;
  readonly insert: Database.Statement;
  readonly find: Database.Statement;
  readonly setQuality: Database.Statement;
}

/** An open value database. Not safe to share between concurrent writes in one process (they are refused). */
export class ValueStore {
  private readonly tables = new Map<string, SignalTables>();
  private readonly byName = new Map<string, SignalType>();
  private readonly statements = new Map<string, Database.Statement>();
  private readonly valueStmts = new Map<SignalType, ValueStatements>();
  /** Values inserted by the open write transaction, not yet in the band and chunk tables. */
  private readonly pending = new Map<SignalType, IdCodeBuffer>();
  /** Prefixes of each type's stored values, built by the open write transaction's first hashIds call. */
  private readonly presence = new Map<SignalType, ValuePresence>();
  private writing = false;

  constructor(
    /** The connection (for the modules of this directory; others use their functions). */
    readonly db: Database.Database,
    /** Path of the database file. */
    readonly path: string,
    readonly readonly: boolean,
    /** Signal types this file holds tables for. */
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

  /** The signal type called `name` among this store's types, or undefined. */
  signal(name: string): SignalType | undefined {
    return this.byName.get(name);
  }

  /** Table names of a signal type this store holds; throws for a type it does not. */
  tablesOf(signal: SignalType): SignalTables {
    const t = this.tables.get(signal.name);
    if (!t) throw new HashtriageError('USAGE', `${this.path} has no tables for signal type ${signal.name}`);
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

  /** Largest hash id of a signal type (0 when empty); grows on every append. */
  maxHashId(signal: SignalType): number {
    return (this.stmt(`SELECT coalesce(max(id), 0) FROM ${this.tablesOf(signal).hashes}`).pluck().get() as number) ?? 0;
  }

  /** Number of distinct values of a signal type. */
  valueCount(signal: SignalType): number {
    return this.stmt(`SELECT count(*) FROM ${this.tablesOf(signal).hashes}`).pluck().get() as number;
  }

  /** A prepared statement, cached per SQL text. */
  stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /**
   * Starts the one write transaction this store may have open (IMMEDIATE: the write lock is taken now, so
   * it cannot fail half-way for another writer). While another process writes (a long import, another
   * scan recording sightings), it waits its turn as long as that takes, calling `onWait` once first.
   * `cacheKib` enlarges the page cache until the transaction ends. `checkReferences: false` turns foreign
   * key checks off until it ends, for a writer that only writes ids it has just read or inserted: a
   * multi-row INSERT then needs no statement journal (SQLite otherwise copies every page such a statement
   * touches to a temporary file, 4.4 GB for an import of 1M rows).
   */
  beginWrite(options: { readonly cacheKib?: number; readonly onWait?: () => void; readonly checkReferences?: boolean } = {}): void {
    if (this.readonly) throw new HashtriageError('USAGE', `${this.path} is open read-only`);
    if (this.writing) throw new HashtriageError('USAGE', `another write to ${this.path} is in progress in this process`);
    this.writing = true;
    this.pending.clear();
    this.presence.clear();
    try {
      if (options.cacheKib !== undefined) this.db.pragma(`cache_size = -${options.cacheKib}`);
      // (only outside a transaction does SQLite change this setting)
      if (options.checkReferences === false) this.db.pragma('foreign_keys = OFF');
      this.takeWriteLock(options.onWait);
    } catch (err) {
      this.endWrite();
      throw err;
    }
  }

  /** BEGIN IMMEDIATE, retried while another connection holds the write lock (onWait after the first second). */
  private takeWriteLock(onWait: (() => void) | undefined): void {
    const usual = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 1000');
    try {
      for (let told = false; ; told = true) {
        try {
          this.db.exec('BEGIN IMMEDIATE');
          return;
        } catch (err) {
          if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
          if (!told) {
            onWait?.();
            this.db.pragma(`busy_timeout = ${usual}`); // SQLite waits inside; each failure is one more round
          }
        }
      }
    } finally {
      this.db.pragma(`busy_timeout = ${usual}`);
    }
  }

  /** Writes queued band and chunk rows, then commits the transaction beginWrite opened. */
  commitWrite(): void {
    try {
      this.flushPending();
      this.db.exec('COMMIT');
    } catch (err) {
      this.abortWrite();
      throw err;
    } finally {
      this.endWrite();
    }
  }

  /** Rolls back the transaction beginWrite opened (a no-op when none is open). */
  abortWrite(): void {
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    } finally {
      this.endWrite();
    }
  }

  /** Runs `fn` in one write transaction: committed when it returns, rolled back when it throws. */
  writeTransaction<T>(fn: () => T): T {
    this.beginWrite();
    let result: T;
    try {
      result = fn();
    } catch (err) {
      this.abortWrite();
      throw err;
    }
    this.commitWrite();
    return result;
  }

  /**
   * The id of a value (inserted when new; new values of banded types are queued for the band and chunk
   * tables, written by flushPending or at commit); fills in a quality where none was known. Call inside
   * a write transaction.
   */
  hashId(signal: SignalType, value: Uint32Array, quality: number | null): number {
    const v = this.valueStatements(signal);
    const bytes = wordsToBytes(value);
    const res = v.insert.run(bytes, quality);
    if (res.changes === 1) {
      const id = Number(res.lastInsertRowid);
      this.presence.get(signal)?.mark(value[value.length - 1]);
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

  /**
   * The ids of `count` values (`values` holds bits/32 words each; `qualities[i]` < 0 for none), as hashId
   * would give them called in position order: new values are inserted, and a value's quality is the first
   * known one among the stored row and the given positions in order. New values are inserted in
   * ascending byte order with ascending ids, so SQLite's value index and row table both append (a bulk
   * import's inserts cost a third of hashId's in random order). Call inside a write transaction.
   */
  hashIds(signal: SignalType, values: Uint32Array, qualities: Int32Array, count: number): ValueIds {
    const words = signal.bits / 32;
    const t = this.tablesOf(signal);
    const ids = new Uint32Array(count);
    const existed = new Uint8Array(count);
    if (count === 0) return { ids, existed };
    const order = orderByStoredBytes(values, words, count);
    // distinct values (first position of each run of equal values, in byte order) and their bytes
    const runStart: number[] = [];
    for (let k = 0; k < count; k++) {
      if (k === 0 || !sameValue(values, words, order[k - 1], order[k])) runStart.push(k);
    }
    const distinct = runStart.length;
    runStart.push(count);
    const bytes = Buffer.allocUnsafe(distinct * words * 4);
    for (let d = 0; d < distinct; d++) {
      const p = order[runStart[d]];
      for (let w = 0; w < words; w++) bytes.writeUInt32BE(values[p * words + w], (d * words + words - 1 - w) * 4);
    }
    const valueBytes = (d: number) => bytes.subarray(d * words * 4, (d + 1) * words * 4);
    // the first known quality of each distinct value in position order (positions of a run are ascending)
    const firstQuality = new Int32Array(distinct).fill(-1);
    for (let d = 0; d < distinct; d++) {
      for (let k = runStart[d]; k < runStart[d + 1]; k++) {
        const q = qualities[order[k]];
        if (q >= 0) {
          firstQuality[d] = q;
          break;
        }
      }
    }
    // values already stored (only those the presence filter cannot rule out are looked up): their ids,
    // and a quality filled in where none was known
    const found = new Int32Array(distinct).fill(-1);
    let maxId = this.maxHashId(signal);
    let presence = this.presence.get(signal);
    if (!presence) {
      presence = maxId === 0 ? new ValuePresence() : ValuePresence.ofTable(this.db, t.hashes);
      this.presence.set(signal, presence);
    }
    const v = this.valueStatements(signal);
    for (let d = 0; d < distinct; d++) {
      if (!presence.mayHold(values[order[runStart[d]] * words + words - 1])) continue;
      const row = v.find.get(valueBytes(d)) as [number, number | null] | undefined;
      if (!row) continue;
      found[d] = row[0];
      if (row[1] === null && firstQuality[d] >= 0) v.setQuality.run(firstQuality[d], row[0]); // an unknown quality becomes known
    }
    // new values, ascending: ids follow the byte order
    const assigned = new Uint32Array(distinct);
    // OR FAIL: a conflict fails the whole write anyway, and unlike the default ABORT it needs no statement journal
    const insertMany = this.db.prepare(`INSERT OR FAIL INTO ${t.hashes} (id, value, quality) VALUES ${new Array(INSERT_ROWS).fill('(?, ?, ?)').join(', ')}`);
    const insertOne = this.db.prepare(`INSERT INTO ${t.hashes} (id, value, quality) VALUES (?, ?, ?)`);
    const queued: Array<number | Buffer | null> = [];
    let pending = t.bands ? this.pending.get(signal) : undefined;
    if (t.bands && !pending) {
      pending = new IdCodeBuffer();
      this.pending.set(signal, pending);
    }
    // the queue is written before it would outgrow PENDING_FLUSH (its memory bound), not after
    if (pending) {
      let fresh = 0;
      for (let d = 0; d < distinct; d++) if (found[d] < 0) fresh++;
      if (pending.count + fresh > PENDING_FLUSH) this.flushPending();
    }
    for (let d = 0; d < distinct; d++) {
      if (found[d] >= 0) {
        assigned[d] = found[d];
        continue;
      }
      const id = ++maxId;
      assigned[d] = id;
      presence.mark(values[order[runStart[d]] * words + words - 1]);
      queued.push(id, valueBytes(d), firstQuality[d] >= 0 ? firstQuality[d] : null);
      if (queued.length === 3 * INSERT_ROWS) {
        insertMany.run(queued);
        queued.length = 0;
      }
      if (pending) {
        const p = order[runStart[d]];
        pending.push(id, values.subarray(p * words, p * words + words));
      }
    }
    for (let k = 0; k < queued.length; k += 3) insertOne.run(queued[k], queued[k + 1], queued[k + 2]);
    for (let d = 0; d < distinct; d++) {
      for (let k = runStart[d]; k < runStart[d + 1]; k++) {
        ids[order[k]] = assigned[d];
        existed[order[k]] = found[d] >= 0 ? 1 : 0;
      }
    }
    return { ids, existed };
  }

  /** Writes the queued new values into the band and chunk tables (inside the open transaction). */
  flushPending(): void {
    for (const [s, buffer] of this.pending) {
      if (buffer.count === 0) continue;
      const t = this.tablesOf(s);
      const fresh = buffer.take();
      updateBands(this.db, t.bands!, fresh, 'add');
      updateChunks(this.db, t.hashes, fresh, 'add');
    }
  }

  private endWrite(): void {
    this.pending.clear();
    this.presence.clear();
    this.writing = false;
    if (this.db.open) {
      this.db.pragma(`cache_size = -${DEFAULT_CACHE_KIB}`);
      this.db.pragma('foreign_keys = ON');
    }
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
}

/** True when the values at positions a and b (words words each) are equal. */
function sameValue(values: Uint32Array, words: number, a: number, b: number): boolean {
  for (let w = 0; w < words; w++) if (values[a * words + w] !== values[b * words + w]) return false;
  return true;
}
