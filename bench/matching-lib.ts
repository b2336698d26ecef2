/**
 * Matching throughput on uniformly random 256-bit codes (the hardest case for multi-index hashing: no
 * structure to exploit), with queries that are half near-duplicates of stored codes (0–31 bits flipped)
 * and half random codes (misses). Everything is measured in the same run so the ratios are meaningful on
 * any machine: the in-memory multi-index, the SQLite banded path (candidate values read from the table,
 * and from an in-memory value cache), and the in-process brute-force scan as the baseline; plus the
 * SQLite import rate, the time to load an index from the database into memory, and the process RSS with
 * the in-memory index built. Used by bench/matching.ts (CLI) and by whatever runs all benchmarks.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeQueries, QUERY_MIXES, randomCodes } from '../src/bench/hamming-workload.js';
import { collectGarbage, observeMachine, spread, timeOnce, type MachineInfo, type Spread } from '../src/bench/measure.js';
import { signalTypeByName } from '../src/hashing/signals.js';
import { bruteForceSearch } from '../src/search/brute-force.js';
import { MEMORY_MIN_QUERIES } from '../src/index-store/matcher.js';
import { MemoryMultiIndex } from '../src/search/memory-index.js';
import { loadValueCache, SqliteBandSearcher } from '../src/index-store/sqlite-search.js';
import { openIndex } from '../src/index-store/open-index.js';
import { importList } from '../src/index-store/list-writer.js';
import { loadCodes } from '../src/index-store/value-reads.js';
import type { ImportItem } from '../src/index-store/types.js';

/** What to measure; every field has a default. */
export interface MatchingBenchOptions {
  /** Index sizes (number of stored codes). Default [1_000_000, 10_000_000]. */
  readonly sizes?: readonly number[];
  /** Search radius. Default 31 (PDQ's threshold). */
  readonly radius?: number;
  /** Queries per repeat for the in-memory path. Default 2000. */
  readonly memoryQueries?: number;
  /** Queries per repeat for the SQLite path with values read from the table. Default 100. */
  readonly sqliteQueries?: number;
  /** Queries per repeat for the SQLite path with cached values. Default 500. */
  readonly sqliteCachedQueries?: number;
  /** Queries per repeat for the brute-force baseline. Default 20. */
  readonly bruteQueries?: number;
  /** Repeats of each query measurement (median and spread are reported). Default 3. */
  readonly repeats?: number;
  /** Largest size also imported into SQLite (import rate, load time, SQLite path). Default: every size. */
  readonly sqliteMaxSize?: number;
  /** Seed of the generated codes and queries. Default 1. */
  readonly seed?: number;
  /** Directory for the temporary databases. Default: a new directory under the OS temp dir. */
  readonly workDir?: string;
  /** Progress messages (default: none). */
  readonly log?: (message: string) => void;
}

export type { Spread } from '../src/bench/measure.js';

/** Throughput of one search path: wall-clock and CPU-time based (the latter is robust to other load). */
export interface Throughput {
  readonly queriesPerSecond: Spread;
  readonly cpuQueriesPerSecond: Spread;
  readonly queries: number;
}

/** Results for one index size. */
export interface SizeResult {
  readonly count: number;
  readonly memory: Throughput & {
    readonly bands: number;
    readonly buildSeconds: number;
    readonly indexBytes: number;
    /** Process resident set size with the codes and the in-memory index held. */
    readonly rssBytes: number;
  };
  readonly bruteForce: Throughput;
  readonly sqlite: null | {
    readonly importSeconds: number;
    readonly importHashesPerSecond: number;
    /** Import rate over the process's CPU time (robust to other load on the machine). */
    readonly importHashesPerCpuSecond: number;
    readonly databaseBytes: number;
    /** Reading the values from the database and building the in-memory index (what the matcher does). */
    readonly loadSeconds: Spread;
    readonly loadCpuSeconds: Spread;
    readonly loadValuesSeconds: Spread;
    readonly table: Throughput;
    readonly cached: Throughput;
    /** Distinct queries from which loading the in-memory index beats answering them on the SQLite path. */
    readonly breakEvenQueries: number;
  };
  /** Speed-ups against the brute-force scan measured in the same run (median wall-clock q/s). */
  readonly ratios: {
    readonly memoryVsBruteForce: number;
    readonly sqliteTableVsBruteForce: number | null;
    readonly sqliteCachedVsBruteForce: number | null;
  };
  /** Every path returned exactly the brute-force answer on the queries checked. */
  readonly agreesWithBruteForce: boolean;
  /** Near-duplicate queries that found their source code (sanity: should be all of them). */
  readonly nearQueriesFound: number;
}

