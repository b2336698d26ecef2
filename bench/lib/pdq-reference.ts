/**
 * The PDQ reference (facebook/ThreatExchange `pdq/cpp`) built from a source folder the user points at
 * (`--pdq-reference-src DIR` or $HASHTRIAGE_PDQ_REF_SRC; DIR is the repository root or its pdq/cpp),
 * never vendored here. Two binaries are built with g++ -O3 and libjpeg (libpng when present), as CImg
 * needs to decode without shelling out to ImageMagick, and cached under the benchmark cache keyed by a
 * digest of the sources and flags:
 *   - pdq-photo-hasher, the reference command-line tool (CLI-512 flavour);
 *   - pdq-stage-timer (bench/reference/pdq-stage-timer.cpp), which times decode, the core on the full
 *     buffer and the CLI-512 resize + core per file, in CPU time.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const LIB_SOURCES = [
  'common/pdqhashtypes.cpp',
  'io/hashio.cpp',
  'common/pdqhamming.cpp',
  'hashing/pdqhashing.cpp',
  'downscaling/downscaling.cpp',
  'io/pdqio.cpp',
  'hashing/torben.cpp',
  'common/pdqutils.cpp',
];

const STAGE_TIMER = fileURLToPath(new URL('../reference/pdq-stage-timer.cpp', import.meta.url));

/** The built reference binaries, or why there are none. */
export type PdqReference =
  | { readonly available: true; readonly hasher: string; readonly stageTimer: string; readonly flags: string; readonly source: string }
  | { readonly available: false; readonly reason: string };

/** The pdq/cpp folder under `dir` (the repository root or pdq/cpp itself), or null. */
function cppDir(dir: string): string | null {
  for (const candidate of [path.join(dir, 'pdq', 'cpp'), dir]) {
    if (existsSync(path.join(candidate, 'hashing', 'pdqhashing.cpp')) && existsSync(path.join(candidate, 'CImg.h'))) return candidate;
  }
  return null;
}

/** Whether a C++ program including `header` compiles and links with `libs`. */
function compiles(header: string, libs: string[]): boolean {
  const res = spawnSync('g++', ['-x', 'c++', '-', '-o', '/dev/null', ...libs], {
    input: `#include <cstdio>\n#include <${header}>\nint main() { return 0; }\n`,
    encoding: 'utf8',
  });
  return res.status === 0;
}

/**
 * Builds (or finds cached) the reference binaries from `sourceDir` into `<cache>/pdq-reference/<key>`.
 * Never throws: a missing source, compiler or libjpeg gives `available: false` with the reason.
 */
export function pdqReference(sourceDir: string | undefined, cache: string): PdqReference {
  if (sourceDir === undefined || sourceDir === '')
    return { available: false, reason: 'no reference source given (--pdq-reference-src DIR or HASHTRIAGE_PDQ_REF_SRC)' };
  const cpp = cppDir(path.resolve(sourceDir));
  if (cpp === null) return { available: false, reason: `${sourceDir} holds no pdq/cpp sources (hashing/pdqhashing.cpp, CImg.h)` };
  if (spawnSync('g++', ['--version']).status !== 0) return { available: false, reason: 'g++ is not installed' };
  if (!compiles('jpeglib.h', ['-ljpeg'])) return { available: false, reason: 'libjpeg headers are missing (Debian: libjpeg-dev)' };
  const defines = ['-Dcimg_use_jpeg'];
  const libs = ['-ljpeg'];
  if (compiles('png.h', ['-lpng', '-lz'])) {
    defines.push('-Dcimg_use_png');
    libs.push('-lpng', '-lz');
  }
  const flags = ['-std=c++11', '-O3', ...defines].join(' ');
  const digest = createHash('sha256').update(flags);
  const headers = ['CImg.h', ...['common', 'hashing', 'io', 'downscaling'].flatMap((d) => readdirSync(path.join(cpp, d)).filter((f) => f.endsWith('.h')).map((f) => `${d}/${f}`))];
  for (const f of [...LIB_SOURCES, 'bin/pdq-photo-hasher.cpp', ...headers.sort()]) digest.update(f).update(readFileSync(path.join(cpp, f)));
  digest.update(readFileSync(STAGE_TIMER));
  const out = path.join(cache, 'pdq-reference', digest.digest('hex').slice(0, 16));
  const hasher = path.join(out, 'pdq-photo-hasher');
  const stageTimer = path.join(out, 'pdq-stage-timer');
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const root = path.resolve(cpp, '..', '..');
  for (const [main, binary] of [[path.join(cpp, 'bin/pdq-photo-hasher.cpp'), hasher], [STAGE_TIMER, stageTimer]] as const) {
    if (existsSync(binary)) continue;
    process.stderr.write(`building ${path.basename(binary)} from ${cpp} (once; about a minute)\n`);
    const args = [...flags.split(' '), `-I${root}`, `-I${cpp}`, main, ...LIB_SOURCES.map((f) => path.join(cpp, f)), '-o', `${binary}.tmp`, '-lm', '-lpthread', ...libs];
    const res = spawnSync('g++', args, { encoding: 'utf8' });
    if (res.status !== 0) return { available: false, reason: `building ${path.basename(binary)} failed: ${(res.stderr || '').split('\n').slice(0, 3).join(' ')}` };
    renameSync(`${binary}.tmp`, binary);
  }
  return { available: true, hasher, stageTimer, flags: `${flags} ${libs.join(' ')}`, source: cpp };
}

/** CPU seconds (user + system) that `command args` spent, from bash's `times`; throws when it fails. */
export function childCpuSeconds(command: string, args: readonly string[]): number {
  const res = spawnSync('bash', ['-c', '"$@" >/dev/null; rc=$?; times; exit $rc', 'bench', command, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (res.status !== 0) throw new Error(`${path.basename(command)} failed (${res.status}): ${res.stderr.slice(0, 500)}`);
  // `times` prints the shell's user/sys, then its children's: "0m1.234s 0m0.056s".
  const lines = res.stdout.trim().split('\n');
  const children = lines[lines.length - 1].match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
  if (children === null) throw new Error(`cannot read CPU times from: ${lines[lines.length - 1]}`);
  return 60 * Number(children[1]) + Number(children[2]) + 60 * Number(children[3]) + Number(children[4]);
}

/** One file as the reference's stage timer saw it (milliseconds of CPU; hashes as reference hex). */
export interface ReferenceStages {
  readonly file: string;
  readonly decodeMs: number;
  readonly fullCoreMs: number;
  readonly fullHash: string;
  readonly fullQuality: number;
  readonly resizeMs: number;
  readonly cli512CoreMs: number;
  readonly cli512Hash: string;
  readonly cli512Quality: number;
}

/** Runs the stage timer on `files`; files it cannot decode are left out. */
export function referenceStages(stageTimer: string, files: readonly string[]): ReferenceStages[] {
  const res = spawnSync(stageTimer, files, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (res.status !== 0) throw new Error(`pdq-stage-timer failed (${res.status}): ${res.stderr.slice(0, 500)}`);
  const out: ReferenceStages[] = [];
  for (const line of res.stdout.trim().split('\n')) {
    const f = line.split('\t');
    if (f[0] === 'ERROR' || f.length < 11) continue;
    out.push({
      file: f[0],
      decodeMs: Number(f[3]),
      fullCoreMs: Number(f[4]),
      fullHash: f[5],
      fullQuality: Number(f[6]),
      resizeMs: Number(f[7]),
      cli512CoreMs: Number(f[8]),
      cli512Hash: f[9],
      cli512Quality: Number(f[10]),
    });
  }
  return out;
}
