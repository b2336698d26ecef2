/**
 * Where the CPU of a whole `hashtriage hash` process goes, and its wall-clock rate, on the ~2 MP
 * photographs: the set of N files (default 60), the same set twice (2N copies) and its first 10 (N−1 when
 * N ≤ 10), hashed
 * with all algorithms by the compiled CLI, alternating with a bare sharp decode pass of the N files in
 * each round. From these:
 *   - images/s (wall) and CPU ms per image of each size;
 *   - the fixed cost of a process (start-up, two workers' start-up and first images): 2·CPU(N) − CPU(2N);
 *   - the marginal CPU per image: (CPU(2N) − CPU(N)) / N, and the rate it allows on two idle cores;
 *   - on Linux, the CPU of each thread of the N-file run from /proc (sampled every 20 ms), grouped as the
 *     hashing workers' JavaScript threads, libvips' decode threads, the main thread, V8's platform
 *     threads (concurrent compilation and garbage collection) and the rest.
 *
 * Run: npm run build && npx tsx bench/hash-process.ts [--files 60] [--rounds 3] [--baseline DIR]
 * (`--baseline` is another checkout with its own build: its `bin/hashtriage.js` runs in turn with this
 * one's, for same-run ratios.) Without the photographs (scripts/fetch-bench-photos.ts) it says so and measures nothing.
 * Writes bench/results/hash-process.{json,md}.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine, observeMachine } from '../src/bench/measure.js';
import { flagValue, positiveIntFlag, usageExit } from './lib/args.js';
import { benchCacheDir, photoCorpus } from './lib/photo-corpus.js';
import { childCpuSeconds } from './lib/pdq-reference.js';
import { markdownTable, round, writeResults } from './lib/results.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const files = positiveIntFlag('files', 60);
if (files < 2) usageExit('--files needs at least 2');
const rounds = positiveIntFlag('rounds', 3);
const baselineDir = flagValue('baseline');
const corpus = photoCorpus(benchCacheDir(flagValue('cache')));
if (corpus === null || corpus['jpeg-2mp'].length < files) {
  const why = `not measured: needs ${files} ~2 MP photographs (npx tsx scripts/fetch-bench-photos.ts)`;
  writeResults('hash-process', { files, available: false }, `# hash-process\n\n${why}.\n`);
  process.stdout.write(`${why}\n`);
  process.exit(0);
}
const builds: Array<{ name: string; bin: string }> = [{ name: 'this build', bin: path.join(here, '..', 'bin', 'hashtriage.js') }];
if (baselineDir !== undefined) {
  const bin = path.join(path.resolve(baselineDir), 'bin', 'hashtriage.js');
  if (!existsSync(bin)) usageExit(`--baseline: no ${bin}`);
  builds.push({ name: 'baseline', bin });
}

const work = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-hash-process-'));
const photos = corpus['jpeg-2mp'].slice(0, files);
const sets: Record<string, string> = {};
const small = Math.min(10, files - 1);
for (const [copies, count] of [[1, small], [1, files], [2, files]] as const) {
  const name = String(copies * count);
  const dir = path.join(work, `set-${name}`);
  mkdirSync(dir);
  for (let c = 0; c < copies; c++) for (const f of photos.slice(0, count)) copyFileSync(f, path.join(dir, `${c}-${path.basename(f)}`));
  sets[name] = dir;
}
const decodeScript = path.join(work, 'decode.mjs');
const sharpUrl = new URL(import.meta.resolve('sharp')).href;
writeFileSync(
  decodeScript,
  `import sharp from '${sharpUrl}'; import fs from 'node:fs'; sharp.concurrency(1); sharp.cache(false);
const d = process.argv[2]; for (const f of fs.readdirSync(d)) await sharp(fs.readFileSync(d + '/' + f), { failOn: 'truncated', ignoreIcc: true }).toColourspace('srgb').raw().toBuffer();`,
  { mode: 0o600 },
);

/** Thread group of a thread of a `hash` process, from its name and whether it ran hashing code. */
type Group = 'hashing workers (JS)' | 'libvips decode' | 'main thread' | 'other Node threads (V8 compile and GC, libuv)' | 'other';

/** Per-thread CPU seconds of a running process, sampled from /proc until it exits (Linux only). */
function sampleThreads(pid: number): { stop: () => Map<string, { name: string; cpu: number }> } {
  const seen = new Map<string, { name: string; cpu: number }>();
  const tick = 100; // clock ticks per second on Linux
  const timer = setInterval(() => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      return;
    }
    for (const tid of tasks) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        seen.set(tid, { name, cpu: (Number(fields[11]) + Number(fields[12])) / tick });
      } catch {
        // the thread ended between the listing and the read
      }
    }
  }, 20);
  return { stop: () => (clearInterval(timer), seen) };
}

