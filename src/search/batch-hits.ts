/**
 * Hits of a batch of queries in flat typed arrays (no object per hit), and the growable buffer that
 * collects them in any order before they are grouped by query and sorted.
 */

/**
 * Hits of a batch: query q's hits are entries start[q] … start[q+1]−1 of `index` (position in the code
 * array) and `distance`, sorted by distance, then position.
 */
export interface BatchHits {
  readonly start: Uint32Array;
  readonly index: Uint32Array;
  readonly distance: Uint16Array;
}

/** Collects (query, position, distance) triples; finish() groups and orders them as BatchHits. */
export class HitCollector {
  private q = new Uint32Array(1024);
  private i = new Uint32Array(1024);
  private d = new Uint16Array(1024);
  /** Triples collected so far. */
  length = 0;

  /** Adds one hit. */
  push(query: number, index: number, distance: number): void {
    if (this.length === this.q.length) this.grow();
    const n = this.length++;
    this.q[n] = query;
    this.i[n] = index;
    this.d[n] = distance;
  }

  private grow(): void {
    const size = this.q.length * 2;
    const q = new Uint32Array(size);
    const i = new Uint32Array(size);
    const d = new Uint16Array(size);
    q.set(this.q);
    i.set(this.i);
    d.set(this.d);
    this.q = q;
    this.i = i;
    this.d = d;
  }

  /** The hits of queries 0 … queryCount−1, each query's sorted by distance then position (each triple once as pushed). */
  finish(queryCount: number): BatchHits {
    const n = this.length;
    const start = new Uint32Array(queryCount + 1);
    for (let k = 0; k < n; k++) start[this.q[k] + 1]++;
    for (let q = 0; q < queryCount; q++) start[q + 1] += start[q];
    // one key per hit, distance·2^32 + position (exact in a double), grouped by query
    const keys = new Float64Array(n);
    const fill = start.slice(0, queryCount);
    for (let k = 0; k < n; k++) keys[fill[this.q[k]]++] = this.d[k] * 4294967296 + this.i[k];
    const index = new Uint32Array(n);
    const distance = new Uint16Array(n);
    for (let q = 0; q < queryCount; q++) {
      const seg = keys.subarray(start[q], start[q + 1]);
      if (seg.length > 1) seg.sort();
      for (let k = start[q]; k < start[q + 1]; k++) {
        const key = keys[k];
        const d = Math.floor(key / 4294967296);
        distance[k] = d;
        index[k] = key - d * 4294967296;
      }
    }
    return { start, index, distance };
  }
}

/** BatchHits with no query. */
export const NO_HITS: BatchHits = { start: new Uint32Array(1), index: new Uint32Array(0), distance: new Uint16Array(0) };
