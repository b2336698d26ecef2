/** Seeded 256-bit codes for grouping tests: random words, and copies with chosen bits flipped. */
import { seededRandom } from '../../bench/synthetic-images.js';
import { wordsToHex } from '../../src/hashing/bits.js';

/** Deterministic pseudo-random 32-bit words (the shared xorshift32 generator, scaled back to words). */
export function rng(seed: number): () => number {
  const next = seededRandom(seed);
  return () => next() * 0x100000000;
}

/** A random 256-bit code (8 words). */
export function randomCode(next: () => number): Uint32Array {
  const w = new Uint32Array(8);
  for (let i = 0; i < 8; i++) w[i] = next();
  return w;
}

/** A copy of `code` with exactly `bits` distinct bits flipped. */
export function flipBits(code: Uint32Array, bits: number, next: () => number): Uint32Array {
  const out = code.slice();
  const chosen = new Set<number>();
  while (chosen.size < bits) chosen.add(next() % 256);
  for (const b of chosen) out[b >> 5] ^= 1 << (b & 31);
  return out;
}

/** A 256-bit code as 64 hex digits. */
export const hex = (w: Uint32Array): string => wordsToHex(w, 256);
