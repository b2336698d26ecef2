/**
 * In-memory exact multi-index over any set of 256-bit codes (known hashes loaded from the store, or a
 * scan's own items when it groups near-duplicates).
 *
 * Layout: the codes stay in one flat Uint32Array (8 words each, position i at words 8i…8i+7). Each band
 * keeps its buckets in compressed CSR form: an occupancy bitmap over all 2^width keys interleaved with
 * running popcounts (rank), `offsets` with one start per non-empty bucket, and `ids` (positions, sorted
 * ascending inside a bucket). Empty buckets cost one bit, so wide bands (few candidates per probe) stay
 * small. A query probes every key within the per-band radius from bands.ts (Norouzi's tighter split),
 * gathers the candidates, then verifies each with the full popcount: the answer equals the brute-force
 * answer.
 *
 * Degenerate data (many codes sharing band values: flat images, stripes, duplicates) makes buckets
 * over-full. They are never skipped: a query whose candidates would cost more than a scan of all codes
 * switches to that scan (the exact fallback), so one query never costs much more than a brute-force
 * pass, while typical queries touch a few thousand buckets and a few hundred candidates.
 * Wide radii (probing costlier than scanning) and over-budget queries of a batch go to the blocked scan
 * (blocked-scan.ts), which serves all of them in one pass over the codes.
 */
import { hamming256At, popcount32 } from '../hashing/bits.js';
import { bandKey, bandLayout, bandRadii, chooseBandCount, flipMasks, type BandLayout } from './bands.js';
import { HitCollector, NO_HITS, type BatchHits } from './batch-hits.js';
import { blockedScan, blockedScanInto } from './blocked-scan.js';
import { bruteForceForced, bruteForceSearch, compareHits, type IndexHit } from './brute-force.js';
import { candidateBudget, probeWork, scanIsCheaper } from './search-plan.js';

export type { IndexHit } from './brute-force.js';

/** Fewest bands an in-memory index accepts: bands of at most 26 bits keep each occupancy bitmap ≤ 16 MiB. */
export const MIN_MEMORY_BANDS = 10;

/** Options for MemoryMultiIndex.build. */
export interface MemoryIndexOptions {
  /** Number of bands (10…256); default chooseBandCount(count) = round(256 / (log2 count + 3)). */
  readonly bands?: number;
  /**
   * 'auto' (default): a query expected (or found) to cost more than a linear scan does the linear scan.
   * 'never': always probe the bands (used by tests to check the banded search alone; answers are the
   * same either way, only speed differs).
   */
  readonly fallback?: 'auto' | 'never';
}

/** The arrays of a built index, per band (see the module comment for their layout). */
export interface MemoryIndexParts {
  readonly bands: number;
  readonly occupancy: readonly Uint32Array[];
  readonly offsets: readonly Uint32Array[];
  readonly ids: readonly Uint32Array[];
}

/** How the searches so far were answered (for tests and diagnostics). */
export interface SearchCounts {
  /** Queries answered by probing the bands. */
  probed: number;
  /** Queries answered by the linear scan (planned, or after their candidates exceeded the budget). */
  linear: number;
}

/** Bucket occupancy of one index: what `index stats` shows and what reveals degenerate data. */
export interface BucketStats {
  readonly bands: number;
  readonly widths: number[];
  /** Largest bucket over all bands. */
  readonly max: number;
  /** Percentiles of the sizes of non-empty buckets, over all bands. */
  readonly p50: number;
  readonly p99: number;
  /** Buckets holding more than `overfullAbove` codes (16× the uniform expectation, at least 64). */
  readonly overfull: number;
  readonly overfullAbove: number;
}

interface SearchPlan {
  /** Flip masks per band (null = band not probed); empty when never probed. */
  readonly masks: Array<Uint32Array | null>;
  /** A lone query scans (search-plan.ts: scanning expected to cost no more than probing). */
  readonly scanSingle: boolean;
  /** A batch scans every query at once. */
  readonly scanBatch: boolean;
  /** HASHTRIAGE_FORCE_BRUTE_FORCE: scans are the plain per-query JS scan (the guard's slow reference). */
  readonly forced: boolean;
}

