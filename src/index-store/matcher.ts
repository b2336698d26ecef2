/**
 * The public matcher: answers batches of query values of one signal type against a value store (the
 * known index, or the sightings store) and attaches each hit's entries (list entries, or sightings).
 *
 *  - Exact types (comparison 'exact': MD5, SHA-1, SHA-256) are answered by indexed equality.
 *  - 256-bit Hamming types are answered by an exact radius search on one of two paths with identical
 *    answers: the SQLite banded path (no loading; a few milliseconds per query at 1M values) or the
 *    in-memory multi-index (loaded once per process from the packed value table, then ~0.1–0.2 ms per
 *    query at 1M; values another process appends later, e.g. an import committing while a scan runs, are
 *    folded in without a reload, see MemoryState). Rule: the in-memory path is used when it is already loaded and current, or when the
 *    batch has at least MEMORY_MIN_QUERIES distinct queries: loading costs about as much as that many
 *    SQLite-path queries at any index size (both grow linearly with the number of values; measured by
 *    bench/matching.ts as breakEvenQueries), or WARM_MEMORY_MIN_QUERIES when a current saved copy of the
 *    in-memory index can be loaded instead of built.
 *  - Identical queries are answered once. Hits are sorted by distance, then hash, with their entries.
 *  - Quality: stored values and queries below the signal type's minMatchQuality are kept but not
 *    matched unless includeLowQuality is set; such queries are flagged lowQuality, such hits too.
 */
import { HashtriageError } from '../errors.js';
import type { SignalType } from '../hashing/signal-type.js';
import type { BatchHits } from '../search/batch-hits.js';
import { blockedScan } from '../search/blocked-scan.js';
import { MemoryMultiIndex } from '../search/memory-index.js';
import { readSidecar, sidecarMatches, writeSidecar, type SidecarKey } from './memory-sidecar.js';
import { readContentStamp } from './schema.js';
import { SqliteBandSearcher } from './sqlite-search.js';
import type { MatchEntry, MatchHit, MatchResult } from './types.js';
import { idsOfValues, loadCodes, valuesOf } from './value-reads.js';
import type { ValueStore } from './value-store.js';

/** What a hit carries about each of its stored values: list entries, or sightings; by hash id. */
export type EntryReader<E> = (signal: SignalType, ids: readonly number[]) => Map<number, E[]>;

/**
 * Distinct queries from which a batch loads the in-memory index (when it is not loaded yet). The
 * benchmark measures the break-even (load + build time ÷ per-query saving): about 50–70 queries at 0.1M
 * and 1M values, because both loading and the SQLite path's per-query cost grow linearly with the index.
 */
export const MEMORY_MIN_QUERIES = 64;
/**
 * Distinct queries from which a batch loads the in-memory index when its saved copy (memory-sidecar.ts)
 * is current: loading that file costs a fifth of building (bench/warm-start.ts), so it pays off sooner.
 */
export const WARM_MEMORY_MIN_QUERIES = 16;

/** How to match one batch. */
export interface MatchOptions {
  /** Largest distance that matches (integer 0–256); default the signal type's defaultThreshold. Ignored for exact types. */
  readonly threshold?: number;
  /**
   * Per query, extra values searched on its behalf (e.g. PDQ's rotated/flipped variants computed by
   * `hash --dihedral`); a hash found through several of them keeps its smallest distance.
   */
  readonly variants?: ReadonlyArray<readonly Uint32Array[] | undefined>;
  /** Per query quality (null/undefined: unknown, treated as good). */
  readonly qualities?: ReadonlyArray<number | null | undefined>;
  /** Match low-quality queries and stored values too (they are flagged). */
  readonly includeLowQuality?: boolean;
  /** Force a path (tests, benchmarks); default 'auto' (see the module comment). */
  readonly path?: 'auto' | 'memory' | 'sqlite';
}

/** A hit with the matcher's flags. */
export interface MatchedHash<E = MatchEntry> extends MatchHit<E> {
  /** The stored value is below the type's minMatchQuality (only with includeLowQuality). */
  readonly lowQuality?: true;
  /** Index into the query's `variants` of the variant that gave the smallest distance (absent: the query itself). */
  readonly variant?: number;
}

