/**
 * Exactness of every Hamming search path against the brute-force definition, on random and adversarial
 * code sets (clustered near-duplicates, degenerate codes piling into single buckets, duplicates), for
 * every radius 0–64 (and a few beyond, which take the fallback scans).
 */
import { openSightings } from '../src/sightings/sightings-store.js';
import { knownMatcher } from '../src/index-store/entry-reads.js';
import { importList } from '../src/index-store/list-writer.js';
import { loadCodes } from '../src/index-store/value-reads.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordsToHex } from '../src/hashing/bits.js';
import { signalTypeByName } from '../src/hashing/signals.js';
import { bruteForceSearch } from '../src/search/brute-force.js';
import { IndexMatcher } from '../src/index-store/matcher.js';
import { totalProbes } from '../src/search/bands.js';
import { MemoryMultiIndex } from '../src/search/memory-index.js';
import { loadValueCache, SqliteBandSearcher } from '../src/index-store/sqlite-search.js';
import { openIndex } from '../src/index-store/open-index.js';
import type { IndexStore } from '../src/index-store/store.js';
import type { ImportItem } from '../src/index-store/types.js';
import { below, codeSet, prng, queriesFor, type CodeSetKind } from './index-fixtures.js';
import { nextLoopTurn } from './support/event-loop.js';

const KINDS: CodeSetKind[] = ['random', 'clustered', 'degenerate', 'duplicates', 'mixed'];
const RADII = Array.from({ length: 65 }, (_, r) => r);
const pdq = signalTypeByName('pdq')!;

function plain(hits: ReadonlyArray<{ index: number; distance: number }>): Array<[number, number]> {
  return hits.map((h) => [h.index, h.distance]);
}

describe('MemoryMultiIndex equals brute force', () => {
  for (const [k, kind] of KINDS.entries()) {
    it(`${kind} codes, radii 0-64 and beyond, default and explicit band counts`, async () => {
      const rnd = prng(100 + k);
      const count = 2500;
      const codes = codeSet(kind, rnd, count);
      const queries = queriesFor(rnd, codes, count, 30, 40);
      // 'never' checks the banded search alone (no linear fallback) wherever probing is affordable; the
      // default index mixes probing and the linear fallback as in real use
      const auto = MemoryMultiIndex.build(codes, count);
      const banded = [10, 12, 16, 32].map((bands) => MemoryMultiIndex.build(codes, count, { bands, fallback: 'never' }));
      let hitsSeen = 0;
      let bandedChecks = 0;
      for (const r of [...RADII, 80, 128, 256]) {
        await nextLoopTurn(); // a code set is tens of seconds of synchronous work on a busy machine
        const affordable = banded.filter((index) => totalProbes(index.layout, r) <= 20_000);
        for (let q = 0; q < 30; q++) {
          const expected = plain(bruteForceSearch(codes, count, queries, r, q * 8));
          hitsSeen += expected.length;
          expect(plain(auto.search(queries, r, q * 8))).toEqual(expected);
          for (const index of affordable) {
            expect(plain(index.search(queries, r, q * 8))).toEqual(expected);
            bandedChecks++;
          }
        }
      }
      expect(hitsSeen).toBeGreaterThan(0); // the sets and queries do produce matches
      expect(bandedChecks).toBeGreaterThan(30 * 4 * 30); // most radii checked on the banded search alone
      for (const index of banded) expect(index.counts.linear).toBe(0);
      expect(auto.counts.probed).toBeGreaterThan(0);
    });
  }

  it('answers queries taken from the code array itself (the clustering use) and handles empty sets', () => {
    const rnd = prng(7);
    const codes = codeSet('mixed', rnd, 800);
    const index = MemoryMultiIndex.build(codes, 800);
    for (let i = 0; i < 800; i += 37) {
      const hits = index.search(codes, 31, i * 8);
      expect(plain(hits)).toEqual(plain(bruteForceSearch(codes, 800, codes, 31, i * 8)));
      expect(hits.some((h) => h.index === i && h.distance === 0)).toBe(true);
    }
    expect(() => MemoryMultiIndex.build(codes, 800, { bands: 9 })).toThrow(RangeError);
    const empty = MemoryMultiIndex.build(new Uint32Array(0), 0);
    expect(empty.search(new Uint32Array(8), 64)).toEqual([]);
    expect(index.search(codes, -1, 0)).toEqual([]);
  });

  it('keeps every code of an over-full bucket findable (one value shared by most codes)', () => {
    const rnd = prng(8);
    const count = 4000;
    const codes = codeSet('random', rnd, count);
    for (let i = 0; i < 3000; i++) codes.fill(0, i * 8, i * 8 + 8); // 3000 all-zero codes: one huge bucket per band
    const index = MemoryMultiIndex.build(codes, count);
    expect(index.bucketStats().max).toBeGreaterThanOrEqual(3000);
    expect(index.bucketStats().overfull).toBeGreaterThan(0);
    const zero = new Uint32Array(8);
    expect(index.search(zero, 0).length).toBe(3000);
    expect(index.counts.linear).toBe(1); // the over-full bucket sent the query to the exact fallback
    expect(plain(index.search(zero, 40))).toEqual(plain(bruteForceSearch(codes, count, zero, 40)));
    // a query far from the pile still probes the bands
    const far = codes.slice(3500 * 8, 3501 * 8);
    expect(plain(index.search(far, 31))).toEqual(plain(bruteForceSearch(codes, count, far, 31)));
    expect(index.counts.probed).toBe(1);
  });
});