/** The whole benchmark result (written to bench/results/matching.json). */
export interface MatchingBenchResult {
  readonly benchmark: 'matching';
  readonly date: string;
  readonly machine: MachineInfo;
  readonly parameters: Required<Omit<MatchingBenchOptions, 'workDir' | 'log' | 'sqliteMaxSize'>> & {
    readonly sqliteMaxSize: number | null;
    readonly queryMix: string;
    readonly matcherMemoryMinQueries: number;
  };
  readonly sizes: readonly SizeResult[];
  /** Targets of issue 3 and whether this run met them. */
  readonly targets: ReadonlyArray<{
    readonly what: string;
    readonly target: string;
    readonly measured: string;
    readonly met: boolean;
    /** The same measure over the process's CPU time (what the code achieves when it has the core to itself). */
    readonly measuredCpu: string;
    readonly metCpu: boolean;
  }>;
}

/** Runs `fn(q)` for q in [0, queries) `repeats` times; wall and CPU queries/s. */
function timeQueries(queries: number, repeats: number, fn: (q: number) => void): Throughput {
  const wall: number[] = [];
  const cpu: number[] = [];
  fn(0); // warm up (JIT, caches)
  for (let r = 0; r < repeats; r++) {
    const t = timeOnce(() => {
      for (let q = 0; q < queries; q++) fn(q);
    });
    wall.push(queries / t.wallSeconds);
    cpu.push(queries / t.cpuSeconds);
  }
  return { queriesPerSecond: spread(wall), cpuQueriesPerSecond: spread(cpu), queries };
}

const gc = collectGarbage;

/** Collects garbage twice with a pause, so freed array buffers are returned before RSS is read. */
async function settle(): Promise<void> {
  gc();
  await new Promise((r) => setTimeout(r, 200));
  gc();
}

function hitsKey(hits: ReadonlyArray<{ distance: number }>, ids: readonly number[]): string {
  return hits.map((h, i) => `${ids[i]}:${h.distance}`).join(',');
}

