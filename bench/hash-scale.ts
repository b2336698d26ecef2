/**
 * `hashtriage hash` on many small files: whether memory stays flat as the number of files grows, and the
 * rate. A folder of 1,000 and one of 10,000 small images (JPEG and PNG, 96–320 px on a side, 100 files
 * per subfolder) are hashed by the CLI with all algorithms; the process's resident memory is sampled from
 * /proc every 50 ms. Flat memory: the peak for 10,000 files is close to the peak for 1,000.
 *
 * Run: npm run build && npx tsx bench/hash-scale.ts [--files 10000]   (Linux: reads /proc)
 * Writes bench/results/hash-scale.{json,md}.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describeMachine, observeMachine } from '../src/bench/measure.js';
import { positiveIntFlag } from './lib/args.js';
import { markdownTable, round, writeResults } from './lib/results.js';
import { seededRandom } from './synthetic-images.js';

const DISTINCT = 64;

/** `count` files in subfolders of 100 under `dir`, cycling through DISTINCT small encoded images. */
async function makeFiles(dir: string, count: number): Promise<void> {
  const encoded: Array<{ bytes: Buffer; ext: string }> = [];
  for (let i = 0; i < DISTINCT; i++) {
    const rnd = seededRandom(i + 1);
    const width = 96 + Math.floor(rnd() * 224);
    const height = 96 + Math.floor(rnd() * 224);
    const cells = Buffer.alloc(8 * 8 * 3);
    for (let k = 0; k < cells.length; k++) cells[k] = Math.floor(rnd() * 256);
    const image = sharp(cells, { raw: { width: 8, height: 8, channels: 3 } }).resize(width, height, { kernel: 'cubic' });
    encoded.push(i % 4 === 3 ? { bytes: await image.png().toBuffer(), ext: 'png' } : { bytes: await image.jpeg({ quality: 85 }).toBuffer(), ext: 'jpg' });
  }
  for (let f = 0; f < count; f++) {
    const sub = path.join(dir, String(Math.floor(f / 100)).padStart(4, '0'));
    if (f % 100 === 0) mkdirSync(sub, { recursive: true });
    const { bytes, ext } = encoded[f % DISTINCT];
    writeFileSync(path.join(sub, `${String(f).padStart(6, '0')}.${ext}`), bytes, { mode: 0o600 });
  }
}

/** Resident set size of `pid` in MiB, or null when it has exited. */
function rssMiB(pid: number): number | null {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return m === null ? null : Number(m[1]) / 1024;
  } catch {
    return null;
  }
}

/** Runs `hashtriage hash dir` on its `total` files, counting output lines and sampling memory. */
function run(dir: string, total: number): Promise<{ lines: number; seconds: number; cpuSeconds: number; peakMiB: number; rssAtHalfMiB: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn('bash', ['-c', '"$@"; rc=$?; times >&2; exit $rc', 'bench', process.execPath, path.resolve('bin/hashtriage.js'), 'hash', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lines = 0;
    let peak = 0;
    let atHalf = 0;
    let stderr = '';
    let nodePid: number | null = null;
    const timer = setInterval(() => {
      if (nodePid === null) {
        try {
          nodePid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]) || null;
        } catch {
          nodePid = null;
        }
      }
      const rss = nodePid === null ? null : rssMiB(nodePid);
      if (rss !== null) peak = Math.max(peak, rss);
    }, 50);
    child.stdout.on('data', (chunk: Buffer) => {
      for (const b of chunk) if (b === 10) lines++;
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const halfWatch = setInterval(() => {
      if (atHalf === 0 && lines >= total / 2 && nodePid !== null) atHalf = rssMiB(nodePid) ?? 0;
    }, 50);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      clearInterval(halfWatch);
      const seconds = (performance.now() - start) / 1000;
      if (code !== 0) return reject(new Error(`hash exited ${code}: ${stderr.slice(0, 400)}`));
      const times = stderr.trim().split('\n').pop()!.match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
      const cpuSeconds = times === null ? Number.NaN : 60 * Number(times[1]) + Number(times[2]) + 60 * Number(times[3]) + Number(times[4]);
      resolve({ lines, seconds, cpuSeconds, peakMiB: peak, rssAtHalfMiB: atHalf });
    });
  });
}

async function main(): Promise<void> {
  const large = positiveIntFlag('files', 10_000);
  const small = Math.max(1, Math.round(large / 10));
  const machine = observeMachine();
  const root = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-scale-'));
  try {
    const rows: Array<{ files: number; lines: number; seconds: number; cpuSeconds: number; peakMiB: number; rssAtHalfMiB: number }> = [];
    for (const count of [small, large]) {
      const dir = path.join(root, `files-${count}`);
      process.stderr.write(`writing ${count} files\n`);
      await makeFiles(dir, count);
      const r = await run(dir, count);
      if (r.lines !== count) throw new Error(`${r.lines} lines for ${count} files`);
      rows.push({ files: count, ...r });
    }
    const info = machine();
    const markdown = [
      `\`hashtriage hash DIR\` (all algorithms) on small images (96–320 px, JPEG and PNG); ${describeMachine(info)}.`,
      '',
      markdownTable(
        ['files', 'wall s', 'images/s', 'CPU ms/image', 'peak RSS MiB', 'RSS at half-way MiB'],
        rows.map((r) => [r.files, round(r.seconds, 1), round(r.files / r.seconds), round((1000 * r.cpuSeconds) / r.files, 2), round(r.peakMiB), round(r.rssAtHalfMiB)]),
      ),
      '',
      `Peak memory for ${large} files is ${round(rows[1].peakMiB / rows[0].peakMiB, 2)}× that for ${small}.`,
    ].join('\n');
    writeResults('hash-scale', { benchmark: 'hash-scale', date: new Date().toISOString(), machine: info, runs: rows }, markdown);
    console.log(markdown);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
