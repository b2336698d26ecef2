/**
 * PDQ's image-domain front end, bit-exact to the reference C++ core (docs/pdq.md, steps 2, 4 and 5):
 * float32 luma, two passes of the Jarosz box filter (rows, then columns, twice) and decimation to 64×64.
 *
 * Float32 arithmetic: `Math.fround` of a double `+ - * /` of two float32 values is exactly the float32
 * result (double rounding is innocuous for one such operation), and so is storing it into a
 * Float32Array. Every accumulator below sees exactly the reference's sequence of operations.
 *
 * Speed: the reference filters whole images into two full-size buffers. Here the passes are streamed
 * instead: rows of the first row pass go into a ring buffer just deep enough for the column window, the
 * column pass consumes them as soon as they exist, and the second pass only divides out the values that
 * decimation reads (its running sums still see every input in order). Rows are filtered four at a time
 * in lockstep so that the serial add-and-round chains of different rows overlap. Results are identical
 * to the straightforward order because no value's operation sequence changes.
 *
 * Where the engine runs WebAssembly SIMD, the same passes run on the kernel of pdq-downsample-simd.ts
 * (four lanes per vector, the same float32 operations per value); this file's JavaScript is the portable
 * fallback, and both give identical bits (test/pdq-box-simd.test.ts).
 */

import {
  DOWNSAMPLED,
  type LumaSource,
  checkPixelBuffer,
  decimationIndices,
  fillLumaRows,
  jaroszWindow,
  jsScratchFloats,
  ringRowsFor,
  slotOf,
} from './pdq-downsample-parts.js';
import { downsampleSimd } from './pdq-downsample-simd.js';

export { DOWNSAMPLED, checkPixelBuffer, lumaFromPixels, type NearestSample } from './pdq-downsample-parts.js';

/** Which code runs the box filters: `simd` (the WebAssembly kernel where the engine has it, else JavaScript) or `js`. */
export type BoxFilterPath = 'simd' | 'js';
let boxFilterPath: BoxFilterPath = 'simd';

/** Chooses the box-filter code for this thread (both give identical bits); returns the previous choice. */
export function setBoxFilterPath(path: BoxFilterPath): BoxFilterPath {
  const previous = boxFilterPath;
  boxFilterPath = path;
  return previous;
}

// ---------------------------------------------------------------- one-dimensional box filter
//
// For window w and h = floor((w+2)/2), output k is the mean of inputs k-(w-h) … k+h-1 clipped to the
// axis, kept as ONE float32 running sum: phase 1 adds h-1 inputs; phase 2 (w-h+1 outputs) adds one and
// writes sum/count; phase 3 (n-w outputs) adds the incoming input, subtracts the outgoing one, writes;
// phase 4 (h-1 outputs) subtracts and shrinks the count.

/** Box filter along one row of `cols` values (src from `so`, dst from `dOff`); masked columns only if `mask`. */
function boxRow1(
  src: Float32Array,
  so: number,
  dst: Float32Array,
  dOff: number,
  cols: number,
  w: number,
  mask: Uint8Array | null,
): void {
  const h = (w + 2) >> 1;
  let s = 0;
  let count = 0;
  let ri = so;
  let li = so;
  let oc = 0;
  for (let k = 0; k < h - 1; k++, ri++) {
    s = Math.fround(s + src[ri]);
    count++;
  }
  for (let k = 0, n = w - h + 1; k < n; k++, ri++, oc++) {
    s = Math.fround(s + src[ri]);
    count++;
    if (mask === null || mask[oc] !== 0) dst[dOff + oc] = s / count;
  }
  for (let k = 0, n = cols - w; k < n; k++, ri++, li++, oc++) {
    s = Math.fround(Math.fround(s + src[ri]) - src[li]);
    if (mask === null || mask[oc] !== 0) dst[dOff + oc] = s / count;
  }
  for (let k = 0; k < h - 1; k++, li++, oc++) {
    s = Math.fround(s - src[li]);
    count--;
    if (mask === null || mask[oc] !== 0) dst[dOff + oc] = s / count;
  }
}

