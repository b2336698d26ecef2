/**
 * Wide-radius matching (radius 63 by default) on random 256-bit codes, where probing the bands costs more
 * than scanning: the in-memory index's batch search, the blocked scan's WebAssembly and JS kernels, the
 * per-query JS scan the index used before, forced probing, and a blocked scan in C compiled at bench time
 * (when a C compiler is present) as the native anchor. Every rate is queries per CPU-second; each round
 * times every contender once, so ratios are taken round by round. Also measures the planner's constants
 * (search-plan.ts): nanoseconds per probe, per candidate and per code scanned.
 */
import { bandLayout, chooseBandCount } from '../src/search/bands.js';
import { blockedScan, wasmScanAvailable } from '../src/search/blocked-scan.js';
import { bruteForceSearch } from '../src/search/brute-force.js';
import { MemoryMultiIndex, MIN_MEMORY_BANDS } from '../src/search/memory-index.js';
import { probeWork, SEARCH_COSTS, type SearchCosts } from '../src/search/search-plan.js';
import { makeQueries, randomCodes } from '../src/bench/hamming-workload.js';
import { collectGarbage, observeMachine, spread, timeOnce, type MachineInfo, type Spread } from '../src/bench/measure.js';
import { prepareCScanAnchor } from './lib/c-scan-anchor.js';

/** What to measure; every field has a default. */
export interface WideRadiusOptions {
  /** Stored codes. Default 1,000,000. */
  readonly count?: number;
  /** Default 63. */
  readonly radius?: number;
  /** Queries per batch for the batch contenders. Default 256. */
  readonly batch?: number;
  /** Default 5. */
  readonly rounds?: number;
  readonly seed?: number;
  readonly log?: (message: string) => void;
}

/** One contender: queries per CPU-second per round, and its rate over the C anchor's in the same round. */
export interface WideContender {
  readonly name: string;
  readonly queriesPerRound: number;
  readonly cpuQueriesPerSecond: Spread;
  readonly vsC: Spread | null;
}

/** The planner's constants as measured here, beside those the code uses. */
export interface PlannerConstants {
  readonly measured: SearchCosts;
  readonly inCode: SearchCosts;
  /** (bands, radius, probes, candidates, ns per query) points the probe and candidate costs are fitted to. */
  readonly points: ReadonlyArray<{ bands: number; radius: number; probes: number; candidates: number; ns: number }>;
}

/** The whole result (bench/results/wide-radius.json). */
export interface WideRadiusResult {
  readonly benchmark: 'wide-radius';
  readonly date: string;
  readonly machine: MachineInfo;
  readonly parameters: Required<Omit<WideRadiusOptions, 'log'>>;
  readonly anchor: { readonly compiler: string } | { readonly absent: string };
  readonly contenders: readonly WideContender[];
  /** The plan the index chose for a batch at the radius (true: one blocked scan). */
  readonly batchScans: boolean;
  readonly exact: boolean;
  readonly planner: PlannerConstants;
}

interface Runner {
  readonly name: string;
  readonly queries: number;
  run(): unknown;
}

