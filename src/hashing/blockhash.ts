/**
 * blockhash, 256 bits (16×16 blocks, the "precise" method `bmvbhash` of blockhash-core), computed from the
 * same decoded pixels as PDQ.
 *
 * This is blockhash-core's bmvbhash (and bmvbhashEven, which it uses when both sides divide by 16) redone on
 * typed arrays, reading our RGB/grey pixels and separate alpha directly: the same double-precision
 * expressions, added to each block in the same order, so every block sum and therefore every bit is the
 * same (test/hashing-blockhash.test.ts checks it against blockhash-core itself on random images). On a
 * 2-megapixel image it takes about a third of the time of blockhash-core plus the RGBA copy that
 * blockhash-core needs, which the hashing throughput goal needs (bench/hashing.ts). Fully transparent
 * pixels count as white, as in blockhash-core and blockhash-python.
 */
import { hammingDistance, hexToWords, wordsToHex } from './bits.js';
import type { DecodedImage, PerceptualHash, PerceptualSignalType } from './signal-type.js';

const GRID = 16;
const BLOCKHASH_BITS = GRID * GRID;
/** Value of a fully transparent pixel: white (R+G+B = 765), as in blockhash-core. */
const WHITE = 765;

/** R+G+B of every pixel (3·v for grey), 765 (white) where alpha is 0: blockhash's per-pixel value. */
function pixelValues(image: DecodedImage): Uint16Array {
  const { pixels, alpha } = image;
  const n = image.width * image.height;
  const out = new Uint16Array(n);
  if (image.channels === 3) for (let p = 0, s = 0; p < n; p++, s += 3) out[p] = pixels[s] + pixels[s + 1] + pixels[s + 2];
  else for (let p = 0; p < n; p++) out[p] = 3 * pixels[p];
  if (alpha !== null) for (let p = 0; p < n; p++) if (alpha[p] === 0) out[p] = WHITE;
  return out;
}

/** Block sums when both sides divide by 16 (blockhash-core's bmvbhashEven): integer totals, exact in any order. */
function evenBlockSums(image: DecodedImage): { sums: Float64Array; pixelsPerBlock: number } {
  const { width, height } = image;
  const values = pixelValues(image);
  const bw = width / GRID;
  const bh = height / GRID;
  const column = new Int32Array(width);
  for (let x = 0; x < width; x++) column[x] = Math.floor(x / bw);
  const sums = new Float64Array(BLOCKHASH_BITS);
  for (let y = 0; y < height; y++) {
    const rowBlock = Math.floor(y / bh) * GRID;
    const row = y * width;
    for (let x = 0; x < width; x++) sums[rowBlock + column[x]] += values[row + x];
  }
  return { sums, pixelsPerBlock: bw * bh };
}

/** Per position along one axis: the two blocks a pixel feeds and their weights (blockhash-core's arithmetic). */
interface AxisSplit {
  readonly first: Int32Array;
  readonly second: Int32Array;
  readonly firstWeight: Float64Array;
  readonly secondWeight: Float64Array;
}

function axisSplit(length: number): AxisSplit {
  const first = new Int32Array(length);
  const second = new Int32Array(length);
  const firstWeight = new Float64Array(length);
  const secondWeight = new Float64Array(length);
  const blockSize = length / GRID;
  const even = length % GRID === 0;
  for (let i = 0; i < length; i++) {
    if (even) {
      first[i] = second[i] = Math.floor(i / blockSize);
      firstWeight[i] = 1;
      secondWeight[i] = 0;
      continue;
    }
    const mod = (i + 1) % blockSize;
    const frac = mod - Math.floor(mod);
    const int = mod - frac;
    firstWeight[i] = 1 - frac;
    secondWeight[i] = frac;
    if (int > 0 || i + 1 === length) {
      first[i] = second[i] = Math.floor(i / blockSize);
    } else {
      first[i] = Math.floor(i / blockSize);
      second[i] = Math.ceil(i / blockSize);
    }
  }
  return { first, second, firstWeight, secondWeight };
}

/**
 * Adds one image row's terms to the blocks of one block row (`base` = 16 × its index), in pixel order:
 * per pixel v, first (v·w1)·wLeft to the left block and (v·w1)·wRight to the right one, then (when
 * `w2` is given, i.e. the top and bottom blocks are the same row) (v·w2)·wLeft and (v·w2)·wRight.
 * The two blocks being updated are kept in local variables (loaded when the row reaches them, stored
 * when it leaves), which keeps each block's additions in blockhash-core's order while avoiding a
 * memory round trip per addition. Needs width ≥ 16, so the left block advances by at most one per pixel.
 */
