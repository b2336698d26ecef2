/**
 * hashtriage's PDQ against the reference C++ (facebook/ThreatExchange pdq/cpp) in the same run, on the
 * same files, in CPU time per image, with the measurements alternated round by round so that load from
 * other processes falls on both alike:
 *   - CLI-512 flavour, whole process: `pdq-photo-hasher FILES` vs `hashtriage hash --algorithms pdq
 *     --pdq-flavour cli512 FILES` (start-up, decode, resize, hash, output; worker threads included);
 *   - full flavour, whole process: the reference has no command for it, so its decode + core on the full
 *     buffer (stage timer, start-up not counted) vs `hashtriage hash --algorithms pdq FILES`;
 *   - per stage, in one process each: decode; the core on the full decoded image (luma + filters + DCT,
 *     the `full` flavour); the CLI-512 resize + core;
 *   - whole `hashtriage hash` (all algorithms, 2 worker threads): CPU per image, images per CPU-second,
 *     and images per second of wall-clock time on this (possibly shared) machine.
 * Hashes are compared too: the reference's bits against ours for both flavours, file by file.
 *
 * Files: the photo corpus's ~2 MP JPEGs (scripts/fetch-bench-photos.ts) and generated ~2 MP JPEGs.
 * The reference is built from `--pdq-reference-src DIR` or $HASHTRIAGE_PDQ_REF_SRC (bench/lib/pdq-reference.ts);
 * without it the script says "reference not available" and measures hashtriage alone.
 *
 * Run: npm run build && npx tsx bench/pdq-reference.ts [--pdq-reference-src DIR] [--rounds 3] [--images 60] [--cache DIR]
 * Writes bench/results/pdq-reference.{json,md}.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describeMachine, observeMachine, spread, type Spread } from '../src/bench/measure.js';
import { hammingDistance, hexToWords } from '../src/hashing/bits.js';
import { decodeImage } from '../src/hashing/decode.js';
import { pdqFromImage } from '../src/hashing/pdq.js';
import { flagValue, positiveIntFlag } from './lib/args.js';
import { benchCacheDir, photoCorpus } from './lib/photo-corpus.js';
import { childCpuSeconds, pdqReference, referenceStages } from './lib/pdq-reference.js';
import { generatePhotoJpegs } from './lib/photo-jpegs.js';
import { markdownTable, round, writeResults } from './lib/results.js';

const CLI = path.resolve('bin/hashtriage.js');

/** CPU ms per image of our stages, in this process (one libvips thread). */
async function ourStages(files: readonly string[]): Promise<{ decode: number; full: number; cli512: number; hashes: Map<string, { full: string; cli512: string }> }> {
  let decode = 0;
  let full = 0;
  let cli512 = 0;
  const hashes = new Map<string, { full: string; cli512: string }>();
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  for (const file of files) {
    const bytes = readFileSync(file);
    let t = cpu();
    const image = await decodeImage(bytes);
    decode += cpu() - t;
    t = cpu();
    const f = pdqFromImage(image, { pdqFlavour: 'full' });
    full += cpu() - t;
    t = cpu();
    const c = pdqFromImage(image, { pdqFlavour: 'cli512' });
    cli512 += cpu() - t;
    hashes.set(file, { full: hex(f.value), cli512: hex(c.value) });
  }
  const n = files.length;
  return { decode: decode / n, full: full / n, cli512: cli512 / n, hashes };
}

function hex(words: Uint32Array): string {
  let s = '';
  for (let w = 7; w >= 0; w--) s += words[w].toString(16).padStart(8, '0');
  return s;
}

function distance(a: string, b: string): number {
  const x = hexToWords(a, 256);
  const y = hexToWords(b, 256);
  return x === null || y === null ? 256 : hammingDistance(x, y);
}

/** Wall seconds and CPU seconds of a child process (CPU from bash's `times`). */
function timedChild(command: string, args: readonly string[]): { wall: number; cpu: number } {
  const start = performance.now();
  const cpu = childCpuSeconds(command, args);
  return { wall: (performance.now() - start) / 1000, cpu };
}

