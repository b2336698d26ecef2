/**
 * Region variants of PDQ: hashes of parts of a picture, for matching copies that were letterboxed,
 * framed or cropped. They are extra values next to the reference hash, never a replacement for it.
 *
 * - `content`: the picture inside uniform borders (letterbox, pillarbox, frames of any single colour),
 *   hashed from the full-resolution pixels of that region exactly as PDQ hashes a whole picture. Found
 *   by trimming rows and columns that are (nearly) one colour from each side, as python-threatexchange's
 *   unletterboxing trims black rows, but for any border colour and with a tolerance for JPEG noise.
 * - crop regions (`center95`, `center90`, `center80`, `trimTop`, `trimBottom`, `trimLeft`, `trimRight`): the picture
 *   as it would look cropped, derived from PDQ's 64×64 downsampled image (bilinear resampling of the
 *   region back to 64×64, then PDQ's DCT and threshold), so they cost a few DCTs, not another pass over
 *   the pixels. They approximate the hash of the cropped picture (see docs/matching.md for measured error).
 */
import { pdqFrom64 } from './pdq.js';
import { DOWNSAMPLED, downsamplePixels } from './pdq-downsample.js';
import type { DecodedImage, RegionName } from './signal-type.js';

/** Names of the crop regions, in output order, with the part of the picture each keeps (fractions of width and height). */
export const CROP_REGIONS: Readonly<Record<CropRegionName, { x0: number; y0: number; x1: number; y1: number }>> = {
  center95: { x0: 0.025, y0: 0.025, x1: 0.975, y1: 0.975 },
  center90: { x0: 0.05, y0: 0.05, x1: 0.95, y1: 0.95 },
  center80: { x0: 0.1, y0: 0.1, x1: 0.9, y1: 0.9 },
  trimTop: { x0: 0, y0: 0.1, x1: 1, y1: 1 },
  trimBottom: { x0: 0, y0: 0, x1: 1, y1: 0.9 },
  trimLeft: { x0: 0.1, y0: 0, x1: 1, y1: 1 },
  trimRight: { x0: 0, y0: 0, x1: 0.9, y1: 1 },
};
export type CropRegionName = Exclude<RegionName, 'content'>;
export const CROP_REGION_NAMES = Object.keys(CROP_REGIONS) as CropRegionName[];

