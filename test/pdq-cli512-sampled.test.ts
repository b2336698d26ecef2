/**
 * The CLI-512 flavour reads the reference tool's nearest-neighbour 512×512 sample in place instead of
 * building it: the hash, quality and DCT block must be those of the materialised resize, on every shape.
 */
import { describe, expect, it } from 'vitest';
import { downsampleNearestPixels, downsamplePixels } from '../src/hashing/pdq-downsample.js';
import { pdqCli512FromPixels, pdqFromPixels, resizeForCli512 } from '../src/hashing/pdq.js';
import { seededBytes } from './pdq-fixtures.js';

/** Smooth pixels with noise, so the hash depends on every sampled pixel's position. */
function picture(width: number, height: number, channels: 1 | 3, seed: number): Uint8Array {
  const noise = seededBytes(width * height * channels, seed);
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const i = (y * width + x) * channels + c;
        out[i] = (Math.round(100 + 60 * Math.sin(x / (17 + c * 5)) + 50 * Math.cos(y / 23)) + (noise[i] & 31)) & 255;
      }
    }
  }
  return out;
}

describe('CLI-512 sampled in place equals the materialised resize', () => {
  it.each([
    [1920, 1080, 3],
    [1080, 1920, 3],
    [513, 513, 3],
    [700, 300, 3],
    [300, 700, 1],
    [1733, 1155, 1],
    [2049, 517, 3],
    [512, 900, 3],
  ] as const)('%i×%i, %i channel(s)', (width, height, channels) => {
    const pixels = picture(width, height, channels, width * 7 + height);
    const resized = resizeForCli512(pixels, width, height, channels);
    const expected = pdqFromPixels(resized.pixels, resized.width, resized.height, channels);
    const actual = pdqCli512FromPixels(pixels, width, height, channels);
    expect(Array.from(actual.hash)).toEqual(Array.from(expected.hash));
    expect(actual.quality).toBe(expected.quality);
    expect(Array.from(actual.dct)).toEqual(Array.from(expected.dct));
  });

  it('leaves images of at most 512×512 as they are', () => {
    const pixels = picture(512, 300, 3, 5);
    expect(Array.from(pdqCli512FromPixels(pixels, 512, 300, 3).hash)).toEqual(Array.from(pdqFromPixels(pixels, 512, 300, 3).hash));
  });

  it('samples any index map, including a 64×64 one (no box filter)', () => {
    const pixels = picture(200, 150, 3, 9);
    const xs = Int32Array.from({ length: 64 }, (_, k) => Math.floor((k * 200) / 64));
    const ys = Int32Array.from({ length: 64 }, (_, k) => 149 - Math.floor((k * 150) / 64));
    const copy = new Uint8Array(64 * 64 * 3);
    for (let r = 0; r < 64; r++) for (let c = 0; c < 64; c++) for (let ch = 0; ch < 3; ch++) copy[(r * 64 + c) * 3 + ch] = pixels[(ys[r] * 200 + xs[c]) * 3 + ch];
    expect(Array.from(downsampleNearestPixels(pixels, 200, 150, 3, xs, ys))).toEqual(Array.from(downsamplePixels(copy, 64, 64, 3)));
  });

  it('refuses an index outside the image', () => {
    const pixels = picture(100, 100, 1, 1);
    const xs = Int32Array.from({ length: 80 }, (_, k) => k);
    const ys = Int32Array.from({ length: 80 }, (_, k) => k + 21);
    expect(() => downsampleNearestPixels(pixels, 100, 100, 1, xs, ys)).toThrow(RangeError);
  });
});
