/**
 * PDQ's box filters and decimation on the WebAssembly SIMD kernel (pdq-box-wasm.ts), in the streamed
 * order of the JavaScript path (pdq-downsample.ts): first-pass rows go into a ring as the column pass
 * needs them, and the second row pass keeps only the 64 decimated columns. Rows are filtered four at a
 * time, one per lane: a 4×4 transpose puts the four rows' values of a column into one vector, the filter
 * runs along the columns, and a transpose puts the results back into rows. The column pass works on four
 * adjacent columns per vector. Every value sees the float32 operations of the JavaScript path, in order.
 *
 * Memory: one kernel instance per thread, its memory grown to the largest image seen up to 64 MiB
 * (WebAssembly memory cannot shrink); an image needing more gets an instance of its own, dropped after it.
 * Pixels and luma are copied in four rows at a time, so an image needs about (window + 20) rows of
 * floats plus 512 bytes per row for the 64 kept columns (under 1 MB for 2 MP).
 */

import { createBoxKernel, type BoxKernel } from './pdq-box-wasm.js';
import { DOWNSAMPLED, type LumaSource, decimationIndices, fillLumaRows, jaroszWindow, ringRowsFor, slotOf } from './pdq-downsample-parts.js';

const PAGE = 65536;
/** Bytes of kernel memory a thread keeps between images. */
let keepBytes = 64 * 1024 * 1024;
/** This thread's kernel: undefined until first needed, null when the engine has no WebAssembly SIMD. */
let threadKernel: BoxKernel | null | undefined;

/** Whether this engine runs the kernel (compiles it on the first call). */
export function simdAvailable(): boolean {
  if (threadKernel === undefined) threadKernel = createBoxKernel();
  return threadKernel !== null;
}

/** Sets how much kernel memory a thread keeps between images (tests of the larger-image path); returns the previous value. */
export function setKernelKeepBytes(bytes: number): number {
  const previous = keepBytes;
  keepBytes = bytes;
  return previous;
}

/** A kernel whose memory holds `bytes`: this thread's (grown) within keepBytes, else a fresh one; null if none can be had. */
function kernelWithMemory(bytes: number): BoxKernel | null {
  if (!simdAvailable()) return null;
  try {
    const kernel = bytes <= keepBytes ? (threadKernel as BoxKernel) : createBoxKernel();
    if (kernel === null) return null;
    const have = kernel.memory.buffer.byteLength;
    if (have < bytes) kernel.memory.grow(Math.ceil((bytes - have) / PAGE));
    return kernel;
  } catch {
    return null; // memory could not grow: the JavaScript path allocates what it needs itself
  }
}

/** Byte layout of one image's buffers in kernel memory. */
class Layout {
  private at = 0;
  /** Reserves `bytes` (rounded up to 16) and returns their offset. */
  take(bytes: number): number {
    const offset = this.at;
    this.at += (bytes + 15) & ~15;
    return offset;
  }
  get size(): number {
    return this.at;
  }
}

/**
 * The reference's 64×64 image of a `rows`×`cols` luma source (neither side 64×64 exactly; the caller
 * copies that case), written to `out`; false (and nothing written) when the kernel cannot run here.
 */
