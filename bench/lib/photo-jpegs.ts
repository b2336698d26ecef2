/**
 * Photo-sized synthetic JPEGs (~2 megapixels: seeded plasma, gradients with discs, smoothed noise) for
 * the hashing benchmark and the guard's hashing check: sizes and encodings like phone pictures, so
 * decode and hash times are those of real reports. Deterministic per index.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { seededRandom } from '../synthetic-images.js';

/** Width × height of the generated pictures, in turn (landscape 3:2, 4:3, portrait 2:3). */
export const PHOTO_SIZES: ReadonlyArray<readonly [number, number]> = [
  [1732, 1155],
  [1632, 1224],
  [1155, 1732],
];

/** How the JPEGs are encoded (for result files). */
export const PHOTO_ENCODING = 'JPEG quality 80-92, every 5th progressive';

/** RGB pixels of picture `index`: separable waves (plasma), a gradient with discs, or smoothed noise. */
async function picture(index: number, width: number, height: number): Promise<Buffer> {
  const rnd = seededRandom(index * 2654435761 + 1);
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

/** Writes pictures 0…count−1 as `synthetic-NNN.jpg` into the existing directory `dir`; returns their paths in order. */
export async function generatePhotoJpegs(dir: string, count: number): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const [width, height] = PHOTO_SIZES[i % PHOTO_SIZES.length];
    const pixels = await picture(i, width, height);
    const file = path.join(dir, `synthetic-${String(i).padStart(3, '0')}.jpg`);
    const jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 80 + (i % 4) * 4, progressive: i % 5 === 4 })
      .toBuffer();
    writeFileSync(file, jpeg, { mode: 0o600 });
    files.push(file);
  }
  return files;
}
