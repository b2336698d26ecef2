/**
 * blockhash, 256 bits (16×16 blocks, the "precise" method), from the same decoded pixels as PDQ, with
 * the bits blockhash-core's `bmvbhash` gives (the tests compare the two on many shapes): the same block
 * sums (exact in double, so computed in integers, one addition per pixel), the same medians per quarter
 * and the same tie rule. It reads the stored colours and the alpha plane directly instead of an
 * interleaved RGBA copy, and works out each column's blocks and weights once per image rather than once
 * per pixel. Fully transparent
 * pixels count as white, as in blockhash-core and blockhash-python, which is what makes `rgba-500x400.png`
 * equal the reference.
 */
import { hammingDistance, hexToWords, wordsToHex } from './bits.js';
import type { DecodedImage, PerceptualHash, PerceptualSignalType } from './signal-type.js';

const GRID = 16;
const BLOCKHASH_BITS = GRID * GRID;
/** The value of a fully transparent pixel (white: 3 × 255). */
const TRANSPARENT = 765;

/** Where one row (or column) index falls: its first and second block and their weights. */
interface Spread {
  readonly first: Int32Array;
  readonly second: Int32Array;
  readonly weightFirst: Float64Array;
  readonly weightSecond: Float64Array;
}

/** The blocks and weights of every index along an axis of `length` pixels, as bmvbhash computes them. */
function spreadAlong(length: number): Spread {
  const size = length / GRID;
  const even = length % GRID === 0;
  const first = new Int32Array(length);
  const second = new Int32Array(length);
  const weightFirst = new Float64Array(length);
  const weightSecond = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    if (even) {
      first[i] = second[i] = Math.floor(i / size);
      weightFirst[i] = 1;
      weightSecond[i] = 0;
      continue;
    }
    const mod = (i + 1) % size;
    const frac = mod - Math.floor(mod);
    const int = mod - frac;
    weightFirst[i] = 1 - frac;
    weightSecond[i] = frac;
    // int is 0 on the last index and on block boundaries
    if (int > 0 || i + 1 === length) {
      first[i] = second[i] = Math.floor(i / size);
    } else {
      first[i] = Math.floor(i / size);
      second[i] = Math.ceil(i / size);
    }
  }
  return { first, second, weightFirst, weightSecond };
}

// Block sums are exact. bmvbhash adds, per pixel, v·wTop·wLeft and three like products to its blocks,
// with v an integer ≤ 765 and every weight a multiple of 1/16 (fractions of (i+1) mod (side/16), all
// exact in double), so every product is a multiple of 1/256 and every partial sum one below
// 765·width·height, which stays under 2^45 for any image a typed array can hold (2^32 bytes): below
// 2^53 units of 1/256, every addition is exact and the order of additions cannot change a sum. The sums
// are therefore computed in integer units of 1/256: per row, the pixel values of each block's run of
// columns summed at once, then weighted by the row's two blocks.

/** How the columns of one width add into the 16 block columns, in sixteenths of a pixel value. */
interface ColumnPlan {
  /** Runs of columns [runStart, runEnd) that add their whole value (16/16) to block runBlock. */
  readonly runStart: Int32Array;
  readonly runEnd: Int32Array;
  readonly runBlock: Int32Array;
  /** Columns shared by two blocks: splitLeft gets splitKl/16 of the value, splitRight splitKr/16. */
  readonly splitX: Int32Array;
  readonly splitLeft: Int32Array;
  readonly splitRight: Int32Array;
  readonly splitKl: Int32Array;
  readonly splitKr: Int32Array;
}

