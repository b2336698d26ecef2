/**
 * Whole-scan benchmark: a scan of generated images against a large random index, measured against
 * hashing alone (the `hash` pipeline on the same files, same concurrency, in the same run). Exported so
 * `npm run bench` can wrap it; bench/scan.ts is the command-line front end.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { describeMachine, observeMachine, timeOnceAsync, type MachineInfo } from '../src/bench/measure.js';
import { walkPaths } from '../src/files/walk.js';
import { hashFiles } from '../src/hashing/hash-file.js';
import { SIGNAL_TYPES } from '../src/hashing/signals.js';
import { openScanDeps } from '../src/pipeline/scan-deps.js';
import { runScan, type ScanOptions } from '../src/pipeline/scan.js';
import { round } from './lib/results.js';
import { buildRandomIndex } from './random-index.js';
import { generateImages } from './synthetic-images.js';

/** What to measure. */
export interface ScanBenchOptions {
  /** Generated images to scan (default 5,000). */
  readonly files?: number;
  /** Random 256-bit PDQ hashes in the index (default 1,000,000). */
  readonly indexSize?: number;
  /** Files in flight (default: the hash command's default). */
  readonly concurrency?: number;
  /** Where generated images and the index are cached between runs (default: the OS temp dir). */
  readonly cacheDir?: string;
  readonly seed?: number;
  /** Called with progress messages (default: none). */
  readonly log?: (message: string) => void;
  /** Scan with PDQ's region variants (as the CLI does by default); default true. */
  readonly regions?: boolean;
  /** Also time a second scan without region variants, for their cost (default false). */
  readonly compareRegions?: boolean;
}

/** One timed pass. */
export interface Pass {
  readonly seconds: number;
  readonly filesPerSecond: number;
  /** CPU time of the whole process (all threads) during the pass: less sensitive to other load than wall time. */
  readonly cpuSeconds: number;
}

/** The measured numbers. */
export interface ScanBenchResult {
  readonly files: number;
  readonly indexSize: number;
  readonly concurrency: number | null;
  /** The machine, with the 1-minute load average before and after the timed passes: other work on the machine skews wall-clock ratios. */
  readonly machine: MachineInfo;
  /** Hashing alone, before and after the scan (the mean is the baseline). */
  readonly hashOnly: { readonly before: Pass; readonly after: Pass; readonly filesPerSecond: number };
  readonly scan: Pass & { readonly peakRssMiB: number; readonly peakHeapMiB: number; readonly bundles: number; readonly knownMatchFiles: number; readonly regions: boolean };
  /** With compareRegions: the same scan without region variants. */
  readonly scanWithoutRegions?: Pass;
  /** Scan rate / hash-only rate. */
  readonly ratio: number;
  readonly goal: number;
  readonly meetsGoal: boolean;
  readonly setup: { readonly generateSeconds: number; readonly indexSeconds: number };
}

/** Sampling peak memory of this process (worker threads included) every few milliseconds. */
function memorySampler(): { stop(): { rss: number; heap: number } } {
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  sample();
  const timer = setInterval(sample, 20);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { rss, heap };
    },
  };
}

async function timeHashOnly(dir: string, concurrency: number | undefined, files: number): Promise<Pass> {
  let n = 0;
  const t = await timeOnceAsync(async () => {
    const entries = await walkPaths([dir]);
    await hashFiles(entries, { algorithms: SIGNAL_TYPES, ...(concurrency ? { concurrency } : {}) }, () => {
      n++;
    });
  });
  if (n !== files) throw new Error(`hash-only pass saw ${n} files, expected ${files}`);
  return { seconds: t.wallSeconds, filesPerSecond: files / t.wallSeconds, cpuSeconds: t.cpuSeconds };
}

/**
 * Generates (or reuses) the images and the index, then times (after an untimed warm-up pass) hash-only,
 * scan, hash-only. Guarantees the scan and the baseline see the same files with the same concurrency in
 * the same process; the index is copied fresh for the scan so repeated runs measure the same work.
 */
