/**
 * Hashing throughput on ~2-megapixel JPEGs generated here (seeded plasma, gradients and smoothed noise):
 * images per second for every algorithm together (digests, PDQ, blockhash) through the real pipeline with
 * 1 and 2 worker threads and through the CLI, and the share of time per stage measured single-threaded.
 *
 * Run: npx tsx bench/hashing.ts [--images 40] [--repeats 5]
 * Writes bench/results/hashing.json and prints a Markdown table.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { blockhashSignalType } from '../src/hashing/blockhash.js';
import { decodeImage, DECODE_POLICY } from '../src/hashing/decode.js';
import { DIGEST_SIGNAL_TYPES } from '../src/hashing/digests.js';
import { hashFiles } from '../src/hashing/hash-file.js';
import { HashWorkerPool } from '../src/hashing/worker-pool.js';
import { pdqSignalType } from '../src/hashing/pdq.js';

const GOAL_IMAGES_PER_SECOND = 25;
const SIZES: ReadonlyArray<readonly [number, number]> = [
  [1732, 1155],
  [1632, 1224],
  [1155, 1732],
];

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
  return value;
}

function seeded(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/** RGB pixels of one synthetic picture: separable waves (plasma), a gradient with discs, or smoothed noise. */
async function picture(index: number, width: number, height: number): Promise<Buffer> {
  const rnd = seeded(index * 2654435761 + 1);
  const kind = index % 3;
  if (kind === 2) {
    // Smoothed noise: random cells enlarged with bicubic interpolation, plus fine grain.
    const cw = Math.ceil(width / 24);
    const ch = Math.ceil(height / 24);
    const cells = Buffer.alloc(cw * ch * 3);
    for (let i = 0; i < cells.length; i++) cells[i] = Math.floor(rnd() * 256);
    const smooth = await sharp(cells, { raw: { width: cw, height: ch, channels: 3 } }).resize(width, height, { kernel: 'cubic' }).raw().toBuffer();
    for (let i = 0; i < smooth.length; i++) smooth[i] = Math.max(0, Math.min(255, smooth[i] + Math.floor(rnd() * 17) - 8));
    return smooth;
  }
  const px = Buffer.alloc(width * height * 3);
  if (kind === 0) {
    // Plasma: per channel, a sum of waves sin(fx·x + fy·y + φ) = sin(fx·x)cos(fy·y+φ) + cos(fx·x)sin(fy·y+φ).
    for (let c = 0; c < 3; c++) {
      const sx = new Float64Array(width);
      const cx = new Float64Array(width);
      const acc = new Float64Array(width * height);
      for (let w = 0; w < 5; w++) {
        const fx = (rnd() - 0.5) * 0.04;
        const fy = (rnd() - 0.5) * 0.04;
        const phase = rnd() * 6.283;
        const amp = 20 + rnd() * 30;
        for (let x = 0; x < width; x++) {
          sx[x] = Math.sin(fx * x);
          cx[x] = Math.cos(fx * x);
        }
        for (let y = 0; y < height; y++) {
          const a = amp * Math.cos(fy * y + phase);
          const b = amp * Math.sin(fy * y + phase);
          for (let x = 0; x < width; x++) acc[y * width + x] += sx[x] * a + cx[x] * b;
        }
      }
      for (let p = 0; p < width * height; p++) px[p * 3 + c] = Math.max(0, Math.min(255, Math.round(128 + acc[p] + (rnd() - 0.5) * 6)));
    }
    return px;
  }
  // Gradient with a few solid discs.
  const g = [rnd() * 0.1, rnd() * 0.1, rnd() * 0.1];
  const discs = Array.from({ length: 6 }, () => ({ x: rnd() * width, y: rnd() * height, r: 40 + rnd() * 200, v: [rnd() * 255, rnd() * 255, rnd() * 255] }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      let disc: number[] | null = null;
      for (const d of discs) if ((x - d.x) ** 2 + (y - d.y) ** 2 < d.r * d.r) disc = d.v;
      for (let c = 0; c < 3; c++) px[o + c] = disc ? disc[c] : Math.min(255, Math.floor((x * g[c] + y * (0.1 - g[c])) % 256));
    }
  }
  return px;
}

async function generate(dir: string, count: number): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const [width, height] = SIZES[i % SIZES.length];
    const pixels = await picture(i, width, height);
    const file = path.join(dir, `synthetic-${String(i).padStart(3, '0')}.jpg`);
    const jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 80 + (i % 4) * 4, progressive: i % 5 === 4 })
      .toBuffer();
    writeFileSync(file, jpeg);
    files.push(file);
  }
  return files;
}

interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

function spread(runs: number[]): Spread {
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs };
}

const round = (v: number, digits = 1): number => Number(v.toFixed(digits));

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

type Stage = 'read' | 'digests' | 'decode' | 'pdq' | 'blockhash';
const STAGES: readonly Stage[] = ['read', 'digests', 'decode', 'pdq', 'blockhash'];

