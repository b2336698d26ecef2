/**
 * What PDQ's two box-filter paths (JavaScript in pdq-downsample.ts, WebAssembly SIMD in
 * pdq-downsample-simd.ts) share: the float32 luma formula, the filter windows, the decimation indices and
 * where luma rows come from.
 */

/** Side of the decimated image. */
export const DOWNSAMPLED = 64;

const LUMA_R = Math.fround(0.299);
const LUMA_G = Math.fround(0.587);
const LUMA_B = Math.fround(0.114);

/** float32(coefficient * v) for every 8-bit v: the products of the luma formula, precomputed. */
function productTable(coefficient: number): Float32Array {
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = coefficient * v;
  return table;
}
let builtB: Float32Array | null = null;
let builtRg: Float32Array | null = null;
/**
 * float32(float32(0.299f*R) + float32(0.587f*G)) at index R*256+G: the first sum of the luma formula.
 * Built on first use (64K entries), so that loading this module for a hash type's parse/format costs nothing.
 */
function lumaRgTable(): Float32Array {
  if (builtRg === null) {
    const r = productTable(LUMA_R);
    const g = productTable(LUMA_G);
    const table = new Float32Array(256 * 256);
    for (let i = 0; i < 256; i++) for (let j = 0; j < 256; j++) table[(i << 8) | j] = r[i] + g[j];
    builtRg = table;
  }
  return builtRg;
}
/** float32(0.114f * B) for every 8-bit B, built on first use. */
function lumaBTable(): Float32Array {
  return (builtB ??= productTable(LUMA_B));
}

/** Writes the luma of `n` pixels starting at pixel `first` into `out` from `outOff` (see lumaFromPixels). */
function fillLuma(pixels: Uint8Array, channels: 1 | 3, first: number, n: number, out: Float32Array, outOff: number): void {
  const end = outOff + n;
  if (channels === 1) {
    for (let o = outOff, q = first; o < end; o++, q++) out[o] = pixels[q];
    return;
  }
  const rg = lumaRgTable();
  const b = lumaBTable();
  for (let o = outOff, q = 3 * first; o < end; o++, q += 3) out[o] = rg[(pixels[q] << 8) | pixels[q + 1]] + b[pixels[q + 2]];
}

/** Throws when a pixel buffer is too short for its stated size. */
export function checkPixelBuffer(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): void {
  if (pixels.length < width * height * channels) {
    throw new RangeError(
      `pixel buffer holds ${pixels.length} bytes, ${width}x${height}x${channels} needs ${width * height * channels}`,
    );
  }
}

/**
 * Float32 luma of interleaved 8-bit pixels, row-major, as the reference computes it: RGB gives
 * `(0.299f*R + 0.587f*G) + 0.114f*B` with float32 rounding of every step; grey gives `Y = v` exactly.
 */
export function lumaFromPixels(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): Float32Array {
  checkPixelBuffer(pixels, width, height, channels);
  const luma = new Float32Array(width * height);
  fillLuma(pixels, channels, 0, width * height, luma, 0);
  return luma;
}

/** Box-filter window along an axis of length n (the reference's computeJaroszFilterWindowSize(n, 64)). */
export function jaroszWindow(n: number): number {
  return Math.floor((n + 2 * DOWNSAMPLED - 1) / (2 * DOWNSAMPLED));
}

/** Source index of each of the 64 decimated positions along an axis of length n (double, truncated). */
export function decimationIndices(n: number): Int32Array {
  const indices = new Int32Array(DOWNSAMPLED);
  for (let k = 0; k < DOWNSAMPLED; k++) indices[k] = Math.trunc(((k + 0.5) * n) / DOWNSAMPLED);
  return indices;
}

/**
 * Where the luma rows come from: a ready luma matrix, or 8-bit pixels converted a few rows at a time,
 * either all of them or the nearest-neighbour sample at source rows `ys` and columns `xs` of an image
 * `srcWidth` wide (the CLI-512 resize read in place, never copied).
 */
export type LumaSource =
  | { readonly luma: Float32Array; readonly pixels: null; readonly channels: 1; readonly sample: null }
  | { readonly luma: null; readonly pixels: Uint8Array; readonly channels: 1 | 3; readonly sample: NearestSample | null };

/** Source column of each output column and source row of each output row, in an image `srcWidth` wide. */
export interface NearestSample {
  readonly xs: Int32Array;
  readonly ys: Int32Array;
  readonly srcWidth: number;
}

