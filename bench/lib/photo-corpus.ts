/**
 * Where the benchmarks find real photographs (made by scripts/fetch-bench-photos.ts, never committed)
 * and their own build caches: one folder outside git, `--cache DIR`, else $HASHTRIAGE_BENCH_CACHE, else
 * ~/.cache/hashtriage-bench.
 */
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The photo classes, by format and size (see scripts/fetch-bench-photos.ts). */
export const PHOTO_CLASSES = ['jpeg-0.5mp', 'jpeg-2mp', 'jpeg-12mp', 'png', 'webp'] as const;
export type PhotoClass = (typeof PHOTO_CLASSES)[number];

/** The benchmarks' cache folder: `explicit`, else $HASHTRIAGE_BENCH_CACHE, else ~/.cache/hashtriage-bench. */
export function benchCacheDir(explicit?: string): string {
  if (explicit !== undefined && explicit !== '') return path.resolve(explicit);
  const env = process.env.HASHTRIAGE_BENCH_CACHE;
  if (env !== undefined && env !== '') return path.resolve(env);
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'hashtriage-bench');
}

/** The files of each photo class in the cache, sorted; null when the corpus has not been fetched. */
export function photoCorpus(cache: string): Record<PhotoClass, string[]> | null {
  const root = path.join(cache, 'photos');
  if (!existsSync(path.join(root, 'SOURCE.txt'))) return null;
  const out = {} as Record<PhotoClass, string[]>;
  for (const c of PHOTO_CLASSES) {
    const dir = path.join(root, c);
    out[c] = existsSync(dir) ? readdirSync(dir).sort().map((f) => path.join(dir, f)) : [];
  }
  return out;
}