/** boxRow1 on four consecutive rows in lockstep (independent accumulators kept in registers). */
function boxRow4(
  src: Float32Array,
  so: number,
  dst: Float32Array,
  dOff: number,
  cols: number,
  w: number,
  mask: Uint8Array | null,
): void {
  const h = (w + 2) >> 1;
  const c1 = cols;
  const c2 = 2 * cols;
  const c3 = 3 * cols;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let count = 0;
  let ri = so;
  let li = so;
  let oc = 0;
  for (let k = 0; k < h - 1; k++, ri++) {
    s0 = Math.fround(s0 + src[ri]);
    s1 = Math.fround(s1 + src[ri + c1]);
    s2 = Math.fround(s2 + src[ri + c2]);
    s3 = Math.fround(s3 + src[ri + c3]);
    count++;
  }
  for (let k = 0, n = w - h + 1; k < n; k++, ri++, oc++) {
    s0 = Math.fround(s0 + src[ri]);
    s1 = Math.fround(s1 + src[ri + c1]);
    s2 = Math.fround(s2 + src[ri + c2]);
    s3 = Math.fround(s3 + src[ri + c3]);
    count++;
    if (mask === null || mask[oc] !== 0) {
      const o = dOff + oc;
      dst[o] = s0 / count;
      dst[o + c1] = s1 / count;
      dst[o + c2] = s2 / count;
      dst[o + c3] = s3 / count;
    }
  }
  for (let k = 0, n = cols - w; k < n; k++, ri++, li++, oc++) {
    s0 = Math.fround(Math.fround(s0 + src[ri]) - src[li]);
    s1 = Math.fround(Math.fround(s1 + src[ri + c1]) - src[li + c1]);
    s2 = Math.fround(Math.fround(s2 + src[ri + c2]) - src[li + c2]);
    s3 = Math.fround(Math.fround(s3 + src[ri + c3]) - src[li + c3]);
    if (mask === null || mask[oc] !== 0) {
      const o = dOff + oc;
      dst[o] = s0 / count;
      dst[o + c1] = s1 / count;
      dst[o + c2] = s2 / count;
      dst[o + c3] = s3 / count;
    }
  }
  for (let k = 0; k < h - 1; k++, li++, oc++) {
    s0 = Math.fround(s0 - src[li]);
    s1 = Math.fround(s1 - src[li + c1]);
    s2 = Math.fround(s2 - src[li + c2]);
    s3 = Math.fround(s3 - src[li + c3]);
    count--;
    if (mask === null || mask[oc] !== 0) {
      const o = dOff + oc;
      dst[o] = s0 / count;
      dst[o + c1] = s1 / count;
      dst[o + c2] = s2 / count;
      dst[o + c3] = s3 / count;
    }
  }
}

/** Box filter along `nRows` consecutive rows (src from `so`, dst from `dOff`, both `cols` wide). */
function boxRows(
  src: Float32Array,
  so: number,
  dst: Float32Array,
  dOff: number,
  nRows: number,
  cols: number,
  w: number,
  mask: Uint8Array | null,
): void {
  let r = 0;
  for (; r + 4 <= nRows; r += 4) boxRow4(src, so + r * cols, dst, dOff + r * cols, cols, w, mask);
  for (; r < nRows; r++) boxRow1(src, so + r * cols, dst, dOff + r * cols, cols, w, mask);
}

// Column filtering advances one output row at a time over all columns, with one float32 accumulator
// per column in `sums` (each column sees exactly the reference's sequence of operations).

/** Phase 1 step: adds a row into the column sums. */
function colAdd(sums: Float32Array, src: Float32Array, addOff: number, cols: number): void {
  for (let c = 0; c < cols; c++) sums[c] = sums[c] + src[addOff + c];
}

/** Phase 2 step: adds a row and writes sums/count. */
function colAddWrite(
  sums: Float32Array,
  src: Float32Array,
  addOff: number,
  dst: Float32Array,
  dOff: number,
  cols: number,
  count: number,
): void {
  for (let c = 0; c < cols; c++) {
    const s = Math.fround(sums[c] + src[addOff + c]);
    sums[c] = s;
    dst[dOff + c] = s / count;
  }
}

