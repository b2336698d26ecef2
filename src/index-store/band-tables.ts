/**
 * Maintenance of the SQLite band tables (one row per (band, key) holding a BLOB of ascending hash ids):
 * adding new ids, removing ids, and checking that the tables agree with the hashes table. Runs inside the
 * caller's transaction; never opens one itself.
 */
import type Database from 'better-sqlite3';
import { bandKey, bandLayout, type BandLayout } from '../search/bands.js';
import { wrongValueLength } from './damaged.js';
import { packIds, unpackIds, type IdCodes } from './id-blobs.js';
import { BAND_KEY_SPAN, SQLITE_BAND_COUNT } from './schema.js';

export { packIds, unpackIds, type IdCodes } from './id-blobs.js';

/** The layout of every SQLite band table (16 bands of 16 bits). */
export const SQLITE_LAYOUT: BandLayout = bandLayout(SQLITE_BAND_COUNT);

/** Packed (band, key) primary key of a band table row. */
export function bandRowKey(band: number, key: number): number {
  return band * BAND_KEY_SPAN + key;
}

/** Rows read per statement when loading values (bounded memory for the transient row objects). */
const READ_CHUNK = 65_536;

/**
 * Reads (id, value) of the hashes with afterId < id ≤ uptoId, ascending, from a 256-bit hashes table;
 * a value that is not 32 bytes throws the damaged-index error naming its row.
 */
export function readIdCodes(db: Database.Database, hashesTable: string, afterId = 0, uptoId = Number.MAX_SAFE_INTEGER): IdCodes {
  const total = (db.prepare(`SELECT count(*) FROM ${hashesTable} WHERE id > ? AND id <= ?`).pluck().get(afterId, uptoId) as number) ?? 0;
  const ids = new Uint32Array(total);
  const codes = new Uint32Array(total * 8);
  const page = db.prepare(`SELECT id, value FROM ${hashesTable} WHERE id > ? AND id <= ? ORDER BY id LIMIT ${READ_CHUNK}`).raw();
  let n = 0;
  let after = afterId;
  for (;;) {
    const rows = page.all(after, uptoId) as Array<[number, Buffer]>;
    for (const [id, value] of rows) {
      if (n === total) break;
      if (value.byteLength !== 32) throw wrongValueLength(db, hashesTable, id, value, 32);
      ids[n] = id;
      // bytes are in hex-string order: the first 4 bytes are the highest word (see bits.wordsToBytes)
      const o = n * 8;
      for (let w = 0; w < 8; w++) codes[o + w] = value.readUInt32BE(28 - 4 * w);
      n++;
    }
    if (rows.length < READ_CHUNK || n === total) break;
    after = rows[rows.length - 1][0];
  }
  return { ids: ids.subarray(0, n), codes: codes.subarray(0, n * 8), count: n };
}

/** Positions 0…count−1 sorted by their key in band b (stable), with the keys in the same order. */
function sortByBandKey(layout: BandLayout, b: number, codes: Uint32Array, count: number): { order: Uint32Array; keys: Uint32Array } {
  const size = 2 ** layout.widths[b];
  const pos = new Uint32Array(size + 1);
  const raw = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const k = bandKey(layout, b, codes, i * 8);
    raw[i] = k;
    pos[k + 1]++;
  }
  for (let k = 0; k < size; k++) pos[k + 1] += pos[k];
  const order = new Uint32Array(count);
  const keys = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const p = pos[raw[i]]++;
    order[p] = i;
    keys[p] = raw[i];
  }
  return { order, keys };
}

/** Merges two ascending id lists, dropping repeats. */
function mergeAscending(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length === 0) return b.slice();
  if (b.length === 0 || a[a.length - 1] < b[0]) {
    const out = new Uint32Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  }
  const out = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
    if (n === 0 || out[n - 1] !== v) out[n++] = v;
  }
  return out.slice(0, n);
}

/** `a` without the ids in `drop` (both ascending). */
function subtractAscending(a: Uint32Array, drop: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length);
  let j = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    while (j < drop.length && drop[j] < v) j++;
    if (j < drop.length && drop[j] === v) continue;
    out[n++] = v;
  }
  return out.slice(0, n);
}

type Change = 'add' | 'remove';

/**
 * Adds (or removes) the given hashes (ids ascending, codes 8 words each) to (from) the band table: after
 * it, every id is in exactly the bucket of its key in every band (or in none). Call inside a transaction.
 */