/** Milliseconds per image of each stage, one thread (libvips limited to one thread too). */
async function stageTimes(files: string[]): Promise<Record<Stage, number>> {
  const total: Record<Stage, number> = { read: 0, digests: 0, decode: 0, pdq: 0, blockhash: 0 };
  for (const file of files) {
    let t = performance.now();
    const bytes = readFileSync(file);
    total.read += performance.now() - t;
    t = performance.now();
    for (const type of DIGEST_SIGNAL_TYPES) createHash(type.cryptoAlgorithm).update(bytes).digest();
    total.digests += performance.now() - t;
    t = performance.now();
    const image = await decodeImage(bytes);
    total.decode += performance.now() - t;
    t = performance.now();
    pdqSignalType.compute(image, {});
    total.pdq += performance.now() - t;
    t = performance.now();
    blockhashSignalType.compute(image, {});
    total.blockhash += performance.now() - t;
  }
  for (const s of STAGES) total[s] /= files.length;
  return total;
}

async function main(): Promise<void> {
  const count = argument('images', 40);
  const repeats = argument('repeats', 5);
  const loadAtStart = os.loadavg()[0];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-bench-'));
  try {
    process.stderr.write(`generating ${count} JPEGs of ~2 megapixels in ${dir}\n`);
    const files = await generate(dir, count);
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

    sharp.concurrency(1);
    await stageTimes(files.slice(0, 4));
    const stageRuns: Array<Record<Stage, number>> = [];
    for (let r = 0; r < Math.min(3, repeats); r++) stageRuns.push(await stageTimes(files));
    const stages = Object.fromEntries(STAGES.map((s) => [s, spread(stageRuns.map((run) => run[s]))])) as Record<Stage, Spread>;
    const stageTotal = STAGES.reduce((sum, s) => sum + stages[s].median, 0);

    const throughput = {
      workers2: spread(rates.workers2),
      workers1: spread(rates.workers1),
      workers2StartupIncluded: spread(rates.workers2Cold),
      cli: spread(rates.cli),
    };
    const result = {
      benchmark: 'hashing',
      date: new Date().toISOString(),
      machine: {
        cpu: os.cpus()[0]?.model ?? 'unknown',
        cores: os.availableParallelism(),
        node: process.version,
        platform: `${os.platform()} ${os.arch()}`,
        // Other work on the machine during the run (1-minute load average at start and end): above the core
        // count, the figures understate what the machine can do.
        loadAverage: { start: round(loadAtStart, 2), end: round(os.loadavg()[0], 2) },
      },
      decodePolicy: DECODE_POLICY.version,
      parameters: {
        images: count,
        sizes: SIZES.map(([w, h]) => `${w}x${h}`),
        jpegQuality: '80-92, every 5th progressive',
        megabytes: round(megabytes, 2),
        algorithms: ['md5', 'sha1', 'sha256', 'pdq', 'blockhash'],
        repeats,
      },
      throughputImagesPerSecond: throughput,
      // CPU time (all threads) per image in the 2-worker runs, and the rate two cores could sustain from it:
      // unlike wall-clock rates, this does not drop when other processes share the machine.
      cpuMsPerImage: spread(cpuMsPerImage),
      cpuBoundImagesPerSecondWith2Cores: round(2000 / spread(cpuMsPerImage).median),
      stageMsPerImageSingleThread: stages,
      stageShare: Object.fromEntries(STAGES.map((s) => [s, round(stages[s].median / stageTotal, 3)])),
      pdqToDecodeRatio: round(stages.pdq.median / stages.decode.median, 2),
      goal: {
        imagesPerSecondWith2Cores: GOAL_IMAGES_PER_SECOND,
        met: throughput.workers2.median >= GOAL_IMAGES_PER_SECOND,
        pdqNoSlowerThanDecode: stages.pdq.median <= stages.decode.median,
      },
    };
    const outDir = path.resolve('bench/results');
    mkdirSync(outDir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(outDir, 'hashing.json'), `${JSON.stringify(result, null, 2)}\n`, { mode: 0o600 });

    const row = (label: string, s: Spread): string => `| ${label} | ${round(s.median)} | ${round(s.min)}–${round(s.max)} |`;
    const lines = [
      `Hashing ${count} synthetic JPEGs of ~2 MP (${round(megabytes, 1)} MB), all algorithms (md5, sha1, sha256, pdq, blockhash); ${result.machine.cpu}, ${result.machine.cores} cores, Node ${process.version}; median of ${repeats}; load average ${result.machine.loadAverage.start} → ${result.machine.loadAverage.end}.`,
      '',
      '| pipeline | images/s | spread |',
      '|---|---:|---:|',
      row('hashFiles, 2 worker threads (started pool)', throughput.workers2),
      row('hashFiles, 1 worker thread (started pool)', throughput.workers1),
      row('hashFiles, 2 worker threads, pool start-up included', throughput.workers2StartupIncluded),
      row('`hashtriage hash <dir>` (process start included)', throughput.cli),
      '',
      '| stage (one thread) | ms/image | share |',
      '|---|---:|---:|',
      ...STAGES.map((s) => `| ${s} | ${round(stages[s].median, 2)} | ${round((100 * stages[s].median) / stageTotal)}% |`),
      '',
      `CPU time per image (all threads, 2-worker runs): ${round(result.cpuMsPerImage.median, 1)} ms, so two cores sustain up to ${result.cpuBoundImagesPerSecondWith2Cores} images/s when nothing else runs.`,
      `PDQ/decode time ratio: ${result.pdqToDecodeRatio} (goal ≤ 1). Goal ≥ ${GOAL_IMAGES_PER_SECOND} images/s with 2 cores: ${result.goal.met ? 'met' : 'NOT met'}.`,
    ];
    console.log(lines.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