/** Phase 3 step: adds the incoming row, subtracts the outgoing one, writes sums/count. */
function colAddSubWrite(
  sums: Float32Array,
  src: Float32Array,
  addOff: number,
  subOff: number,
  dst: Float32Array,
  dOff: number,
  cols: number,
  count: number,
): void {
  for (let c = 0; c < cols; c++) {
    const s = Math.fround(Math.fround(sums[c] + src[addOff + c]) - src[subOff + c]);
    sums[c] = s;
    dst[dOff + c] = s / count;
  }
}

/**
 * Four consecutive phase-3 steps (output rows to dOff … dOff+3·cols), each column's accumulator kept in a
 * register across the four: `a*` are the offsets of the incoming rows, `s*` of the outgoing ones.
 */
function colAddSubWrite4(
  sums: Float32Array,
  src: Float32Array,
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  s0: number,
  s1: number,
  s2: number,
  s3: number,
  dst: Float32Array,
  dOff: number,
  cols: number,
  count: number,
): void {
  const d1 = dOff + cols;
  const d2 = d1 + cols;
  const d3 = d2 + cols;
  for (let c = 0; c < cols; c++) {
    let s = Math.fround(Math.fround(sums[c] + src[a0 + c]) - src[s0 + c]);
    dst[dOff + c] = s / count;
    s = Math.fround(Math.fround(s + src[a1 + c]) - src[s1 + c]);
    dst[d1 + c] = s / count;
    s = Math.fround(Math.fround(s + src[a2 + c]) - src[s2 + c]);
    dst[d2 + c] = s / count;
    s = Math.fround(Math.fround(s + src[a3 + c]) - src[s3 + c]);
    dst[d3 + c] = s / count;
    sums[c] = s;
  }
}

/** Phase 4 step: subtracts the outgoing row and writes sums/count. */
function colSubWrite(
  sums: Float32Array,
  src: Float32Array,
  subOff: number,
  dst: Float32Array,
  dOff: number,
  cols: number,
  count: number,
): void {
  for (let c = 0; c < cols; c++) {
    const s = Math.fround(sums[c] - src[subOff + c]);
    sums[c] = s;
    dst[dOff + c] = s / count;
  }
}

/** Box filter down the columns of a whole `rows`×`cols` matrix (src → dst, same layout). */
function boxColumns(src: Float32Array, dst: Float32Array, rows: number, cols: number, w: number): void {
  const h = (w + 2) >> 1;
  const sums = new Float32Array(cols);
  for (let r = 0; r < h - 1; r++) colAdd(sums, src, r * cols, cols);
  let count = h - 1;
  for (let oi = 0; oi < rows; oi++) {
    const ri = oi + h - 1;
    const li = oi - (w - h + 1);
    if (oi < w - h + 1) colAddWrite(sums, src, ri * cols, dst, oi * cols, cols, ++count);
    else if (oi < rows - h + 1) colAddSubWrite(sums, src, ri * cols, li * cols, dst, oi * cols, cols, count);
    else colSubWrite(sums, src, li * cols, dst, oi * cols, cols, --count);
  }
}

/** Floats of downsample scratch kept between images (64 MiB): larger images get buffers of their own. */
const SCRATCH_KEEP_FLOATS = 16 * 1024 * 1024;
/** This thread's downsample scratch, grown to the largest image seen (within SCRATCH_KEEP_FLOATS). */
let scratch = new Float32Array(0);

/**
 * Hands out consecutive pieces of a scratch buffer of at least `total` floats, reused between calls
 * (fewer page faults and collections than fresh buffers per image). Pieces hold stale values: every
 * user writes before it reads, or clears.
 */
class ScratchPieces {
  private readonly buffer: Float32Array;
  private at = 0;

  constructor(total: number) {
    let buffer = scratch;
    if (buffer.length < total) {
      buffer = new Float32Array(total);
      if (total <= SCRATCH_KEEP_FLOATS) scratch = buffer;
    }
    this.buffer = buffer;
  }

