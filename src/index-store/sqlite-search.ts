/**
 * The SQLite banded path: exact radius search straight from the band tables, for small batches where
 * loading every value into memory would not pay. Per query, inside one read transaction: probe every
 * (band, key) within the per-band radius of the tighter pigeonhole split, union the ids, load the
 * candidates' values (from the hashes table, or from an id-indexed value cache when the caller has one)
 * and verify each by popcount. Radii whose probes would outnumber the band rows fall back to a scan of
 * the hashes table. Answers equal the brute-force answer.
 */
import { hamming256At, popcount32 } from '../hashing/bits.js';
import type { SignalType } from '../hashing/signal-type.js';
import { bandKey, bandRadii, flipMasks, totalProbes } from '../search/bands.js';
import { SQLITE_LAYOUT, unpackIds } from './band-tables.js';
import { wrongValueLength } from './damaged.js';
import { bruteForceForced } from '../search/brute-force.js';
import { BAND_KEY_SPAN } from './schema.js';
import { loadCodes } from './value-reads.js';
import type { ValueStore } from './value-store.js';
import type { HammingSearcher } from './types.js';

/** One stored value within the radius: its hash id and distance. */
export interface IdHit {
  id: number;
  distance: number;
}

/** Candidate ids read per statement (bounds the JSON text and the rows held at once). */
const VALUE_READ_IDS = 65_536;

/** Probes per query above which a scan of the hashes table is cheaper than probing (about the band row count). */
export const MAX_SQLITE_PROBES = 65_536;

/** Stored values indexed by hash id (8 words at id·8), for verifying candidates without a table lookup. */
export interface ValueCache {
  readonly codes: Uint32Array;
  /** Largest id held. */
  readonly maxId: number;
}

/** Loads every value of a 256-bit signal type into an id-indexed cache (one pass over the hashes table). */
export function loadValueCache(store: ValueStore, signal: SignalType): ValueCache {
  const { ids, codes, count } = loadCodes(store, signal);
  const maxId = count === 0 ? 0 : ids[count - 1];
  const byId = new Uint32Array((maxId + 1) * 8);
  for (let i = 0; i < count; i++) byId.set(codes.subarray(i * 8, i * 8 + 8), ids[i] * 8);
  return { codes: byId, maxId };
}

/** Hamming distance between a stored 32-byte value (hex-string byte order) and an 8-word code; the caller checks the length. */
function hammingOfBytes(value: Buffer, code: Uint32Array): number {
  let d = 0;
  for (let w = 0; w < 8; w++) d += popcount32(value.readUInt32BE(28 - 4 * w) ^ code[w]);
  return d;
}

/** Orders hits by distance, then id. */
function byDistanceThenId(a: IdHit, b: IdHit): number {
  return a.distance - b.distance || a.id - b.id;
}

/** Exact radius search over one signal type's band table; see the module comment. */
export class SqliteBandSearcher implements HammingSearcher {
  private readonly getBuckets;
  private readonly valuesByIds;
  private readonly scanAll;
  private readonly readTx;
  private readonly db;
  private readonly hashesTable;
  /** HASHTRIAGE_FORCE_BRUTE_FORCE=1: always scan the hashes table (see brute-force.ts). */
  private readonly forceScan = bruteForceForced();
  private mark = new Uint32Array(0);
  private generation = 0;

  constructor(
    store: ValueStore,
    readonly signal: SignalType,
    /** Id-indexed values to verify against; when absent, candidates are read from the hashes table. */
    private readonly cache: ValueCache | null = null,
  ) {
    const t = store.tablesOf(signal);
    if (!t.bands) throw new Error(`${signal.name} has no band table`);
    const db = store.db;
    this.db = db;
    this.hashesTable = t.hashes;
    this.getBuckets = db.prepare(`SELECT ids FROM ${t.bands} WHERE bk IN (SELECT value FROM json_each(?))`).pluck();
    this.valuesByIds = db.prepare(`SELECT id, value FROM ${t.hashes} WHERE id IN (SELECT value FROM json_each(?))`).raw();
    this.scanAll = db.prepare(`SELECT id, value FROM ${t.hashes}`).raw();
    this.readTx = db.transaction((fn: () => IdHit[]): IdHit[] => fn());
  }

