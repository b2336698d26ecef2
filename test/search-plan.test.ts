/**
 * The planner's boundaries: scanning is chosen exactly when its expected cost is no more than probing's,
 * with the measured constants; and what that means for the index at the sizes and radii that matter.
 */
import { describe, expect, it } from 'vitest';
import { bandLayout, chooseBandCount } from '../src/search/bands.js';
import { MemoryMultiIndex, MIN_MEMORY_BANDS } from '../src/search/memory-index.js';
import { candidateBudget, probeNs, probeWork, scanIsCheaper, scanNs, SEARCH_COSTS, type SearchCosts } from '../src/search/search-plan.js';
import { codeSet, prng } from './index-fixtures.js';

const COSTS: SearchCosts = { probeNs: 40, candidateNs: 300, scanNsPerCode: 2, scanNsPerCodeSingle: 6 };

describe('scanIsCheaper', () => {
  it('switches exactly at equal cost, for batches and lone queries', () => {
    const count = 1_000_000; // a scan costs 2 ms per query in a batch, 6 ms alone
    const at = (probes: number, candidates: number) => ({ probes, candidates, tooMany: false });
    // 25,000 probes × 40 ns + 3,333⅓ candidates × 300 ns = 2 ms
    expect(scanIsCheaper(at(25_000, 10_000 / 3), count, true, COSTS)).toBe(true);
    expect(scanIsCheaper(at(24_999, 10_000 / 3), count, true, COSTS)).toBe(false);
    expect(scanIsCheaper(at(25_001, 10_000 / 3), count, true, COSTS)).toBe(true);
    // the same work alone: the scan costs 3× more, so probing wins until 6 ms
    expect(scanIsCheaper(at(25_001, 10_000 / 3), count, false, COSTS)).toBe(false);
    expect(scanIsCheaper(at(150_000, 0), count, false, COSTS)).toBe(true);
    expect(scanIsCheaper(at(149_999, 0), count, false, COSTS)).toBe(false);
    expect(scanIsCheaper({ probes: 1, candidates: 0, tooMany: true }, count, true, COSTS)).toBe(true);
    expect(probeNs(at(10, 2), COSTS)).toBe(10 * 40 + 2 * 300);
    expect(scanNs(count, true, COSTS)).toBe(2_000_000);
  });

  it('gives a candidate budget worth one lone scan', () => {
    expect(candidateBudget(1_000_000, COSTS)).toBe(20_000);
    expect(candidateBudget(10, COSTS)).toBe(16);
  });

  it('with the measured constants: probes at PDQ radii, scans at radius 63, at 1M and 10M codes', () => {
    for (const count of [1_000_000, 10_000_000]) {
      const layout = bandLayout(chooseBandCount(count, MIN_MEMORY_BANDS));
      for (const r of [0, 16, 31]) expect(scanIsCheaper(probeWork(layout, count, r), count, true, SEARCH_COSTS)).toBe(false);
      expect(scanIsCheaper(probeWork(layout, count, 63), count, true, SEARCH_COSTS)).toBe(true);
      expect(scanIsCheaper(probeWork(layout, count, 63), count, false, SEARCH_COSTS)).toBe(true);
    }
  });
});

describe('MemoryMultiIndex follows the plan', () => {
  it('probes below the boundary radius and scans from it, for lone queries and batches', () => {
    const count = 20_000;
    const codes = codeSet('random', prng(3), count);
    const layout = bandLayout(chooseBandCount(count, MIN_MEMORY_BANDS));
    const firstScan = (batch: boolean) => {
      for (let r = 0; r <= 256; r++) if (scanIsCheaper(probeWork(layout, count, r), count, batch)) return r;
      return 257;
    };
    const lone = firstScan(false);
    const batched = firstScan(true);
    expect(batched).toBeLessThanOrEqual(lone); // scanning a batch is cheaper per query than scanning alone
    expect(lone).toBeLessThan(64);
    const index = MemoryMultiIndex.build(codes, count);
    const query = codes.slice(0, 8);
    index.search(query, lone - 1);
    expect(index.counts).toEqual({ probed: 1, linear: 0 });
    index.search(query, lone);
    expect(index.counts).toEqual({ probed: 1, linear: 1 });
    const batch = codes.slice(0, 8 * 4);
    index.searchBatch(batch, 4, batched - 1);
    expect(index.counts).toEqual({ probed: 5, linear: 1 });
    index.searchBatch(batch, 4, batched);
    expect(index.counts).toEqual({ probed: 5, linear: 5 });
  });
});