  /** The next `n` floats of the buffer. */
  take(n: number): Float32Array {
    const piece = this.buffer.subarray(this.at, this.at + n);
    this.at += n;
    return piece;
  }
}


/**
 * The first row pass of `downsample`, written into a ring of `ringRows` rows in batches of four (from the
 * luma matrix, or from pixels converted a batch at a time into `lumaBatch`) as the column pass needs them.
 * Classes rather than closures made per call: a closure is a new function object on every image, which the
 * optimised `downsample` treats as a wrong call target and deoptimises on (then recompiles, at tens of ms each).
 */
class FirstRowPass {
  private produced = 0;

  constructor(
    private readonly source: LumaSource,
    private readonly ring: Float32Array,
    private readonly ringRows: number,
    private readonly rows: number,
    private readonly cols: number,
    private readonly w: number,
    private readonly lumaBatch: Float32Array | null,
  ) {}

  /** Filters rows up to `row` (and up to three beyond, to finish a batch) into the ring. */
  through(row: number): void {
    const { source, ring, ringRows, rows, cols, w, lumaBatch } = this;
    while (this.produced <= row) {
      const produced = this.produced;
      const n = Math.min(4, rows - produced);
      const slot = slotOf(ringRows, cols, produced);
      if (source.luma !== null) boxRows(source.luma, produced * cols, ring, slot, n, cols, w, null);
      else if (lumaBatch !== null) {
        fillLumaRows(source, produced, n, cols, lumaBatch);
        boxRows(lumaBatch, 0, ring, slot, n, cols, w, null);
      }
      this.produced = produced + n;
    }
  }
}

/**
 * The reference's 64×64 image (filter twice, then decimate) of a `rows`×`cols` luma image, written to
 * `out` (64×64 row-major). An image of exactly 64×64 is copied unfiltered, as the reference does.
 */
function downsample(source: LumaSource, rows: number, cols: number, out: Float32Array): void {
  if (rows === DOWNSAMPLED && cols === DOWNSAMPLED) {
    const n = DOWNSAMPLED * DOWNSAMPLED;
    if (source.luma !== null) out.set(source.luma.subarray(0, n));
    else fillLumaRows(source, 0, DOWNSAMPLED, DOWNSAMPLED, out);
    return;
  }
  if (boxFilterPath === 'simd' && downsampleSimd(source, rows, cols, out)) return;
  downsampleJs(source, rows, cols, out);
}

