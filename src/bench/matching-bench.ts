/**
 * Matching throughput of the search paths against the in-process brute-force scan, measured in the same
 * rounds on the same queries, and an exactness check of every path against brute force. Shared by
 * `hashtriage bench`, the benchmark suite in bench/ and its CI guard, so all three measure the same thing.
 *
 * Paths:
 *  - brute-force          bruteForceSearch over every code (the baseline, always measured)
 *  - memory-index         MemoryMultiIndex.search: the in-memory multi-index alone
 *  - matcher-memory       IndexMatcher.matchValues on its in-memory path, in batches (what `match --stdin`
 *                         and scans use: deduplication, hex, entries attached)
 *  - matcher-sqlite       IndexMatcher.matchValues on its SQLite band path (what small batches use)
 *  - sqlite-bands-cached  SqliteBandSearcher verifying candidates against values cached in memory
 */
import { knownMatcher } from '../index-store/entry-reads.js';
import { importList } from '../index-store/list-writer.js';
import { loadCodes } from '../index-store/value-reads.js';
import { signalTypeByName } from '../hashing/signals.js';
import { chooseBandCount } from '../search/bands.js';
import { bruteForceSearch, type IndexHit } from '../search/brute-force.js';
import { IndexMatcher } from '../index-store/matcher.js';
import { MemoryMultiIndex, MIN_MEMORY_BANDS } from '../search/memory-index.js';
import { loadValueCache, SqliteBandSearcher, type ValueCache } from '../index-store/sqlite-search.js';
import { openIndex } from '../index-store/open-index.js';
import type { IndexStore } from '../index-store/store.js';
import type { ImportItem } from '../index-store/types.js';
import { makeQueries, type QueryMixName } from './hamming-workload.js';
import { race, timeOnce, timeOnceAsync, type Contender, type RaceResult, type Timing } from './measure.js';

/** The search paths that can be measured (see the module comment). */
export type MatchPath = 'memory-index' | 'matcher-memory' | 'matcher-sqlite' | 'sqlite-bands-cached';

/** A path or the baseline. */
export type PathOrBaseline = MatchPath | 'brute-force';

/** Human labels of the paths and of the baseline. */
export const PATH_LABELS: Readonly<Record<PathOrBaseline, string>> = {
  'brute-force': 'brute force (in-process scan)',
  'memory-index': 'in-memory multi-index',
  'matcher-memory': 'matcher, in-memory path',
  'matcher-sqlite': 'matcher, SQLite band path',
  'sqlite-bands-cached': 'SQLite bands, values cached in memory',
};

const PDQ = signalTypeByName('pdq')!;

/** An index to measure: its store (PDQ values) and the same values in memory, in store-id order. */
export interface BenchIndex {
  readonly store: IndexStore;
  readonly codes: Uint32Array;
  /** Store id of the value at each position (ascending). */
  readonly ids: Uint32Array;
  readonly count: number;
}

/**
 * Creates the index file `file` (must not exist) holding the first `count` codes as PDQ values of quality
 * 100 in one list, through the store's import; returns how long the import took.
 */
export async function writeCodesIndex(file: string, codes: Uint32Array, count: number): Promise<Timing> {
  const store = openIndex(file);
  try {
    async function* rows(): AsyncGenerator<ImportItem> {
      for (let i = 0; i < count; i++) {
        yield { kind: 'row', row: { line: i + 1, hashes: [{ signal: 'pdq', value: codes.subarray(i * 8, i * 8 + 8) }], meta: { category: i % 3 === 0 ? 'A1' : 'B2', quality: 100 } } };
      }
    }
    return await timeOnceAsync(() => importList(store, { name: 'bench', sourcePath: null, fileSha256: null, format: 'generated' }, rows()));
  } finally {
    store.close();
  }
}

/**
 * Opens `file` read-only and loads its PDQ values (every one, whatever its quality); throws
 * HashtriageError NOT_FOUND / BAD_INPUT when there is no file or it is not an index. Close `store` after use.
 */
export function openBenchIndex(file: string): BenchIndex {
  const store = openIndex(file, { readonly: true });
  try {
    const { codes, ids, count } = loadCodes(store, PDQ);
    return { store, codes, ids, count };
  } catch (err) {
    store.close();
    throw err;
  }
}

