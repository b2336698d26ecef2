/**
 * PDQ, the 256-bit perceptual photo hash of facebook/ThreatExchange, computed bit for bit like the
 * reference C++ core (see docs/pdq.md). Every + - * / of the core is rounded to float32 in the
 * reference's order: `Math.fround` on a double result of two float32 operands gives exactly the
 * float32-rounded result, and so does storing that double into a Float32Array.
 *
 * Pipeline: pixels → (optional CLI-512 nearest-neighbour resize) → float32 luma → two Jarosz box-filter
 * passes → 64×64 decimation (those three in pdq-downsample.ts) → quality → 16×16 DCT (B) → lower-median
 * threshold → 256 bits.
 */
export { lumaFromPixels } from './pdq-downsample.js';
import { hammingDistance, hexToWords, wordsToHex } from './bits.js';
import { DOWNSAMPLED, checkPixelBuffer, downsampleLuma, downsampleNearestPixels, downsamplePixels } from './pdq-downsample.js';
import { pdqContentVariant, pdqCropVariants } from './pdq-regions.js';
import {
  DIHEDRAL_NAMES,
  type DecodedImage,
  type DihedralName,
  type PerceptualHash,
  type PerceptualOptions,
  type PerceptualSignalType,
  type RegionName,
} from './signal-type.js';

/** Output of the PDQ core for one luma image. */
export interface PdqCoreResult {
  /** 8 words, bit 16*i+j = DCT row i, column j (bits.ts layout, so wordsToHex gives the reference hex). */
  readonly hash: Uint32Array;
  /** 0–100; below 50 the image is too flat to match reliably. */
  readonly quality: number;
  /** The 16×16 DCT block B, row-major, before thresholding (input of the dihedral variants). */
  readonly dct: Float32Array;
}

/** Side of the square that the CLI-512 flavour resizes larger images to. */
export const CLI512_SIDE = 512;

const PDQ_BITS = 256;
const MIN_HASHABLE_DIM = 5;
const DCT_SIZE = 16;

// ---------------------------------------------------------------- CLI-512 resize

/** Source index of each of the `CLI512_SIDE` output positions along an axis of length `size`. */
function nearestSourceIndices(size: number): Int32Array {
  const indices = new Int32Array(CLI512_SIDE);
  for (let k = 0; k < CLI512_SIDE; k++) indices[k] = Math.floor((k * size) / CLI512_SIDE);
  return indices;
}

/**
 * The reference command-line tool's pre-resize: an image wider or taller than 512 becomes exactly
 * 512×512 by nearest neighbour (source index floor(k*S/512) on each axis, aspect ratio not kept);
 * smaller images are returned as they are (same buffer).
 */
export function resizeForCli512(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
): { pixels: Uint8Array; width: number; height: number } {
  if (width <= CLI512_SIDE && height <= CLI512_SIDE) return { pixels, width, height };
  const xs = nearestSourceIndices(width);
  const ys = nearestSourceIndices(height);
  const out = new Uint8Array(CLI512_SIDE * CLI512_SIDE * channels);
  let o = 0;
  for (let r = 0; r < CLI512_SIDE; r++) {
    const rowBase = ys[r] * width;
    for (let c = 0; c < CLI512_SIDE; c++) {
      const s = (rowBase + xs[c]) * channels;
      for (let ch = 0; ch < channels; ch++) out[o++] = pixels[s + ch];
    }
  }
  return { pixels: out, width: CLI512_SIDE, height: CLI512_SIDE };
}

// ---------------------------------------------------------------- quality, DCT, bits

/** The reference's image-domain quality metric of a 64×64 downsampled image (0–100). */
export function qualityOf(d: Float32Array): number {
  let gradientSum = 0;
  for (let i = 0; i < DOWNSAMPLED - 1; i++) {
    for (let j = 0; j < DOWNSAMPLED; j++) {
      const diff = Math.fround(d[i * DOWNSAMPLED + j] - d[(i + 1) * DOWNSAMPLED + j]);
      gradientSum += Math.abs(Math.trunc(Math.fround(Math.fround(diff * 100) / 255)));
    }
  }
  for (let i = 0; i < DOWNSAMPLED; i++) {
    for (let j = 0; j < DOWNSAMPLED - 1; j++) {
      const diff = Math.fround(d[i * DOWNSAMPLED + j] - d[i * DOWNSAMPLED + j + 1]);
      gradientSum += Math.abs(Math.trunc(Math.fround(Math.fround(diff * 100) / 255)));
    }
  }
  return Math.min(100, Math.floor(gradientSum / 90));
}

/** C[i][k] = f32(f32(sqrt(2/64)) * cos(pi/128 * (i+1) * (2k+1))), 16×64 row-major, built once. */
const DCT_MATRIX: Float32Array = (() => {
  const m = new Float32Array(DCT_SIZE * DOWNSAMPLED);
  const scale = Math.fround(Math.sqrt(2 / DOWNSAMPLED));
  for (let i = 0; i < DCT_SIZE; i++) {
    for (let k = 0; k < DOWNSAMPLED; k++) {
      m[i * DOWNSAMPLED + k] = scale * Math.cos((Math.PI / 2 / DOWNSAMPLED) * (i + 1) * (2 * k + 1));
    }
  }
  return m;
})();

