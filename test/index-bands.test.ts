import { describe, expect, it } from 'vitest';
import { hamming256At, popcount32 } from '../src/hashing/bits.js';
import {
  bandKey,
  bandLayout,
  bandRadii,
  binomial,
  chooseBandCount,
  flipMasks,
  forEachFlipMask,
  forEachKeyWithin,
  MAX_FLIP_MASKS,
  probeCount,
  totalProbes,
} from '../src/search/bands.js';
import { below, flipBits, prng, randomCodes } from './index-fixtures.js';

/** Band key computed bit by bit from the definition (bit b = bit b&31 of word b>>5). */
function naiveKey(codes: Uint32Array, off: number, start: number, width: number): number {
  let k = 0;
  for (let i = 0; i < width; i++) {
    const bit = start + i;
    if ((codes[off + (bit >> 5)] >>> (bit & 31)) & 1) k += 2 ** i;
  }
  return k;
}

describe('bandLayout', () => {
  it('covers all 256 bits with contiguous bands whose widths differ by at most one', () => {
    for (let m = 8; m <= 256; m++) {
      const layout = bandLayout(m);
      expect(layout.count).toBe(m);
      let next = 0;
      for (let b = 0; b < m; b++) {
        expect(layout.starts[b]).toBe(next);
        next += layout.widths[b];
      }
      expect(next).toBe(256);
      const widths = Array.from(layout.widths);
      expect(Math.max(...widths) - Math.min(...widths)).toBeLessThanOrEqual(1);
      expect(Math.max(...widths)).toBeLessThanOrEqual(32);
    }
  });

  it('rejects band counts that would need bands wider than 32 bits or narrower than 1', () => {
    expect(() => bandLayout(7)).toThrow(RangeError);
    expect(() => bandLayout(257)).toThrow(RangeError);
    expect(() => bandLayout(10.5)).toThrow(RangeError);
  });
});

describe('bandKey', () => {
  it('equals the bit-by-bit definition for every band of every layout, including bands that straddle words', () => {
    const rnd = prng(1);
    const codes = randomCodes(rnd, 20);
    for (const m of [8, 9, 10, 11, 12, 13, 16, 17, 31, 64, 100, 256]) {
      const layout = bandLayout(m);
      for (let i = 0; i < 20; i++) {
        for (let b = 0; b < m; b++) {
          expect(bandKey(layout, b, codes, i * 8)).toBe(naiveKey(codes, i * 8, layout.starts[b], layout.widths[b]));
        }
      }
    }
  });

  it('gives keys of 32-bit bands as unsigned values', () => {
    const codes = new Uint32Array(8).fill(0xffffffff);
    expect(bandKey(bandLayout(8), 3, codes, 0)).toBe(0xffffffff);
  });
});

describe('bandRadii (Norouzi tighter split)', () => {
  it('is as tight as possible: probing one bit less in any band would leave a code within r unseen', () => {
    for (const m of [8, 10, 11, 12, 13, 16, 20]) {
      const layout = bandLayout(m);
      for (let r = 0; r <= 80; r++) {
        const radii = bandRadii(layout, r);
        // per-band distances radii[b] + 1 escape every probe; their sum is exactly r + 1
        let escape = 0;
        for (let b = 0; b < m; b++) escape += radii[b] + 1;
        expect(escape).toBe(r + 1);
      }
    }
  });

  it('never misses: every pair of codes within r has a band within its probe radius', () => {
    const rnd = prng(2);
    for (const m of [8, 11, 13, 16, 24]) {
      const layout = bandLayout(m);
      for (let trial = 0; trial < 400; trial++) {
        const r = below(rnd, 70);
        const pair = randomCodes(rnd, 1);
        const other = new Uint32Array(8);
        other.set(pair);
        if (trial % 2 === 0) {
          // adversarial: spread the flipped bits as evenly as possible over the bands
          for (let f = 0; f < r; f++) {
            const b = f % m;
            const bit = layout.starts[b] + Math.floor(f / m);
            if (bit < layout.starts[b] + layout.widths[b]) other[bit >> 5] ^= 1 << (bit & 31);
          }
        } else {
          flipBits(rnd, other, 0, r);
        }
        const d = hamming256At(pair, 0, other, 0);
        expect(d).toBeLessThanOrEqual(r);
        const radii = bandRadii(layout, d);
        let found = false;
        for (let b = 0; b < m; b++) {
          const kd = popcount32(bandKey(layout, b, pair, 0) ^ bandKey(layout, b, other, 0));
          if (kd <= radii[b]) found = true;
        }
        expect(found).toBe(true);
      }
    }
  });

  it('uses s for the first a+1 bands and s-1 for the rest, with -1 meaning not probed', () => {
    const layout = bandLayout(16);
    expect(Array.from(bandRadii(layout, 31))).toEqual(new Array(16).fill(1)); // 31 = 16·1 + 15
    const r15 = Array.from(bandRadii(layout, 15)); // 15 = 16·0 + 15: all bands exact
    expect(r15).toEqual(new Array(16).fill(0));
    const r3 = Array.from(bandRadii(layout, 3)); // 3 = 16·0 + 3: four bands exact, the rest skipped
    expect(r3).toEqual([0, 0, 0, 0, ...new Array(12).fill(-1)]);
    expect(Array.from(bandRadii(layout, -1))).toEqual(new Array(16).fill(-1));
  });
});