/** What to measure. */
export interface MatchingRunOptions {
  readonly radius: number;
  readonly mix: QueryMixName;
  readonly rounds: number;
  /** Paths besides the brute-force baseline, in the order to report them. */
  readonly paths: readonly MatchPath[];
  /** Queries per round per path (a maximum when roundSeconds is set); defaults DEFAULT_PER_ROUND. */
  readonly perRound?: Partial<Record<PathOrBaseline, number>>;
  /** Calibrate each path to about this many seconds per round (see race). */
  readonly roundSeconds?: number;
  /** At most this many queries compared with brute force at `radius` (default: every query it answered while timed). */
  readonly exactLimit?: number;
  /** Extra radii checked for exactness on `exactQueries` further queries each. */
  readonly exactRadii?: readonly number[];
  /** Queries checked at each extra radius (default 8). */
  readonly exactQueries?: number;
  readonly seed?: number;
  /** Reused matcher (keeps its loaded in-memory index between calls on the same store). */
  readonly matcher?: IndexMatcher;
  /** Reused in-memory multi-index over index.codes (for the memory-index path). */
  readonly memoryIndex?: MemoryMultiIndex;
  /** Reused value cache of index.store (for the sqlite-bands-cached path). */
  readonly valueCache?: ValueCache;
  /** Progress messages. */
  readonly log?: (message: string) => void;
}

/** Default queries per round: each path spends a comparable time per round at about 500k–1M codes. */
export const DEFAULT_PER_ROUND: Readonly<Record<PathOrBaseline, number>> = {
  'brute-force': 16,
  'memory-index': 1000,
  'matcher-memory': 500,
  'matcher-sqlite': 60,
  'sqlite-bands-cached': 300,
};

/** One path's throughput and speed-up over brute force. */
export interface PathResult extends RaceResult {
  readonly path: PathOrBaseline;
}

/** Result of comparing every path with brute force. */
export interface ExactnessResult {
  /** Queries compared per path at the measured radius. */
  readonly queries: number;
  /** Radii compared (the measured one first). */
  readonly radii: readonly number[];
  /** One message per (path, radius, query) whose answer differed from brute force; empty when exact. */
  readonly mismatches: readonly string[];
}

/** Everything measured on one index at one radius and query mix. */
export interface MatchingMeasurement {
  readonly count: number;
  readonly radius: number;
  readonly mix: QueryMixName;
  readonly rounds: number;
  /** Bands of the in-memory multi-index (the matcher's choice for this many values). */
  readonly bands: number;
  /** Building the in-memory multi-index from codes already in memory (memory-index path, when built here). */
  readonly buildSeconds: number | null;
  /** The matcher's first in-memory batch: reading every value from the database and building the index. */
  readonly loadSeconds: number | null;
  /** Brute force first, then the paths in the order asked. */
  readonly paths: readonly PathResult[];
  readonly exactness: ExactnessResult;
}

/** A hit list as comparable text: "distance:hex" sorted, joined. */
function canonical(pairs: Array<{ distance: number; hex: string }>): string {
  return pairs
    .map((p) => `${String(p.distance).padStart(3, '0')}:${p.hex}`)
    .sort()
    .join(',');
}

function hexAt(codes: Uint32Array, position: number): string {
  return PDQ.format(codes.subarray(position * 8, position * 8 + 8));
}

function positionsText(codes: Uint32Array, hits: readonly IndexHit[]): string {
  return canonical(hits.map((h) => ({ distance: h.distance, hex: hexAt(codes, h.index) })));
}