export function downsampleSimd(source: LumaSource, rows: number, cols: number, out: Float32Array): boolean {
  const wRow = jaroszWindow(cols);
  const wCol = jaroszWindow(rows);
  const h = (wCol + 2) >> 1;
  const cols4 = (cols + 3) & ~3;
  const n4 = cols4 >> 2;
  const rowBytes = 4 * cols4;
  const narrowRowBytes = 4 * DOWNSAMPLED;
  const ringRows = ringRowsFor(wCol);
  const channels = source.channels;

  const layout = new Layout();
  const ring = layout.take(ringRows * rowBytes);
  const luma = layout.take(4 * rowBytes);
  const tmpIn = layout.take(4 * rowBytes);
  const tmpOut = layout.take(4 * rowBytes);
  const sums = layout.take(rowBytes);
  const firstPass = layout.take(4 * rowBytes);
  const narrowSums = layout.take(narrowRowBytes);
  const narrow = layout.take(((rows + 3) & ~3) * narrowRowBytes);
  const filtered = layout.take(rows * narrowRowBytes);
  const pix = layout.take(4 * cols * channels + 64); // the luma kernels read up to 16 bytes past a row
  const k = kernelWithMemory(layout.size);
  if (k === null) return false;
  const f32 = new Float32Array(k.memory.buffer);
  const u8 = new Uint8Array(k.memory.buffer);

  const colIdx = decimationIndices(cols);
  const rowIdx = decimationIndices(rows);
  const ringAt = (row: number): number => ring + 4 * slotOf(ringRows, cols4, row);

  /** Filters four rows of luma at `src` (rows `rowBytes` apart) along the rows, one row per lane, into tmpOut. */
  const filterRows = (src: number): void => {
    k.transpose(src, rowBytes, 16, tmpIn, 16, 64, n4);
    k.filter(tmpIn, tmpOut, cols, wRow);
  };

  // First row pass, four rows at a time into the ring, as the column pass asks for them.
  let produced = 0;
  const through = (row: number): void => {
    while (produced <= row) {
      const n = Math.min(4, rows - produced);
      if (source.luma !== null) {
        for (let t = 0; t < n; t++) {
          const from = (produced + t) * cols;
          f32.set(source.luma.subarray(from, from + cols), (luma >> 2) + t * cols4);
        }
      } else if (source.sample === null) {
        const rowPixels = cols * channels;
        u8.set(source.pixels.subarray(produced * rowPixels, (produced + n) * rowPixels), pix);
        for (let t = 0; t < n; t++) {
          if (channels === 3) k.lumaRgb(pix + t * rowPixels, luma + t * rowBytes, n4);
          else k.lumaGrey(pix + t * rowPixels, luma + t * rowBytes, n4);
        }
      } else {
        for (let t = 0; t < n; t++) {
          const at = (luma >> 2) + t * cols4;
          fillLumaRows(source, produced + t, 1, cols, f32.subarray(at, at + cols));
        }
      }
      filterRows(luma);
      k.transpose(tmpOut, 16, 64, ringAt(produced), rowBytes, 16, n4);
      produced += n;
    }
  };

  // First column pass, streamed; its output rows go 4 at a time through the second row pass, of which
  // only the 64 decimated columns are gathered into `narrow` (rows×64).
  f32.fill(0, sums >> 2, (sums >> 2) + cols4);
  for (let r = 0; r < h - 1; r++) {
    through(r);
    k.colAdd(sums, ringAt(r), n4);
  }
  let count = h - 1;
  const phase3Start = wCol - h + 1;
  const phase4Start = rows - h + 1;
  const narrowF = narrow >> 2;
  for (let oi = 0; oi < rows; oi++) {
    const ri = oi + h - 1;
    const li = oi - phase3Start;
    const dst = firstPass + (oi & 3) * rowBytes;
    if ((oi & 3) === 0 && oi >= phase3Start && oi + 4 <= phase4Start) {
      through(ri + 3);
      k.colAddSubWrite4(
        sums, ringAt(ri), ringAt(ri + 1), ringAt(ri + 2), ringAt(ri + 3),
        ringAt(li), ringAt(li + 1), ringAt(li + 2), ringAt(li + 3),
        firstPass, rowBytes, n4, count,
      );
      oi += 3;
    } else if (oi < phase3Start) {
      through(ri);
      k.colAddWrite(sums, ringAt(ri), dst, n4, ++count);
    } else if (oi < phase4Start) {
      through(ri);
      k.colAddSubWrite(sums, ringAt(ri), ringAt(li), dst, n4, count);
    } else {
      k.colSubWrite(sums, ringAt(li), dst, n4, --count);
    }
    if ((oi & 3) === 3 || oi === rows - 1) {
      const n = (oi & 3) + 1;
      filterRows(firstPass);
      const lanes = tmpOut >> 2;
      for (let t = 0, row = oi - n + 1; t < n; t++, row++) {
        const o = narrowF + row * DOWNSAMPLED;
        for (let c = 0; c < DOWNSAMPLED; c++) f32[o + c] = f32[lanes + 4 * colIdx[c] + t];
      }
    }
  }

  // Second column pass on the 64 kept columns, then the decimated rows.
  const n4Narrow = DOWNSAMPLED >> 2;
  f32.fill(0, narrowSums >> 2, (narrowSums >> 2) + DOWNSAMPLED);
  for (let r = 0; r < h - 1; r++) k.colAdd(narrowSums, narrow + r * narrowRowBytes, n4Narrow);
  count = h - 1;
  for (let oi = 0; oi < rows; oi++) {
    const ri = narrow + (oi + h - 1) * narrowRowBytes;
    const li = narrow + (oi - phase3Start) * narrowRowBytes;
    const dst = filtered + oi * narrowRowBytes;
    if (oi < phase3Start) k.colAddWrite(narrowSums, ri, dst, n4Narrow, ++count);
    else if (oi < phase4Start) k.colAddSubWrite(narrowSums, ri, li, dst, n4Narrow, count);
    else k.colSubWrite(narrowSums, li, dst, n4Narrow, --count);
  }
  const filteredF = filtered >> 2;
  for (let i = 0; i < DOWNSAMPLED; i++) {
    const from = filteredF + rowIdx[i] * DOWNSAMPLED;
    out.set(f32.subarray(from, from + DOWNSAMPLED), i * DOWNSAMPLED);
  }
  return true;
}

/** Bytes of kernel memory this thread keeps (0 before its first image). */
export function threadKernelBytes(): number {
  return threadKernel ? threadKernel.memory.buffer.byteLength : 0;
}