/** Measures every path at every size; see MatchingBenchOptions for the knobs. */
export async function measureMatching(options: MatchingBenchOptions = {}): Promise<MatchingBenchResult> {
  const p = {
    sizes: options.sizes ?? [1_000_000, 10_000_000],
    radius: options.radius ?? 31,
    memoryQueries: options.memoryQueries ?? 2000,
    sqliteQueries: options.sqliteQueries ?? 100,
    sqliteCachedQueries: options.sqliteCachedQueries ?? 500,
    bruteQueries: options.bruteQueries ?? 20,
    repeats: options.repeats ?? 3,
    seed: options.seed ?? 1,
  };
  const sqliteMaxSize = options.sqliteMaxSize ?? Infinity;
  const log = options.log ?? (() => {});
  const pdq = signalTypeByName('pdq')!;
  const machine = observeMachine();
  const workDir = options.workDir ?? mkdtempSync(path.join(os.tmpdir(), 'hashtriage-bench-matching-'));
  const ownDir = options.workDir === undefined;
  const sizes: SizeResult[] = [];
  try {
    for (const count of p.sizes) {
      log(`${count} codes: generating`);
      const codes = randomCodes(count, p.seed * 1000003 + count);
      const nQueries = Math.max(p.memoryQueries, p.sqliteQueries, p.sqliteCachedQueries, p.bruteQueries);
      const { flat, sources } = makeQueries(codes, count, nQueries, p.radius, 'mixed', p.seed);
      const query = (q: number) => flat.subarray(q * 8, q * 8 + 8);

      log(`${count} codes: in-memory build and queries`);
      gc();
      let t0 = performance.now();
      let index: MemoryMultiIndex | null = MemoryMultiIndex.build(codes, count);
      const buildSeconds = (performance.now() - t0) / 1000;
      const idx = index;
      const memory = timeQueries(p.memoryQueries, p.repeats, (q) => idx.search(flat, p.radius, q * 8));
      let nearFound = 0;
      let nearTotal = 0;
      for (let q = 0; q < p.memoryQueries; q++) {
        if (sources[q] < 0) continue;
        nearTotal++;
        if (idx.search(flat, p.radius, q * 8).some((h) => h.index === sources[q])) nearFound++;
      }
      await settle();
      const rssBytes = process.memoryUsage().rss;
      const bands = idx.layout.count;
      const indexBytes = idx.indexBytes();

      log(`${count} codes: brute force`);
      const bruteAnswers: string[] = [];
      const brute = timeQueries(p.bruteQueries, p.repeats, (q) => {
        const hits = bruteForceSearch(codes, count, flat, p.radius, q * 8);
        bruteAnswers[q] = hitsKey(hits, hits.map((h) => h.index));
      });
      let agrees = true;
      for (let q = 0; q < p.bruteQueries; q++) {
        const hits = idx.search(flat, p.radius, q * 8);
        if (hitsKey(hits, hits.map((h) => h.index)) !== bruteAnswers[q]) agrees = false;
      }
      index = null;
      gc();

      let sqlite: SizeResult['sqlite'] = null;
      if (count <= sqliteMaxSize) {
        const file = path.join(workDir, `matching-${count}.db`);
        for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
        log(`${count} codes: SQLite import`);
        let store = openIndex(file);
        async function* rows(): AsyncGenerator<ImportItem> {
          for (let i = 0; i < count; i++) {
            yield { kind: 'row', row: { line: i + 1, hashes: [{ signal: 'pdq', value: codes.subarray(i * 8, i * 8 + 8) }], meta: { category: i % 3 === 0 ? 'A1' : 'B2', quality: 100 } } };
          }
        }
        t0 = performance.now();
        const importCpu0 = process.cpuUsage();
        await importList(store, { name: 'bench', sourcePath: null, fileSha256: null, format: 'generated' }, rows());
        const importSeconds = (performance.now() - t0) / 1000;
        const importCpu = process.cpuUsage(importCpu0);
        store.close();
        const databaseBytes = statSync(file).size;

        log(`${count} codes: load into memory`);
        store = openIndex(file, { readonly: true });
        const loadRuns: number[] = [];
        const loadCpuRuns: number[] = [];
        const valueRuns: number[] = [];
        let idOf: Uint32Array = new Uint32Array(0);
        for (let r = 0; r < Math.max(1, Math.min(p.repeats, count >= 5_000_000 ? 1 : p.repeats)); r++) {
          gc();
          t0 = performance.now();
          const cpu0 = process.cpuUsage();
          const loaded = loadCodes(store, pdq);
          const t1 = performance.now();
          MemoryMultiIndex.build(loaded.codes, loaded.count);
          loadRuns.push((performance.now() - t0) / 1000);
          const cpu = process.cpuUsage(cpu0);
          loadCpuRuns.push((cpu.user + cpu.system) / 1e6);
          valueRuns.push((t1 - t0) / 1000);
          idOf = loaded.ids;
        }
        gc();

        log(`${count} codes: SQLite path`);
        const fromTable = new SqliteBandSearcher(store, pdq);
        const table = timeQueries(p.sqliteQueries, p.repeats, (q) => fromTable.search(query(q), p.radius));
        const fromCache = new SqliteBandSearcher(store, pdq, loadValueCache(store, pdq));
        const cached = timeQueries(p.sqliteCachedQueries, p.repeats, (q) => fromCache.search(query(q), p.radius));
        // ids are assigned in import order here, so position i has id idOf[i]
        for (let q = 0; q < Math.min(p.bruteQueries, p.sqliteQueries); q++) {
          const hits = fromTable.search(query(q), p.radius);
          const positions = hits.map((h) => idOf.indexOf(h.id));
          if (hitsKey(hits, positions) !== bruteAnswers[q]) agrees = false;
        }
        store.close();
        for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
        const perSqlite = 1 / table.queriesPerSecond.median;
        const perMemory = 1 / memory.queriesPerSecond.median;
        sqlite = {
          importSeconds,
          importHashesPerSecond: count / importSeconds,
          importHashesPerCpuSecond: count / ((importCpu.user + importCpu.system) / 1e6),
          databaseBytes,
          loadSeconds: spread(loadRuns),
          loadCpuSeconds: spread(loadCpuRuns),
          loadValuesSeconds: spread(valueRuns),
          table,
          cached,
          breakEvenQueries: Math.ceil(spread(loadRuns).median / Math.max(1e-9, perSqlite - perMemory)),
        };
      }
      const bruteQps = brute.queriesPerSecond.median;
      sizes.push({
        count,
        memory: { ...memory, bands, buildSeconds, indexBytes, rssBytes },
        bruteForce: brute,
        sqlite,
        ratios: {
          memoryVsBruteForce: memory.queriesPerSecond.median / bruteQps,
          sqliteTableVsBruteForce: sqlite ? sqlite.table.queriesPerSecond.median / bruteQps : null,
          sqliteCachedVsBruteForce: sqlite ? sqlite.cached.queriesPerSecond.median / bruteQps : null,
        },
        agreesWithBruteForce: agrees,
        nearQueriesFound: nearTotal === 0 ? 1 : nearFound / nearTotal,
      });
    }
  } finally {
    if (ownDir) rmSync(workDir, { recursive: true, force: true });
  }
  const result: Omit<MatchingBenchResult, 'targets'> = {
    benchmark: 'matching',
    date: new Date().toISOString(),
    machine: machine(),
    parameters: {
      ...p,
      sizes: [...p.sizes],
      sqliteMaxSize: Number.isFinite(sqliteMaxSize) ? sqliteMaxSize : null,
      queryMix: QUERY_MIXES.mixed.description,
      matcherMemoryMinQueries: MEMORY_MIN_QUERIES,
    },
    sizes,
  };
  return { ...result, targets: targetsOf(sizes) };
}

