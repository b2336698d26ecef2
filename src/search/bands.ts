/**
 * Band arithmetic for exact multi-index Hamming search over 256-bit codes (8 Uint32 words, bit b is bit
 * (b & 31) of word (b >> 5)). Pure functions and small caches only: no I/O.
 *
 * Why it is exact (pigeonhole, Norouzi et al.): split the 256 bits into m bands and write the search
 * radius r = m·s + a with 0 ≤ a < m. If two codes are within r, then one of the first a+1 bands differs
 * by at most s bits, or one of the other bands differs by at most s−1 bits: otherwise the total would be
 * at least (a+1)(s+1) + (m−a−1)s = r+1. So probing every key within those per-band radii finds every code
 * within r; candidates are then verified with the full popcount.
 */

/** Number of bits in the codes this module handles. */
export const CODE_BITS = 256;
/** Number of 32-bit words per code. */
export const CODE_WORDS = 8;

/** How the 256 bits are cut into bands; bands are consecutive bit ranges, in order from bit 0. */
export interface BandLayout {
  /** Number of bands (m). */
  readonly count: number;
  /** Width of each band in bits (all within one of each other, widest first). */
  readonly widths: Uint8Array;
  /** First bit of each band. */
  readonly starts: Uint16Array;
  /** Word holding the band's first bit. */
  readonly word: Uint8Array;
  /** Shift of the band's first bit inside that word. */
  readonly shift: Uint8Array;
  /** Mask of `width` low bits (as a signed int, for bit ops). */
  readonly mask: Int32Array;
  /** 1 when the band continues into the next word. */
  readonly spans: Uint8Array;
}

/** Smallest and largest band counts a layout accepts (bands are 1 to 32 bits wide). */
export const MIN_BANDS = 8;
export const MAX_BANDS = 256;

/** Layout of `count` bands over 256 bits with widths as equal as possible; throws RangeError outside 8…256. */
export function bandLayout(count: number): BandLayout {
  if (!Number.isInteger(count) || count < MIN_BANDS || count > MAX_BANDS) {
    throw new RangeError(`band count must be an integer in ${MIN_BANDS}..${MAX_BANDS}, got ${count}`);
  }
  const base = Math.floor(CODE_BITS / count);
  const wider = CODE_BITS - base * count; // this many bands get one extra bit
  const widths = new Uint8Array(count);
  const starts = new Uint16Array(count);
  const word = new Uint8Array(count);
  const shift = new Uint8Array(count);
  const mask = new Int32Array(count);
  const spans = new Uint8Array(count);
  let start = 0;
  for (let b = 0; b < count; b++) {
    const w = b < wider ? base + 1 : base;
    widths[b] = w;
    starts[b] = start;
    word[b] = start >>> 5;
    shift[b] = start & 31;
    mask[b] = w === 32 ? -1 : (1 << w) - 1;
    spans[b] = (start & 31) + w > 32 ? 1 : 0;
    start += w;
  }
  return { count, widths, starts, word, shift, mask, spans };
}

/**
 * Band count for an in-memory index of n codes: round(256 / (log2 n + 3)), clamped to [min, max].
 * Plain 256/log2 n makes buckets hold about one code; the +3 makes them about 8× sparser, because on
 * this hardware verifying a candidate (a random cache/TLB miss, ~170 ns) costs about 7 bucket probes
 * (~25 ns, they overlap). Measured optimum: 11 bands at 1M codes, 10 at 10M. The default minimum of
 * 10 keeps bands ≤ 26 bits (occupancy bitmaps ≤ 16 MB per band).
 */
export function chooseBandCount(n: number, min = 10, max = 64): number {
  const lg = Math.log2(Math.max(2, n));
  const m = Math.round(CODE_BITS / (lg + 3));
  return Math.min(Math.max(m, Math.max(min, MIN_BANDS)), Math.min(max, MAX_BANDS));
}

/** The key of band `b` of the code at word offset `off` of `codes`: an unsigned integer below 2^width. */
export function bandKey(layout: BandLayout, b: number, codes: Uint32Array, off: number): number {
  const w = off + layout.word[b];
  const sh = layout.shift[b];
  let k = codes[w] >>> sh;
  if (layout.spans[b] === 1) k |= codes[w + 1] << (32 - sh);
  return (k & layout.mask[b]) >>> 0;
}