describe('SQLite banded path and the matcher equal brute force', () => {
  let dir: string;
  const stores = new Map<CodeSetKind, { store: IndexStore; distinct: Uint32Array; ids: number[] }>();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hashtriage-exact-'));
    for (const [k, kind] of KINDS.entries()) {
      const rnd = prng(200 + k);
      const count = 1500;
      const codes = codeSet(kind, rnd, count);
      const store = openIndex(path.join(dir, `${kind}.db`));
      async function* rows(): AsyncGenerator<ImportItem> {
        for (let i = 0; i < count; i++) {
          yield { kind: 'row', row: { line: i + 1, hashes: [{ signal: 'pdq', value: codes.slice(i * 8, i * 8 + 8) }], meta: { category: `c${i % 3}` } } };
        }
      }
      await importList(store, { name: kind, sourcePath: `${kind}.csv`, fileSha256: null, format: 'csv' }, rows());
      // the distinct stored values, in id order, are what a brute force over the index scans
      const loaded = loadCodes(store, pdq);
      stores.set(kind, { store, distinct: loaded.codes.slice(), ids: Array.from(loaded.ids) });
    }
  });

  afterAll(() => {
    for (const { store } of stores.values()) store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const kind of KINDS) {
    it(`${kind} codes: SQLite path (table values and cached values), radii 0-64 and beyond`, () => {
      const { store, distinct, ids } = stores.get(kind)!;
      const n = ids.length;
      if (kind === 'duplicates') expect(n).toBeLessThanOrEqual(3); // distinct values stored once
      const rnd = prng(300);
      const queries = queriesFor(rnd, distinct, n, 12, 40);
      const fromTable = new SqliteBandSearcher(store, pdq);
      const fromCache = new SqliteBandSearcher(store, pdq, loadValueCache(store, pdq));
      let hitsSeen = 0;
      for (const r of [...RADII, 90, 256]) {
        for (let q = r % 3; q < 12; q += 3) {
          const query = queries.slice(q * 8, q * 8 + 8);
          const expected = bruteForceSearch(distinct, n, query, r).map((h) => [ids[h.index], h.distance]);
          hitsSeen += expected.length;
          const sorted = (hits: Array<{ id: number; distance: number }>) => hits.map((h) => [h.id, h.distance]);
          expect(sorted(fromTable.search(query, r))).toEqual(expected);
          expect(sorted(fromCache.search(query, r))).toEqual(expected);
        }
      }
      expect(hitsSeen).toBeGreaterThan(0);
    });

    it(`${kind} codes: the matcher's memory and SQLite paths give identical answers, equal to brute force`, () => {
      const { store, distinct, ids } = stores.get(kind)!;
      const n = ids.length;
      const rnd = prng(400);
      const flat = queriesFor(rnd, distinct, n, 40, 45);
      const queries = Array.from({ length: 40 }, (_, q) => flat.slice(q * 8, q * 8 + 8));
      queries.push(queries[0], queries[1]); // repeated queries are answered like the first
      const matcher = knownMatcher(store);
      for (const threshold of [0, 10, 31, 48, 64]) {
        const viaMemory = matcher.matchValues(pdq, queries, { threshold, path: 'memory' });
        const viaSqlite = matcher.matchValues(pdq, queries, { threshold, path: 'sqlite' });
        expect(viaSqlite).toEqual(viaMemory);
        queries.forEach((query, q) => {
          const expected = bruteForceSearch(distinct, n, query, threshold).map((h) => ({
            hash: wordsToHex(distinct.subarray(h.index * 8, h.index * 8 + 8), 256),
            distance: h.distance,
          }));
          expected.sort((a, b) => a.distance - b.distance || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
          expect(viaMemory[q].query).toBe(wordsToHex(query, 256));
          expect(viaMemory[q].matches.map((m) => ({ hash: m.hash, distance: m.distance }))).toEqual(expected);
          for (const m of viaMemory[q].matches) expect(m.entries.length).toBeGreaterThan(0);
        });
      }
    });
  }
});