/** Exact radius search over a fixed set of 256-bit codes; results identical to bruteForceSearch. */
export class MemoryMultiIndex {
  private readonly plans = new Map<number, SearchPlan>();
  private readonly mark: Uint32Array;
  /** Scratch for one query's candidates; its length is the candidate budget before the linear fallback. */
  private readonly candidates: Uint32Array;
  private generation = 0;
  /** How the searches so far were answered. */
  readonly counts: SearchCounts = { probed: 0, linear: 0 };

  private constructor(
    /** The codes, 8 words each (shared with the caller, not copied: do not modify while the index is used). */
    readonly codes: Uint32Array,
    /** Number of codes indexed (positions 0 … count−1). */
    readonly count: number,
    readonly layout: BandLayout,
    private readonly occupancy: readonly Uint32Array[],
    private readonly offsets: readonly Uint32Array[],
    private readonly ids: readonly Uint32Array[],
    private readonly fallback: 'auto' | 'never',
  ) {
    this.mark = new Uint32Array(count);
    // 'never' must hold every code once per band; 'auto' switches to the linear scan before the buffer fills
    const budget = fallback === 'never' ? count * layout.count : candidateBudget(count);
    this.candidates = new Uint32Array(Math.max(16, budget));
  }

  /** The built arrays (shared, not copied), for persisting the index and rebuilding it with fromParts. */
  parts(): MemoryIndexParts {
    return { bands: this.layout.count, occupancy: this.occupancy, offsets: this.offsets, ids: this.ids };
  }

  /**
   * An index over the first `count` codes from arrays parts() returned for the same codes (kept by
   * reference). Throws RangeError when an array's length does not fit the layout; the contents are trusted.
   */
  static fromParts(codes: Uint32Array, count: number, parts: MemoryIndexParts): MemoryMultiIndex {
    if (!Number.isInteger(count) || count < 0 || count * 8 > codes.length) throw new RangeError(`count ${count} does not fit a code array of ${codes.length} words`);
    if (!Number.isInteger(parts.bands) || parts.bands < MIN_MEMORY_BANDS || parts.bands > 256) throw new RangeError(`band count ${parts.bands} is out of range`);
    const layout = bandLayout(parts.bands);
    if (parts.occupancy.length !== layout.count || parts.offsets.length !== layout.count || parts.ids.length !== layout.count) throw new RangeError('parts do not have one array per band');
    for (let b = 0; b < layout.count; b++) {
      const bucketWords = Math.max(1, 2 ** layout.widths[b] / 32);
      const off = parts.offsets[b];
      if (parts.occupancy[b].length !== bucketWords * 2) throw new RangeError(`band ${b}: occupancy has ${parts.occupancy[b].length} words, expected ${bucketWords * 2}`);
      if (parts.ids[b].length !== count) throw new RangeError(`band ${b}: ${parts.ids[b].length} ids for ${count} codes`);
      const occ = parts.occupancy[b];
      const buckets = occ[occ.length - 1] + popcount32(occ[occ.length - 2]);
      if (off.length !== buckets + 1 || off[buckets] !== count) throw new RangeError(`band ${b}: offsets do not match the occupancy bitmap`);
    }
    return new MemoryMultiIndex(codes, count, layout, parts.occupancy, parts.offsets, parts.ids, 'auto');
  }

