/**
 * Machine sizing for analysts (`hashtriage bench`): how many lookups per second the matcher answers on
 * this machine at a given index size, on its in-memory and SQLite paths, next to a brute-force scan
 * measured in the same rounds, and how long the first large batch takes to load the index into memory.
 * Indexes are either generated (random PDQ values imported into a temporary file, removed afterwards) or
 * the user's own index file, read-only, queried with near-duplicates of its stored values.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HashtriageError } from '../errors.js';
import { MEMORY_MIN_QUERIES } from '../index-store/matcher.js';
import { QUERY_MIXES, randomCodes, type QueryMixName } from './hamming-workload.js';
import { measureMatchingPaths, openBenchIndex, writeCodesIndex, type MatchingMeasurement, type PathResult } from './matching-bench.js';
import { observeMachine, type MachineInfo } from './measure.js';

/** What to measure: generated sizes, or one existing index. */
export interface SizingOptions {
  /** Index sizes to generate (ignored when `db` is set). */
  readonly sizes: readonly number[];
  /** The user's index file (opened read-only). */
  readonly db?: string;
  readonly radius: number;
  readonly mix: QueryMixName;
  readonly rounds: number;
  /** Most queries a path answers per round (each answers about `roundSeconds` worth). */
  readonly maxQueries: number;
  readonly roundSeconds: number;
  readonly seed?: number;
  /** Progress messages. */
  readonly log?: (message: string) => void;
}

/** One path's rates: wall-clock lookups per second (median, min, max), per CPU-second, and × brute force. */
export interface PathRates {
  readonly lookupsPerSecond: number;
  readonly min: number;
  readonly max: number;
  readonly cpuLookupsPerSecond: number;
  /** Median over rounds of (this path's CPU-time rate / brute force's) in the same round. */
  readonly speedup: number;
  readonly queriesPerRound: number;
}

/** The answer for one index size. */
export interface SizeReport {
  readonly count: number;
  readonly source: 'generated' | 'db';
  /** Import of the generated values (null for the user's index). */
  readonly importSeconds: number | null;
  /** The first in-memory batch: reading every value and building the index. */
  readonly loadSeconds: number | null;
  readonly bands: number;
  readonly memory: PathRates;
  readonly sqlite: PathRates;
  readonly bruteForce: PathRates;
  /** Both paths returned exactly the brute-force answer on every compared query. */
  readonly exact: boolean;
  readonly comparedQueries: number;
  readonly mismatches: readonly string[];
}

/** The whole sizing report (what --json prints). */
export interface SizingReport {
  readonly machine: MachineInfo;
  readonly parameters: {
    readonly radius: number;
    readonly mix: QueryMixName;
    readonly mixDescription: string;
    readonly rounds: number;
    readonly maxQueriesPerRound: number;
    /** Distinct queries from which the matcher loads its in-memory index. */
    readonly matcherMemoryMinQueries: number;
  };
  readonly sizes: readonly SizeReport[];
  readonly exact: boolean;
}

function rates(p: PathResult): PathRates {
  return {
    lookupsPerSecond: p.queriesPerSecond.median,
    min: p.queriesPerSecond.min,
    max: p.queriesPerSecond.max,
    cpuLookupsPerSecond: p.cpuQueriesPerSecond.median,
    speedup: p.cpuSpeedup.median,
    queriesPerRound: p.perRound,
  };
}

function report(m: MatchingMeasurement, source: 'generated' | 'db', importSeconds: number | null): SizeReport {
  const of = (name: string) => rates(m.paths.find((p) => p.path === name)!);
  return {
    count: m.count,
    source,
    importSeconds,
    loadSeconds: m.loadSeconds,
    bands: m.bands,
    memory: of('matcher-memory'),
    sqlite: of('matcher-sqlite'),
    bruteForce: of('brute-force'),
    exact: m.exactness.mismatches.length === 0,
    comparedQueries: m.exactness.queries,
    mismatches: m.exactness.mismatches,
  };
}

/**
 * Measures every size (or the user's index). Throws HashtriageError NOT_FOUND / BAD_INPUT when the user's
 * index cannot be opened, BAD_INPUT when it holds no PDQ values. Temporary indexes are removed whatever
 * happens; the user's index is never written.
 */