/** Issue 3's targets checked against the measurements (those whose size was measured), wall-clock and CPU time. */
function targetsOf(sizes: readonly SizeResult[]): MatchingBenchResult['targets'] {
  type Target = MatchingBenchResult['targets'][number];
  const out: Target[] = [];
  const at = (n: number) => sizes.find((s) => s.count === n);
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const atLeast = (what: string, target: string, goal: number, wall: number, cpu: number, unit: string): Target => ({
    what,
    target,
    measured: `${fmt(wall)}${unit}`,
    met: wall >= goal,
    measuredCpu: `${fmt(cpu)}${unit}`,
    metCpu: cpu >= goal,
  });
  const m1 = at(1_000_000);
  if (m1) {
    out.push(atLeast('in-memory path at 1M, one core', '≥ 5,000 q/s (stretch 10,000)', 5000, m1.memory.queriesPerSecond.median, m1.memory.cpuQueriesPerSecond.median, ' q/s'));
    const cpuRatio = m1.memory.cpuQueriesPerSecond.median / m1.bruteForce.cpuQueriesPerSecond.median;
    out.push({
      what: 'in-memory path vs in-process brute force at 1M',
      target: '≥ 25×',
      measured: `${m1.ratios.memoryVsBruteForce.toFixed(0)}×`,
      met: m1.ratios.memoryVsBruteForce >= 25,
      measuredCpu: `${cpuRatio.toFixed(0)}×`,
      metCpu: cpuRatio >= 25,
    });
    if (m1.sqlite) {
      const sq = m1.sqlite;
      out.push(atLeast('SQLite path at 1M (values cached in memory)', '≥ 700 q/s', 700, sq.cached.queriesPerSecond.median, sq.cached.cpuQueriesPerSecond.median, ' q/s'));
      out.push(atLeast('SQLite path at 1M (values read from the table)', '≥ 700 q/s', 700, sq.table.queriesPerSecond.median, sq.table.cpuQueriesPerSecond.median, ' q/s'));
      out.push(atLeast('import into SQLite at 1M', '≥ 100,000 hashes/s', 100_000, sq.importHashesPerSecond, sq.importHashesPerCpuSecond, ' hashes/s'));
      out.push({
        what: 'load 1M from the database into memory',
        target: '≤ 2 s',
        measured: `${sq.loadSeconds.median.toFixed(2)} s`,
        met: sq.loadSeconds.median <= 2,
        measuredCpu: `${sq.loadCpuSeconds.median.toFixed(2)} s`,
        metCpu: sq.loadCpuSeconds.median <= 2,
      });
    }
  }
  const m10 = at(10_000_000);
  if (m10) {
    out.push(atLeast('in-memory path at 10M', '≥ 1,000 q/s', 1000, m10.memory.queriesPerSecond.median, m10.memory.cpuQueriesPerSecond.median, ' q/s'));
    const gb = `${(m10.memory.rssBytes / 1e9).toFixed(2)} GB`;
    out.push({ what: 'RSS with 10M codes in memory', target: '≤ 2 GB', measured: gb, met: m10.memory.rssBytes <= 2e9, measuredCpu: gb, metCpu: m10.memory.rssBytes <= 2e9 });
  }
  return out;
}

