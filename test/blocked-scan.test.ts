/**
 * The blocked batch scan (WebAssembly kernel and JS fallback) and MemoryMultiIndex.searchBatch against
 * the brute-force definition: every radius 0–64 and a few beyond, every kind of code set, batches of odd
 * and even sizes, code counts that end inside a block, and batches whose hits overflow the kernel's buffer.
 */
import { describe, expect, it } from 'vitest';
import type { BatchHits } from '../src/search/batch-hits.js';
import { BLOCK_CODES, blockedScan, wasmScanAvailable, type ScanKernelChoice } from '../src/search/blocked-scan.js';
import { bruteForceSearch } from '../src/search/brute-force.js';
import { MemoryMultiIndex } from '../src/search/memory-index.js';
import { codeSet, prng, queriesFor, type CodeSetKind } from './index-fixtures.js';

const KINDS: CodeSetKind[] = ['random', 'clustered', 'degenerate', 'duplicates', 'mixed'];
const RADII = [...Array.from({ length: 65 }, (_, r) => r), 80, 128, 256];

function hitsOf(b: BatchHits, q: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let j = b.start[q]; j < b.start[q + 1]; j++) out.push([b.index[j], b.distance[j]]);
  return out;
}

/**
 * Brute force's answer at radius r. Brute force at 256 returns every code, by distance then position;
 * its prefix with distance ≤ r is exactly its answer at r, so one scan per query serves every radius.
 */
function bruteByRadius(codes: Uint32Array, count: number, queries: Uint32Array, queryCount: number): (q: number, r: number) => Array<[number, number]> {
  const all = Array.from({ length: queryCount }, (_, q) => bruteForceSearch(codes, count, queries, 256, q * 8));
  return (q, r) => all[q].filter((h) => h.distance <= r).map((h) => [h.index, h.distance]);
}

function expected(codes: Uint32Array, count: number, queries: Uint32Array, q: number, r: number): Array<[number, number]> {
  return bruteForceSearch(codes, count, queries, r, q * 8).map((h) => [h.index, h.distance]);
}

describe('blocked scan equals brute force', () => {
  it('has the WebAssembly kernel on this engine', () => {
    expect(wasmScanAvailable()).toBe(true);
  });

  for (const kernel of ['wasm', 'js'] as ScanKernelChoice[]) {
    for (const [k, kind] of KINDS.entries()) {
      it(`${kernel} kernel, ${kind} codes, radii 0-64 and beyond`, () => {
        const rnd = prng(300 + k);
        const count = BLOCK_CODES + 517; // a full block and a partial one
        const codes = codeSet(kind, rnd, count);
        const queries = queriesFor(rnd, codes, count, 9, 48); // odd: the kernel pads to pairs
        const brute = bruteByRadius(codes, count, queries, 9);
        expect(brute(3, 40)).toEqual(expected(codes, count, queries, 3, 40));
        let seen = 0;
        for (const r of RADII) {
          const got = blockedScan(codes, count, queries, 9, r, kernel);
          expect(got.start.length).toBe(10);
          for (let q = 0; q < 9; q++) {
            const want = brute(q, r);
            seen += want.length;
            expect(hitsOf(got, q)).toEqual(want);
          }
        }
        expect(seen).toBeGreaterThan(0);
      });
    }
  }

  it('drains the kernel buffer when one block yields more hits than it holds, and handles empty input', () => {
    const count = 2 * BLOCK_CODES + 3;
    const codes = new Uint32Array(count * 8); // every code equal: every pair is a hit
    const queries = new Uint32Array(11 * 8);
    queries[3] = 1;
    const got = blockedScan(codes, count, queries, 11, 1, 'wasm');
    expect(got.index.length).toBe(11 * count);
    for (let q = 0; q < 11; q++) expect(hitsOf(got, q)).toEqual(expected(codes, count, queries, q, 1));
    expect(blockedScan(codes, 0, queries, 11, 5).index.length).toBe(0);
    expect(blockedScan(codes, count, queries, 0, 5).start.length).toBe(1);
    expect(blockedScan(codes, count, queries, 2, -1).index.length).toBe(0);
  });
});

describe('MemoryMultiIndex.searchBatch equals brute force', () => {
  for (const [k, kind] of KINDS.entries()) {
    it(`${kind} codes, radii 0-64 and beyond, probed, scanned and mixed batches`, () => {
      const rnd = prng(400 + k);
      const count = 3000;
      const codes = codeSet(kind, rnd, count);
      const queries = queriesFor(rnd, codes, count, 13, 40);
      const index = MemoryMultiIndex.build(codes, count);
      const brute = bruteByRadius(codes, count, queries, 13);
      for (const r of RADII) {
        const got = index.searchBatch(queries, 13, r);
        for (let q = 0; q < 13; q++) expect(hitsOf(got, q)).toEqual(brute(q, r));
      }
      expect(index.counts.probed).toBeGreaterThan(0);
      expect(index.counts.linear).toBeGreaterThan(0);
    });
  }

  it('sends only the over-budget queries of a probed batch to the scan', () => {
    const rnd = prng(9);
    const count = 4000;
    const codes = codeSet('random', rnd, count);
    for (let i = 0; i < 3000; i++) codes.fill(0, i * 8, i * 8 + 8);
    const index = MemoryMultiIndex.build(codes, count);
    const queries = new Uint32Array(3 * 8);
    queries.set(codes.subarray(3500 * 8, 3501 * 8), 0); // far from the pile: probed
    queries.set(codes.subarray(3600 * 8, 3601 * 8), 16); // idem; query 1 stays zero: over budget
    const got = index.searchBatch(queries, 3, 8);
    for (let q = 0; q < 3; q++) expect(hitsOf(got, q)).toEqual(expected(codes, count, queries, q, 8));
    expect(index.counts).toEqual({ probed: 2, linear: 1 });
  });
});
