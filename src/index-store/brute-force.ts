/**
 * The reference answer: a linear scan over every code. Used by tests as the definition of "correct" and
 * by the benchmarks as the baseline every faster path is measured against.
 */
import { hamming256At } from '../hashing/bits.js';

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
  for (let i = 0, off = 0; i < count; i++, off += 8) {
    const d = hamming256At(codes, off, query, queryOffset);
    if (d <= radius) hits.push({ index: i, distance: d });
  }
  return hits.sort(compareHits);
}

/** Number of codes within `radius` of the query: the same scan as bruteForceSearch without collecting (benchmark baseline). */
export function bruteForceCount(codes: Uint32Array, count: number, query: Uint32Array, radius: number, queryOffset = 0): number {
  let n = 0;
  for (let i = 0, off = 0; i < count; i++, off += 8) {
    if (hamming256At(codes, off, query, queryOffset) <= radius) n++;
  }
  return n;
}