function columnPlan(width: number): ColumnPlan {
  const { first, second, weightFirst, weightSecond } = spreadAlong(width);
  const runs: number[][] = [];
  const splits: number[][] = [];
  for (let x = 0; x < width; x++) {
    const kl = weightFirst[x] * 16;
    const kr = weightSecond[x] * 16;
    if (first[x] !== second[x] && kr !== 0) {
      splits.push([x, first[x], second[x], kl, kr]);
      continue;
    }
    const last = runs[runs.length - 1];
    if (last !== undefined && last[1] === x && last[2] === first[x]) last[1] = x + 1;
    else runs.push([x, x + 1, first[x]]);
  }
  const column = (rows: number[][], i: number) => Int32Array.from(rows, (r) => r[i]);
  return {
    runStart: column(runs, 0),
    runEnd: column(runs, 1),
    runBlock: column(runs, 2),
    splitX: column(splits, 0),
    splitLeft: column(splits, 1),
    splitRight: column(splits, 2),
    splitKl: column(splits, 3),
    splitKr: column(splits, 4),
  };
}

/**
 * Sum of bytes `from` … `to`−1 of `pixels`: the aligned middle read as 32-bit words (`words` views the
 * same buffer from byte offset `wordStart`), two bytes per 16-bit lane per word, 64 words per batch so
 * that no lane overflows.
 */
function byteSum(pixels: Uint8Array, words: Uint32Array, wordStart: number, from: number, to: number): number {
  const base = pixels.byteOffset;
  let sum = 0;
  let q = from;
  while (q < to && ((base + q) & 3) !== 0) sum += pixels[q++];
  let i = (base + q - wordStart) >> 2;
  const iEnd = (base + to - wordStart) >> 2;
  while (i < iEnd) {
    const stop = Math.min(iEnd, i + 64);
    let lanes = 0;
    for (; i < stop; i++) {
      const w = words[i];
      lanes += (w & 0x00ff00ff) + ((w >>> 8) & 0x00ff00ff);
    }
    sum += (lanes & 0xffff) + (lanes >>> 16);
  }
  for (q = Math.max(q, 4 * i + wordStart - base); q < to; q++) sum += pixels[q];
  return sum;
}

/** 32-bit words over the 4-aligned part of a pixel buffer, and the byte offset in its ArrayBuffer where they start. */
function wordsOf(pixels: Uint8Array): { words: Uint32Array; wordStart: number } {
  const wordStart = (pixels.byteOffset + 3) & ~3;
  const count = Math.max(0, (pixels.byteOffset + pixels.byteLength - wordStart) >> 2);
  return { words: new Uint32Array(pixels.buffer, wordStart, count), wordStart };
}

/** The value blockhash gives pixel `p`: the sum of its stored colours (grey counts three times), 765 if fully transparent. */
function pixelValue(pixels: Uint8Array, alpha: Uint8Array | null, channels: 1 | 3, p: number): number {
  if (alpha !== null && alpha[p] === 0) return TRANSPARENT;
  if (channels === 1) return 3 * pixels[p];
  const q = 3 * p;
  return pixels[q] + pixels[q + 1] + pixels[q + 2];
}

/** Row `y`'s value in each block column, in sixteenths (rowSums, 16 entries, overwritten). */
function rowBlockValues(image: DecodedImage, y: number, plan: ColumnPlan, words: Uint32Array, wordStart: number, rowSums: Float64Array): void {
  const { pixels, alpha, channels, width } = image;
  const { runStart, runEnd, runBlock, splitX, splitLeft, splitRight, splitKl, splitKr } = plan;
  rowSums.fill(0);
  const p0 = y * width;
  const unit = channels === 3 ? 16 : 48;
  for (let r = 0; r < runStart.length; r++) {
    const start = p0 + runStart[r];
    const end = p0 + runEnd[r];
    // The stored colours are the sum of the run's bytes; transparent pixels then count as white instead.
    let sum = unit * byteSum(pixels, words, wordStart, channels * start, channels * end);
    if (alpha !== null) {
      for (let p = start; p < end; p++) if (alpha[p] === 0) sum += 16 * (TRANSPARENT - pixelValue(pixels, null, channels, p));
    }
    rowSums[runBlock[r]] += sum;
  }
  for (let i = 0; i < splitX.length; i++) {
    const v = pixelValue(pixels, alpha, channels, p0 + splitX[i]);
    rowSums[splitLeft[i]] += v * splitKl[i];
    rowSums[splitRight[i]] += v * splitKr[i];
  }
}

