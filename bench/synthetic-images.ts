/**
 * Small synthetic images for scan benchmarks and tests: seeded smooth patterns (sums of waves and
 * blobs, so PDQ quality is high and hashes differ) written as JPEG or PNG with sharp, plus
 * near-duplicates (re-encoded, resized, brightened copies of earlier images). Deterministic per seed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

/** xorshift32 in [0, 1): deterministic, fast, good enough for test pictures. */
export function seededRandom(seed: number): () => number {
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

/** RGB pixels of one seeded pattern, `width`×`height`. */
export function patternPixels(seed: number, width: number, height: number): Buffer {
  const rnd = seededRandom(seed * 2654435761);
  const waves = Array.from({ length: 4 }, () => ({ fx: (rnd() - 0.5) * 0.3, fy: (rnd() - 0.5) * 0.3, phase: rnd() * 6.28, amp: 30 + rnd() * 50, ch: Math.floor(rnd() * 3) }));
  const blobs = Array.from({ length: 3 }, () => ({ x: rnd() * width, y: rnd() * height, r: 8 + rnd() * 30, v: [rnd() * 255, rnd() * 255, rnd() * 255] }));
  const base = [rnd() * 120 + 60, rnd() * 120 + 60, rnd() * 120 + 60];
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const rgb = [base[0], base[1], base[2]];
      for (const w of waves) rgb[w.ch] += w.amp * Math.sin(w.fx * x + w.fy * y + w.phase);
      for (const b of blobs) {
        const d2 = (x - b.x) ** 2 + (y - b.y) ** 2;
        if (d2 < b.r * b.r) for (let c = 0; c < 3; c++) rgb[c] = b.v[c];
      }
      for (let c = 0; c < 3; c++) px[o + c] = Math.max(0, Math.min(255, Math.round(rgb[c])));
    }
  }
  return px;
}

/** What generateImages wrote. */
export interface GeneratedSet {
  readonly dir: string;
  /** File names relative to dir, in generation order. */
  readonly files: readonly string[];
  /** For each near-duplicate: its file and the original it was derived from. */
  readonly nearDuplicates: ReadonlyArray<{ readonly file: string; readonly of: string }>;
}

/**
 * Writes `count` images into `dir` (created): mostly distinct patterns of 64–160 px, and every
 * `duplicateEvery`-th image a modified copy (re-encoded at another quality, resized to 85%, or
 * brightened) of a random earlier distinct one. JPEG and PNG alternate.
 */
export async function generateImages(dir: string, count: number, options: { seed?: number; duplicateEvery?: number } = {}): Promise<GeneratedSet> {
  mkdirSync(dir, { recursive: true });
  const rnd = seededRandom(options.seed ?? 1);
  const every = options.duplicateEvery ?? 10;
  const files: string[] = [];
  const originals: Array<{ file: string; pixels: Buffer; width: number; height: number }> = [];
  const nearDuplicates: Array<{ file: string; of: string }> = [];
  for (let i = 0; i < count; i++) {
    const sub = String(Math.floor(i / 500)).padStart(3, '0');
    mkdirSync(path.join(dir, sub), { recursive: true });
    if (i % every === every - 1 && originals.length > 0) {
      const src = originals[Math.floor(rnd() * originals.length)];
      const kind = i % 3;
      let img = sharp(src.pixels, { raw: { width: src.width, height: src.height, channels: 3 } });
      if (kind === 1) img = img.resize(Math.round(src.width * 0.85), Math.round(src.height * 0.85));
      if (kind === 2) img = img.modulate({ brightness: 1.1 });
      const file = `${sub}/dup-${String(i).padStart(6, '0')}.jpg`;
      writeFileSync(path.join(dir, file), await img.jpeg({ quality: 60 }).toBuffer());
      files.push(file);
      nearDuplicates.push({ file, of: src.file });
      continue;
    }
    const width = 64 + Math.floor(rnd() * 97);
    const height = 64 + Math.floor(rnd() * 97);
    const pixels = patternPixels(i + 1 + (options.seed ?? 1) * 1_000_003, width, height);
    const png = i % 2 === 1;
    const file = `${sub}/img-${String(i).padStart(6, '0')}.${png ? 'png' : 'jpg'}`;
    const img = sharp(pixels, { raw: { width, height, channels: 3 } });
    writeFileSync(path.join(dir, file), await (png ? img.png() : img.jpeg({ quality: 85 })).toBuffer());
    files.push(file);
    if (originals.length < 2000) originals.push({ file, pixels, width, height });
  }
  return { dir, files, nearDuplicates };
}