  /** Indexes the first `count` codes of `codes` (8 words each); the array is kept by reference. */
  static build(codes: Uint32Array, count: number, options: MemoryIndexOptions = {}): MemoryMultiIndex {
    if (!Number.isInteger(count) || count < 0 || count * 8 > codes.length) {
      throw new RangeError(`count ${count} does not fit a code array of ${codes.length} words`);
    }
    const bands = options.bands ?? chooseBandCount(count, MIN_MEMORY_BANDS);
    if (bands < MIN_MEMORY_BANDS) throw new RangeError(`an in-memory index needs at least ${MIN_MEMORY_BANDS} bands, got ${bands}`);
    const layout = bandLayout(bands);
    const occupancy: Uint32Array[] = [];
    const offsets: Uint32Array[] = [];
    const ids: Uint32Array[] = [];
    const scratch = new RadixScratch(count);
    for (let b = 0; b < layout.count; b++) {
      const order = new Uint32Array(count);
      const keys = scratch.sortBand(layout, b, codes, count, order);
      const bucketWords = Math.max(1, 2 ** layout.widths[b] / 32);
      const occ = new Uint32Array(bucketWords * 2);
      let distinct = 0;
      for (let j = 0; j < count; j++) if (j === 0 || keys[j] !== keys[j - 1]) distinct++;
      const start = new Uint32Array(distinct + 1);
      let r = 0;
      for (let j = 0; j < count; j++) {
        const k = keys[j];
        if (j === 0 || k !== keys[j - 1]) {
          occ[(k >>> 5) * 2] |= 1 << (k & 31);
          start[r++] = j;
        }
      }
      start[distinct] = count;
      for (let w = 0, before = 0; w < bucketWords; w++) {
        occ[2 * w + 1] = before;
        before += popcount32(occ[2 * w]);
      }
      occupancy.push(occ);
      offsets.push(start);
      ids.push(order);
    }
    return new MemoryMultiIndex(codes, count, layout, occupancy, offsets, ids, options.fallback ?? 'auto');
  }

  /**
   * Every indexed code within `radius` of the query (8 words at `queryOffset` of `query`), as positions
   * with distances sorted by distance then position. Exact for every radius; radius < 0 gives [].
   */
  search(query: Uint32Array, radius: number, queryOffset = 0): IndexHit[] {
    if (!(radius >= 0) || this.count === 0) return [];
    const r = Math.min(Math.floor(radius), 256);
    const plan = this.planFor(r);
    const n = plan.scanSingle ? -1 : this.gather(query, queryOffset, plan);
    if (n < 0) return this.linearSearch(query, queryOffset, r, plan.forced);
    this.counts.probed++;
    // Phase 2: verify every candidate with the full popcount; a code found through several bands counts once.
    const gen = this.nextGeneration();
    const mark = this.mark;
    const codes = this.codes;
    const cand = this.candidates;
    const hits: IndexHit[] = [];
    for (let i = 0; i < n; i++) {
      const id = cand[i];
      const d = hamming256At(codes, id * 8, query, queryOffset);
      if (d <= r && mark[id] !== gen) {
        mark[id] = gen;
        hits.push({ index: id, distance: d });
      }
    }
    return hits.sort(compareHits);
  }

  /** True when searchBatch answers a batch at this radius with one blocked scan rather than by probing. */
  scansBatchAt(radius: number): boolean {
    return radius >= 0 && this.count > 0 && this.planFor(Math.min(Math.floor(radius), 256)).scanBatch;
  }