/** The result as Markdown tables (for the README's performance section). */
export function matchingMarkdown(r: MatchingBenchResult): string {
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const qps = (t: Throughput) => `${fmt(t.queriesPerSecond.median)} (${fmt(t.queriesPerSecond.min)}–${fmt(t.queriesPerSecond.max)})`;
  const lines: string[] = [];
  lines.push(
    `Matching, radius ${r.parameters.radius}, random 256-bit codes; ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}; one core used; load average ${r.machine.loadAverage.start.toFixed(1)}→${r.machine.loadAverage.end.toFixed(1)}; median (min–max) of ${r.parameters.repeats} repeats.`,
  );
  lines.push('');
  lines.push('| codes | path | queries/s | CPU-time queries/s | × brute force |');
  lines.push('|---:|---|---:|---:|---:|');
  for (const s of r.sizes) {
    const n = fmt(s.count);
    lines.push(`| ${n} | in-memory multi-index (${s.memory.bands} bands) | ${qps(s.memory)} | ${fmt(s.memory.cpuQueriesPerSecond.median)} | ${s.ratios.memoryVsBruteForce.toFixed(0)}× |`);
    if (s.sqlite) {
      lines.push(`| ${n} | SQLite bands, values cached in memory | ${qps(s.sqlite.cached)} | ${fmt(s.sqlite.cached.cpuQueriesPerSecond.median)} | ${s.ratios.sqliteCachedVsBruteForce!.toFixed(1)}× |`);
      lines.push(`| ${n} | SQLite bands, values read from the table | ${qps(s.sqlite.table)} | ${fmt(s.sqlite.table.cpuQueriesPerSecond.median)} | ${s.ratios.sqliteTableVsBruteForce!.toFixed(1)}× |`);
    }
    lines.push(`| ${n} | brute force (in-process, JS) | ${qps(s.bruteForce)} | ${fmt(s.bruteForce.cpuQueriesPerSecond.median)} | 1× |`);
  }
  lines.push('');
  lines.push('| codes | index build | in-memory index | RSS with index | SQLite import (per CPU second) | database | load DB → memory (CPU) | matcher break-even |');
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of r.sizes) {
    const sq = s.sqlite;
    lines.push(
      `| ${fmt(s.count)} | ${s.memory.buildSeconds.toFixed(2)} s | ${(s.memory.indexBytes / 1e6).toFixed(0)} MB | ${(s.memory.rssBytes / 1e9).toFixed(2)} GB | ${sq ? `${fmt(sq.importHashesPerSecond)} hashes/s (${fmt(sq.importHashesPerCpuSecond)})` : '—'} | ${sq ? `${(sq.databaseBytes / 1e9).toFixed(2)} GB` : '—'} | ${sq ? `${sq.loadSeconds.median.toFixed(2)} s (${sq.loadCpuSeconds.median.toFixed(2)} s)` : '—'} | ${sq ? `${fmt(sq.breakEvenQueries)} queries` : '—'} |`,
    );
  }
  lines.push('');
  lines.push('| target (issue 3) | measured (wall clock) | met | measured (CPU time) | met |');
  lines.push('|---|---:|---|---:|---|');
  for (const t of r.targets) lines.push(`| ${t.what}: ${t.target} | ${t.measured} | ${t.met ? 'yes' : 'no'} | ${t.measuredCpu} | ${t.metCpu ? 'yes' : 'no'} |`);
  const bad = r.sizes.filter((s) => !s.agreesWithBruteForce || s.nearQueriesFound < 1);
  lines.push('');
  lines.push(bad.length === 0 ? 'Every path returned exactly the brute-force answer on the checked queries.' : `MISMATCH against brute force at ${bad.map((s) => s.count).join(', ')} codes.`);
  return `${lines.join('\n')}\n`;
}