/**
 * Per-band probe radii for search radius r (Norouzi's tighter split): with r = m·s + a, the first a+1
 * bands get s and the others s−1 (−1 means the band is not probed). Radii are capped at the band width.
 */
export function bandRadii(layout: BandLayout, radius: number): Int16Array {
  const m = layout.count;
  const out = new Int16Array(m);
  if (radius < 0) return out.fill(-1);
  const s = Math.floor(radius / m);
  const a = radius - m * s;
  for (let b = 0; b < m; b++) out[b] = Math.min(b <= a ? s : s - 1, layout.widths[b]);
  return out;
}

const BINOMIAL: number[][] = [];
/** n choose k as a double (exact for every n ≤ 64). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let row = BINOMIAL[n];
  if (!row) {
    row = [1];
    for (let i = 1; i <= n; i++) row[i] = (row[i - 1] * (n - i + 1)) / i;
    BINOMIAL[n] = row;
  }
  return row[k];
}

/** Number of keys within Hamming distance `radius` of a `width`-bit key (itself included; 0 when radius < 0). */
export function probeCount(width: number, radius: number): number {
  let total = 0;
  for (let d = 0; d <= Math.min(radius, width); d++) total += binomial(width, d);
  return total;
}

/** Total number of bucket probes one query makes at `radius` with this layout. */
export function totalProbes(layout: BandLayout, radius: number): number {
  const radii = bandRadii(layout, radius);
  let total = 0;
  for (let b = 0; b < layout.count; b++) total += probeCount(layout.widths[b], radii[b]);
  return total;
}

/**
 * Calls `visit(mask)` for every `width`-bit mask with at most `radius` bits set, in order of popcount
 * (0 first), each exactly once. Iterative over bit positions; allocates one small array per call.
 */
export function forEachFlipMask(width: number, radius: number, visit: (mask: number) => void): void {
  if (width < 1 || width > 32) throw new RangeError(`width must be 1..32, got ${width}`);
  const maxD = Math.min(radius, width);
  if (maxD < 0) return;
  const pos = new Int8Array(Math.max(1, maxD));
  visit(0);
  for (let d = 1; d <= maxD; d++) {
    // positions pos[0] < … < pos[d-1], starting at 0 … d-1
    let mask = 0;
    for (let i = 0; i < d; i++) {
      pos[i] = i;
      mask |= 1 << i;
    }
    for (;;) {
      visit(mask >>> 0);
      // advance the rightmost position that can still move right
      let i = d - 1;
      while (i >= 0 && pos[i] === width - d + i) i--;
      if (i < 0) break;
      mask ^= 1 << pos[i];
      pos[i]++;
      mask ^= 1 << pos[i];
      for (let j = i + 1; j < d; j++) {
        mask ^= 1 << pos[j];
        pos[j] = pos[j - 1] + 1;
        mask ^= 1 << pos[j];
      }
    }
  }
}

/** Calls `visit(k)` for every `width`-bit key k within Hamming distance `radius` of `key`, each once. */
export function forEachKeyWithin(key: number, width: number, radius: number, visit: (key: number) => void): void {
  forEachFlipMask(width, radius, (mask) => visit((key ^ mask) >>> 0));
}

/** Largest mask table flipMasks builds (keys beyond this are better served by a linear scan). */
export const MAX_FLIP_MASKS = 1 << 22;

const MASK_CACHE = new Map<number, Uint32Array>();

/**
 * All `width`-bit masks with at most `radius` bits set, as a cached, shared (do not modify) array in
 * forEachFlipMask order. Throws RangeError when there would be more than MAX_FLIP_MASKS of them.
 */
export function flipMasks(width: number, radius: number): Uint32Array {
  const r = Math.min(radius, width);
  if (r < 0) return new Uint32Array(0);
  const cacheKey = width * 64 + r;
  let masks = MASK_CACHE.get(cacheKey);
  if (masks) return masks;
  const n = probeCount(width, r);
  if (n > MAX_FLIP_MASKS) throw new RangeError(`${n} probe keys for width ${width}, radius ${r}: too many`);
  masks = new Uint32Array(n);
  let i = 0;
  const out = masks;
  forEachFlipMask(width, r, (mask) => {
    out[i++] = mask;
  });
  MASK_CACHE.set(cacheKey, masks);
  return masks;
}