/** B = C·D·Cᵀ (16×16) of a 64×64 image, with float32 accumulators and k running 0 → 63, as the reference sums. */
export function dct16(d: Float32Array): Float32Array {
  const c = DCT_MATRIX;
  const t = new Float32Array(DCT_SIZE * DOWNSAMPLED);
  for (let i = 0; i < DCT_SIZE; i++) {
    const ci = i * DOWNSAMPLED;
    for (let j = 0; j < DOWNSAMPLED; j++) {
      let sum = 0;
      for (let k = 0; k < DOWNSAMPLED; k++) sum = Math.fround(sum + Math.fround(c[ci + k] * d[k * DOWNSAMPLED + j]));
      t[ci + j] = sum;
    }
  }
  const b = new Float32Array(DCT_SIZE * DCT_SIZE);
  for (let i = 0; i < DCT_SIZE; i++) {
    const ti = i * DOWNSAMPLED;
    for (let j = 0; j < DCT_SIZE; j++) {
      const cj = j * DOWNSAMPLED;
      let sum = 0;
      for (let k = 0; k < DOWNSAMPLED; k++) sum = Math.fround(sum + Math.fround(t[ti + k] * c[cj + k]));
      b[i * DCT_SIZE + j] = sum;
    }
  }
  return b;
}

/** The 256 bits of a 16×16 block: bit 16*i+j is set iff B[i][j] is strictly above the 128th smallest value. */
export function pdqBitsFromDct(dct: Float32Array): Uint32Array {
  const median = Float32Array.from(dct).sort()[(DCT_SIZE * DCT_SIZE) / 2 - 1];
  const words = new Uint32Array(PDQ_BITS / 32);
  for (let bit = 0; bit < PDQ_BITS; bit++) {
    if (dct[bit] > median) words[bit >>> 5] |= 1 << (bit & 31);
  }
  return words;
}

/** Quality, DCT block and bits of the reference's 64×64 downsampled image (row-major, 4096 values). */
export function pdqFrom64(d: Float32Array): PdqCoreResult {
  const dct = dct16(d);
  return { hash: pdqBitsFromDct(dct), quality: qualityOf(d), dct };
}

/** The result for an image too small to hash: all-zero hash and block, quality 0. */
function unhashable(): PdqCoreResult {
  return { hash: new Uint32Array(PDQ_BITS / 32), quality: 0, dct: new Float32Array(DCT_SIZE * DCT_SIZE) };
}

/**
 * PDQ hash, quality and DCT block of a float32 luma image (row-major, `width`×`height`), bit-exact to the
 * reference core. Images under 5 pixels on a side give the all-zero hash, quality 0 and an all-zero block.
 * The input is not modified.
 */
export function pdqFromLuma(luma: Float32Array, width: number, height: number): PdqCoreResult {
  if (luma.length < width * height) {
    throw new RangeError(`luma holds ${luma.length} values, ${width}x${height} needs ${width * height}`);
  }
  if (width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM) return unhashable();
  return pdqFrom64(downsampleLuma(luma, width, height));
}

/**
 * Same result as pdqFromLuma(lumaFromPixels(pixels, width, height, channels), width, height), without
 * materialising the full-size luma image (interleaved 8-bit RGB, or grey hashed as Y = v).
 */
export function pdqFromPixels(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): PdqCoreResult {
  checkPixelBuffer(pixels, width, height, channels);
  if (width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM) return unhashable();
  return pdqFrom64(downsamplePixels(pixels, width, height, channels));
}

/**
 * Same result as pdqFromPixels on resizeForCli512(pixels, …): the 512×512 nearest-neighbour sample is
 * read in place by the downsample, never materialised.
 */
export function pdqCli512FromPixels(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): PdqCoreResult {
  if (width <= CLI512_SIDE && height <= CLI512_SIDE) return pdqFromPixels(pixels, width, height, channels);
  checkPixelBuffer(pixels, width, height, channels);
  return pdqFrom64(downsampleNearestPixels(pixels, width, height, channels, nearestSourceIndices(width), nearestSourceIndices(height)));
}

// ---------------------------------------------------------------- dihedral variants

/**
 * How each variant changes B (i = row = vertical frequency, j = column = horizontal frequency):
 * optionally transpose, and negate entries whose ORIGINAL row i is even and/or whose ORIGINAL column j is
 * even (both flags: negate where exactly one of i, j is even, i.e. i+j odd).
 *
 * Mirroring the image left↔right multiplies horizontal frequency j+1 by (-1)^(j+1), so it negates where
 * j is even; top↔bottom likewise negates where i is even. Hence:
 * - rot90 = rotate 90° counter-clockwise (mirror left↔right, then transpose) — the reference's
 *   dct16OriginalToRotate90 / `rot90` output. Note that many image tools' "rotate 90" is clockwise:
 *   a clockwise turn matches rot270 here.
 * - rot270 = rotate 90° clockwise (mirror top↔bottom, then transpose).
 * - flipX = mirror left↔right (negate where j even): the reference CLI names this `flipy` (flip about the
 *   y axis); flipY = mirror top↔bottom (negate where i even): the reference's `flipx`.
 * - transpose = main diagonal (the reference's `flipp`); antiTranspose = anti-diagonal (`flipm`).
 */
