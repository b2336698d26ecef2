/**
 * Seeded generators of 256-bit code sets for the index tests: random, clustered near-duplicates,
 * degenerate (all-zero, striped, sharing whole bands) and exact duplicates. Deterministic per seed.
 */

/** A seeded 32-bit PRNG (mulberry32): the same seed gives the same sequence on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Integer in [0, n). */
export function below(rnd: () => number, n: number): number {
  return Math.floor((rnd() / 2 ** 32) * n);
}

/** Flips `flips` distinct random bits of the code at word offset `off`. */
export function flipBits(rnd: () => number, codes: Uint32Array, off: number, flips: number): void {
  const seen = new Set<number>();
  while (seen.size < flips) {
    const b = below(rnd, 256);
    if (seen.has(b)) continue;
    seen.add(b);
    codes[off + (b >> 5)] ^= 1 << (b & 31);
  }
}

/** `count` uniformly random codes. */
export function randomCodes(rnd: () => number, count: number): Uint32Array {
  const codes = new Uint32Array(count * 8);
  for (let i = 0; i < codes.length; i++) codes[i] = rnd();
  return codes;
}

/** Kinds of code sets the exactness tests cover. */
export type CodeSetKind = 'random' | 'clustered' | 'degenerate' | 'duplicates' | 'mixed';

/**
 * A code set of the given kind: 'clustered' = a few centres each with many codes 0–40 bits away;
 * 'degenerate' = all-zero, all-one, striped and sparse codes that share whole bands (piling into single
 * buckets); 'duplicates' = few distinct values repeated; 'mixed' = all of these plus random codes.
 */
export function codeSet(kind: CodeSetKind, rnd: () => number, count: number): Uint32Array {
  const codes = new Uint32Array(count * 8);
  const centres = randomCodes(rnd, 6);
  const stripes = [0x00000000, 0xffffffff, 0x55555555, 0xaaaaaaaa, 0x0f0f0f0f, 0xff00ff00, 0x00ff00ff];
  for (let i = 0; i < count; i++) {
    const off = i * 8;
    const k = kind === 'mixed' ? (['random', 'clustered', 'degenerate', 'duplicates'] as const)[i % 4] : kind;
    if (k === 'random') {
      for (let w = 0; w < 8; w++) codes[off + w] = rnd();
    } else if (k === 'clustered') {
      const c = below(rnd, centres.length) * 8;
      for (let w = 0; w < 8; w++) codes[off + w] = centres[c + w];
      flipBits(rnd, codes, off, below(rnd, 41));
    } else if (k === 'degenerate') {
      const s = stripes[below(rnd, stripes.length)];
      for (let w = 0; w < 8; w++) codes[off + w] = s;
      flipBits(rnd, codes, off, below(rnd, 6)); // a few bits off a stripe: same keys in most bands
    } else {
      const c = below(rnd, 3) * 8;
      for (let w = 0; w < 8; w++) codes[off + w] = centres[c + w];
    }
  }
  return codes;
}

/** Queries against a set: stored codes with 0–`maxFlips` bits flipped, plus random codes (mostly misses). */
export function queriesFor(rnd: () => number, codes: Uint32Array, count: number, queries: number, maxFlips: number): Uint32Array {
  const out = new Uint32Array(queries * 8);
  for (let q = 0; q < queries; q++) {
    const off = q * 8;
    if (q % 3 === 2 || count === 0) {
      for (let w = 0; w < 8; w++) out[off + w] = rnd();
    } else {
      const src = below(rnd, count) * 8;
      for (let w = 0; w < 8; w++) out[off + w] = codes[src + w];
      flipBits(rnd, out, off, below(rnd, maxFlips + 1));
    }
  }
  return out;
}