/** Position of store id `id` in the ascending `ids`, or −1. */
function positionOfId(ids: Uint32Array, id: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid] === id) return mid;
    if (ids[mid] < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function describeDifference(expected: string, got: string): string {
  const e = new Set(expected ? expected.split(',') : []);
  const g = new Set(got ? got.split(',') : []);
  const missing = [...e].filter((x) => !g.has(x));
  const extra = [...g].filter((x) => !e.has(x));
  return `${e.size} expected, ${g.size} returned; missing ${missing.length}${missing.length ? ` (e.g. ${missing[0]})` : ''}, extra ${extra.length}${extra.length ? ` (e.g. ${extra[0]})` : ''}`;
}

/**
 * Races brute force and the chosen paths on one index (CPU and wall rates, round-by-round speed-ups),
 * then compares every path's answers with brute force: at `radius` on the queries the brute force
 * answered while timed (up to exactLimit), and at each of `exactRadii` on further queries. Guarantees: a
 * path with no mismatch returned exactly the brute-force set of (value, distance) on every compared query.
 */
export function measureMatchingPaths(index: BenchIndex, options: MatchingRunOptions): MatchingMeasurement {
  const { codes, count, ids } = index;
  const { radius, mix, rounds } = options;
  const log = options.log ?? (() => {});
  const perRound = { ...DEFAULT_PER_ROUND, ...options.perRound };
  const needed = 2 + Math.max(perRound['brute-force'], ...options.paths.map((p) => perRound[p])) * rounds;
  const exactQueries = options.exactQueries ?? 8;
  const queries = makeQueries(codes, count, needed + exactQueries, radius, mix, options.seed ?? 1);
  const { flat } = queries;
  const views = Array.from({ length: queries.count }, (_, q) => flat.subarray(q * 8, q * 8 + 8));
  // no warm-start file: the load measured is the build from the database, and a user's index gets no file beside it
  const matcher = options.matcher ?? knownMatcher(index.store, { warmStart: false });

  const bruteHits = new Map<number, IndexHit[]>();
  const contenders: Contender[] = [
    {
      name: 'brute-force',
      perRound: perRound['brute-force'],
      run(from, n) {
        for (let q = from; q < from + n; q++) bruteHits.set(q, bruteForceSearch(codes, count, flat, radius, q * 8));
      },
    },
  ];
  let memoryIndex = options.memoryIndex ?? null;
  let buildSeconds: number | null = null;
  let loadSeconds: number | null = null;
  let cached: SqliteBandSearcher | null = null;
  const matcherRun = (path: 'memory' | 'sqlite') => (from: number, n: number) => {
    matcher.matchValues(PDQ, views.slice(from, from + n), { threshold: radius, path, includeLowQuality: true });
  };
  for (const path of options.paths) {
    if (path === 'memory-index') {
      if (!memoryIndex) {
        log(`building the in-memory multi-index of ${count.toLocaleString('en-US')} codes`);
        const t0 = performance.now();
        memoryIndex = MemoryMultiIndex.build(codes, count);
        buildSeconds = (performance.now() - t0) / 1000;
      }
      const idx = memoryIndex;
      contenders.push({
        name: path,
        perRound: perRound[path],
        run(from, n) {
          for (let q = from; q < from + n; q++) idx.search(flat, radius, q * 8);
        },
      });
    } else if (path === 'matcher-memory') {
      if (matcher.choosePath(PDQ, 0, true) !== 'memory') {
        log(`loading ${count.toLocaleString('en-US')} values from the database into the matcher`);
        loadSeconds = timeOnce(() => matcher.matchValues(PDQ, views.slice(0, 1), { threshold: radius, path: 'memory', includeLowQuality: true })).wallSeconds;
      }
      contenders.push({ name: path, perRound: perRound[path], run: matcherRun('memory') });
    } else if (path === 'matcher-sqlite') {
      contenders.push({ name: path, perRound: perRound[path], run: matcherRun('sqlite') });
    } else {
      const searcher = new SqliteBandSearcher(index.store, PDQ, options.valueCache ?? loadValueCache(index.store, PDQ));
      cached = searcher;
      contenders.push({
        name: path,
        perRound: perRound[path],
        run(from, n) {
          for (let q = from; q < from + n; q++) searcher.search(views[q], radius);
        },
      });
    }
  }
  log(`racing ${contenders.map((c) => c.name).join(', ')}: ${rounds} rounds, radius ${radius}, ${mix} queries`);
  const results = race(contenders, { rounds, roundSeconds: options.roundSeconds });

  log('comparing every path with brute force');
  const mismatches: string[] = [];
  const answerOf = (path: MatchPath, qs: number[], r: number): string[] => {
    if (path === 'memory-index') {
      const idx = memoryIndex!;
      return qs.map((q) => positionsText(codes, idx.search(flat, r, q * 8)));
    }
    if (path === 'sqlite-bands-cached') {
      const searcher = cached!;
      return qs.map((q) =>
        canonical(searcher.search(views[q], r).map((h) => ({ distance: h.distance, hex: hexAt(codes, positionOfId(ids, h.id)) }))),
      );
    }
    const outcomes = matcher.matchValues(
      PDQ,
      qs.map((q) => views[q]),
      { threshold: r, path: path === 'matcher-memory' ? 'memory' : 'sqlite', includeLowQuality: true },
    );
    return outcomes.map((o) => canonical(o.matches.map((m) => ({ distance: m.distance, hex: m.hash }))));
  };
  const compare = (qs: number[], r: number, expected: string[]) => {
    for (const path of options.paths) {
      const got = answerOf(path, qs, r);
      qs.forEach((q, i) => {
        if (got[i] !== expected[i]) mismatches.push(`${path}, radius ${r}, query ${q}: ${describeDifference(expected[i], got[i])}`);
      });
    }
  };
  const timed = [...bruteHits.keys()].sort((a, b) => a - b).slice(0, options.exactLimit ?? Infinity);
  compare(
    timed,
    radius,
    timed.map((q) => positionsText(codes, bruteHits.get(q)!)),
  );
  const extraRadii = (options.exactRadii ?? []).filter((r) => r !== radius);
  const extra = Array.from({ length: exactQueries }, (_, i) => needed + i);
  for (const r of extraRadii) {
    compare(
      extra,
      r,
      extra.map((q) => positionsText(codes, bruteForceSearch(codes, count, flat, r, q * 8))),
    );
  }
  return {
    count,
    radius,
    mix,
    rounds,
    bands: memoryIndex?.layout.count ?? chooseBandCount(count, MIN_MEMORY_BANDS),
    buildSeconds,
    loadSeconds,
    paths: results.map((r) => ({ ...r, path: r.name as PathOrBaseline })),
    exactness: { queries: timed.length, radii: [radius, ...extraRadii], mismatches },
  };
}