async function main(): Promise<void> {
  const rounds = positiveIntFlag('rounds', 3);
  const imageCount = positiveIntFlag('images', 60);
  const cache = benchCacheDir(flagValue('cache'));
  const machine = observeMachine();
  sharp.concurrency(1);
  const reference = pdqReference(flagValue('pdq-reference-src') ?? process.env.HASHTRIAGE_PDQ_REF_SRC, cache);
  if (!reference.available) process.stderr.write(`reference not available: ${reference.reason}\n`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-pdqref-'));
  try {
    const corpus = photoCorpus(cache);
    const sets: Array<[string, string[]]> = [];
    if (corpus !== null && corpus['jpeg-2mp'].length > 0) sets.push(['photographs, JPEG ~2 MP', corpus['jpeg-2mp'].slice(0, imageCount)]);
    else process.stderr.write('photo corpus not fetched (scripts/fetch-bench-photos.ts): generated JPEGs only\n');
    sets.push(['generated JPEG ~2 MP', await generatePhotoJpegs(dir, imageCount)]);

    const results: Record<string, unknown> = {};
    const markdown: string[] = [];
    const info = () => machine();
    for (const [name, files] of sets) {
      const n = files.length;
      const series: Record<string, number[]> = {
        refCli: [], ourCli: [], refFullProcess: [], ourFullProcess: [], refDecode: [], ourDecode: [], refFull: [], ourFull: [], refCli512: [], ourCli512: [], allCpu: [], allWall: [],
      };
      let identicalFull = 0;
      let identicalCli = 0;
      let maxFull = 0;
      let maxCli = 0;
      let compared = 0;
      await ourStages(files.slice(0, 3)); // warm-up (JIT, page cache)
      for (let r = 0; r < rounds; r++) {
        if (reference.available) series.refCli.push((1000 * childCpuSeconds(reference.hasher, files)) / n);
        series.ourCli.push((1000 * childCpuSeconds(process.execPath, [CLI, 'hash', '--algorithms', 'pdq', '--pdq-flavour', 'cli512', ...files])) / n);
        series.ourFullProcess.push((1000 * childCpuSeconds(process.execPath, [CLI, 'hash', '--algorithms', 'pdq', ...files])) / n);
        const ours = await ourStages(files);
        series.ourDecode.push(ours.decode);
        series.ourFull.push(ours.full);
        series.ourCli512.push(ours.cli512);
        if (reference.available) {
          const ref = referenceStages(reference.stageTimer, files);
          const mean = (k: 'decodeMs' | 'fullCoreMs' | 'resizeMs' | 'cli512CoreMs') => ref.reduce((s, x) => s + x[k], 0) / ref.length;
          series.refDecode.push(mean('decodeMs'));
          series.refFull.push(mean('fullCoreMs'));
          series.refCli512.push(mean('resizeMs') + mean('cli512CoreMs'));
          series.refFullProcess.push(mean('decodeMs') + mean('fullCoreMs'));
          if (r === 0) {
            for (const x of ref) {
              const o = ours.hashes.get(x.file);
              if (o === undefined) continue;
              compared++;
              const df = distance(x.fullHash, o.full);
              const dc = distance(x.cli512Hash, o.cli512);
              if (df === 0) identicalFull++;
              if (dc === 0) identicalCli++;
              maxFull = Math.max(maxFull, df);
              maxCli = Math.max(maxCli, dc);
            }
          }
        }
        const all = timedChild(process.execPath, [CLI, 'hash', ...files]);
        series.allCpu.push((1000 * all.cpu) / n);
        series.allWall.push(n / all.wall);
      }
      const s: Record<string, Spread> = Object.fromEntries(Object.entries(series).filter(([, v]) => v.length > 0).map(([k, v]) => [k, spread(v)]));
      const ratio = (ours: string, ref: string) => (s[ref] === undefined ? null : spread(series[ours].map((v, i) => v / series[ref][i])));
      const cell = (k: string) => (s[k] === undefined ? 'n/a' : `${round(s[k].median, 1)}`);
      const ratioCell = (ours: string, ref: string) => {
        const q = ratio(ours, ref);
        return q === null ? 'reference not available' : `${round(q.median, 2)}× (${round(q.min, 2)}–${round(q.max, 2)})`;
      };
      const rows = [
        ['CLI-512, whole process: pdq-photo-hasher vs `hash --algorithms pdq --pdq-flavour cli512`', cell('refCli'), cell('ourCli'), ratioCell('ourCli', 'refCli')],
        ['full flavour, whole process: reference decode + core (no start-up counted) vs `hash --algorithms pdq`', cell('refFullProcess'), cell('ourFullProcess'), ratioCell('ourFullProcess', 'refFullProcess')],
        ['decode (one thread)', cell('refDecode'), cell('ourDecode'), ratioCell('ourDecode', 'refDecode')],
        ['full flavour: luma + core on the full image', cell('refFull'), cell('ourFull'), ratioCell('ourFull', 'refFull')],
        ['CLI-512 flavour: resize + core', cell('refCli512'), cell('ourCli512'), ratioCell('ourCli512', 'refCli512')],
      ];
      const allCpu = s.allCpu.median;
      results[name] = {
        files: n,
        cpuMsPerImage: s,
        ratios: { cli: ratio('ourCli', 'refCli'), fullProcess: ratio('ourFullProcess', 'refFullProcess'), decode: ratio('ourDecode', 'refDecode'), full: ratio('ourFull', 'refFull'), cli512: ratio('ourCli512', 'refCli512') },
        hashes: reference.available ? { compared, identicalFull, identicalCli512: identicalCli, maxDistanceFull: maxFull, maxDistanceCli512: maxCli } : null,
        hashAllAlgorithms: { cpuMsPerImage: s.allCpu, imagesPerCpuSecond: round(1000 / allCpu, 1), wallImagesPerSecond: s.allWall },
      };
      markdown.push(
        `**${name}** (${n} files; CPU ms per image, median of ${rounds} alternating rounds; ratio = hashtriage / reference per round, median and range):`,
        '',
        markdownTable(['measure', 'reference', 'hashtriage', 'ratio'], rows),
        '',
        reference.available
          ? `Same bits as the reference: full flavour ${identicalFull}/${compared} files (largest distance ${maxFull}), CLI-512 ${identicalCli}/${compared} (largest ${maxCli}).`
          : `Reference not available: ${reference.reason}.`,
        `Whole \`hashtriage hash\` (all algorithms, 2 worker threads, process start included): ${round(allCpu, 1)} CPU ms per image = ${round(1000 / allCpu, 1)} images per CPU-second (${round(2000 / allCpu, 1)} images/s on 2 idle cores); ${round(s.allWall.median, 1)} images/s wall-clock on this machine as loaded.`,
        '',
      );
    }
    const machineInfo = info();
    const header = `PDQ against the reference (${reference.available ? reference.flags : 'not built'}); ${describeMachine(machineInfo)}.`;
    writeResults('pdq-reference', { benchmark: 'pdq-reference', date: new Date().toISOString(), machine: machineInfo, reference: reference.available ? { flags: reference.flags } : { unavailable: reference.reason }, rounds, sets: results }, [header, '', ...markdown].join('\n'));
    console.log([header, '', ...markdown].join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