/** The 256 block sums of bmvbhash (exact, see above), row-major. */
function blockSums(image: DecodedImage): Float64Array {
  const { width, height } = image;
  const plan = columnPlan(width);
  const rows = spreadAlong(height);
  const rowSums = new Float64Array(GRID);
  const units = new Float64Array(BLOCKHASH_BITS); // in 1/256 of a pixel value
  const { words, wordStart } = wordsOf(image.pixels);
  for (let y = 0; y < height; y++) {
    rowBlockValues(image, y, plan, words, wordStart, rowSums);
    const top = rows.first[y] * GRID;
    const bottom = rows.second[y] * GRID;
    const kTop = rows.weightFirst[y] * 16;
    const kBottom = rows.weightSecond[y] * 16;
    for (let b = 0; b < GRID; b++) {
      units[top + b] += rowSums[b] * kTop;
      units[bottom + b] += rowSums[b] * kBottom;
    }
  }
  for (let i = 0; i < BLOCKHASH_BITS; i++) units[i] /= 256;
  return units;
}

/** The median of a quarter of the blocks: the mean of the two middle values (the count is even). */
function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length / 2;
  return (sorted[mid - 1] + sorted[mid]) / 2.0;
}

/** The 256 bits as 64 hex digits: a block brighter than its quarter's median is 1 (ties by the median's half). */
function bitsOf(sums: Float64Array, pixelsPerBlock: number): string {
  const halfBlockValue = (pixelsPerBlock * 256 * 3) / 2;
  const quarter = BLOCKHASH_BITS / 4;
  let hex = '';
  for (let q = 0; q < 4; q++) {
    const m = median(sums.subarray(q * quarter, (q + 1) * quarter));
    for (let j = q * quarter; j < (q + 1) * quarter; j += 4) {
      let nibble = 0;
      for (let k = 0; k < 4; k++) {
        const v = sums[j + k];
        const bit = v > m || (Math.abs(v - m) < 1 && m > halfBlockValue) ? 1 : 0;
        nibble = (nibble << 1) | bit;
      }
      hex += nibble.toString(16);
    }
  }
  return hex;
}

/** blockhash (16×16, precise method) of a decoded image, bit for bit as blockhash-core computes it. */
export function blockhashFromImage(image: DecodedImage): PerceptualHash {
  const { width, height } = image;
  const even = width % GRID === 0 && height % GRID === 0;
  const sums = blockSums(image);
  const pixelsPerBlock = even ? Math.floor(width / GRID) * Math.floor(height / GRID) : (width / GRID) * (height / GRID);
  const value = hexToWords(bitsOf(sums, pixelsPerBlock), BLOCKHASH_BITS);
  if (value === null) throw new Error('blockhash: internal error formatting the bits');
  return { value };
}

/**
 * blockhash as a signal type: 64-digit hex equal to blockhash-python's `blockhash16` text, Hamming distance.
 * Default threshold 12 of 256 bits: on the conformance set the edits blockhash survives (re-encode,
 * resize, brightness, watermark, 5% crop) are 0–10 bits from the original; the closest unrelated pair is
 * 15 bits (two flat images), unrelated non-flat pairs are ≥ 30.
 */
export const blockhashSignalType: PerceptualSignalType = {
  name: 'blockhash',
  source: 'pixels',
  bits: BLOCKHASH_BITS,
  comparison: 'hamming',
  defaultThreshold: 12,
  hasQuality: false,
  minMatchQuality: 0,
  supportsDihedral: false,
  supportsRegions: false,
  parse: (text) => hexToWords(text, BLOCKHASH_BITS),
  format: (value) => wordsToHex(value, BLOCKHASH_BITS),
  distance: (a, b) => hammingDistance(a, b),
  compute: (image) => blockhashFromImage(image),
};
