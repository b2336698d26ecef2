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

/** A code's region variants by name (pdq-regions.ts): `content` is the picture inside its borders. */
export type NamedRegions = ReadonlyArray<{ readonly name: string; readonly value: Uint32Array }>;

/**
 * Largest pairwise distance among `codes` (8 words each). A pair's distance is the smallest of the
 * comparisons grouping makes: the plain codes; each code's rotated/flipped `variants` against the other's
 * plain code; each one's `content` region against the other's plain code or content; and the same crop
 * region of both. So a mirrored, letterboxed or cropped copy counts as close. The first farthest pair in
 * (i, j) order wins; 0 and (0, 0) for fewer than two codes. Pairs for which `skip(i, j)` is true are left out. Exact: O(n²) comparisons, which the bundle
 * sizes of a scan keep small.
 */
export function largestDistance(
  codes: readonly Uint32Array[],
  variants: ReadonlyArray<readonly Uint32Array[]> = [],
  regions: ReadonlyArray<NamedRegions> = [],
  skip?: (i: number, j: number) => boolean,
): FarthestPair {
  const n = codes.length;
  const flat = new Uint32Array(n * 8);
  codes.forEach((c, i) => flat.set(c, i * 8));
  let best: FarthestPair = { distance: 0, i: 0, j: n > 1 ? 1 : 0 };
  for (let i = 0; i < n; i++) {
    const vi = variants[i] ?? [];
    const ri = regions[i] ?? [];
    for (let j = i + 1; j < n; j++) {
      if (skip !== undefined && skip(i, j)) continue;
      let d = hamming256At(flat, i * 8, flat, j * 8);
      for (const v of vi) if (d > 0) d = Math.min(d, hamming256At(v, 0, flat, j * 8));
      for (const v of variants[j] ?? []) if (d > 0) d = Math.min(d, hamming256At(v, 0, flat, i * 8));
      if (d > 0 && ri.length > 0) d = Math.min(d, regionDistance(ri, regions[j] ?? [], flat, i, j));
      else if (d > 0) for (const r of regions[j] ?? []) if (r.name === 'content') d = Math.min(d, hamming256At(r.value, 0, flat, i * 8));
      if (d > best.distance) best = { distance: d, i, j };
    }
  }
  return best;
}

/** Smallest distance through regions: content against the other's plain code or content, same-name crops. */
function regionDistance(ri: NamedRegions, rj: NamedRegions, flat: Uint32Array, i: number, j: number): number {
  let d = 256;
  for (const a of ri) {
    if (a.name === 'content') d = Math.min(d, hamming256At(a.value, 0, flat, j * 8));
    for (const b of rj) if (b.name === a.name) d = Math.min(d, hamming256At(a.value, 0, b.value, 0));
  }
  for (const b of rj) if (b.name === 'content') d = Math.min(d, hamming256At(b.value, 0, flat, i * 8));
  return d;
}
