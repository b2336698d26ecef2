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
 * Pixels (or the CLI-512 sample's pixels, gathered) and luma are copied in four rows at a time, so an
 * image needs about (window + 27) rows of floats plus 512 bytes per row for the 64 kept columns (under
 * 1 MB for 2 MP).
 */

import { createBoxKernel, type BoxKernel } from './pdq-box-wasm.js';
import { DOWNSAMPLED, type ImageLayout, type LumaSource, decimationIndices, imageLayout, jaroszWindow, slotOf } from './pdq-downsample-parts.js';

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

/**
 * The kernel memory of one image: its buffers' byte offsets, and the first row pass, which fills the ring
 * four rows at a time as the column pass asks for them. A class rather than closures made per call (a new
 * closure per image is a wrong call target to the optimised caller, which V8 then deoptimises).
 */
class SimdImage {
  readonly f32: Float32Array;
  readonly u8: Uint8Array;
  readonly n4: number;
  readonly rowBytes: number;
  private produced = 0;

  constructor(
    readonly k: BoxKernel,
    /** Where this image's buffers are in kernel memory. */
    readonly at: ImageLayout,
    private readonly source: LumaSource,
    private readonly rows: number,
    readonly cols: number,
  ) {
    this.f32 = new Float32Array(k.memory.buffer);
    this.u8 = new Uint8Array(k.memory.buffer);
    this.n4 = at.cols4 >> 2;
    this.rowBytes = 4 * at.cols4;
  }

  /** Byte offset in the ring of first-pass row `row`. */
  ringAt(row: number): number {
    return this.at.ring + 4 * slotOf(this.at.ringRows, this.at.cols4, row);
  }

  /** Filters four rows at `src` (rows `rowBytes` apart) along the rows, one row per lane, into tmpOut (interleaved). */
  filterRows(src: number): void {
    this.k.transpose(src, this.rowBytes, 16, this.at.tmpIn, 16, 64, this.n4);
    this.k.filter(this.at.tmpIn, this.at.tmpOut, this.cols, this.at.wRow);
  }

  /** Runs the first row pass up to row `row` (and up to three beyond, to finish a batch of four). */
  through(row: number): void {
    const { k, f32, u8, source, cols, n4, rowBytes } = this;
    const { cols4, luma, pix } = this.at;
    const channels = source.channels;
    while (this.produced <= row) {
      const produced = this.produced;
      const n = Math.min(4, this.rows - produced);
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
        // The nearest-neighbour sample's pixels, gathered into kernel memory row by row, then converted there.
        const { xs, ys, srcWidth } = source.sample;
        const pixels = source.pixels;
        for (let t = 0; t < n; t++) {
          const base = ys[produced + t] * srcWidth;
          const at = pix + t * cols * channels;
          if (channels === 3) {
            for (let c = 0, o = at; c < cols; c++, o += 3) {
              const q = 3 * (base + xs[c]);
              u8[o] = pixels[q];
              u8[o + 1] = pixels[q + 1];
              u8[o + 2] = pixels[q + 2];
            }
            k.lumaRgb(at, luma + t * rowBytes, n4);
          } else {
            for (let c = 0; c < cols; c++) u8[at + c] = pixels[base + xs[c]];
            k.lumaGrey(at, luma + t * rowBytes, n4);
          }
        }
      }
      this.filterRows(luma);
      k.transpose(this.at.tmpOut, 16, 64, this.ringAt(produced), rowBytes, 16, n4);
      this.produced = produced + n;
    }
  }
}


/**
 * The reference's 64×64 image of a `rows`×`cols` luma source (neither side 64×64 exactly; the caller
 * copies that case), written to `out`; false (and nothing written) when the kernel cannot run here.
 */
export function downsampleSimd(source: LumaSource, rows: number, cols: number, out: Float32Array): boolean {
  const layout = imageLayout(rows, cols, source.channels);
  const k = kernelWithMemory(layout.bytes);
  if (k === null) return false;
  const img = new SimdImage(k, layout, source, rows, cols);
  const { f32, n4, rowBytes } = img;
  const { sums, firstPass, narrow, narrowSums, filtered, tmpOut } = layout;
  const wCol = jaroszWindow(rows);
  const h = (wCol + 2) >> 1;
  const colIdx = decimationIndices(cols);
  const rowIdx = decimationIndices(rows);

  // First column pass, streamed; its output rows go 4 at a time through the second row pass, of which
  // only the 64 decimated columns are gathered into `narrow` (rows×64).
  f32.fill(0, sums >> 2, (sums >> 2) + layout.cols4);
  for (let r = 0; r < h - 1; r++) {
    img.through(r);
    k.colAdd(sums, img.ringAt(r), n4);
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
      img.through(ri + 3);
      k.colAddSubWrite4(
        sums, img.ringAt(ri), img.ringAt(ri + 1), img.ringAt(ri + 2), img.ringAt(ri + 3),
        img.ringAt(li), img.ringAt(li + 1), img.ringAt(li + 2), img.ringAt(li + 3),
        firstPass, rowBytes, n4, count,
      );
      oi += 3;
    } else if (oi < phase3Start) {
      img.through(ri);
      k.colAddWrite(sums, img.ringAt(ri), dst, n4, ++count);
    } else if (oi < phase4Start) {
      img.through(ri);
      k.colAddSubWrite(sums, img.ringAt(ri), img.ringAt(li), dst, n4, count);
    } else {
      k.colSubWrite(sums, img.ringAt(li), dst, n4, --count);
    }
    if ((oi & 3) === 3 || oi === rows - 1) {
      const n = (oi & 3) + 1;
      img.filterRows(firstPass);
      const lanes = tmpOut >> 2;
      for (let t = 0, row = oi - n + 1; t < n; t++, row++) {
        const o = narrowF + row * DOWNSAMPLED;
        for (let c = 0; c < DOWNSAMPLED; c++) f32[o + c] = f32[lanes + 4 * colIdx[c] + t];
      }
    }
  }

  // Second column pass on the 64 kept columns, then the decimated rows.
  const narrowRowBytes = 4 * DOWNSAMPLED;
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
