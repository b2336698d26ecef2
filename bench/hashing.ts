/**
 * Hashing throughput on ~2-megapixel JPEGs generated here (seeded plasma, gradients and smoothed noise):
 * images per second for every algorithm together (digests, PDQ, blockhash) through the real pipeline with
 * 1 and 2 worker threads and through the CLI, and the time and share of each stage (per algorithm,
 * decode vs hash) measured single-threaded.
 *
 * Run: npm run build && npx tsx bench/hashing.ts [--images 40] [--repeats 5] (the CLI figure runs the compiled dist/)
 * Writes bench/results/hashing.{json,md} and prints the Markdown tables.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeMachine, observeMachine, spread, type Spread } from '../src/bench/measure.js';
import { DECODE_POLICY } from '../src/hashing/decode.js';
import { hashFiles } from '../src/hashing/hash-file.js';
import { signalNames } from '../src/hashing/signals.js';
import { HashWorkerPool } from '../src/hashing/worker-pool.js';
import { positiveIntFlag } from './lib/args.js';
import { PIPELINE_STAGES as STAGES, timeStages, type StagePass } from './lib/hash-stages.js';
import { generatePhotoJpegs, PHOTO_ENCODING, PHOTO_SIZES } from './lib/photo-jpegs.js';
import { markdownTable, round, writeResults } from './lib/results.js';

const GOAL_IMAGES_PER_SECOND = 25;

/**
 * Images per second of hashFiles over `files` with `workers` threads: on an already started pool (steady
 * state, as in a long scan) or starting its own (start-up included, as one short CLI run pays it).
 */
async function pipelineRate(files: string[], workers: number, pool?: HashWorkerPool, cpu?: number[]): Promise<number> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let failed = 0;
  await hashFiles(files, { workers, pool, concurrency: 2 * Math.max(1, workers) }, (_i, r) => {
    if (!r.ok) failed++;
  });
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpuStart);
  // CPU time of every thread of the process (main, workers, libvips), per image.
  cpu?.push((used.user + used.system) / 1000 / files.length);
  if (failed > 0) throw new Error(`${failed} files failed to hash`);
  return files.length / seconds;
}