/** The answer for one query. */
export interface MatchOutcome<E = MatchEntry> extends MatchResult<E> {
  readonly matches: readonly MatchedHash<E>[];
  /** The query is below the type's minMatchQuality (not matched unless includeLowQuality). */
  readonly lowQuality?: true;
}

/**
 * Values appended since the last segment was built, searched linearly; at most this many before they are
 * indexed as a segment of their own.
 */
const TAIL_MAX = 4096;

/** Ids and codes (8 words each) of `count` values. */
interface IdCodeList {
  readonly ids: Uint32Array;
  readonly codes: Uint32Array;
  readonly count: number;
}

/** A multi-index over some of the values and the hash id of each of its positions. */
interface Segment {
  readonly index: MemoryMultiIndex;
  readonly ids: Uint32Array;
}

/**
 * A loaded in-memory index of one signal type and the database state it reflects. Values appended after
 * loading go to `tail` (linear scan); a full tail becomes a segment, and segments merge like a binary
 * counter (the newest is merged into the one before while at least as large), so appending n values in
 * any batch sizes costs O(n log n) building and a search visits O(log n) segments.
 */
interface MemoryState {
  readonly generation: number;
  /** Where its first segment came from: the warm-start file, or built from the database. */
  readonly origin: 'sidecar' | 'built';
  /** Largest id loaded. */
  maxId: number;
  /** Segments, oldest (largest) first. */
  segments: Segment[];
  tail: IdCodeList;
}

interface RawHit {
  id: number;
  distance: number;
  /** Stored value as words (when the path has it in memory). */
  value?: Uint32Array;
  variant?: number;
}

function minQualityOf(signal: SignalType): number {
  return signal.source === 'pixels' ? signal.minMatchQuality : 0;
}

function containsSorted(sorted: Uint32Array, id: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid];
    if (v === id) return true;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Answers queries against one open value store; keeps loaded in-memory indexes between batches. */
export class IndexMatcher<E = MatchEntry> {
  private readonly memory = new Map<string, MemoryState>();
  private readonly sqlite = new Map<string, SqliteBandSearcher>();

  constructor(
    readonly store: ValueStore,
    /** Reads the entries attached to hits. */
    private readonly entriesOf: EntryReader<E>,
    /**
     * Where the built in-memory index of a signal type is saved for the next process (memory-sidecar.ts),
     * or absent for none: a current file is loaded instead of building, a missing or stale one rewritten.
     */
    private readonly sidecarPath?: (signal: SignalType, includeLow: boolean) => string,
  ) {}

