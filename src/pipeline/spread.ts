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
 * Largest pairwise distance among `codes` (8 words each). A pair's distance is the smallest between any
 * form of one and any form of the other, a form being the plain code, a rotated/flipped `variant` or a
 * region (content inside borders, crops): two copies of one picture, each transformed its own way
 * (a letterboxed and a mirrored one), meet through their forms, so only files that no form brings
 * together count as far apart. The first farthest pair in (i, j) order wins; 0 and (0, 0) for fewer
 * than two codes. Pairs for which `skip(i, j)` is true are left out. Exact: every pair is compared (a
 * pair stops early only once it cannot be the farthest), which the bundle sizes of a scan keep small.
 */
export function largestDistance(
  codes: readonly Uint32Array[],
  variants: ReadonlyArray<readonly Uint32Array[]> = [],
  regions: ReadonlyArray<NamedRegions> = [],
  skip?: (i: number, j: number) => boolean,
): FarthestPair {
  const n = codes.length;
  const forms = codes.map((c, i) => formsOf(c, variants[i] ?? [], regions[i] ?? []));
  let best: FarthestPair = { distance: 0, i: 0, j: n > 1 ? 1 : 0 };
  for (let i = 0; i < n; i++) {
    const fi = forms[i];
    for (let j = i + 1; j < n; j++) {
      if (skip !== undefined && skip(i, j)) continue;
      const d = formsDistance(fi, forms[j], best.distance);
      if (d > best.distance) best = { distance: d, i, j };
    }
  }
  return best;
}

/**
 * The smallest distance between any form in `a` and any in `b` (formsOf layouts); it stops as soon as
 * that is at most `floor` (then only "at most floor" is known), so a caller looking for larger ones skips early.
 */
export function formsDistance(a: Uint32Array, b: Uint32Array, floor = -1): number {
  let d = 257;
  for (let x = 0; x < a.length && d > floor; x += 8) {
    for (let y = 0; y < b.length && d > floor; y += 8) d = Math.min(d, hamming256At(a, x, b, y));
  }
  return d;
}

/** A code and its variants and regions back to back, 8 words each, the plain code first. */
export function formsOf(code: Uint32Array, variants: readonly Uint32Array[], regions: NamedRegions): Uint32Array {
  const out = new Uint32Array((1 + variants.length + regions.length) * 8);
  out.set(code.subarray(0, 8), 0);
  let o = 8;
  for (const v of variants) {
    out.set(v.subarray(0, 8), o);
    o += 8;
  }
  for (const r of regions) {
    out.set(r.value.subarray(0, 8), o);
    o += 8;
  }
  return out;
}
