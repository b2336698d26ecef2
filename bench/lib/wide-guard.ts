/**
 * The guard's wide-radius measurement: the in-memory index's batch search (which scans blocked at wide
 * radii) against the per-query brute-force scan, raced in the same rounds on CPU time, and its answers
 * compared with brute force's.
 */
import { makeQueries, randomCodes } from '../../src/bench/hamming-workload.js';
import { race, type Spread } from '../../src/bench/measure.js';
import { bruteForceSearch, type IndexHit } from '../../src/search/brute-force.js';
import { MemoryMultiIndex } from '../../src/search/memory-index.js';

/** What the wide-radius check measured. */
export interface WideMeasurement {
  /** Per round: the batch search's queries per CPU-second over brute force's. */
  readonly speedup: Spread;
  readonly cpuQueriesPerSecond: { readonly batch: Spread; readonly bruteForce: Spread };
  /** Queries whose batch answer was compared with brute force. */
  readonly compared: number;
  /** One message per query whose answer differed from brute force. */
  readonly mismatches: readonly string[];
}

/** Brute-force queries per round (each scans every code, one at a time). */
const BRUTE_PER_ROUND = 4;

/**
 * Races MemoryMultiIndex.searchBatch (`batch` queries per round) against bruteForceSearch at `radius` on
 * `count` random codes, `rounds` rounds; then compares the batch answers with the brute-force ones on
 * every query brute force answered. Guarantees: mismatches is empty only when every compared answer
 * (positions and distances, in order) was identical.
 */
export function measureWideBatch(count: number, radius: number, batch: number, rounds: number, seed: number): WideMeasurement {
  const codes = randomCodes(count, seed * 1_000_003 + count + 63);
  const needed = 2 + rounds * Math.max(batch, BRUTE_PER_ROUND);
  const { flat } = makeQueries(codes, count, needed, radius, 'mixed', seed);
  const index = MemoryMultiIndex.build(codes, count);
  const brute = new Map<number, IndexHit[]>();
  const [base, batched] = race(
    [
      {
        name: 'brute-force',
        perRound: BRUTE_PER_ROUND,
        run(from, n) {
          for (let q = from; q < from + n; q++) brute.set(q, bruteForceSearch(codes, count, flat, radius, q * 8));
        },
      },
      { name: 'memory-batch', perRound: batch, run: (from, n) => index.searchBatch(flat.subarray(from * 8, (from + n) * 8), n, radius) },
    ],
    { rounds },
  );
  const qs = [...brute.keys()].sort((a, b) => a - b);
  const flatOf = new Uint32Array(qs.length * 8);
  qs.forEach((q, k) => flatOf.set(flat.subarray(q * 8, q * 8 + 8), k * 8));
  const got = index.searchBatch(flatOf, qs.length, radius);
  const mismatches: string[] = [];
  qs.forEach((q, k) => {
    const want = brute.get(q)!;
    const from = got.start[k];
    const n = got.start[k + 1] - from;
    const same = n === want.length && want.every((h, j) => got.index[from + j] === h.index && got.distance[from + j] === h.distance);
    if (!same) mismatches.push(`memory-batch, radius ${radius}, query ${q}: ${want.length} expected, ${n} returned`);
  });
  return {
    speedup: batched.cpuSpeedup,
    cpuQueriesPerSecond: { batch: batched.cpuQueriesPerSecond, bruteForce: base.cpuQueriesPerSecond },
    compared: qs.length,
    mismatches,
  };
}