/** A rectangle of pixels: columns left..right-1, rows top..bottom-1. */
export interface PixelBox {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** Largest difference (any channel) from the border colour for a pixel to count as border. */
const BORDER_TOLERANCE = 24;
/** Share of a row or column that may differ from the border colour (noise, a logo's antialiasing). */
const BORDER_OUTLIERS = 0.02;
/** Borders thinner than this share of the side (both edges together) are not worth another hash. */
const MIN_TRIM = 0.02;
/** The content must keep at least this share of each side, or the picture is mostly flat and left alone. */
const MIN_CONTENT = 0.4;

/**
 * How many rows (or columns) from one edge are one colour: the colour of the edge line (its mean),
 * within BORDER_TOLERANCE for all but BORDER_OUTLIERS of the line's pixels. `lines` = lines available,
 * `length` = pixels per line, `at(line, k)` = offset of the k-th pixel of a line in `pixels`.
 */
function uniformLines(pixels: Uint8Array, channels: number, lines: number, length: number, at: (line: number, k: number) => number): number {
  const ref = new Float64Array(channels);
  for (let k = 0; k < length; k++) for (let c = 0; c < channels; c++) ref[c] += pixels[at(0, k) + c];
  for (let c = 0; c < channels; c++) ref[c] /= length;
  const allowed = Math.floor(length * BORDER_OUTLIERS);
  for (let line = 0; line < lines; line++) {
    let outliers = 0;
    for (let k = 0; k < length && outliers <= allowed; k++) {
      const o = at(line, k);
      for (let c = 0; c < channels; c++) {
        if (Math.abs(pixels[o + c] - ref[c]) > BORDER_TOLERANCE) {
          outliers++;
          break;
        }
      }
    }
    if (outliers > allowed) return line;
  }
  return lines;
}

/**
 * The region inside uniform borders, or null when there is no border worth trimming (under MIN_TRIM of
 * both sides) or the content would be under MIN_CONTENT of a side. Pure; reads only edge lines until
 * they stop being uniform.
 */
export function findContentBox(image: DecodedImage): PixelBox | null {
  const { width: w, height: h, channels, pixels } = image;
  if (w < 8 || h < 8) return null;
  const half = (n: number) => Math.floor(n / 2);
  const top = uniformLines(pixels, channels, half(h), w, (y, x) => (y * w + x) * channels);
  const bottom = uniformLines(pixels, channels, half(h), w, (y, x) => ((h - 1 - y) * w + x) * channels);
  const left = uniformLines(pixels, channels, half(w), h, (x, y) => (y * w + x) * channels);
  const right = uniformLines(pixels, channels, half(w), h, (x, y) => (y * w + (w - 1 - x)) * channels);
  const cw = w - left - right;
  const ch = h - top - bottom;
  if ((left + right) / w < MIN_TRIM && (top + bottom) / h < MIN_TRIM) return null;
  if (cw < w * MIN_CONTENT || ch < h * MIN_CONTENT) return null;
  return { left, top, right: w - right, bottom: h - bottom };
}

/** A copy of the pixels inside `box` (same channel layout). */
export function cropPixels(image: DecodedImage, box: PixelBox): Uint8Array {
  const { width, channels, pixels } = image;
  const cw = box.right - box.left;
  const out = new Uint8Array(cw * (box.bottom - box.top) * channels);
  const rowBytes = cw * channels;
  for (let y = box.top, o = 0; y < box.bottom; y++, o += rowBytes) {
    const start = (y * width + box.left) * channels;
    out.set(pixels.subarray(start, start + rowBytes), o);
  }
  return out;
}

/**
 * The PDQ hash and quality of the content inside uniform borders, computed from the full-resolution
 * pixels of that region (identical to hashing the cropped picture); null when findContentBox finds none.
 */
export function pdqContentVariant(image: DecodedImage): { readonly box: PixelBox; readonly hash: Uint32Array; readonly quality: number } | null {
  const box = findContentBox(image);
  if (box === null) return null;
  const w = box.right - box.left;
  const h = box.bottom - box.top;
  const core = pdqFrom64(downsamplePixels(cropPixels(image, box), w, h, image.channels));
  return { box, hash: core.hash, quality: core.quality };
}

/**
 * The 64×64 image of a region of a downsampled 64×64 image, by bilinear resampling at the centres
 * PDQ's decimation would sample in the cropped picture (sample k of n at (k + 0.5)/n of the region).
 */
export function resampleRegion64(d: Float32Array, region: { x0: number; y0: number; x1: number; y1: number }): Float32Array {
  const n = DOWNSAMPLED;
  const xs = new Int32Array(n);
  const xf = new Float32Array(n);
  const ys = new Int32Array(n);
  const yf = new Float32Array(n);
  const axis = (lo: number, hi: number, idx: Int32Array, frac: Float32Array) => {
    for (let k = 0; k < n; k++) {
      const u = Math.min(n - 1, Math.max(0, (lo + ((k + 0.5) / n) * (hi - lo)) * n - 0.5));
      const i = Math.min(n - 2, Math.floor(u));
      idx[k] = i;
      frac[k] = u - i;
    }
  };
  axis(region.x0, region.x1, xs, xf);
  axis(region.y0, region.y1, ys, yf);
  const out = new Float32Array(n * n);
  for (let r = 0; r < n; r++) {
    const r0 = ys[r] * n;
    const r1 = r0 + n;
    const fy = yf[r];
    for (let c = 0; c < n; c++) {
      const i = xs[c];
      const fx = xf[c];
      const top = d[r0 + i] + (d[r0 + i + 1] - d[r0 + i]) * fx;
      const bottom = d[r1 + i] + (d[r1 + i + 1] - d[r1 + i]) * fx;
      out[r * n + c] = top + (bottom - top) * fy;
    }
  }
  return out;
}

/** The crop-region hashes of a picture from its PDQ 64×64 downsampled image, in CROP_REGION_NAMES order. */
export function pdqCropVariants(d: Float32Array): Record<CropRegionName, Uint32Array> {
  const out = {} as Record<CropRegionName, Uint32Array>;
  for (const name of CROP_REGION_NAMES) out[name] = pdqFrom64(resampleRegion64(d, CROP_REGIONS[name])).hash;
  return out;
}

/** The 64×64 downsampled image PDQ hashes (same as inside pdqFromPixels), for pdqCropVariants. */
export function pdqDownsampled(image: DecodedImage): Float32Array | null {
  if (image.width < 5 || image.height < 5) return null;
  return downsamplePixels(image.pixels, image.width, image.height, image.channels);
}
