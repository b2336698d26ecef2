/**
 * The PDQ core on raw pixel buffers (no image decoder): our hashes and qualities must equal the reference
 * C++ core's values in fixtures/conformance/expected.tsv bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { wordsToHex } from '../src/hashing/bits.js';
import { downsampleLuma } from '../src/hashing/pdq-downsample.js';
import { lumaFromPixels, pdqFromLuma, pdqFromPixels, pdqSignalType, resizeForCli512 } from '../src/hashing/pdq.js';
import type { DecodedImage } from '../src/hashing/signal-type.js';
import { modelDownsample } from './pdq-model.js';
import { rawFixture, reference, seededBytes, type RawImage } from './pdq-fixtures.js';

const hex = (words: Uint32Array): string => wordsToHex(words, 256);

function decoded(img: RawImage): DecodedImage {
  return { ...img, alpha: null, format: 'raw' };
}

/** Hex and quality by every public route from pixels to a PDQ hash (they must all agree). */
function hashEveryWay(img: RawImage, flavour: 'full' | 'cli512' = 'full'): { hex: string; quality: number }[] {
  const { pixels, width, height, channels } =
    flavour === 'cli512' ? { ...resizeForCli512(img.pixels, img.width, img.height, img.channels), channels: img.channels } : img;
  const viaLuma = pdqFromLuma(lumaFromPixels(pixels, width, height, channels), width, height);
  const viaPixels = pdqFromPixels(pixels, width, height, channels);
  const viaSignal = pdqSignalType.compute(decoded(img), { pdqFlavour: flavour });
  return [
    { hex: hex(viaLuma.hash), quality: viaLuma.quality },
    { hex: hex(viaPixels.hash), quality: viaPixels.quality },
    { hex: hex(viaSignal.value), quality: viaSignal.quality ?? -1 },
  ];
}

describe('PDQ core equals the reference on raw pixels', () => {
  it.each([
    ['plasma-c-64x64.png', 'exactly 64×64: no box filter'],
    ['rose-210x138.png', 'RGB photo-like'],
    ['granite-128.png', 'noise texture'],
    ['gradient-400x300.png', 'low quality'],
    ['text-600x220.png', 'single-channel grey, Y = v'],
    ['checker-1024.png', 'grey, larger than 512'],
    ['logo-640x480.png', 'RGB, larger than 512'],
  ])('%s (%s): full-resolution hash and quality', (file) => {
    const expected = reference(file);
    for (const got of hashEveryWay(rawFixture(file))) {
      expect(got).toEqual({ hex: expected.pdq, quality: expected.pdqQuality });
    }
  });

  it('an image under 5 pixels on a side hashes to all zeros with quality 0 (as tiny-4x4.png does)', () => {
    const zero = reference('tiny-4x4.png');
    expect(zero.pdq).toBe('0'.repeat(64));
    for (const [width, height] of [[4, 4], [3, 10], [10, 4], [1000, 4]]) {
      for (const channels of [1, 3] as const) {
        const img = { pixels: seededBytes(width * height * channels, width * 31 + height), width, height, channels };
        for (const got of hashEveryWay(img)) expect(got).toEqual({ hex: zero.pdq, quality: 0 });
      }
    }
  });

  it('a flat image has quality 0 and still the reference value (solid-grey-200.png is all 128)', () => {
    const expected = reference('solid-grey-200.png');
    const img: RawImage = { pixels: new Uint8Array(200 * 200).fill(128), width: 200, height: 200, channels: 1 };
    for (const got of hashEveryWay(img)) expect(got).toEqual({ hex: expected.pdq, quality: 0 });
    expect(expected.pdqQuality).toBe(0);
  });

  it('grey luma is the sample value itself, not the RGB formula on R = G = B', () => {
    const grey = Uint8Array.from({ length: 256 }, (_, v) => v);
    const rgb = new Uint8Array(256 * 3).map((_, i) => Math.floor(i / 3));
    expect(Array.from(lumaFromPixels(grey, 16, 16, 1))).toEqual(Array.from(grey));
    // The float32 formula is not exact for every grey level (e.g. 15 gives 15.000001), which is why grey
    // input takes its own path; the two must differ somewhere or this test proves nothing.
    expect(Array.from(lumaFromPixels(rgb, 16, 16, 3))).not.toEqual(Array.from(grey));
  });

  it('rejects a pixel or luma buffer shorter than its stated size', () => {
    expect(() => pdqFromPixels(new Uint8Array(10 * 10 * 3 - 1), 10, 10, 3)).toThrow(RangeError);
    expect(() => lumaFromPixels(new Uint8Array(99), 10, 10, 1)).toThrow(RangeError);
    expect(() => pdqFromLuma(new Float32Array(99), 10, 10)).toThrow(RangeError);
  });

  it('does not modify the luma it is given', () => {
    const img = rawFixture('rose-210x138.png');
    const luma = lumaFromPixels(img.pixels, img.width, img.height, 3);
    const copy = luma.slice();
    pdqFromLuma(luma, img.width, img.height);
    expect(luma).toEqual(copy);
  });
});