/** downsample's box filters and decimation in JavaScript (any size but 64×64). */
function downsampleJs(source: LumaSource, rows: number, cols: number, out: Float32Array): void {
  const wRow = jaroszWindow(cols);
  const wCol = jaroszWindow(rows);
  const h = (wCol + 2) >> 1;
  const colIdx = decimationIndices(cols);
  const rowIdx = decimationIndices(rows);
  const colMask = new Uint8Array(cols);
  for (let k = 0; k < DOWNSAMPLED; k++) colMask[colIdx[k]] = 1;

  const ringRows = ringRowsFor(wCol);
  const scratchPieces = new ScratchPieces(jsScratchFloats(rows, cols));
  const ring = scratchPieces.take(ringRows * cols);
  const lumaBatch = source.luma === null ? scratchPieces.take(4 * cols) : null;
  const rowPass = new FirstRowPass(source, ring, ringRows, rows, cols, wRow, lumaBatch);

  // First column pass, streamed; its output rows go 4 at a time through the second row pass, which keeps
  // only the 64 decimated columns (gathered into `narrow`, rows×64).
  const sums = scratchPieces.take(cols).fill(0);
  const firstPass = scratchPieces.take(4 * cols);
  const secondRows = scratchPieces.take(4 * cols);
  const narrow = scratchPieces.take(rows * DOWNSAMPLED);
  for (let r = 0; r < h - 1; r++) {
    rowPass.through(r);
    colAdd(sums, ring, slotOf(ringRows, cols, r), cols);
  }
  let count = h - 1;
  const phase3Start = wCol - h + 1;
  const phase4Start = rows - h + 1;
  for (let oi = 0; oi < rows; oi++) {
    const ri = oi + h - 1;
    const li = oi - phase3Start;
    const dOff = (oi & 3) * cols;
    if ((oi & 3) === 0 && oi >= phase3Start && oi + 4 <= phase4Start) {
      // Four phase-3 rows at once, into firstPass rows 0…3.
      rowPass.through(ri + 3);
      colAddSubWrite4(
        sums, ring,
        slotOf(ringRows, cols, ri), slotOf(ringRows, cols, ri + 1), slotOf(ringRows, cols, ri + 2), slotOf(ringRows, cols, ri + 3),
        slotOf(ringRows, cols, li), slotOf(ringRows, cols, li + 1), slotOf(ringRows, cols, li + 2), slotOf(ringRows, cols, li + 3),
        firstPass, 0, cols, count,
      );
      oi += 3;
    } else if (oi < phase3Start) {
      rowPass.through(ri);
      colAddWrite(sums, ring, slotOf(ringRows, cols, ri), firstPass, dOff, cols, ++count);
    } else if (oi < phase4Start) {
      rowPass.through(ri);
      colAddSubWrite(sums, ring, slotOf(ringRows, cols, ri), slotOf(ringRows, cols, li), firstPass, dOff, cols, count);
    } else {
      colSubWrite(sums, ring, slotOf(ringRows, cols, li), firstPass, dOff, cols, --count);
    }
    if ((oi & 3) === 3 || oi === rows - 1) {
      const n = (oi & 3) + 1;
      boxRows(firstPass, 0, secondRows, 0, n, cols, wRow, colMask);
      for (let t = 0, row = oi - n + 1; t < n; t++, row++) {
        for (let k = 0; k < DOWNSAMPLED; k++) narrow[row * DOWNSAMPLED + k] = secondRows[t * cols + colIdx[k]];
      }
    }
  }

  // Second column pass on the 64 kept columns, then the decimated rows.
  const filtered = scratchPieces.take(rows * DOWNSAMPLED);
  boxColumns(narrow, filtered, rows, DOWNSAMPLED, wCol);
  for (let i = 0; i < DOWNSAMPLED; i++) out.set(filtered.subarray(rowIdx[i] * DOWNSAMPLED, (rowIdx[i] + 1) * DOWNSAMPLED), i * DOWNSAMPLED);
}

/** The reference's 64×64 downsample of a float32 luma image (`width`×`height`, row-major); input unchanged. */
export function downsampleLuma(luma: Float32Array, width: number, height: number): Float32Array {
  if (luma.length < width * height) {
    throw new RangeError(`luma holds ${luma.length} values, ${width}x${height} needs ${width * height}`);
  }
  const out = new Float32Array(DOWNSAMPLED * DOWNSAMPLED);
  downsample({ luma, pixels: null, channels: 1, sample: null }, height, width, out);
  return out;
}

/** Same as downsampleLuma(lumaFromPixels(...)) without materialising the full luma image. */
export function downsamplePixels(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): Float32Array {
  checkPixelBuffer(pixels, width, height, channels);
  const out = new Float32Array(DOWNSAMPLED * DOWNSAMPLED);
  downsample({ luma: null, pixels, channels, sample: null }, height, width, out);
  return out;
}

/**
 * Same as downsamplePixels on the `xs.length`×`ys.length` nearest-neighbour sample of `pixels` (output
 * pixel (r, c) = source pixel (ys[r], xs[c])), reading the sampled pixels in place instead of copying them.
 */
export function downsampleNearestPixels(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
  xs: Int32Array,
  ys: Int32Array,
): Float32Array {
  checkPixelBuffer(pixels, width, height, channels);
  for (const [indices, size] of [[xs, width], [ys, height]] as const) {
    for (const i of indices) if (!(i >= 0 && i < size)) throw new RangeError(`sample index ${i} is outside 0…${size - 1}`);
  }
  const out = new Float32Array(DOWNSAMPLED * DOWNSAMPLED);
  downsample({ luma: null, pixels, channels, sample: { xs, ys, srcWidth: width } }, ys.length, xs.length, out);
  return out;
}