  /**
   * One outcome per query, in query order. Exact for every path; throws HashtriageError USAGE for a
   * threshold that is not an integer 0–256 or a query of the wrong width.
   */
  matchValues(signal: SignalType, queries: readonly Uint32Array[], options: MatchOptions = {}): MatchOutcome<E>[] {
    const words = signal.bits / 32;
    for (const [i, q] of queries.entries()) {
      if (q.length !== words) throw new HashtriageError('USAGE', `query ${i + 1} has ${q.length * 32} bits, ${signal.name} has ${signal.bits}`);
    }
    const threshold = signal.comparison === 'exact' ? 0 : (options.threshold ?? signal.defaultThreshold);
    if (!Number.isInteger(threshold) || threshold < 0 || threshold > 256) {
      throw new HashtriageError('USAGE', `threshold must be an integer from 0 to 256, got ${options.threshold}`);
    }
    const minQ = minQualityOf(signal);
    const includeLow = options.includeLowQuality ?? false;

    // identical queries (same value, variants and quality class) are answered once
    const keyOf = (i: number): string => {
      const low = this.isLow(options.qualities?.[i], minQ);
      const vs = options.variants?.[i] ?? [];
      return `${signal.format(queries[i])}|${vs.map((v) => signal.format(v)).join(',')}|${low ? 'L' : ''}`;
    };
    const firstOf = new Map<string, number>();
    const distinct: number[] = [];
    const slot = new Int32Array(queries.length);
    for (let i = 0; i < queries.length; i++) {
      const key = keyOf(i);
      let d = firstOf.get(key);
      if (d === undefined) {
        d = distinct.length;
        firstOf.set(key, d);
        distinct.push(i);
      }
      slot[i] = d;
    }

    const rawHits: RawHit[][] = distinct.map(() => []);
    const searchable = distinct.map((qi) => includeLow || !this.isLow(options.qualities?.[qi], minQ));
    if (signal.comparison === 'exact') {
      const ids = idsOfValues(
        this.store,
        signal,
        distinct.map((qi) => queries[qi]),
      );
      ids.forEach((id, k) => {
        if (id !== null && searchable[k]) rawHits[k].push({ id, distance: 0, value: queries[distinct[k]] });
      });
    } else {
      if (signal.bits !== 256) throw new HashtriageError('USAGE', `near matching supports 256-bit types; ${signal.name} has ${signal.bits} bits`);
      const path = options.path && options.path !== 'auto' ? options.path : this.choosePath(signal, distinct.length, includeLow);
      // every value searched (each query, then its variants), with the distinct query and variant it stands for
      const owner: number[] = [];
      const variantOf: Array<number | undefined> = [];
      const values: Uint32Array[] = [];
      distinct.forEach((qi, k) => {
        if (!searchable[k]) return;
        values.push(queries[qi]);
        owner.push(k);
        variantOf.push(undefined);
        (options.variants?.[qi] ?? []).forEach((v, vi) => {
          values.push(v);
          owner.push(k);
          variantOf.push(vi);
        });
      });
      const found = path === 'memory' ? this.memoryBatch(signal, includeLow, values, threshold) : this.sqliteBatch(signal, values, threshold);
      const best = distinct.map(() => new Map<number, RawHit>());
      found.forEach((hits, j) => {
        const map = best[owner[j]];
        const variant = variantOf[j];
        for (const h of hits) {
          const prev = map.get(h.id);
          if (!prev || h.distance < prev.distance) map.set(h.id, variant === undefined ? h : { ...h, variant });
        }
      });
      best.forEach((map, k) => {
        rawHits[k] = [...map.values()];
      });
    }

    const outcomes = this.attach(signal, rawHits, minQ, includeLow);
    return queries.map((q, i) => {
      const k = slot[i];
      const low = this.isLow(options.qualities?.[i], minQ);
      return { query: signal.format(q), matches: outcomes[k], ...(low ? { lowQuality: true as const } : {}) };
    });
  }

  /** The path a batch of `distinctQueries` would take now ('memory' or 'sqlite'); see the module comment. */
  choosePath(signal: SignalType, distinctQueries: number, includeLowQuality = false): 'memory' | 'sqlite' {
    const state = this.memory.get(this.memoryKey(signal, includeLowQuality));
    if (state && state.generation === this.store.generation()) return 'memory';
    if (distinctQueries >= MEMORY_MIN_QUERIES) return 'memory';
    return distinctQueries >= WARM_MEMORY_MIN_QUERIES && this.hasCurrentSidecar(signal, includeLowQuality) ? 'memory' : 'sqlite';
  }

  /** True when the saved in-memory index of `signal` describes the index content as it is now. */
  private hasCurrentSidecar(signal: SignalType, includeLow: boolean): boolean {
    const file = this.sidecarPath?.(signal, includeLow) ?? null;
    if (file === null) return false;
    const db = this.store.db;
    const key: SidecarKey = { stamp: readContentStamp(db), generation: this.store.generation(), maxId: this.store.maxHashId(signal) };
    return key.stamp !== '' && sidecarMatches(file, signal, includeLow, key);
  }

  /** Drops loaded in-memory indexes (they reload on demand). */
  release(): void {
    this.memory.clear();
    this.sqlite.clear();
  }

  private isLow(quality: number | null | undefined, minQ: number): boolean {
    return quality !== null && quality !== undefined && quality < minQ;
  }

  private memoryKey(signal: SignalType, includeLow: boolean): string {
    return `${signal.name}|${includeLow ? 'all' : 'good'}`;
  }