/** Luma of output rows `row` … `row+n-1` (each `cols` wide) of a pixel source, into `out` from 0. */
export function fillLumaRows(
  source: { readonly pixels: Uint8Array; readonly channels: 1 | 3; readonly sample: NearestSample | null },
  row: number,
  n: number,
  cols: number,
  out: Float32Array,
): void {
  const { pixels, channels, sample } = source;
  if (sample === null) {
    fillLuma(pixels, channels, row * cols, n * cols, out, 0);
    return;
  }
  const { xs, ys, srcWidth } = sample;
  const rg = lumaRgTable();
  const b = lumaBTable();
  for (let t = 0, o = 0; t < n; t++) {
    const base = ys[row + t] * srcWidth;
    if (channels === 1) {
      for (let c = 0; c < cols; c++, o++) out[o] = pixels[base + xs[c]];
    } else {
      for (let c = 0; c < cols; c++, o++) {
        const q = 3 * (base + xs[c]);
        out[o] = rg[(pixels[q] << 8) | pixels[q + 1]] + b[pixels[q + 2]];
      }
    }
  }
}


/**
 * Rows of the ring of first-pass row outputs for a column window `wCol`. While output row oi is computed,
 * rows li = oi-(wCol-h+1) … ri+3 (ri = oi+h-1, +3 for the four-row step) are in use, and batches of 4 are
 * made up to 3 rows beyond: wCol+7 rows at most. The size is a multiple of 4 and batches start at
 * multiples of 4, so a batch occupies 4 adjacent slots (the rows of the last one past the image included).
 */
export function ringRowsFor(wCol: number): number {
  return (wCol + 7 + 3) & ~3;
}

/** Floats of scratch the JavaScript path takes for a rows×cols image (pdq-downsample.ts). */
export function jsScratchFloats(rows: number, cols: number): number {
  return ringRowsFor(jaroszWindow(rows)) * cols + 13 * cols + 2 * rows * DOWNSAMPLED;
}

/** Where an image's buffers go in the SIMD kernel's memory (byte offsets, multiples of 16: rows are whole vectors) and how much it needs. */
export interface ImageLayout {
  readonly cols4: number;
  readonly wRow: number;
  readonly ringRows: number;
  readonly ring: number;
  readonly luma: number;
  readonly tmpIn: number;
  readonly tmpOut: number;
  readonly sums: number;
  readonly firstPass: number;
  readonly narrowSums: number;
  readonly narrow: number;
  readonly filtered: number;
  readonly pix: number;
  readonly bytes: number;
}

/** Bytes rounded up to a whole number of vectors. */
function vectors(bytes: number): number {
  return (bytes + 15) & ~15;
}

/** The SIMD path's layout of a rows×cols image of `channels` channels (pdq-downsample-simd.ts). */
export function imageLayout(rows: number, cols: number, channels: 1 | 3): ImageLayout {
  const cols4 = (cols + 3) & ~3;
  const rowBytes = 4 * cols4;
  const narrowRowBytes = 4 * DOWNSAMPLED;
  const ringRows = ringRowsFor(jaroszWindow(rows));
  const ring = 0;
  const luma = ring + ringRows * rowBytes;
  const tmpIn = luma + 4 * rowBytes;
  const tmpOut = tmpIn + 4 * rowBytes;
  const sums = tmpOut + 4 * rowBytes;
  const firstPass = sums + rowBytes;
  const narrowSums = firstPass + 4 * rowBytes;
  const narrow = narrowSums + narrowRowBytes;
  const filtered = narrow + ((rows + 3) & ~3) * narrowRowBytes;
  const pix = filtered + rows * narrowRowBytes;
  const bytes = pix + vectors(4 * cols * channels + 64); // the luma kernels read up to 16 bytes past a row
  return { cols4, wRow: jaroszWindow(cols), ringRows, ring, luma, tmpIn, tmpOut, sums, firstPass, narrowSums, narrow, filtered, pix, bytes };
}

/**
 * Bytes PDQ's downsample holds for a width×height image besides its pixels, on whichever path takes more:
 * the first pass's ring (the column window's rows), a few rows of sums, and two floats per decimated
 * column for every row. The last part, 512 bytes a row, is what an extreme shape (5×3,000,000) makes large.
 */
export function downsampleScratchBytes(width: number, height: number): number {
  return Math.max(4 * jsScratchFloats(height, width), imageLayout(height, width, 3).bytes);
}

/** Offset in the ring (in rows of `cols`) of first-pass row `row`. */
export function slotOf(ringRows: number, cols: number, row: number): number {
  return (row % ringRows) * cols;
}