function addRowTerms(sums: Float64Array, base: number, values: Uint16Array, rowStart: number, xs: AxisSplit, w1: number, w2: number | null): void {
  const { first, second, firstWeight, secondWeight } = xs;
  const width = first.length;
  let c = first[0];
  let accL = sums[base + c];
  let accR = c + 1 < GRID ? sums[base + c + 1] : 0;
  for (let x = 0; x < width; x++) {
    const left = first[x];
    if (left !== c) {
      sums[base + c] = accL;
      accL = accR;
      c = left;
      accR = c + 1 < GRID ? sums[base + c + 1] : 0;
    }
    const v = values[rowStart + x];
    const wl = firstWeight[x];
    const wr = secondWeight[x];
    const a = v * w1;
    if (second[x] === left) {
      accL += a * wl;
      accL += a * wr;
      if (w2 !== null) {
        const b = v * w2;
        accL += b * wl;
        accL += b * wr;
      }
    } else {
      accL += a * wl;
      accR += a * wr;
      if (w2 !== null) {
        const b = v * w2;
        accL += b * wl;
        accR += b * wr;
      }
    }
  }
  sums[base + c] = accL;
  if (c + 1 < GRID) sums[base + c + 1] = accR;
}

/**
 * Weighted block sums of blockhash-core's bmvbhash: every pixel adds v·wTop·wLeft, v·wTop·wRight,
 * v·wBottom·wLeft, v·wBottom·wRight (in that order) to its up to four blocks, pixels in scan order; so
 * each block sees the same double additions, in the same order, as in blockhash-core.
 */
function weightedBlockSums(image: DecodedImage): { sums: Float64Array; pixelsPerBlock: number } {
  const { width, height } = image;
  const values = pixelValues(image);
  const xs = axisSplit(width);
  const ys = axisSplit(height);
  const sums = new Float64Array(BLOCKHASH_BITS);
  for (let y = 0; y < height; y++) {
    const top = ys.first[y] * GRID;
    const bottom = ys.second[y] * GRID;
    const weightTop = ys.firstWeight[y];
    const weightBottom = ys.secondWeight[y];
    const row = y * width;
    if (width < GRID) {
      // Blocks narrower than a pixel: the straightforward form (tiny images only).
      for (let x = 0; x < width; x++) {
        const v = values[row + x];
        const left = xs.first[x];
        const right = xs.second[x];
        sums[top + left] += v * weightTop * xs.firstWeight[x];
        sums[top + right] += v * weightTop * xs.secondWeight[x];
        sums[bottom + left] += v * weightBottom * xs.firstWeight[x];
        sums[bottom + right] += v * weightBottom * xs.secondWeight[x];
      }
    } else if (top === bottom) {
      addRowTerms(sums, top, values, row, xs, weightTop, weightBottom);
    } else {
      addRowTerms(sums, top, values, row, xs, weightTop, null);
      addRowTerms(sums, bottom, values, row, xs, weightBottom, null);
    }
  }
  return { sums, pixelsPerBlock: (width / GRID) * (height / GRID) };
}

/**
 * The 256 bits from the block sums: per horizontal band of 4 block rows, 1 where a block is above the band's
 * median (or equal to a median in the upper half of the value range). Bit k of blockhash-core's bit string
 * (its hex, most significant first) is bit 255 - k of the value, so wordsToHex gives blockhash-core's hex.
 */
function bitsFromSums(sums: Float64Array, pixelsPerBlock: number): Uint32Array {
  const halfBlockValue = (pixelsPerBlock * 256 * 3) / 2;
  const bandSize = BLOCKHASH_BITS / 4;
  const words = new Uint32Array(BLOCKHASH_BITS / 32);
  for (let band = 0; band < 4; band++) {
    const sorted = sums.slice(band * bandSize, (band + 1) * bandSize).sort();
    const m = (sorted[bandSize / 2 - 1] + sorted[bandSize / 2]) / 2;
    for (let k = band * bandSize; k < (band + 1) * bandSize; k++) {
      const v = sums[k];
      if (v > m || (Math.abs(v - m) < 1 && m > halfBlockValue)) {
        const bit = BLOCKHASH_BITS - 1 - k;
        words[bit >>> 5] |= 1 << (bit & 31);
      }
    }
  }
  return words;
}

/** blockhash (16×16, precise method) of a decoded image: equal bit for bit to blockhash-core's bmvbhash(…, 16). */
export function blockhashFromImage(image: DecodedImage): PerceptualHash {
  const even = image.width % GRID === 0 && image.height % GRID === 0;
  const { sums, pixelsPerBlock } = even ? evenBlockSums(image) : weightedBlockSums(image);
  return { value: bitsFromSums(sums, pixelsPerBlock) };
}

/**
 * blockhash as a signal type: 64-digit hex equal to blockhash-python's `blockhash16` text, Hamming distance.
 * The default threshold (10 of 256 bits) keeps re-encodes, resizes and brightness changes of the conformance
 * set's base image while staying far below the distances between unrelated images; matching tunes it.
 */
export const blockhashSignalType: PerceptualSignalType = {
  name: 'blockhash',
  source: 'pixels',
  bits: BLOCKHASH_BITS,
  comparison: 'hamming',
  defaultThreshold: 10,
  minMatchQuality: 0,
  parse: (text) => hexToWords(text, BLOCKHASH_BITS),
  format: (value) => wordsToHex(value, BLOCKHASH_BITS),
  distance: (a, b) => hammingDistance(a, b),
  compute: (image) => blockhashFromImage(image),
};