const DIHEDRAL_RULES: Readonly<Record<DihedralName, { transpose: boolean; evenRow: boolean; evenCol: boolean }>> = {
  rot90: { transpose: true, evenRow: false, evenCol: true },
  rot180: { transpose: false, evenRow: true, evenCol: true },
  rot270: { transpose: true, evenRow: true, evenCol: false },
  flipX: { transpose: false, evenRow: false, evenCol: true },
  flipY: { transpose: false, evenRow: true, evenCol: false },
  transpose: { transpose: true, evenRow: false, evenCol: false },
  antiTranspose: { transpose: true, evenRow: true, evenCol: true },
};

/** The 16×16 block of the transformed image, derived from B of the original (see DIHEDRAL_RULES). */
function dihedralDct(dct: Float32Array, name: DihedralName): Float32Array {
  const rule = DIHEDRAL_RULES[name];
  const out = new Float32Array(DCT_SIZE * DCT_SIZE);
  for (let i = 0; i < DCT_SIZE; i++) {
    for (let j = 0; j < DCT_SIZE; j++) {
      const negate = (rule.evenRow && (i & 1) === 0) !== (rule.evenCol && (j & 1) === 0);
      const v = dct[i * DCT_SIZE + j];
      out[rule.transpose ? j * DCT_SIZE + i : i * DCT_SIZE + j] = negate ? -v : v;
    }
  }
  return out;
}

/**
 * The 7 rotated/flipped PDQ hashes from the original's DCT block, as the reference derives them: the
 * transpose is exactly the hash of the transposed image (up to float summation order); the others
 * approximate the hash of the transformed image. An all-zero block (unhashable image) gives all-zero hashes.
 */
export function pdqDihedralFromDct(dct: Float32Array): Record<DihedralName, Uint32Array> {
  const out = {} as Record<DihedralName, Uint32Array>;
  for (const name of DIHEDRAL_NAMES) out[name] = pdqBitsFromDct(dihedralDct(dct, name));
  return out;
}

// ---------------------------------------------------------------- signal type

/**
 * PDQ hash and quality of decoded pixels in the requested flavour, plus the dihedral and region variants
 * when asked (pdq-regions.ts). The value and quality are the reference's whatever variants are asked for.
 */
export function pdqFromImage(image: DecodedImage, options: PerceptualOptions = {}): PerceptualHash {
  if (!options.unletterbox && !options.cropRegions) {
    const core =
      options.pdqFlavour === 'cli512' ? pdqCli512FromPixels(image.pixels, image.width, image.height, image.channels) : pdqFromPixels(image.pixels, image.width, image.height, image.channels);
    return { value: core.hash, quality: core.quality, ...(options.dihedral ? { dihedral: pdqDihedralFromDct(core.dct) } : {}) };
  }
  // Region variants read the pixels at the hashed resolution, so CLI-512's sample is materialised here.
  let { pixels, width, height } = image;
  if (options.pdqFlavour === 'cli512') ({ pixels, width, height } = resizeForCli512(pixels, width, height, image.channels));
  const hashable = width >= MIN_HASHABLE_DIM && height >= MIN_HASHABLE_DIM;
  // The crop regions are resampled from the 64×64 image, so keep it when they are asked for.
  const d = options.cropRegions && hashable ? downsamplePixels(pixels, width, height, image.channels) : null;
  const core = d !== null ? pdqFrom64(d) : pdqFromPixels(pixels, width, height, image.channels);
  let regions: Partial<Record<RegionName, Uint32Array>> | undefined;
  if ((options.unletterbox || options.cropRegions) && hashable) {
    regions = {};
    if (options.unletterbox) {
      const content = pdqContentVariant({ ...image, pixels, width, height });
      if (content !== null && content.quality >= pdqSignalType.minMatchQuality) regions.content = content.hash;
    }
    if (d !== null) Object.assign(regions, pdqCropVariants(d));
  }
  return {
    value: core.hash,
    quality: core.quality,
    ...(options.dihedral ? { dihedral: pdqDihedralFromDct(core.dct) } : {}),
    ...(regions !== undefined ? { regions } : {}),
  };
}

/** PDQ as a signal type: 256-bit hex in the reference layout, Hamming distance, match at ≤ 31 and quality ≥ 50. */
export const pdqSignalType: PerceptualSignalType = {
  name: 'pdq',
  source: 'pixels',
  bits: PDQ_BITS,
  comparison: 'hamming',
  defaultThreshold: 31,
  hasQuality: true,
  minMatchQuality: 50,
  supportsDihedral: true,
  supportsRegions: true,
  parse: (text) => hexToWords(text, PDQ_BITS),
  format: (value) => wordsToHex(value, PDQ_BITS),
  distance: (a, b) => hammingDistance(a, b),
  compute: pdqFromImage,
};
