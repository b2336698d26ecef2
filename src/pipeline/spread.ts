/**
 * The largest distance inside a group of 256-bit perceptual codes, over every pair: what single-linkage
 * grouping can hide (a chain of close pairs whose ends are far apart). Typed arrays and SWAR popcount.
 */
import { hamming256At } from '../hashing/bits.js';

/** The pair of positions (i < j) farthest apart, and their distance. */
export interface FarthestPair {
  readonly distance: number;
  readonly i: number;
  readonly j: number;
}

/**
 * Largest pairwise distance among `codes` (8 words each). A pair's distance is the smallest over the
 * plain codes and each code's rotated/flipped `variants` against the other's plain code, so a mirrored
 * copy counts as close. Pairs for which `skip(i, j)` is true are left out. The first farthest pair in (i, j)
 * order wins; 0 and (0, 0) (or (0, 1)) when no pair counts.
 * Exact: O(n²) comparisons, which the bundle sizes of a scan keep small.
 */
export function largestDistance(
  codes: readonly Uint32Array[],
  variants: ReadonlyArray<readonly Uint32Array[]> = [],
  skip?: (i: number, j: number) => boolean,
): FarthestPair {
  const n = codes.length;
  const flat = new Uint32Array(n * 8);
  codes.forEach((c, i) => flat.set(c, i * 8));
  let best: FarthestPair = { distance: 0, i: 0, j: n > 1 ? 1 : 0 };
  for (let i = 0; i < n; i++) {
    const vi = variants[i] ?? [];
    for (let j = i + 1; j < n; j++) {
      if (skip !== undefined && skip(i, j)) continue;
      let d = hamming256At(flat, i * 8, flat, j * 8);
      for (const v of vi) if (d > 0) d = Math.min(d, hamming256At(v, 0, flat, j * 8));
      for (const v of variants[j] ?? []) if (d > 0) d = Math.min(d, hamming256At(v, 0, flat, i * 8));
      if (d > best.distance) best = { distance: d, i, j };
    }
  }
  return best;
}

/** Distance of two codes (8 words each) as largestDistance counts a pair: the smallest over the plain codes and each one's variants against the other. */
export function pairDistance(a: Uint32Array, aVariants: readonly Uint32Array[], b: Uint32Array, bVariants: readonly Uint32Array[]): number {
  let d = hamming256At(a, 0, b, 0);
  for (const v of aVariants) if (d > 0) d = Math.min(d, hamming256At(v, 0, b, 0));
  for (const v of bVariants) if (d > 0) d = Math.min(d, hamming256At(v, 0, a, 0));
  return d;
}
