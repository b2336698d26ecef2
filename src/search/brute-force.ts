/**
 * The reference answer: a linear scan over every code. Used by tests as the definition of "correct" and
 * by the benchmarks as the baseline every faster path is measured against.
 */

/**
 * Environment switch: set to 1, every indexed searcher (in-memory multi-index, SQLite bands) answers by a
 * linear scan instead. Answers stay exact, only slower; it exists so the benchmark guard can be shown to
 * fail when matching gets slower. Never set it in production.
 */
export const FORCE_BRUTE_FORCE_ENV = 'HASHTRIAGE_FORCE_BRUTE_FORCE';

/** True exactly when FORCE_BRUTE_FORCE_ENV is "1" in `env` (searchers then scan every code, same answers). */
export function bruteForceForced(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[FORCE_BRUTE_FORCE_ENV] === '1';
}

/** One code within the radius: its position in the code array and its distance to the query. */
export interface IndexHit {
  readonly index: number;
  readonly distance: number;
}

/** Orders hits by distance, then position (the order every searcher returns). */
export function compareHits(a: IndexHit, b: IndexHit): number {
  return a.distance - b.distance || a.index - b.index;
}

/**
 * Calls `visit(i, d)` for every code among the first `count` codes within `radius` of the query at word
 * offset `queryOffset`, in position order. The query's words live in locals and the popcount is inlined,
 * so this is as fast as a plain-JS scan gets: an honest baseline for the indexed paths.
 */
function scan(
  codes: Uint32Array,
  count: number,
  query: Uint32Array,
  radius: number,
  queryOffset: number,
  visit: (index: number, distance: number) => void,
): void {
  const q0 = query[queryOffset], q1 = query[queryOffset + 1], q2 = query[queryOffset + 2], q3 = query[queryOffset + 3];
  const q4 = query[queryOffset + 4], q5 = query[queryOffset + 5], q6 = query[queryOffset + 6], q7 = query[queryOffset + 7];
  for (let i = 0, off = 0; i < count; i++, off += 8) {
    const d =
      pop(codes[off] ^ q0) + pop(codes[off + 1] ^ q1) + pop(codes[off + 2] ^ q2) + pop(codes[off + 3] ^ q3) +
      pop(codes[off + 4] ^ q4) + pop(codes[off + 5] ^ q5) + pop(codes[off + 6] ^ q6) + pop(codes[off + 7] ^ q7);
    if (d <= radius) visit(i, d);
  }
}

/** SWAR popcount of a 32-bit value (kept local so the scan's calls inline). */
function pop(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * Every code among the first `count` codes of `codes` (8 words each) within `radius` of the query at
 * word offset `queryOffset` of `query`, sorted by distance then position. Exact by definition.
 */
export function bruteForceSearch(
  codes: Uint32Array,
  count: number,
  query: Uint32Array,
  radius: number,
  queryOffset = 0,
): IndexHit[] {
  const hits: IndexHit[] = [];
  if (radius < 0) return hits;
  scan(codes, count, query, radius, queryOffset, (index, distance) => hits.push({ index, distance }));
  return hits.sort(compareHits);
}

/** Number of codes within `radius` of the query: the same scan as bruteForceSearch without collecting (benchmark baseline). */
export function bruteForceCount(codes: Uint32Array, count: number, query: Uint32Array, radius: number, queryOffset = 0): number {
  let n = 0;
  scan(codes, count, query, radius, queryOffset, () => n++);
  return n;
}