/** Runs the benchmark; see WideRadiusOptions. */
export function measureWideRadius(options: WideRadiusOptions = {}): WideRadiusResult {
  const p = { count: options.count ?? 1_000_000, radius: options.radius ?? 63, batch: options.batch ?? 256, rounds: options.rounds ?? 5, seed: options.seed ?? 1 };
  const log = options.log ?? (() => {});
  const machine = observeMachine();
  const { count, radius, batch } = p;
  log(`${count} codes, radius ${radius}: generating and building`);
  const codes = randomCodes(count, p.seed * 7919 + count);
  const { flat } = makeQueries(codes, count, batch, radius, 'mixed', p.seed);
  const index = MemoryMultiIndex.build(codes, count);
  const probing = MemoryMultiIndex.build(codes, count, { fallback: 'never' });
  const few = Math.min(batch, 8);

  // exactness: the batch answers equal brute force on the first queries
  const got = index.searchBatch(flat, batch, radius);
  let exact = true;
  for (let q = 0; q < few; q++) {
    const want = bruteForceSearch(codes, count, flat, radius, q * 8);
    const mine = Array.from(got.index.subarray(got.start[q], got.start[q + 1]));
    if (want.length !== mine.length || want.some((h, j) => h.index !== mine[j] || h.distance !== got.distance[got.start[q] + j])) exact = false;
  }
  const linearBefore = index.counts.linear;
  index.searchBatch(flat, 2, radius);
  const batchScans = index.counts.linear === linearBefore + 2;

  const runners: Runner[] = [
    { name: 'in-memory index, batch (planner)', queries: batch, run: () => index.searchBatch(flat, batch, radius) },
    ...(wasmScanAvailable() ? [{ name: 'blocked scan, WebAssembly kernel', queries: batch, run: () => blockedScan(codes, count, flat, batch, radius, 'wasm') }] : []),
    { name: 'blocked scan, JS SWAR kernel', queries: 32, run: () => blockedScan(codes, count, flat, 32, radius, 'js') },
    { name: 'per-query JS scan (the fallback before)', queries: few, run: () => { for (let q = 0; q < few; q++) bruteForceSearch(codes, count, flat, radius, q * 8); } },
    { name: 'forced probing, one query at a time', queries: few, run: () => { for (let q = 0; q < few; q++) probing.search(flat, radius, q * 8); } },
  ];
  const anchor = prepareCScanAnchor(codes, count, flat, batch);
  const hasAnchor = 'round' in anchor;
  const rates = runners.map(() => [] as number[]);
  const cRates: number[] = [];
  try {
    for (let w = 0; w < 2; w++) for (const r of runners) r.run(); // warm-up: the JIT reaches its top tier for the long loops
    for (let round = 0; round < p.rounds; round++) {
      log(`round ${round + 1} of ${p.rounds}`);
      runners.forEach((r, i) => {
        collectGarbage();
        rates[i].push(r.queries / Math.max(1e-6, timeOnce(() => r.run()).cpuSeconds));
      });
      if (hasAnchor) cRates.push(batch / anchor.round(radius).cpuSeconds);
    }
  } finally {
    if (hasAnchor) anchor.dispose();
  }
  const contenders: WideContender[] = runners.map((r, i) => ({
    name: r.name,
    queriesPerRound: r.queries,
    cpuQueriesPerSecond: spread(rates[i]),
    vsC: hasAnchor ? spread(rates[i].map((v, k) => v / cRates[k])) : null,
  }));
  if (hasAnchor) contenders.push({ name: `blocked scan in C (${anchor.compiler} -O3 -march=native)`, queriesPerRound: batch, cpuQueriesPerSecond: spread(cRates), vsC: spread(cRates.map(() => 1)) });

  log('planner constants');
  const planner = measurePlannerConstants(codes, count, flat, batch, p.rounds);
  return {
    benchmark: 'wide-radius',
    date: new Date().toISOString(),
    machine: machine(),
    parameters: p,
    anchor: hasAnchor ? { compiler: anchor.compiler } : { absent: anchor.reason },
    contenders,
    batchScans,
    exact,
    planner,
  };
}

/**
 * The planner's costs: scanning from the WebAssembly blocked scan (a batch, and a lone query); probe and
 * candidate costs by least squares over probed queries (no fallback) at several radii with two band
 * counts (few codes per bucket, and many), so probes and candidates vary independently.
 */