describe('CLI-512 flavour', () => {
  it.each(['checker-1024.png', 'logo-640x480.png'])('%s: equals the reference CLI tool (pdq_cli512)', (file) => {
    const expected = reference(file);
    // Guard: on these images the two flavours differ, so the resize is really exercised.
    expect(expected.pdqCli512).not.toBe(expected.pdq);
    for (const got of hashEveryWay(rawFixture(file), 'cli512')) {
      expect(got).toEqual({ hex: expected.pdqCli512, quality: expected.pdqCli512Quality });
    }
  });

  it('resizes to exactly 512×512 by nearest neighbour, source index floor(k*S/512) on each axis', () => {
    const width = 700;
    const height = 300; // one axis shrinks, the other stretches
    const pixels = seededBytes(width * height * 3, 7);
    const out = resizeForCli512(pixels, width, height, 3);
    expect([out.width, out.height, out.pixels.length]).toEqual([512, 512, 512 * 512 * 3]);
    for (const [r, c] of [[0, 0], [511, 511], [100, 37], [255, 400]]) {
      const sr = Math.floor((r * height) / 512);
      const sc = Math.floor((c * width) / 512);
      for (let k = 0; k < 3; k++) expect(out.pixels[(r * 512 + c) * 3 + k]).toBe(pixels[(sr * width + sc) * 3 + k]);
    }
  });

  it('leaves images of at most 512 on both sides as they are', () => {
    const img = rawFixture('rose-210x138.png');
    expect(resizeForCli512(img.pixels, img.width, img.height, 3).pixels).toBe(img.pixels);
    const expected = reference('rose-210x138.png');
    expect(expected.pdqCli512).toBe(expected.pdq);
    expect(hex(pdqSignalType.compute(decoded(img), { pdqFlavour: 'cli512' }).value)).toBe(expected.pdq);
  });
});

describe('streamed box filter', () => {
  // Shapes chosen for the filter's edge cases: minimum size, window 1 on one axis and large on the other,
  // just off 64 and 128 multiples, and tall/wide images whose ring buffer wraps many times.
  it.each([
    [5, 5],
    [5, 700],
    [700, 5],
    [63, 65],
    [65, 64],
    [129, 131],
    [256, 255],
    [37, 1000],
    [1100, 300],
  ])('%i×%i: 64×64 result identical to the literal two-buffer algorithm', (width, height) => {
    const pixels = seededBytes(width * height * 3, width * 7919 + height);
    // Smooth the noise a little so the image has structure at several scales.
    for (let p = 3; p < pixels.length; p++) pixels[p] = (pixels[p] + pixels[p - 3]) >> 1;
    const luma = lumaFromPixels(pixels, width, height, 3);
    const ours = downsampleLuma(luma, width, height);
    const model = modelDownsample(luma, width, height);
    expect(new Uint32Array(ours.buffer)).toEqual(new Uint32Array(model.buffer));
  });
});

describe('pdq signal type', () => {
  const sample = reference('rose-210x138.png').pdq;

  it('declares the exchanges’ conventions', () => {
    expect(pdqSignalType).toMatchObject({
      name: 'pdq',
      source: 'pixels',
      bits: 256,
      comparison: 'hamming',
      defaultThreshold: 31,
      minMatchQuality: 50,
    });
  });

  it('parses and formats the reference hex losslessly (uppercase accepted, lowercase out)', () => {
    const words = pdqSignalType.parse(sample);
    expect(words).not.toBeNull();
    expect(pdqSignalType.format(words!)).toBe(sample);
    expect(pdqSignalType.format(pdqSignalType.parse(sample.toUpperCase())!)).toBe(sample);
  });

  it.each([
    ['too short', sample.slice(1)],
    ['too long', sample + '0'],
    ['non-hex digit', 'g' + sample.slice(1)],
    ['0x prefix', '0x' + sample.slice(2)],
    ['inner space', sample.slice(0, 10) + ' ' + sample.slice(11)],
    ['empty', ''],
  ])('rejects %s', (_, text) => {
    expect(pdqSignalType.parse(text)).toBeNull();
  });

  it('distance is the Hamming distance of the 256 bits', () => {
    const a = pdqSignalType.parse(sample)!;
    const flipped = a.slice();
    flipped[0] ^= 0b1011;
    flipped[7] ^= 0x80000000;
    expect(pdqSignalType.distance(a, a)).toBe(0);
    expect(pdqSignalType.distance(a, flipped)).toBe(4);
    expect(pdqSignalType.distance(a, a.map((w) => ~w >>> 0))).toBe(256);
  });
});
