/**
 * Measurement primitives shared by `hashtriage bench`, the benchmark suite (bench/) and its CI guard:
 * the machine a run happened on, repeated measurements summarised as median and spread, wall-clock and
 * CPU time of a piece of work, and ratios between two measurements taken in the same rounds.
 *
 * Why CPU time: on a shared machine another process can take the core away at any moment; wall-clock
 * rates then drop for reasons that have nothing to do with the code. CPU time counts only the time the
 * process actually ran, so ratios of CPU times stay put under load (they still include cache effects).
 */
import os from 'node:os';

/** Median and spread of repeated measurements; `runs` keeps them in the order taken. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** First and third quartiles (linear interpolation between the sorted runs). */
  readonly q1: number;
  readonly q3: number;
  readonly runs: readonly number[];
}

/** Value at fraction `p` (0–1) of ascending `sorted`, linearly interpolated; NaN for an empty array. */
function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** Median, min, max and quartiles of `runs` (NaN fields when `runs` is empty); `runs` is not modified. */
export function spread(runs: readonly number[]): Spread {
  const sorted = [...runs].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    min: sorted.length ? sorted[0] : Number.NaN,
    max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    runs: [...runs],
  };
}

/** Element-wise ratios numerators[i] / denominators[i] summarised as a Spread (arrays of equal length). */
export function ratioSpread(numerators: readonly number[], denominators: readonly number[]): Spread {
  if (numerators.length !== denominators.length) throw new RangeError('ratioSpread needs runs of equal length');
  return spread(numerators.map((n, i) => n / denominators[i]));
}

/** The machine a run happened on, and how busy it was (1-minute load average at start and end). */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly loadAverage: { readonly start: number; readonly end: number };
}

/** Starts observing the machine; the returned function describes it, with the load average at start and at call time. */
export function observeMachine(): () => MachineInfo {
  const start = os.loadavg()[0];
  return () => ({
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    loadAverage: { start: Math.round(start * 100) / 100, end: Math.round(os.loadavg()[0] * 100) / 100 },
  });
}

/** One line describing the machine (for table captions). */
export function describeMachine(m: MachineInfo): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, load average ${m.loadAverage.start} → ${m.loadAverage.end}`;
}

/** Wall-clock and CPU seconds (user + system, every thread of this process) of one piece of work. */
export interface Timing {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
}

/** Runs `work` once and returns how long it took; the work's own result is discarded. */
export function timeOnce(work: () => void): Timing {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  work();
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { wallSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** Like timeOnce for asynchronous work (CPU time then includes whatever else the process ran meanwhile). */
export async function timeOnceAsync(work: () => Promise<unknown>): Promise<Timing> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await work();
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { wallSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** Runs a full garbage collection when the process was started with --expose-gc; otherwise does nothing. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Something to compare: `run(from, n)` answers queries from…from+n−1 (the caller's numbering, taken
 * modulo its query set), `perRound` of them in each round (at most that many when race calibrates).
 */
export interface Contender {
  readonly name: string;
  readonly perRound: number;
  run(from: number, n: number): void;
}

/** Throughput of one contender over the rounds, and its speed-up over the baseline round by round. */
export interface RaceResult {
  readonly name: string;
  /** Queries answered per round. */
  readonly perRound: number;
  /** Wall-clock queries per second, one value per round. */
  readonly queriesPerSecond: Spread;
  /** Queries per CPU-second (robust to other load on the machine), one value per round. */
  readonly cpuQueriesPerSecond: Spread;
  /** Per round: this contender's CPU-time rate / the baseline's in the same round. */
  readonly cpuSpeedup: Spread;
  /** Per round: the same with wall-clock rates. */
  readonly wallSpeedup: Spread;
}

/** How to race. */
export interface RaceOptions {
  readonly rounds: number;
  /** Index of the contender the speed-ups are relative to (default 0). */
  readonly baseline?: number;
  /**
   * When set, each contender's perRound is a maximum: one query is timed after the warm-up and the
   * contender answers about this many seconds' worth of queries per round (at least 1).
   */
  readonly roundSeconds?: number;
}

/**
 * Runs every contender untimed on query 0 (warm-up: JIT, caches), then `rounds` rounds in which each contender
 * in turn answers its next block of queries (2 + round·perRound on; queries 0 and 1 serve the warm-up
 * and calibration). Speed-ups are taken round by round against the baseline, so a slow spell of the
 * machine hits both sides of a ratio alike; with --expose-gc a full collection precedes each timed block.
 * The caller's query set must hold 2 + rounds·perRound queries.
 */
export function race(contenders: readonly Contender[], options: RaceOptions): RaceResult[] {
  const { rounds } = options;
  const baseline = options.baseline ?? 0;
  if (!(rounds >= 1)) throw new RangeError('race needs at least one round');
  const perRound = contenders.map((c) => {
    // warm-up: query 0 once, or repeatedly for a third of a round when calibrating (JIT tiers, caches)
    const warmUntil = performance.now() + ((options.roundSeconds ?? 0) * 1000) / 3;
    for (let i = 0; i < 50; i++) {
      c.run(0, 1);
      if (performance.now() >= warmUntil) break;
    }
    if (options.roundSeconds === undefined) return c.perRound;
    const one = timeOnce(() => c.run(1, 1)).wallSeconds;
    return Math.max(1, Math.min(c.perRound, Math.floor(options.roundSeconds / Math.max(one, 1e-7))));
  });
  const wall = contenders.map(() => [] as number[]);
  const cpu = contenders.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    contenders.forEach((c, i) => {
      const n = perRound[i];
      collectGarbage(); // garbage left by the previous contender is not collected on this one's time
      const t = timeOnce(() => c.run(2 + r * n, n));
      wall[i].push(n / t.wallSeconds);
      cpu[i].push(n / Math.max(t.cpuSeconds, 1e-6));
    });
  }
  return contenders.map((c, i) => ({
    name: c.name,
    perRound: perRound[i],
    queriesPerSecond: spread(wall[i]),
    cpuQueriesPerSecond: spread(cpu[i]),
    cpuSpeedup: ratioSpread(cpu[i], cpu[baseline]),
    wallSpeedup: ratioSpread(wall[i], wall[baseline]),
  }));
}