export async function measureScan(options: ScanBenchOptions = {}): Promise<ScanBenchResult> {
  const files = options.files ?? 5000;
  const indexSize = options.indexSize ?? 1_000_000;
  const seed = options.seed ?? 1;
  const log = options.log ?? (() => {});
  const cache = options.cacheDir ?? path.join(tmpdir(), 'hashtriage-bench-scan');
  mkdirSync(cache, { recursive: true });

  const imagesDir = path.join(cache, `images-${files}-s${seed}`);
  let t0 = performance.now();
  const complete = `${imagesDir}.complete`;
  if (!existsSync(complete)) {
    rmSync(imagesDir, { recursive: true, force: true });
    log(`generating ${files} images in ${imagesDir}`);
    await generateImages(imagesDir, files, { seed });
    writeFileSync(complete, '');
  }
  const generateSeconds = (performance.now() - t0) / 1000;

  const indexFile = path.join(cache, `index-${indexSize}-s${seed}.db`);
  t0 = performance.now();
  if (!existsSync(indexFile)) {
    log(`building a ${indexSize}-hash index in ${indexFile}`);
    await buildRandomIndex(indexFile, indexSize, seed, imagesDir);
  }
  const indexSeconds = (performance.now() - t0) / 1000;

  const run = mkdtempSync(path.join(tmpdir(), 'hashtriage-bench-run-'));
  try {
    const db = path.join(run, 'index.db');
    copyFileSync(indexFile, db);
    const entries = await walkPaths([imagesDir]);
    if (entries.length !== files) throw new Error(`${imagesDir} holds ${entries.length} files, expected ${files}`);

    // An untimed pass first: the files come into the page cache and the code paths get compiled, so the
    // timed passes measure the same steady state.
    log('warm-up pass (not timed)');
    await timeHashOnly(imagesDir, options.concurrency, files);
    const machine = observeMachine();
    log('hash-only pass 1');
    const before = await timeHashOnly(imagesDir, options.concurrency, files);
    log(`scan of ${files} files against ${indexSize} hashes`);
    const scanOptions: ScanOptions = {
      inputs: [imagesDir],
      manifests: [],
      outDir: path.join(run, 'out'),
      resume: false,
      dihedral: false,
      regions: options.regions ?? true,
      pdqFlavour: 'full',
      concurrency: options.concurrency ?? 2 * availableParallelism(),
    };
    const mem = memorySampler();
    let summary: Awaited<ReturnType<typeof runScan>> | undefined;
    const timing = await timeOnceAsync(async () => {
      const deps = openScanDeps(scanOptions, { index: db, sightings: path.join(run, 'sightings.db') }, undefined);
      try {
        summary = await runScan(scanOptions, deps);
      } finally {
        await deps.index.close();
      }
    });
    const scanSeconds = timing.wallSeconds;
    const scanCpu = timing.cpuSeconds;
    const peak = mem.stop();
    if (!summary || !summary.completed || summary.files !== files) throw new Error(`scan did not complete: ${JSON.stringify(summary)}`);
    log('hash-only pass 2');
    const after = await timeHashOnly(imagesDir, options.concurrency, files);
    let withoutRegions: Pass | undefined;
    if (options.compareRegions) {
      log('scan without region variants');
      const plainOptions: ScanOptions = { ...scanOptions, regions: false, outDir: path.join(run, 'out-plain') };
      const plainTiming = await timeOnceAsync(async () => {
        const deps = openScanDeps(plainOptions, { index: db, sightings: path.join(run, 'sightings-plain.db') }, undefined);
        try {
          await runScan(plainOptions, deps);
        } finally {
          await deps.index.close();
        }
      });
      withoutRegions = { seconds: round(plainTiming.wallSeconds, 2), filesPerSecond: round(files / plainTiming.wallSeconds, 1), cpuSeconds: round(plainTiming.cpuSeconds, 1) };
    }

    const hashRate = (before.filesPerSecond + after.filesPerSecond) / 2;
    const scanRate = files / scanSeconds;
    const goal = 0.8;
    return {
      files,
      indexSize,
      concurrency: options.concurrency ?? null,
      machine: machine(),
      hashOnly: {
        before: { seconds: round(before.seconds, 2), filesPerSecond: round(before.filesPerSecond, 1), cpuSeconds: round(before.cpuSeconds, 1) },
        after: { seconds: round(after.seconds, 2), filesPerSecond: round(after.filesPerSecond, 1), cpuSeconds: round(after.cpuSeconds, 1) },
        filesPerSecond: round(hashRate, 1),
      },
      scan: {
        seconds: round(scanSeconds, 2),
        filesPerSecond: round(scanRate, 1),
        cpuSeconds: round(scanCpu, 1),
        peakRssMiB: Math.round(peak.rss / 2 ** 20),
        peakHeapMiB: Math.round(peak.heap / 2 ** 20),
        bundles: summary.bundles,
        knownMatchFiles: summary.knownMatchFiles,
        regions: scanOptions.regions === true,
      },
      ...(withoutRegions !== undefined ? { scanWithoutRegions: withoutRegions } : {}),
      ratio: round(scanRate / hashRate, 3),
      goal,
      meetsGoal: scanRate / hashRate >= goal,
      setup: { generateSeconds: round(generateSeconds, 1), indexSeconds: round(indexSeconds, 1) },
    };
  } finally {
    rmSync(run, { recursive: true, force: true });
  }
}

