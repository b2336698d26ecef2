/**
 * Workloads for matching benchmarks: seeded uniformly random 256-bit codes (the hardest case for
 * multi-index hashing: no structure to exploit) and query sets mixing near-duplicates of stored codes
 * (hits) with unrelated random codes (misses) in a chosen proportion. Deterministic per seed.
 */

/** A seeded xorshift32 stream of 32-bit words; the same seed gives the same stream. */
export function wordStream(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** `count` random 256-bit codes, 8 words each, in one array; the same (count, seed) gives the same codes. */
export function randomCodes(count: number, seed: number): Uint32Array {
  const next = wordStream(seed);
  const codes = new Uint32Array(count * 8);
  for (let i = 0; i < codes.length; i++) codes[i] = next();
  return codes;
}

/** Names of the query mixes. */
export type QueryMixName = 'hit-heavy' | 'mixed' | 'miss-heavy';

/** The query mixes: the share of queries that are near-duplicates of a stored code. */
export const QUERY_MIXES: Readonly<Record<QueryMixName, { readonly nearFraction: number; readonly description: string }>> = {
  'hit-heavy': { nearFraction: 1, description: 'every query a near-duplicate of a stored code (0 to radius bits flipped)' },
  mixed: { nearFraction: 0.5, description: 'half near-duplicates of stored codes (0 to radius bits flipped), half unrelated random codes' },
  'miss-heavy': { nearFraction: 0, description: 'every query an unrelated random code (almost never within the radius of a stored code)' },
};

/** True when `name` is one of QUERY_MIXES. */
export function isQueryMix(name: string): name is QueryMixName {
  return Object.hasOwn(QUERY_MIXES, name);
}

/** A query set: query q is words 8q…8q+7 of `flat`; `sources[q]` is the stored code it was derived from, or −1. */
export interface QuerySet {
  readonly flat: Uint32Array;
  readonly count: number;
  readonly sources: Int32Array;
}

/**
 * `queries` queries against the first `count` codes of `codes`: a fraction QUERY_MIXES[mix].nearFraction
 * of them, spread evenly through the set (so every contiguous block has about that share), copy a
 * random stored code and flip k distinct bits, k uniform in 0…min(radius, 256): each such query is
 * within `radius` of its source. The others are random codes. Needs count ≥ 1 when the mix has near queries.
 */
export function makeQueries(codes: Uint32Array, count: number, queries: number, radius: number, mix: QueryMixName, seed: number): QuerySet {
  const fraction = QUERY_MIXES[mix].nearFraction;
  if (fraction > 0 && count < 1) throw new RangeError('near-duplicate queries need at least one stored code');
  const next = wordStream(seed ^ 0x5bd1e995);
  const flat = new Uint32Array(queries * 8);
  const sources = new Int32Array(queries).fill(-1);
  const maxFlips = Math.max(0, Math.min(256, Math.floor(radius)));
  const flipped = new Uint8Array(256);
  for (let q = 0; q < queries; q++) {
    const off = q * 8;
    const near = Math.floor((q + 1) * fraction) > Math.floor(q * fraction);
    if (!near) {
      for (let w = 0; w < 8; w++) flat[off + w] = next();
      continue;
    }
    const src = next() % count;
    sources[q] = src;
    flat.set(codes.subarray(src * 8, src * 8 + 8), off);
    const flips = next() % (maxFlips + 1);
    flipped.fill(0);
    for (let f = 0; f < flips; ) {
      const bit = next() & 255;
      if (flipped[bit]) continue;
      flipped[bit] = 1;
      flat[off + (bit >> 5)] ^= 1 << (bit & 31);
      f++;
    }
  }
  return { flat, count: queries, sources };
}