function measurePlannerConstants(codes: Uint32Array, count: number, flat: Uint32Array, batch: number, rounds: number): PlannerConstants {
  const median = (xs: number[]) => spread(xs).median;
  const perCode: number[] = [];
  const perCodeSingle: number[] = [];
  for (let r = 0; r < rounds; r++) {
    perCode.push((timeOnce(() => blockedScan(codes, count, flat, batch, 63)).cpuSeconds * 1e9) / (batch * count));
    perCodeSingle.push((timeOnce(() => { for (let q = 0; q < 4; q++) blockedScan(codes, count, flat.subarray(q * 8, q * 8 + 8), 1, 63); }).cpuSeconds * 1e9) / (4 * count));
  }
  const points: PlannerConstants['points'][number][] = [];
  for (const bands of [chooseBandCount(count, MIN_MEMORY_BANDS), 16]) {
    const index = MemoryMultiIndex.build(codes, count, { bands, fallback: 'never' });
    const layout = bandLayout(bands);
    for (const radius of bands === 16 ? [8, 16, 24, 32] : [16, 24, 32, 40]) {
      const work = probeWork(layout, count, radius);
      const n = Math.min(batch, 64);
      index.searchBatch(flat, 4, radius); // warm-up
      const runs: number[] = [];
      for (let r = 0; r < rounds; r++) runs.push((timeOnce(() => index.searchBatch(flat, n, radius)).cpuSeconds * 1e9) / n);
      points.push({ bands, radius, probes: work.probes, candidates: work.candidates, ns: median(runs) });
    }
  }
  // minimise Σ ((P·probes + C·candidates − ns) / ns)² (relative error, so every point counts alike)
  let a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0;
  for (const pt of points) {
    const x = pt.probes / pt.ns;
    const y = pt.candidates / pt.ns;
    a11 += x * x;
    a12 += x * y;
    a22 += y * y;
    b1 += x;
    b2 += y;
  }
  const det = a11 * a22 - a12 * a12;
  const probeNs = (b1 * a22 - b2 * a12) / det;
  const candidateNs = (a11 * b2 - a12 * b1) / det;
  return {
    measured: { probeNs, candidateNs, scanNsPerCode: median(perCode), scanNsPerCodeSingle: median(perCodeSingle) },
    inCode: SEARCH_COSTS,
    points,
  };
}

/** The result as Markdown. */
export function wideRadiusMarkdown(r: WideRadiusResult): string {
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const ratio = (x: number) => `${x.toFixed(2)}×`;
  const lines: string[] = [];
  const p = r.parameters;
  lines.push(
    `Radius ${p.radius}, ${fmt(p.count)} random codes, mixed queries (batches of ${p.batch}); ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}; load average ${r.machine.loadAverage.start}→${r.machine.loadAverage.end}; queries per CPU-second, median (min–max) of ${p.rounds} rounds; × C taken round by round.`,
  );
  lines.push('');
  lines.push('| path | queries per CPU-second | × blocked C scan |');
  lines.push('|---|---:|---:|');
  for (const c of r.contenders) {
    const s = c.cpuQueriesPerSecond;
    lines.push(`| ${c.name} | ${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)}) | ${c.vsC ? `${ratio(c.vsC.median)} (${ratio(c.vsC.min)}–${ratio(c.vsC.max)})` : '—'} |`);
  }
  lines.push('');
  lines.push('absent' in r.anchor ? `No C anchor: ${r.anchor.absent}.` : `C anchor compiled at bench time with ${r.anchor.compiler} in a temporary directory (removed afterwards).`);
  lines.push(`The index's planner ${r.batchScans ? 'chose one blocked scan for the batch' : 'chose probing for the batch'}; its answers ${r.exact ? 'equal' : 'DIFFER FROM'} brute force on the checked queries.`);
  lines.push('');
  const m = r.planner.measured;
  const c = r.planner.inCode;
  lines.push('Planner constants (ns, one core; search-plan.ts SEARCH_COSTS):');
  lines.push('');
  lines.push('| cost | measured | in code |');
  lines.push('|---|---:|---:|');
  lines.push(`| bucket probe | ${m.probeNs.toFixed(1)} | ${c.probeNs} |`);
  lines.push(`| candidate verified | ${m.candidateNs.toFixed(1)} | ${c.candidateNs} |`);
  lines.push(`| code scanned, batch | ${m.scanNsPerCode.toFixed(2)} | ${c.scanNsPerCode} |`);
  lines.push(`| code scanned, lone query | ${m.scanNsPerCodeSingle.toFixed(2)} | ${c.scanNsPerCodeSingle} |`);
  lines.push('');
  lines.push('| bands | radius | probes | candidates (expected) | ns per query | fitted |');
  lines.push('|---:|---:|---:|---:|---:|---:|');
  for (const pt of r.planner.points) {
    lines.push(`| ${pt.bands} | ${pt.radius} | ${fmt(pt.probes)} | ${fmt(pt.candidates)} | ${fmt(pt.ns)} | ${fmt(pt.probes * m.probeNs + pt.candidates * m.candidateNs)} |`);
  }
  return `${lines.join('\n')}\n`;
}
