/**
 * Exact linear scan for a batch of queries, blocked: the codes are visited one cache-sized block at a
 * time and every query of the batch is compared with the block while it is in cache, so one read of
 * memory serves the whole batch. The comparison runs in the WebAssembly kernel (scan-wasm.ts: hardware
 * popcount), or in plain JS with SWAR popcounts where WebAssembly is unavailable or 'js' is asked.
 */
import { HitCollector, NO_HITS, type BatchHits } from './batch-hits.js';
import { createScanKernel, type ScanKernel } from './scan-wasm.js';

/** Codes per block: 4096 × 32 bytes = 128 KiB, well inside a core's L2 cache. */
export const BLOCK_CODES = 4096;

/** Which comparison loop a scan uses: 'auto' = WebAssembly when available, else JS. */
export type ScanKernelChoice = 'auto' | 'wasm' | 'js';

const HEADER_BYTES = 64;
/** Hits the kernel's buffer holds per call (at least two queries' worth of one block). */
const OUT_HITS = 4 * BLOCK_CODES;
const PAGE = 65536;

/** The kernel instance and its memory layout: header, hit buffer, block, then the batch's queries. */
class WasmScanner {
  private readonly kernel: ScanKernel;
  private readonly outAt = HEADER_BYTES;
  private readonly blockAt = HEADER_BYTES + OUT_HITS * 8;
  private readonly queriesAt = this.blockAt + BLOCK_CODES * 32;
  private words: Uint32Array;

  constructor(kernel: ScanKernel) {
    this.kernel = kernel;
    this.words = new Uint32Array(kernel.memory.buffer);
  }

  /** Memory views are replaced whenever the kernel memory grows. */
  private room(queryCount: number): Uint32Array {
    const needed = this.queriesAt + queryCount * 32;
    const have = this.kernel.memory.buffer.byteLength;
    if (needed > have) this.kernel.memory.grow(Math.ceil((needed - have) / PAGE));
    if (this.words.buffer !== this.kernel.memory.buffer) this.words = new Uint32Array(this.kernel.memory.buffer);
    return this.words;
  }

  scan(codes: Uint32Array, count: number, queries: Uint32Array, queryCount: number, radius: number, out: HitCollector): void {
    const padded = queryCount + (queryCount & 1);
    const words = this.room(padded);
    words.set(queries.subarray(0, queryCount * 8), this.queriesAt / 4);
    if (padded > queryCount) words.copyWithin(this.queriesAt / 4 + queryCount * 8, this.queriesAt / 4 + (queryCount - 1) * 8, this.queriesAt / 4 + queryCount * 8);
    const scan = this.kernel.scan;
    const outWord = this.outAt / 4;
    const r = Math.min(radius, 256);
    for (let b0 = 0; b0 < count; b0 += BLOCK_CODES) {
      const n = Math.min(BLOCK_CODES, count - b0);
      words.set(codes.subarray(b0 * 8, (b0 + n) * 8), this.blockAt / 4);
      let q = 0;
      while (q < padded) {
        q = scan(this.blockAt, n, this.queriesAt, q, padded, r, this.outAt, OUT_HITS);
        const h = words[0];
        for (let k = 0, w = outWord; k < h; k++, w += 2) {
          const packed = words[w + 1];
          if (words[w] < queryCount) out.push(words[w], b0 + (packed >>> 9), packed & 511);
        }
      }
    }
  }
}

let wasm: WasmScanner | null | undefined;

function wasmScanner(): WasmScanner | null {
  if (wasm === undefined) {
    const kernel = createScanKernel();
    wasm = kernel ? new WasmScanner(kernel) : null;
  }
  return wasm;
}

/** True when the WebAssembly kernel can run here. */
export function wasmScanAvailable(): boolean {
  return wasmScanner() !== null;
}

/** SWAR popcount of a 32-bit value. */
function pop(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

function jsScan(codes: Uint32Array, count: number, queries: Uint32Array, queryCount: number, radius: number, out: HitCollector): void {
  for (let b0 = 0; b0 < count; b0 += BLOCK_CODES) {
    const b1 = Math.min(count, b0 + BLOCK_CODES);
    for (let q = 0; q < queryCount; q++) {
      const o = q * 8;
      const q0 = queries[o], q1 = queries[o + 1], q2 = queries[o + 2], q3 = queries[o + 3];
      const q4 = queries[o + 4], q5 = queries[o + 5], q6 = queries[o + 6], q7 = queries[o + 7];
      for (let i = b0, off = b0 * 8; i < b1; i++, off += 8) {
        const d =
          pop(codes[off] ^ q0) + pop(codes[off + 1] ^ q1) + pop(codes[off + 2] ^ q2) + pop(codes[off + 3] ^ q3) +
          pop(codes[off + 4] ^ q4) + pop(codes[off + 5] ^ q5) + pop(codes[off + 6] ^ q6) + pop(codes[off + 7] ^ q7);
        if (d <= radius) out.push(q, i, d);
      }
    }
  }
}

/**
 * Adds to `out` every (query, position, distance) with distance ≤ radius, for queries 0 … queryCount−1
 * of `queries` (8 words each) against the first `count` codes.
 * Exact; each pair at most once.
 */
export function blockedScanInto(
  codes: Uint32Array,
  count: number,
  queries: Uint32Array,
  queryCount: number,
  radius: number,
  out: HitCollector,
  kernel: ScanKernelChoice = 'auto',
): void {
  if (!(radius >= 0) || count === 0 || queryCount === 0) return;
  const scanner = kernel === 'js' ? null : wasmScanner();
  if (kernel === 'wasm' && scanner === null) throw new Error('the WebAssembly scan kernel is not available here');
  if (scanner) scanner.scan(codes, count, queries, queryCount, Math.floor(radius), out);
  else jsScan(codes, count, queries, queryCount, Math.floor(radius), out);
}

/**
 * Every code among the first `count` of `codes` within `radius` of each of the `queryCount` queries of
 * `queries` (8 words each), as BatchHits: per query by distance then position. Exact; radius < 0 gives none.
 */
export function blockedScan(
  codes: Uint32Array,
  count: number,
  queries: Uint32Array,
  queryCount: number,
  radius: number,
  kernel: ScanKernelChoice = 'auto',
): BatchHits {
  if (queryCount === 0) return NO_HITS;
  const out = new HitCollector();
  blockedScanInto(codes, count, queries, queryCount, radius, out, kernel);
  return out.finish(queryCount);
}