  /**
   * Every indexed code within `radius` of each of the `queryCount` queries of `queries` (8 words each), as
   * BatchHits (per query by distance then position): the same answers as search() for each query. Probes
   * the bands per query, or, when scanning is cheaper (wide radii) or a query's candidates exceed the
   * budget, answers those queries together with one blocked scan.
   */
  searchBatch(queries: Uint32Array, queryCount: number, radius: number): BatchHits {
    if (queryCount === 0) return NO_HITS;
    if (!(radius >= 0) || this.count === 0) return { start: new Uint32Array(queryCount + 1), index: new Uint32Array(0), distance: new Uint16Array(0) };
    const r = Math.min(Math.floor(radius), 256);
    const plan = this.planFor(r);
    if (plan.forced) {
      const out = new HitCollector();
      for (let q = 0; q < queryCount; q++) for (const h of this.linearSearch(queries, q * 8, r, true)) out.push(q, h.index, h.distance);
      return out.finish(queryCount);
    }
    if (plan.scanBatch) {
      this.counts.linear += queryCount;
      return blockedScan(this.codes, this.count, queries, queryCount, r);
    }
    const out = new HitCollector();
    const over: number[] = [];
    const codes = this.codes;
    const cand = this.candidates;
    const mark = this.mark;
    for (let q = 0; q < queryCount; q++) {
      const off = q * 8;
      const n = this.gather(queries, off, plan);
      if (n < 0) {
        over.push(q);
        continue;
      }
      this.counts.probed++;
      const gen = this.nextGeneration();
      for (let i = 0; i < n; i++) {
        const id = cand[i];
        const d = hamming256At(codes, id * 8, queries, off);
        if (d <= r && mark[id] !== gen) {
          mark[id] = gen;
          out.push(q, id, d);
        }
      }
    }
    if (over.length > 0) {
      this.counts.linear += over.length;
      const subset = new Uint32Array(over.length * 8);
      over.forEach((q, k) => subset.set(queries.subarray(q * 8, q * 8 + 8), k * 8));
      const scanned = new HitCollector();
      blockedScanInto(this.codes, this.count, subset, over.length, r, scanned);
      const part = scanned.finish(over.length);
      over.forEach((q, k) => {
        for (let j = part.start[k]; j < part.start[k + 1]; j++) out.push(q, part.index[j], part.distance[j]);
      });
    }
    return out.finish(queryCount);
  }

  /**
   * Phase 1 of a probed query: gathers candidate positions (with repeats) into `candidates` and returns
   * how many, or −1 when they exceed the budget (the caller then scans). Independent loads overlap.
   */
  private gather(query: Uint32Array, queryOffset: number, plan: SearchPlan): number {
    const layout = this.layout;
    const cand = this.candidates;
    const maxCand = cand.length;
    let n = 0;
    for (let b = 0; b < layout.count; b++) {
      const masks = plan.masks[b];
      if (masks === null) continue;
      const key = bandKey(layout, b, query, queryOffset);
      const occ = this.occupancy[b];
      const off = this.offsets[b];
      const ids = this.ids[b];
      for (let k = 0; k < masks.length; k++) {
        const bucket = key ^ masks[k];
        const wi = (bucket >>> 5) << 1;
        const word = occ[wi];
        const bit = 1 << (bucket & 31);
        if ((word & bit) === 0) continue;
        const rank = occ[wi + 1] + popcount32(word & (bit - 1));
        const start = off[rank];
        const end = off[rank + 1];
        if (end - start > maxCand - n) return -1;
        for (let j = start; j < end; j++) cand[n++] = ids[j];
      }
    }
    return n;
  }

  /** Occupancy of the buckets (max, percentiles, over-full count), computed on demand. */
  bucketStats(): BucketStats {
    const sizes: number[] = [];
    let max = 0;
    let overfull = 0;
    let overfullAbove = 64;
    for (let b = 0; b < this.layout.count; b++) {
      const off = this.offsets[b];
      const expected = this.count / 2 ** this.layout.widths[b];
      const limit = Math.max(64, Math.ceil(16 * expected));
      overfullAbove = Math.max(overfullAbove, limit);
      for (let k = 0; k + 1 < off.length; k++) {
        const n = off[k + 1] - off[k];
        if (n === 0) continue;
        sizes.push(n);
        if (n > max) max = n;
        if (n > limit) overfull++;
      }
    }
    sizes.sort((a, b) => a - b);
    const pct = (p: number) => (sizes.length === 0 ? 0 : sizes[Math.min(sizes.length - 1, Math.floor(p * sizes.length))]);
    return {
      bands: this.layout.count,
      widths: Array.from(this.layout.widths),
      max,
      p50: pct(0.5),
      p99: pct(0.99),
      overfull,
      overfullAbove,
    };
  }

