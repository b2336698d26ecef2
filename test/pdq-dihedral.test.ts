/**
 * Dihedral PDQ variants derived from the DCT block must stand for the hash of the image actually turned
 * or mirrored, with the names meaning what they say (a wrong mapping shows as ~128 bits away).
 */
import { describe, expect, it } from 'vitest';
import { hammingDistance, wordsToHex } from '../src/hashing/bits.js';
import { pdqDihedralFromDct, pdqFromPixels, pdqSignalType } from '../src/hashing/pdq.js';
import { DIHEDRAL_NAMES } from '../src/hashing/signal-type.js';
import { rawFixture, seededBytes, TRANSFORMS, type RawImage } from './pdq-fixtures.js';

const hashOf = (img: RawImage): Uint32Array => pdqFromPixels(img.pixels, img.width, img.height, img.channels).hash;

describe('transpose variant', () => {
  it.each(['rose-210x138.png', 'logo-640x480.png', 'text-600x220.png', 'plasma-c-64x64.png'])(
    '%s: equals the hash of the transposed pixels exactly',
    (file) => {
      const img = rawFixture(file);
      const variants = pdqDihedralFromDct(pdqFromPixels(img.pixels, img.width, img.height, img.channels).dct);
      expect(wordsToHex(variants.transpose, 256)).toBe(wordsToHex(hashOf(TRANSFORMS.transpose(img)), 256));
    },
  );
});

describe('every variant approximates its own transform and no other', () => {
  // Measured distances to the explicitly transformed image: plasma-c-64x64 0 for all (no box filter, so the
  // transforms are exact up to float summation order); logo-640x480 4–16. The bounds leave a little room.
  it.each([
    ['plasma-c-64x64.png', 2],
    ['logo-640x480.png', 20],
  ])('%s: each variant within %i bits of its transformed image, far from the others', (file, bound) => {
    const img = rawFixture(file);
    const core = pdqFromPixels(img.pixels, img.width, img.height, img.channels);
    const variants = pdqDihedralFromDct(core.dct);
    for (const name of DIHEDRAL_NAMES) {
      const actual = hashOf(TRANSFORMS[name](img));
      expect(hammingDistance(variants[name], actual), name).toBeLessThanOrEqual(bound);
      // The untransformed hash and every other variant are unrelated to this transform (≈128 bits).
      expect(hammingDistance(core.hash, actual), `${name} vs original`).toBeGreaterThan(64);
      for (const other of DIHEDRAL_NAMES) {
        if (other !== name) expect(hammingDistance(variants[other], actual), `${name} vs ${other}`).toBeGreaterThan(64);
      }
    }
  });
});

describe('dihedral variants through the signal type', () => {
  it('are returned only when asked, next to the unchanged hash and quality', () => {
    const img = rawFixture('rose-210x138.png');
    const image = { ...img, alpha: null, format: 'raw' };
    const plain = pdqSignalType.compute(image, {});
    const withVariants = pdqSignalType.compute(image, { dihedral: true });
    expect(plain.dihedral).toBeUndefined();
    expect(withVariants.value).toEqual(plain.value);
    expect(withVariants.quality).toBe(plain.quality);
    expect(Object.keys(withVariants.dihedral!)).toEqual([...DIHEDRAL_NAMES]);
    const core = pdqFromPixels(img.pixels, img.width, img.height, img.channels);
    expect(withVariants.dihedral).toEqual(pdqDihedralFromDct(core.dct));
  });

  it('are all zeros for an image too small to hash', () => {
    const image = { pixels: seededBytes(4 * 4 * 3, 1), width: 4, height: 4, channels: 3 as const, alpha: null, format: 'raw' };
    const result = pdqSignalType.compute(image, { dihedral: true });
    for (const name of DIHEDRAL_NAMES) expect(wordsToHex(result.dihedral![name], 256)).toBe('0'.repeat(64));
  });
});