describe('the in-memory index stays exact while values are appended in many small batches', () => {
  // Appends come from another connection in real use (an import committing while a scan runs, scans
  // recording sightings); the sightings store appends in small batches with quality updates, so it is used here.
  it('answers equal brute force after every batch (new values, low-quality ones, quality updates) without reloading', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hashtriage-append-'));
    const store = openSightings(path.join(dir, 'sightings.db'))!;
    try {
      const rnd = prng(500);
      const all = codeSet('random', rnd, 16_000);
      const initial = 5000;
      const seenAt = new Date(0).toISOString();
      const item = (i: number, quality: number | null) => ({ signal: 'pdq', value: all.slice(i * 8, i * 8 + 8), quality, path: `f${i}`, seenAt });
      // initial values have no quality; later batches give some of them a (sometimes low) quality
      store.record('load', Array.from({ length: initial }, (_, i) => item(i, null)));
      const matcher = new IndexMatcher(store, (signal, ids) => store.sightingsOf(signal, ids));
      const queriesOf = (n: number) => {
        const flat = queriesFor(rnd, all, n, 6, 40);
        return Array.from({ length: 6 }, (_, q) => flat.slice(q * 8, q * 8 + 8));
      };
      const expectExact = (n: number, includeLowQuality: boolean) => {
        const stored = loadCodes(store, pdq);
        const low = new Set(stored.lowQualityIds);
        const queries = queriesOf(n);
        const threshold = 40;
        const got = matcher.matchValues(pdq, queries, { threshold, path: 'memory', includeLowQuality });
        queries.forEach((query, q) => {
          const expected = bruteForceSearch(stored.codes, stored.count, query, threshold)
            .filter((h) => includeLowQuality || !low.has(stored.ids[h.index]))
            .map((h) => ({ hash: wordsToHex(stored.codes.subarray(h.index * 8, h.index * 8 + 8), 256), distance: h.distance }))
            .sort((a, b) => a.distance - b.distance || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
          expect(got[q].matches.map((m) => ({ hash: m.hash, distance: m.distance }))).toEqual(expected);
        });
      };
      expectExact(initial, false);
      expectExact(initial, true);
      const generation = store.generation();
      let next = initial;
      let maxSegments = 0;
      for (let batch = 0; next < 16_000; batch++) {
        const size = Math.min(16_000 - next, 1 + below(rnd, batch % 5 === 0 ? 900 : 120));
        const items = Array.from({ length: size }, (_, k) => item(next + k, k % 7 === 0 ? 20 : 80));
        // quality updates of values stored without one: some become low and must stop matching
        for (let u = 0; u < 3; u++) items.push(item(below(rnd, initial), u === 0 ? 10 : 90));
        store.record(`scan-${batch}`, items);
        next += size;
        if (batch % 4 === 0 || next >= 16_000) {
          expectExact(next, false);
          expectExact(next, true);
        }
        maxSegments = Math.max(maxSegments, matcher.memorySegments(pdq)); 
      }
      // appends and quality updates did not force a reload; appended values were indexed in segments
      expect(store.generation()).toBe(generation);
      expect(maxSegments).toBeGreaterThan(1);
      expect(matcher.memorySegments(pdq)).toBeLessThanOrEqual(Math.ceil(Math.log2(16_000 / 4096)) + 2);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