describe('probe enumeration', () => {
  it('visits exactly the keys within the radius, each once, nearest first', () => {
    for (const width of [1, 3, 8, 11]) {
      for (let radius = -1; radius <= width + 1; radius++) {
        const seen: number[] = [];
        forEachFlipMask(width, radius, (mask) => seen.push(mask));
        const expected: number[] = [];
        for (let v = 0; v < 2 ** width; v++) if (popcount32(v) <= radius) expected.push(v);
        expect([...seen].sort((a, b) => a - b)).toEqual(expected);
        for (let i = 1; i < seen.length; i++) expect(popcount32(seen[i])).toBeGreaterThanOrEqual(popcount32(seen[i - 1]));
        expect(seen.length).toBe(probeCount(width, radius));
      }
    }
  });

  it('handles full 32-bit bands and returns unsigned keys', () => {
    const keys: number[] = [];
    forEachKeyWithin(0xffffffff, 32, 1, (k) => keys.push(k));
    expect(keys.length).toBe(33);
    expect(keys[0]).toBe(0xffffffff);
    expect(keys).toContain(0x7fffffff);
    expect(keys.every((k) => k >= 0 && popcount32(k ^ 0xffffffff) <= 1)).toBe(true);
  });

  it('caches mask tables and refuses tables too large to be worth probing', () => {
    expect(flipMasks(16, 2)).toBe(flipMasks(16, 2));
    expect(flipMasks(16, 2).length).toBe(1 + 16 + 120);
    expect(flipMasks(16, -1).length).toBe(0);
    expect(probeCount(32, 8)).toBeGreaterThan(MAX_FLIP_MASKS);
    expect(() => flipMasks(32, 8)).toThrow(RangeError);
  });

  it('counts probes per query from the per-band radii', () => {
    const layout = bandLayout(16);
    expect(totalProbes(layout, 31)).toBe(16 * 17);
    expect(binomial(16, 2)).toBe(120);
    const l11 = bandLayout(11); // 31 = 11·2 + 9: ten bands within 2, one within 1
    const expected =
      Array.from(l11.widths.slice(0, 10)).reduce((s, w) => s + probeCount(w, 2), 0) + probeCount(l11.widths[10], 1);
    expect(totalProbes(l11, 31)).toBe(expected);
  });
});

describe('chooseBandCount', () => {
  it('uses fewer bands as the index grows and stays within the clamp', () => {
    let prev = Infinity;
    for (const n of [0, 1, 10, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]) {
      const m = chooseBandCount(n);
      expect(m).toBeLessThanOrEqual(prev);
      expect(m).toBeGreaterThanOrEqual(10);
      expect(m).toBeLessThanOrEqual(64);
      prev = m;
    }
    expect(chooseBandCount(1e6)).toBe(11);
    expect(chooseBandCount(1e7)).toBe(10);
  });
});