  /** Every stored value within `radius` of the 8-word query, sorted by distance then id; radius < 0 gives []. */
  search(query: Uint32Array, radius: number): IdHit[] {
    if (!(radius >= 0)) return [];
    const r = Math.min(Math.floor(radius), 256);
    return this.readTx(() => (this.forceScan || totalProbes(SQLITE_LAYOUT, r) > MAX_SQLITE_PROBES ? this.scan(query, r) : this.probe(query, r)));
  }

  private probe(query: Uint32Array, r: number): IdHit[] {
    const layout = SQLITE_LAYOUT;
    const radii = bandRadii(layout, r);
    const keys: number[] = [];
    for (let b = 0; b < layout.count; b++) {
      if (radii[b] < 0) continue;
      const key = bandKey(layout, b, query, 0);
      const masks = flipMasks(layout.widths[b], radii[b]);
      const base = b * BAND_KEY_SPAN;
      for (let k = 0; k < masks.length; k++) keys.push(base + ((key ^ masks[k]) >>> 0));
    }
    // one statement fetches every probed bucket; a value can sit in the probed buckets of several bands
    const buckets = (this.getBuckets.all(JSON.stringify(keys)) as Buffer[]).map(unpackIds);
    const hits: IdHit[] = [];
    if (this.cache) {
      const gen = this.nextGeneration();
      // verify straight from the buckets (repeats are rare and cheaper to verify twice than to filter)
      const codes = this.cache.codes;
      const maxId = this.cache.maxId;
      for (const ids of buckets) {
        for (let i = 0; i < ids.length; i++) {
          const id = ids[i];
          if (id > maxId) continue; // appended after the cache was loaded: not in it
          const d = hamming256At(codes, id * 8, query, 0);
          if (d > r) continue;
          if (id >= this.mark.length) this.growMark(id);
          if (this.mark[id] === gen) continue;
          this.mark[id] = gen;
          hits.push({ id, distance: d });
        }
      }
      return hits.sort(byDistanceThenId);
    }
    // union of the candidate ids: sorted, repeats dropped (ascending ids also keep the B-tree reads local)
    let total = 0;
    for (const ids of buckets) total += ids.length;
    const all = new Uint32Array(total);
    let at = 0;
    for (const ids of buckets) {
      all.set(ids, at);
      at += ids.length;
    }
    all.sort();
    let n = 0;
    for (let i = 0; i < total; i++) if (i === 0 || all[i] !== all[i - 1]) all[n++] = all[i];
    const sorted = all.subarray(0, n);
    // one statement reads every candidate's value: a statement per id cost about twice the CPU at 1M
    // values (~4,000 candidates per query at radius 31, most on pages not read yet)
    for (let from = 0; from < n; from += VALUE_READ_IDS) {
      const part = sorted.subarray(from, Math.min(n, from + VALUE_READ_IDS));
      for (const [id, value] of this.valuesByIds.all(JSON.stringify(Array.from(part))) as Array<[number, Buffer]>) {
        if (value.byteLength !== 32) throw this.damaged(id, value);
        const d = hammingOfBytes(value, query);
        if (d <= r) hits.push({ id, distance: d });
      }
    }
    return hits.sort(byDistanceThenId);
  }

  private scan(query: Uint32Array, r: number): IdHit[] {
    const hits: IdHit[] = [];
    for (const row of this.scanAll.iterate()) {
      const [id, value] = row as [number, Buffer];
      if (value.byteLength !== 32) throw this.damaged(id, value);
      const d = hammingOfBytes(value, query);
      if (d <= r) hits.push({ id, distance: d });
    }
    return hits.sort(byDistanceThenId);
  }

  /** The damaged-index error for a stored value that is not 32 bytes. */
  private damaged(id: number, value: unknown): Error {
    return wrongValueLength(this.db, this.hashesTable, id, value, 32);
  }

  private growMark(id: number): void {
    const next = new Uint32Array(Math.max(id + 1, this.mark.length * 2, 1024));
    next.set(this.mark);
    this.mark = next;
  }

  private nextGeneration(): number {
    if (this.generation === 0xffffffff) {
      this.mark.fill(0);
      this.generation = 0;
    }
    return ++this.generation;
  }
}