/** Groups threads: the main thread has the process's id; the two busiest other "node" threads are the workers. */
function groupThreads(pid: number, threads: Map<string, { name: string; cpu: number }>): Record<Group, number> {
  const out: Record<Group, number> = { 'hashing workers (JS)': 0, 'libvips decode': 0, 'main thread': 0, 'other Node threads (V8 compile and GC, libuv)': 0, other: 0 };
  const nodeThreads = [...threads].filter(([tid, t]) => t.name === 'node' && tid !== String(pid)).sort((a, b) => b[1].cpu - a[1].cpu);
  const workers = new Set(nodeThreads.slice(0, 2).map(([tid]) => tid));
  for (const [tid, t] of threads) {
    if (tid === String(pid)) out['main thread'] += t.cpu;
    else if (workers.has(tid)) out['hashing workers (JS)'] += t.cpu;
    else if (t.name.startsWith('libvips')) out['libvips decode'] += t.cpu;
    else if (t.name === 'node') out['other Node threads (V8 compile and GC, libuv)'] += t.cpu;
    else out.other += t.cpu;
  }
  return out;
}

/** Wall seconds of `hash` on `dir`, and its threads' CPU when sampled. */
async function hashRun(bin: string, dir: string, sample: boolean): Promise<{ wall: number; threads: Record<Group, number> | null }> {
  const start = performance.now();
  const child = spawn(process.execPath, [bin, 'hash', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const sampler = sample && process.platform === 'linux' ? sampleThreads(child.pid!) : null;
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const wall = (performance.now() - start) / 1000;
  const threads = sampler === null ? null : groupThreads(child.pid!, sampler.stop());
  if (code !== 0) throw new Error(`hash ${dir} exited with ${code}`);
  return { wall, threads };
}

const machine = observeMachine();
type Row = { cpu: number[]; wall: number[] };
const results = builds.map(() => ({ sizes: {} as Record<string, Row>, threads: [] as Array<Record<Group, number>> }));
const decodeCpu: number[] = [];
for (let r = 0; r < rounds; r++) {
  decodeCpu.push(childCpuSeconds(process.execPath, [decodeScript, sets[String(files)]]));
  for (const [name, dir] of Object.entries(sets)) {
    for (const [b, build] of builds.entries()) {
      const cpu = childCpuSeconds(process.execPath, [build.bin, 'hash', dir]);
      const { wall, threads } = await hashRun(build.bin, dir, name === String(files));
      const row = (results[b].sizes[name] ??= { cpu: [], wall: [] });
      row.cpu.push(cpu);
      row.wall.push(wall);
      if (threads !== null) results[b].threads.push(threads);
    }
  }
  process.stderr.write(`round ${r + 1}/${rounds} done\n`);
}
rmSync(work, { recursive: true, force: true });

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const count = (name: string): number => Number(name);
const machineInfo = machine();
const lines: string[] = [`# hash-process`, '', `${describeMachine(machineInfo)}.`, ''];
lines.push(`Bare sharp decode pass of the ${files} photographs: ${round((1000 * median(decodeCpu)) / files, 1)} CPU ms per image (process start included).`, '');
const json: Record<string, unknown> = { machine: machineInfo, files, rounds, decodeCpuSeconds: decodeCpu };
for (const [b, build] of builds.entries()) {
  const { sizes, threads } = results[b];
  const rows = Object.entries(sizes).map(([name, s]) => [
    name,
    `${round(median(s.cpu), 2)} (${round(Math.min(...s.cpu), 2)}–${round(Math.max(...s.cpu), 2)})`,
    round((1000 * median(s.cpu)) / count(name), 1),
    round(count(name) / median(s.wall), 1),
  ]);
  const fixed = Array.from({ length: rounds }, (_, r) => 2 * sizes[String(files)].cpu[r] - sizes[String(2 * files)].cpu[r]);
  const marginal = Array.from({ length: rounds }, (_, r) => (1000 * (sizes[String(2 * files)].cpu[r] - sizes[String(files)].cpu[r])) / files);
  lines.push(`## ${build.name}`, '', markdownTable(['files', 'CPU s (median, range)', 'CPU ms/image', 'images/s (wall)'], rows, ['r', 'r', 'r', 'r']), '');
  lines.push(
    `Fixed CPU of a process: ${round(median(fixed), 2)} s (rounds ${fixed.map((v) => round(v, 2)).join(', ')}); marginal CPU per image ${round(median(marginal), 1)} ms (${marginal.map((v) => round(v, 1)).join(', ')}), at most ${round(2000 / median(marginal), 1)} images/s on two idle cores once started.`,
    '',
  );
  if (threads.length > 0) {
    const groups = Object.keys(threads[0]) as Group[];
    lines.push(markdownTable(['thread group', `CPU s for ${files} files (median)`, 'ms per image'], groups.map((g) => [g, round(median(threads.map((t) => t[g])), 2), round((1000 * median(threads.map((t) => t[g]))) / files, 1)]), ['l', 'r', 'r']), '');
  }
  json[build.name] = { sizes, threads, fixedCpuSeconds: fixed, marginalCpuMsPerImage: marginal };
}
if (builds.length === 2) {
  const ratios = Array.from({ length: rounds }, (_, r) => results[0].sizes[String(files)].cpu[r] / results[1].sizes[String(files)].cpu[r]);
  lines.push(`CPU of this build over the baseline's, ${files} files, per round: ${ratios.map((v) => round(v, 2)).join(', ')}.`, '');
}
const written = writeResults('hash-process', json, lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\nwritten: ${written.markdown}\n`);