  /** Bytes held by the index's own arrays (bucket offsets, ids, marks), not counting the shared codes. */
  indexBytes(): number {
    let n = this.mark.byteLength;
    for (let b = 0; b < this.layout.count; b++) n += this.occupancy[b].byteLength + this.offsets[b].byteLength + this.ids[b].byteLength;
    return n;
  }

  private linearSearch(query: Uint32Array, queryOffset: number, r: number, forced: boolean): IndexHit[] {
    this.counts.linear++;
    if (forced) return bruteForceSearch(this.codes, this.count, query, r, queryOffset);
    const found = blockedScan(this.codes, this.count, query.subarray(queryOffset, queryOffset + 8), 1, r);
    const hits: IndexHit[] = [];
    for (let j = 0; j < found.index.length; j++) hits.push({ index: found.index[j], distance: found.distance[j] });
    return hits;
  }

  private planFor(r: number): SearchPlan {
    let plan = this.plans.get(r);
    if (plan) return plan;
    const layout = this.layout;
    const work = probeWork(layout, this.count, r);
    // with 'auto', HASHTRIAGE_FORCE_BRUTE_FORCE=1 (bruteForceForced) turns every plan into the linear scan
    const auto = this.fallback === 'auto';
    const forced = auto && bruteForceForced();
    const scanSingle = work.tooMany || forced || (auto && scanIsCheaper(work, this.count, false));
    const scanBatch = work.tooMany || forced || (auto && scanIsCheaper(work, this.count, true));
    const radii = bandRadii(layout, r);
    const masks = scanSingle && scanBatch ? [] : Array.from(radii, (rb, b) => (rb < 0 ? null : flipMasks(layout.widths[b], rb)));
    plan = { masks, scanSingle, scanBatch, forced };
    this.plans.set(r, plan);
    return plan;
  }

  private nextGeneration(): number {
    if (this.generation === 0xffffffff) {
      this.mark.fill(0);
      this.generation = 0;
    }
    return ++this.generation;
  }
}

/** Reusable buffers for sorting one band's (key, position) pairs by key (LSD radix, two passes, stable). */
class RadixScratch {
  private readonly keysA: Uint32Array;
  private readonly keysB: Uint32Array;
  private readonly orderA: Uint32Array;
  private readonly orderB: Uint32Array;

  constructor(count: number) {
    this.keysA = new Uint32Array(count);
    this.keysB = new Uint32Array(count);
    this.orderA = new Uint32Array(count);
    this.orderB = new Uint32Array(count);
  }

  /** Keys of band b sorted ascending (returned, scratch), with the positions in the same order written to `order`. */
  sortBand(layout: BandLayout, b: number, codes: Uint32Array, count: number, order: Uint32Array): Uint32Array {
    const keys = this.keysA;
    const positions = this.orderA;
    for (let i = 0, o = 0; i < count; i++, o += 8) {
      keys[i] = bandKey(layout, b, codes, o);
      positions[i] = i;
    }
    const width = layout.widths[b];
    const lowBits = Math.ceil(width / 2);
    radixPass(keys, positions, this.keysB, this.orderB, count, 0, lowBits);
    radixPass(this.keysB, this.orderB, keys, order, count, lowBits, width - lowBits);
    return keys;
  }
}

/** One stable counting-sort pass on `bits` bits of the keys starting at bit `shift`, from (k, o) into (k2, o2). */
function radixPass(
  k: Uint32Array,
  o: Uint32Array,
  k2: Uint32Array,
  o2: Uint32Array,
  count: number,
  shift: number,
  bits: number,
): void {
  const size = 2 ** bits;
  const mask = size - 1;
  const pos = new Uint32Array(size + 1);
  for (let i = 0; i < count; i++) pos[((k[i] >>> shift) & mask) + 1]++;
  for (let d = 0; d < size; d++) pos[d + 1] += pos[d];
  for (let i = 0; i < count; i++) {
    const key = k[i];
    const p = pos[(key >>> shift) & mask]++;
    k2[p] = key;
    o2[p] = o[i];
  }
}