export async function measureSizing(options: SizingOptions): Promise<SizingReport> {
  const machine = observeMachine();
  const log = options.log ?? (() => {});
  const run = { radius: options.radius, mix: options.mix, rounds: options.rounds, roundSeconds: options.roundSeconds, seed: options.seed, log };
  const perRound = { 'brute-force': options.maxQueries, 'matcher-memory': options.maxQueries, 'matcher-sqlite': options.maxQueries };
  const paths = ['matcher-memory', 'matcher-sqlite'] as const;
  const sizes: SizeReport[] = [];
  if (options.db !== undefined) {
    const index = openBenchIndex(options.db);
    try {
      if (index.count === 0) throw new HashtriageError('BAD_INPUT', `${options.db} holds no PDQ values to match against`);
      log(`${options.db}: ${index.count.toLocaleString('en-US')} PDQ values`);
      sizes.push(report(measureMatchingPaths(index, { ...run, paths, perRound }), 'db', null));
    } finally {
      index.store.close();
    }
  } else {
    const work = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-bench-'));
    try {
      for (const count of options.sizes) {
        log(`importing ${count.toLocaleString('en-US')} random PDQ values into a temporary index`);
        const file = path.join(work, `bench-${count}.db`);
        const imported = await writeCodesIndex(file, randomCodes(count, (options.seed ?? 1) * 1_000_003 + count), count);
        const index = openBenchIndex(file);
        try {
          sizes.push(report(measureMatchingPaths(index, { ...run, paths, perRound }), 'generated', imported.wallSeconds));
        } finally {
          index.store.close();
          rmSync(file, { force: true });
        }
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return {
    machine: machine(),
    parameters: {
      radius: options.radius,
      mix: options.mix,
      mixDescription: QUERY_MIXES[options.mix].description,
      rounds: options.rounds,
      maxQueriesPerRound: options.maxQueries,
      matcherMemoryMinQueries: MEMORY_MIN_QUERIES,
    },
    sizes,
    exact: sizes.every((s) => s.exact),
  };
}

const int = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
const times = (x: number) => `${x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(2)}×`;
const secs = (x: number | null) => (x === null ? '—' : `${x < 10 ? x.toFixed(2) : x.toFixed(0)} s`);

/** The report for people: a table per size and one sentence per size saying what to expect. */
export function formatSizing(r: SizingReport): string {
  const m = r.machine;
  const lines = [
    `Matching on this machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}; one core used; load average ${m.loadAverage.start} → ${m.loadAverage.end}.`,
    `Radius ${r.parameters.radius}; queries: ${r.parameters.mixDescription}; median of ${r.parameters.rounds} rounds.`,
    '',
    '| index size | in-memory lookups/s | SQLite lookups/s | brute force lookups/s | in-memory × brute force | SQLite × brute force | load into memory |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...r.sizes.map(
      (s) =>
        `| ${int(s.count)}${s.source === 'db' ? ' (your index)' : ''} | ${int(s.memory.lookupsPerSecond)} | ${int(s.sqlite.lookupsPerSecond)} | ${int(s.bruteForce.lookupsPerSecond)} | ${times(s.memory.speedup)} | ${times(s.sqlite.speedup)} | ${secs(s.loadSeconds)} |`,
    ),
    '',
  ];
  for (const s of r.sizes) {
    lines.push(
      `At ${int(s.count)} hashes, expect about ${int(s.memory.lookupsPerSecond)} lookups per second in memory (${times(s.memory.speedup)} brute force) and ${int(s.sqlite.lookupsPerSecond)} per second through SQLite (${times(s.sqlite.speedup)} brute force); a batch of ${r.parameters.matcherMemoryMinQueries} or more distinct hashes first loads the index into memory (${secs(s.loadSeconds)}).`,
    );
  }
  if (m.loadAverage.start > m.cores || m.loadAverage.end > m.cores) {
    lines.push(
      `The machine was busy (load average above ${m.cores}), which may have lowered these rates. Per CPU-second of this process, which other work does not affect: ${r.sizes.map((s) => `${int(s.memory.cpuLookupsPerSecond)} in memory and ${int(s.sqlite.cpuLookupsPerSecond)} through SQLite at ${int(s.count)}`).join('; ')}.`,
    );
  }
  const compared = r.sizes.reduce((n, s) => n + s.comparedQueries, 0);
  lines.push(
    r.exact
      ? `Every answer was identical to the brute-force scan (${int(compared)} queries compared).`
      : `WRONG ANSWERS: ${r.sizes.flatMap((s) => s.mismatches).slice(0, 5).join('; ')}`,
  );
  return `${lines.join('\n')}\n`;
}