/** Images per second of `hashtriage hash <dir>` as a user runs it (process start included). */
function cliRate(dir: string, count: number): number {
  const start = performance.now();
  const res = spawnSync(process.execPath, [path.resolve('bin/hashtriage.js'), 'hash', dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - start) / 1000;
  if (res.status !== 0) throw new Error(`CLI failed (${res.status}): ${res.stderr}`);
  const lines = res.stdout.trim().split('\n').length;
  if (lines !== count) throw new Error(`CLI printed ${lines} lines for ${count} files`);
  return count / seconds;
}

async function main(): Promise<void> {
  const count = positiveIntFlag('images', 40);
  const repeats = positiveIntFlag('repeats', 5);
  const machine = observeMachine();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-bench-'));
  try {
    process.stderr.write(`generating ${count} JPEGs of ~2 megapixels in ${dir}\n`);
    const files = await generatePhotoJpegs(dir, count);
    const megabytes = files.reduce((s, f) => s + readFileSync(f).length, 0) / 1e6;

    // Warm-up (tsx compile cache, page cache, JIT), then the measured repeats, alternating configurations.
    const pool2 = new HashWorkerPool(2);
    const pool1 = new HashWorkerPool(1);
    await pipelineRate(files, 2, pool2);
    await pipelineRate(files, 1, pool1);
    const rates: Record<'workers2' | 'workers1' | 'workers2Cold' | 'cli', number[]> = { workers2: [], workers1: [], workers2Cold: [], cli: [] };
    const cpuMsPerImage: number[] = [];
    for (let r = 0; r < repeats; r++) {
      rates.workers2.push(await pipelineRate(files, 2, pool2, cpuMsPerImage));
      rates.workers1.push(await pipelineRate(files, 1, pool1));
      rates.workers2Cold.push(await pipelineRate(files, 2));
      rates.cli.push(cliRate(dir, count));
    }
    await pool2.close();
    await pool1.close();

    await timeStages(files.slice(0, 4));
    const passes: StagePass[] = [];
    for (let r = 0; r < Math.min(3, repeats); r++) passes.push(await timeStages(files));
    const stageOf = (clock: 'wallMs' | 'cpuMs') => Object.fromEntries(STAGES.map((s) => [s, spread(passes.map((p) => p[clock][s]))])) as Record<string, Spread>;
    const stages = stageOf('wallMs');
    const stagesCpu = stageOf('cpuMs');
    const stageTotal = STAGES.reduce((sum, s) => sum + stages[s].median, 0);
    const overDecode = (clock: 'wallMs' | 'cpuMs', s: string) => spread(passes.map((p) => p[clock][s] / p[clock].decode));

    const throughput = {
      workers2: spread(rates.workers2),
      workers1: spread(rates.workers1),
      workers2StartupIncluded: spread(rates.workers2Cold),
      cli: spread(rates.cli),
    };
    const cpu = spread(cpuMsPerImage);
    const info = machine();
    const result = {
      benchmark: 'hashing',
      date: new Date().toISOString(),
      machine: info,
      decodePolicy: DECODE_POLICY.version,
      parameters: {
        images: count,
        sizes: PHOTO_SIZES.map(([w, h]) => `${w}x${h}`),
        jpegQuality: PHOTO_ENCODING,
        megabytes: round(megabytes, 2),
        algorithms: signalNames(),
        repeats,
      },
      throughputImagesPerSecond: throughput,
      // CPU time (all threads) per image in the 2-worker runs, and the rate two cores could sustain from it:
      // unlike wall-clock rates, this does not drop when other processes share the machine.
      cpuMsPerImage: cpu,
      cpuBoundImagesPerSecondWith2Cores: round(2000 / cpu.median),
      stageMsPerImageSingleThread: stages,
      stageCpuMsPerImageSingleThread: stagesCpu,
      stageShare: Object.fromEntries(STAGES.map((s) => [s, round(stages[s].median / stageTotal, 3)])),
      /** Per pass: a stage's time over decoding's (wall and CPU), per stage. */
      timeOverDecode: Object.fromEntries(STAGES.filter((s) => s !== 'decode').map((s) => [s, { wall: overDecode('wallMs', s), cpu: overDecode('cpuMs', s) }])),
      pdqToDecodeRatio: round(stages.pdq.median / stages.decode.median, 2),
      goal: {
        imagesPerSecondWith2Cores: GOAL_IMAGES_PER_SECOND,
        met: throughput.workers2.median >= GOAL_IMAGES_PER_SECOND,
        pdqNoSlowerThanDecode: stages.pdq.median <= stages.decode.median,
      },
    };

    const row = (label: string, s: Spread) => [label, round(s.median), `${round(s.min)}–${round(s.max)}`];
    const markdown = [
      `Hashing ${count} synthetic JPEGs of ~2 MP (${round(megabytes, 1)} MB), all algorithms (${signalNames().join(', ')}); ${describeMachine(info)}; median of ${repeats}.`,
      '',
      markdownTable(
        ['pipeline', 'images/s', 'spread'],
        [
          row('hashFiles, 2 worker threads (started pool)', throughput.workers2),
          row('hashFiles, 1 worker thread (started pool)', throughput.workers1),
          row('hashFiles, 2 worker threads, pool start-up included', throughput.workers2StartupIncluded),
          row('`hashtriage hash <dir>` (process start included)', throughput.cli),
        ],
      ),
      '',
      markdownTable(
        ['stage (one thread)', 'ms/image', 'CPU ms/image', 'share', '× decode (CPU)'],
        STAGES.map((s) => [
          s,
          round(stages[s].median, 2),
          round(stagesCpu[s].median, 2),
          `${round((100 * stages[s].median) / stageTotal)}%`,
          s === 'decode' ? '1' : round(result.timeOverDecode[s].cpu.median, 2),
        ]),
      ),
      '',
      `CPU time per image (all threads, 2-worker runs): ${round(cpu.median, 1)} ms, so two cores sustain up to ${result.cpuBoundImagesPerSecondWith2Cores} images/s when nothing else runs.`,
      `PDQ/decode time ratio: ${result.pdqToDecodeRatio} (goal ≤ 1). Goal ≥ ${GOAL_IMAGES_PER_SECOND} images/s with 2 cores: ${result.goal.met ? 'met' : 'NOT met'}.`,
    ].join('\n');
    writeResults('hashing', result, markdown);
    console.log(markdown);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