export function updateBands(db: Database.Database, bandsTable: string, entries: IdCodes, change: Change): void {
  if (entries.count === 0) return;
  const layout = SQLITE_LAYOUT;
  const get = db.prepare(`SELECT ids FROM ${bandsTable} WHERE bk = ?`).pluck();
  const getBand = db.prepare(`SELECT bk, ids FROM ${bandsTable} WHERE bk >= ? AND bk < ?`).raw();
  // OR FAIL: a conflict fails the whole write anyway, and unlike the default ABORT it needs no statement journal
  const upsert = (rows: number) =>
    db.prepare(`INSERT OR FAIL INTO ${bandsTable} (bk, ids) VALUES ${new Array(rows).fill('(?, ?)').join(', ')} ON CONFLICT(bk) DO UPDATE SET ids = excluded.ids`);
  const insert = (rows: number) => db.prepare(`INSERT OR FAIL INTO ${bandsTable} (bk, ids) VALUES ${new Array(rows).fill('(?, ?)').join(', ')}`);
  // rows are written PUT_ROWS per statement (one statement per bucket would cost more than the SQL work);
  // buckets that had no row are plain inserts, the others upserts
  const fresh = new RowQueue(insert(1), insert(PUT_ROWS));
  const changed = new RowQueue(upsert(1), upsert(PUT_ROWS));
  const del = db.prepare(`DELETE FROM ${bandsTable} WHERE bk = ?`);
  const sortedIds = new Uint32Array(entries.count);
  for (let b = 0; b < layout.count; b++) {
    const { order, keys } = sortByBandKey(layout, b, entries.codes, entries.count);
    let groups = 0;
    for (let i = 0; i < entries.count; i++) {
      sortedIds[i] = entries.ids[order[i]];
      if (i === 0 || keys[i] !== keys[i - 1]) groups++;
    }
    // many buckets touched: read the band's rows in one statement instead of one lookup per bucket
    let rowsOfBand: Map<number, Buffer> | null = null;
    if (groups > 2048) {
      rowsOfBand = new Map();
      for (const [bk, ids] of getBand.all(bandRowKey(b, 0), bandRowKey(b + 1, 0)) as Array<[number, Buffer]>) rowsOfBand.set(bk, ids);
    }
    let i = 0;
    while (i < entries.count) {
      const key = keys[i];
      let j = i;
      while (j < entries.count && keys[j] === key) j++;
      // ids of a group come out of the stable sort in input order; sort (a copy) only when it was not ascending
      let group = sortedIds.subarray(i, j);
      for (let g = 1; g < group.length; g++) {
        if (group[g - 1] > group[g]) {
          group = group.slice().sort();
          break;
        }
      }
      const bk = bandRowKey(b, key);
      const blob = rowsOfBand ? rowsOfBand.get(bk) : (get.get(bk) as Buffer | undefined);
      if (!blob) {
        if (change === 'add') fresh.put(bk, packIds(group));
      } else {
        const existing = unpackIds(blob);
        const next = change === 'add' ? mergeAscending(existing, group) : subtractAscending(existing, group);
        if (next.length === 0) del.run(bk);
        else changed.put(bk, packIds(next));
      }
      i = j;
    }
    // the queued blobs view sortedIds: write them before the next band refills it
    fresh.flush();
    changed.flush();
  }
}

/** Band rows queued for multi-row statements (`many` takes PUT_ROWS rows, `one` the rest). */
class RowQueue {
  private readonly queued: Array<number | Buffer> = [];

  constructor(
    private readonly one: Database.Statement,
    private readonly many: Database.Statement,
  ) {}

  put(bk: number, blob: Buffer): void {
    this.queued.push(bk, blob);
    if (this.queued.length === 2 * PUT_ROWS) {
      this.many.run(this.queued);
      this.queued.length = 0;
    }
  }

  flush(): void {
    for (let k = 0; k < this.queued.length; k += 2) this.one.run(this.queued[k], this.queued[k + 1]);
    this.queued.length = 0;
  }
}

/** Band rows written per multi-row upsert statement. */
const PUT_ROWS = 64;

/** One inconsistency found by verifyBands. */
export interface BandProblem {
  readonly band: number;
  readonly key: number;
  readonly message: string;
}

/**
 * Checks a band table against its hashes table: every stored id exists, sits in the bucket of its own key,
 * appears once per band, buckets are ascending and non-empty, and every hash is in every band. Returns
 * the problems found (at most `limit`), empty when consistent.
 */
export function verifyBands(db: Database.Database, hashesTable: string, bandsTable: string, limit = 100): BandProblem[] {
  const layout = SQLITE_LAYOUT;
  const problems: BandProblem[] = [];
  const report = (band: number, key: number, message: string) => {
    if (problems.length < limit) problems.push({ band, key, message });
  };
  const all = readIdCodes(db, hashesTable);
  const maxId = all.count === 0 ? 0 : all.ids[all.count - 1];
  const position = new Int32Array(maxId + 1).fill(-1);
  for (let i = 0; i < all.count; i++) position[all.ids[i]] = i;
  const seen = new Uint8Array(SQLITE_BAND_COUNT * (maxId + 1));
  const inBand = new Float64Array(SQLITE_BAND_COUNT);
  for (const row of db.prepare(`SELECT bk, ids FROM ${bandsTable} ORDER BY bk`).raw().iterate()) {
    const [bk, blob] = row as [number, Buffer];
    const band = Math.floor(bk / BAND_KEY_SPAN);
    const key = bk - band * BAND_KEY_SPAN;
    if (band >= SQLITE_BAND_COUNT || bk < 0) {
      report(band, key, `row ${bk} is outside the ${SQLITE_BAND_COUNT}-band layout`);
      continue;
    }
    if (blob.byteLength % 4 !== 0) report(band, key, `bucket blob of ${blob.byteLength} bytes is not a list of uint32 ids`);
    const ids = unpackIds(blob);
    if (ids.length === 0) report(band, key, 'empty bucket row');
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (i > 0 && ids[i - 1] >= id) report(band, key, `ids not strictly ascending at ${i} (${ids[i - 1]}, ${id})`);
      const p = id <= maxId ? position[id] : -1;
      if (p < 0) {
        report(band, key, `id ${id} is not in ${hashesTable}`);
        continue;
      }
      const want = bandKey(layout, band, all.codes, p * 8);
      if (want !== key) report(band, key, `id ${id} belongs in bucket ${want}, found in ${key}`);
      const s = band * (maxId + 1) + id;
      if (seen[s] === 1) report(band, key, `id ${id} appears more than once in band ${band}`);
      else {
        seen[s] = 1;
        inBand[band]++;
      }
    }
  }
  for (let b = 0; b < SQLITE_BAND_COUNT; b++) {
    if (inBand[b] === all.count) continue;
    for (let i = 0; i < all.count && problems.length < limit; i++) {
      const id = all.ids[i];
      if (seen[b * (maxId + 1) + id] === 0) report(b, bandKey(layout, b, all.codes, i * 8), `id ${id} is missing from band ${b}`);
    }
  }
  return problems;
}
