/**
 * The benchmark guard's rules (no timing here): the committed thresholds file is read strictly, a
 * ratio below its threshold or any answer that differs from brute force fails with a message naming the
 * check, and the matching measurement really detects wrong answers (an index whose stored values differ
 * from the reference codes is reported, not counted as exact).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeQueries, randomCodes } from '../src/bench/hamming-workload.js';
import { measureMatchingPaths, openBenchIndex, writeCodesIndex } from '../src/bench/matching-bench.js';
import { race, spread } from '../src/bench/measure.js';
import { GuardConfigError, judge, parseGuardConfig, type GuardMeasurements } from '../bench/lib/guard-checks.js';

const THRESHOLDS = path.resolve('bench/guard-thresholds.json');
const committed = readFileSync(THRESHOLDS, 'utf8');
const work = mkdtempSync(path.join(tmpdir(), 'hashtriage-bench-guard-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function edited(change: (o: any) => void): string {
  const o = JSON.parse(committed);
  change(o);
  return JSON.stringify(o);
}

function measurements(over: Partial<GuardMeasurements> = {}): GuardMeasurements {
  return {
    speedups: { 'memory-index': spread([50, 52, 48]), 'matcher-memory': spread([45, 44, 46]), 'matcher-sqlite': spread([1.9, 2, 1.8]) },
    stageRatios: { pdq: spread([1.6, 1.7, 1.5]), blockhash: spread([1, 1.1, 0.9]) },
    mismatches: [],
    exactness: { queries: 64, radii: [31, 0, 8] },
    ...over,
  };
}

describe('guard thresholds file', () => {
  it('the committed file parses, with every check it names', () => {
    const config = parseGuardConfig(committed, THRESHOLDS);
    expect(config.checks.length).toBe(JSON.parse(committed).checks.length);
    expect(config.matching.codes).toBeGreaterThan(0);
  });

  it('rejects a misspelt key, an unknown path, a duplicate check and a non-positive threshold, naming the place', () => {
    const bad: Array<[string, RegExp]> = [
      [edited((o) => (o.matching.radious = 31)), /matching: unknown key "radious"/],
      [edited((o) => (o.checks[0].atleast = 5)), /checks\[0\]: unknown key "atleast"/],
      [edited((o) => (o.checks[0].path = 'faiss')), /checks\[0\]\.path: expected one of/],
      [edited((o) => o.checks.push({ ...o.checks[0] })), /is checked twice/],
      [edited((o) => (o.checks[0].atLeast = 0)), /atLeast: expected a positive number/],
      [edited((o) => (o.matching.mix = 'random')), /matching\.mix/],
      [edited((o) => (o.checks[0] = { wide: 'sqlite', atLeast: 2 })), /checks\[0\]\.wide: expected one of memory-batch/],
      [edited((o) => delete o.wide), /a wide check needs the "wide" section/],
      [edited((o) => (o.wide.radious = 63)), /wide: unknown key "radious"/],
      ['{', /not valid JSON/],
    ];
    for (const [text, message] of bad) {
      expect(() => parseGuardConfig(text, 'thresholds.json')).toThrow(GuardConfigError);
      expect(() => parseGuardConfig(text, 'thresholds.json')).toThrow(message);
    }
  });
});

describe('guard verdict', () => {
  const config = parseGuardConfig(
    edited((o) => {
      o.checks = [
        { path: 'memory-index', atLeast: 20 },
        { path: 'matcher-sqlite', atLeast: 1 },
        { stage: 'pdq', atMost: 4 },
      ];
    }),
    'thresholds.json',
  );

  it('passes when every ratio meets its threshold and the answers are exact', () => {
    const v = judge(config, measurements());
    expect(v.ok).toBe(true);
    expect(v.failures).toEqual([]);
    expect(v.checks.map((c) => c.ok)).toEqual([true, true, true]);
  });

  it('fails a slow path, naming the check, the measured median and the threshold', () => {
    const v = judge(config, measurements({ speedups: { 'memory-index': spread([0.97, 1.1, 0.95]), 'matcher-sqlite': spread([2, 2, 2]) } }));
    expect(v.ok).toBe(false);
    expect(v.failures).toHaveLength(1);
    expect(v.failures[0]).toMatch(/^memory-index vs brute force: measured 0\.97× .*threshold ≥ 20×$/);
  });

  it('fails a hashing stage that got slower than its bound relative to decoding', () => {
    const v = judge(config, measurements({ stageRatios: { pdq: spread([5, 6, 5.5]) } }));
    expect(v.failures).toEqual([expect.stringMatching(/^pdq time \/ decode time: measured 5\.5× .*threshold ≤ 4×$/)]);
  });

  it('judges the wide-radius check on its own measurement, and fails it when not measured', () => {
    const wide = parseGuardConfig(edited((o) => (o.checks = [{ wide: 'memory-batch', atLeast: 4 }])), 'thresholds.json');
    expect(judge(wide, measurements({ wide: { 'memory-batch': spread([8, 9, 8.5]) } })).ok).toBe(true);
    const slow = judge(wide, measurements({ wide: { 'memory-batch': spread([1.1, 0.9, 1]) } }));
    expect(slow.failures).toEqual([expect.stringMatching(/^memory-batch at the wide radius vs brute force: measured 1\.0× .*threshold ≥ 4×$/)]);
    expect(judge(wide, measurements()).failures).toEqual([expect.stringMatching(/^memory-batch at the wide radius vs brute force: not measured/)]);
  });

  it('fails a check that was not measured', () => {
    const v = judge(config, measurements({ speedups: { 'memory-index': spread([50]) } }));
    expect(v.failures).toEqual([expect.stringMatching(/^matcher-sqlite vs brute force: not measured/)]);
  });

  it('fails a fast matcher that answers wrongly, whatever its speed', () => {
    const v = judge(config, measurements({ mismatches: ['memory-index, radius 31, query 7: 1 expected, 0 returned; missing 1'] }));
    expect(v.ok).toBe(false);
    expect(v.checks.every((c) => c.ok)).toBe(true);
    expect(v.failures).toEqual([expect.stringMatching(/^exactness: 1 answer\(s\) differ from brute force: memory-index, radius 31, query 7/)]);
  });
});

describe('matching measurement', () => {
  it('reports every path exact on a faithful index, and speed-ups relative to brute force', async () => {
    const count = 3000;
    const codes = randomCodes(count, 5);
    const file = path.join(work, 'faithful.db');
    await writeCodesIndex(file, codes, count);
    const index = openBenchIndex(file);
    try {
      expect(index.count).toBe(count);
      const m = measureMatchingPaths(index, {
        radius: 31,
        mix: 'mixed',
        rounds: 2,
        paths: ['memory-index', 'matcher-memory', 'matcher-sqlite', 'sqlite-bands-cached'],
        perRound: { 'brute-force': 4, 'memory-index': 8, 'matcher-memory': 8, 'matcher-sqlite': 4, 'sqlite-bands-cached': 4 },
        exactRadii: [0, 16, 63],
        exactQueries: 4,
      });
      expect(m.paths.map((p) => p.path)).toEqual(['brute-force', 'memory-index', 'matcher-memory', 'matcher-sqlite', 'sqlite-bands-cached']);
      expect(m.paths[0].cpuSpeedup.runs).toEqual([1, 1]);
      expect(m.exactness.mismatches).toEqual([]);
      expect(m.exactness.queries).toBeGreaterThanOrEqual(8);
      expect(m.exactness.radii).toEqual([31, 0, 16, 63]);
    } finally {
      index.store.close();
    }
  });

  it('reports the paths whose answers differ from the reference codes', async () => {
    const count = 3000;
    const codes = randomCodes(count, 6);
    const file = path.join(work, 'tampered.db');
    await writeCodesIndex(file, codes, count);
    const index = openBenchIndex(file);
    try {
      // the reference (brute force, memory-index) holds every stored value with 36 bits flipped: each
      // near-duplicate query hits its reference value, which the database does not hold
      const reference = index.codes.slice();
      for (let i = 0; i < count; i++) {
        reference[i * 8] ^= 0xffffffff;
        reference[i * 8 + 1] ^= 0xf;
      }
      const m = measureMatchingPaths(
        { ...index, codes: reference },
        { radius: 31, mix: 'hit-heavy', rounds: 1, paths: ['memory-index', 'matcher-sqlite'], perRound: { 'brute-force': 4, 'memory-index': 4, 'matcher-sqlite': 4 } },
      );
      expect(m.exactness.queries).toBe(5);
      expect(m.exactness.mismatches).toHaveLength(5);
      expect(m.exactness.mismatches.length).toBeGreaterThan(0);
      expect(m.exactness.mismatches.every((s) => s.startsWith('matcher-sqlite, radius 31, query '))).toBe(true);
    } finally {
      index.store.close();
    }
  });
});

describe('measurement primitives', () => {
  it('spread gives median, quartiles and extremes without reordering the runs', () => {
    const s = spread([5, 1, 3, 2, 4]);
    expect(s).toMatchObject({ median: 3, min: 1, max: 5, q1: 2, q3: 4, runs: [5, 1, 3, 2, 4] });
    expect(spread([1, 2]).median).toBe(1.5);
  });

  it('race gives each contender its own queries per round and ratios against the baseline', () => {
    const seen: Record<string, number[]> = { a: [], b: [] };
    const busy = (n: number) => {
      let x = 0;
      for (let i = 0; i < n; i++) x += Math.sqrt(i);
      return x;
    };
    const results = race(
      [
        { name: 'a', perRound: 3, run: (from, n) => seen.a.push(...Array.from({ length: n }, (_, i) => from + i)) && busy(2e5) },
        { name: 'b', perRound: 5, run: (from, n) => seen.b.push(...Array.from({ length: n }, (_, i) => from + i)) && busy(2e5) },
      ],
      { rounds: 2 },
    );
    expect(seen.a).toEqual([0, 2, 3, 4, 5, 6, 7]);
    expect(seen.b).toEqual([0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(results.map((r) => r.perRound)).toEqual([3, 5]);
    expect(results[0].cpuSpeedup.runs).toEqual([1, 1]);
    expect(results[1].queriesPerSecond.runs).toHaveLength(2);
  });

  it('near-duplicate queries lie within the radius of their source; the mix sets their share', () => {
    const codes = randomCodes(100, 9);
    const q = makeQueries(codes, 100, 40, 8, 'mixed', 2);
    const near = [...q.sources].filter((s) => s >= 0).length;
    expect(near).toBe(20);
    for (let i = 0; i < q.count; i++) {
      if (q.sources[i] < 0) continue;
      let d = 0;
      for (let w = 0; w < 8; w++) {
        let x = q.flat[i * 8 + w] ^ codes[q.sources[i] * 8 + w];
        for (; x; x &= x - 1) d++;
      }
      expect(d).toBeLessThanOrEqual(8);
    }
    expect([...makeQueries(codes, 100, 10, 8, 'miss-heavy', 2).sources].every((s) => s === -1)).toBe(true);
  });
});