/** The result as a Markdown table (what the README's performance section shows). */
export function scanBenchMarkdown(r: ScanBenchResult): string {
  return [
    `Whole scan of ${r.files} generated images against ${r.indexSize.toLocaleString('en-US')} random PDQ hashes (${describeMachine(r.machine)}):`,
    '',
    '| pass | seconds | files/s | CPU seconds (all threads) | peak RSS |',
    '|---|---|---|---|---|',
    `| hash only (before scan) | ${r.hashOnly.before.seconds} | ${r.hashOnly.before.filesPerSecond} | ${r.hashOnly.before.cpuSeconds} | |`,
    `| scan (hash + match + case DB + bundles + outputs${r.scan.regions ? ', PDQ region variants on' : ''}) | ${r.scan.seconds} | ${r.scan.filesPerSecond} | ${r.scan.cpuSeconds} | ${r.scan.peakRssMiB} MiB |`,
    ...(r.scanWithoutRegions ? [`| scan without region variants (--no-regions) | ${r.scanWithoutRegions.seconds} | ${r.scanWithoutRegions.filesPerSecond} | ${r.scanWithoutRegions.cpuSeconds} | |`] : []),
    `| hash only (after scan) | ${r.hashOnly.after.seconds} | ${r.hashOnly.after.filesPerSecond} | ${r.hashOnly.after.cpuSeconds} | |`,
    '',
    `CPU per file: hash only ${((1000 * (r.hashOnly.before.cpuSeconds + r.hashOnly.after.cpuSeconds)) / 2 / r.files).toFixed(1)} ms, scan ${((1000 * r.scan.cpuSeconds) / r.files).toFixed(1)} ms${r.scanWithoutRegions ? `, scan without region variants ${((1000 * r.scanWithoutRegions.cpuSeconds) / r.files).toFixed(1)} ms` : ''}.`,
    '',
    `Scan rate / hash-only rate: **${(r.ratio * 100).toFixed(1)}%** (goal ≥ ${r.goal * 100}%: ${r.meetsGoal ? 'met' : 'NOT met'}). ${r.scan.bundles} bundles, ${r.scan.knownMatchFiles} files with known matches. ${Math.max(r.machine.loadAverage.start, r.machine.loadAverage.end) > r.machine.cores ? `The machine was busy (load average above ${r.machine.cores}), which lowers the ratio: the scan needs more CPU than hashing alone.` : ''}`.trimEnd(),
    '',
  ].join('\n');
}