  /**
   * The hits of each value on the current in-memory index (loaded or refreshed as needed), by value: every
   * segment answers the whole batch at once (probing, or one blocked scan for wide radii), the tail by
   * one blocked scan.
   */
  private memoryBatch(signal: SignalType, includeLow: boolean, values: readonly Uint32Array[], r: number): RawHit[][] {
    const { segments, tail } = this.currentMemory(signal, includeLow);
    const out: RawHit[][] = values.map(() => []);
    if (values.length === 0) return out;
    const flat = new Uint32Array(values.length * 8);
    values.forEach((v, j) => flat.set(v, j * 8));
    const collect = (hits: BatchHits, codes: Uint32Array, ids: Uint32Array) => {
      for (let j = 0; j < values.length; j++) {
        for (let k = hits.start[j]; k < hits.start[j + 1]; k++) {
          const at = hits.index[k];
          out[j].push({ id: ids[at], distance: hits.distance[k], value: codes.subarray(at * 8, at * 8 + 8) });
        }
      }
    };
    for (const { index, ids } of segments) {
      if (index.scansBatchAt(r)) {
        collect(index.searchBatch(flat, values.length, r), index.codes, ids);
        continue;
      }
      // probing answers one query at a time anyway; this way costs nothing per batch
      values.forEach((v, j) => {
        for (const h of index.search(v, r)) out[j].push({ id: ids[h.index], distance: h.distance, value: index.codes.subarray(h.index * 8, h.index * 8 + 8) });
      });
    }
    if (tail.count > 0) collect(blockedScan(tail.codes, tail.count, flat, values.length, r), tail.codes, tail.ids);
    return out;
  }

  /** Where the loaded in-memory index of `signal` came from ('sidecar' or 'built'), null when not loaded; for tests. */
  memoryOrigin(signal: SignalType, includeLowQuality = false): 'sidecar' | 'built' | null {
    return this.memory.get(this.memoryKey(signal, includeLowQuality))?.origin ?? null;
  }

  /** Number of segments the loaded in-memory index of `signal` has (0 when not loaded); for tests. */
  memorySegments(signal: SignalType, includeLowQuality = false): number {
    return this.memory.get(this.memoryKey(signal, includeLowQuality))?.segments.length ?? 0;
  }

  /**
   * The in-memory index, current with the database: reloaded when the generation changed (removals);
   * values appended since are folded in (see MemoryState). Quality updates need no reload: they only set
   * an unknown quality, so a value can only become low, and attach() drops low stored values by their
   * quality read at query time.
   */
  private currentMemory(signal: SignalType, includeLow: boolean): MemoryState {
    const key = this.memoryKey(signal, includeLow);
    const generation = this.store.generation();
    const state = this.memory.get(key);
    if (state && state.generation === generation) {
      const maxId = this.store.maxHashId(signal);
      if (maxId > state.maxId) {
        appendValues(state, keepMatchable(loadCodes(this.store, signal, state.maxId), includeLow));
        state.maxId = maxId;
      }
      return state;
    }
    this.memory.delete(key);
    const fresh = this.loadMemory(signal, includeLow);
    this.memory.set(key, fresh);
    return fresh;
  }

  /** A fresh in-memory index: from the sidecar when it matches the index content, else built (and saved). */
  private loadMemory(signal: SignalType, includeLow: boolean): MemoryState {
    const db = this.store.db;
    const file = this.sidecarPath?.(signal, includeLow) ?? null;
    // the content key and the values are read in one read transaction, so they describe the same state
    const read = db.transaction((): { key: SidecarKey; segment: Segment | null; kept: IdCodeList | null } => {
      const key: SidecarKey = { stamp: readContentStamp(db), generation: this.store.generation(), maxId: this.store.maxHashId(signal) };
      const saved = file !== null && key.stamp !== '' ? readSidecar(file, signal, includeLow, key) : null;
      if (saved) return { key, segment: saved, kept: null };
      return { key, segment: null, kept: keepMatchable(loadCodes(this.store, signal), includeLow) };
    });
    const { key, segment, kept } = read();
    let built = segment;
    if (built === null) {
      built = { index: MemoryMultiIndex.build(kept!.codes, kept!.count), ids: kept!.ids };
      if (file !== null && key.stamp !== '') writeSidecar(file, signal, includeLow, key, built);
    }
    return { generation: key.generation, origin: segment === null ? 'built' : 'sidecar', maxId: key.maxId, segments: [built], tail: EMPTY };
  }

  /** The hits of each value on the SQLite band table (one read transaction per value); low-quality hits are dropped in attach. */
  private sqliteBatch(signal: SignalType, values: readonly Uint32Array[], r: number): RawHit[][] {
    let searcher = this.sqlite.get(signal.name);
    if (!searcher) {
      searcher = new SqliteBandSearcher(this.store, signal);
      this.sqlite.set(signal.name, searcher);
    }
    const s = searcher;
    return values.map((v) => s.search(v, r));
  }

  /** Hex, quality flags and entries for every hit; drops low-quality stored values unless asked; sorts. */
  private attach(signal: SignalType, rawHits: RawHit[][], minQ: number, includeLow: boolean): MatchedHash<E>[][] {
    const allIds = new Set<number>();
    for (const hits of rawHits) for (const h of hits) allIds.add(h.id);
    const idList = [...allIds];
    const stored = valuesOf(this.store, signal, idList);
    const entries = this.entriesOf(signal, idList);
    return rawHits.map((hits) => {
      const out: MatchedHash<E>[] = [];
      for (const h of hits) {
        const s = stored.get(h.id);
        const value = h.value ?? s?.value;
        if (!value) continue; // removed since the search (cannot happen inside one batch)
        const low = s !== undefined && s.quality !== null && s.quality < minQ;
        if (low && !includeLow) continue;
        out.push({
          hash: signal.format(value),
          distance: h.distance,
          entries: entries.get(h.id) ?? [],
          ...(low ? { lowQuality: true as const } : {}),
          ...(h.variant !== undefined ? { variant: h.variant } : {}),
        });
      }
      return out.sort((a, b) => a.distance - b.distance || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
    });
  }
}

const EMPTY: IdCodeList = { ids: new Uint32Array(0), codes: new Uint32Array(0), count: 0 };

/** The values a search may return: all with includeLow, else those of sufficient (or unknown) quality. */
function keepMatchable(all: IdCodeList & { lowQualityIds: Uint32Array }, includeLow: boolean): IdCodeList {
  if (includeLow || all.lowQualityIds.length === 0) return all;
  const ids = new Uint32Array(all.count);
  const codes = new Uint32Array(all.count * 8);
  let n = 0;
  for (let i = 0; i < all.count; i++) {
    if (containsSorted(all.lowQualityIds, all.ids[i])) continue;
    ids[n] = all.ids[i];
    codes.set(all.codes.subarray(i * 8, i * 8 + 8), n * 8);
    n++;
  }
  return { ids: ids.subarray(0, n), codes: codes.subarray(0, n * 8), count: n };
}

/** Adds appended values to the state: into the tail, which becomes a segment when full; merges segments. */
function appendValues(state: MemoryState, more: IdCodeList): void {
  if (more.count === 0) return;
  state.tail = concatValues(state.tail, more);
  if (state.tail.count <= TAIL_MAX) return;
  let merged: IdCodeList = state.tail;
  state.tail = EMPTY;
  const segments = state.segments;
  while (segments.length > 0 && segments[segments.length - 1].index.count <= merged.count) {
    const last = segments.pop()!;
    merged = concatValues({ ids: last.ids, codes: last.index.codes, count: last.index.count }, merged);
  }
  segments.push({ index: MemoryMultiIndex.build(merged.codes, merged.count), ids: merged.ids });
}

/** `a` followed by `b`, in new arrays. */
function concatValues(a: IdCodeList, b: IdCodeList): IdCodeList {
  const ids = new Uint32Array(a.count + b.count);
  ids.set(a.ids.subarray(0, a.count));
  ids.set(b.ids.subarray(0, b.count), a.count);
  const codes = new Uint32Array(ids.length * 8);
  codes.set(a.codes.subarray(0, a.count * 8));
  codes.set(b.codes.subarray(0, b.count * 8), a.count * 8);
  return { ids, codes, count: ids.length };
}
