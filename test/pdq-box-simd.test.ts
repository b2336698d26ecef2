/**
 * PDQ's box filters on the WebAssembly SIMD kernel give exactly the JavaScript path's float32 values
 * (Object.is on every one of the 64×64 outputs), on images of every awkward shape, through every entry
 * point, and the reference's hashes on the conformance images; without WebAssembly the JavaScript path runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { wordsToHex } from '../src/hashing/bits.js';
import { decodeImage } from '../src/hashing/decode.js';
import {
  downsampleLuma,
  downsampleNearestPixels,
  downsamplePixels,
  lumaFromPixels,
  setBoxFilterPath,
  type BoxFilterPath,
} from '../src/hashing/pdq-downsample.js';
import { setKernelKeepBytes, simdAvailable, threadKernelBytes } from '../src/hashing/pdq-downsample-simd.js';
import { pdqFromImage } from '../src/hashing/pdq.js';
import { modelDownsample } from './pdq-model.js';
import { referenceRows, seededBytes } from './pdq-fixtures.js';

afterEach(() => {
  setBoxFilterPath('simd');
});

function on<T>(path: BoxFilterPath, run: () => T): T {
  const previous = setBoxFilterPath(path);
  try {
    return run();
  } finally {
    setBoxFilterPath(previous);
  }
}

/** Index of the first value that is not Object.is-identical, or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** Pixels with structure (gradients, so that sums grow large) plus noise, and some saturated runs. */
function testPixels(width: number, height: number, channels: 1 | 3, seed: number): Uint8Array {
  const noise = seededBytes(width * height * channels, seed);
  const pixels = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const i = (y * width + x) * channels + c;
        const base = (x * (c + 1) * 7 + y * 3) % 256;
        pixels[i] = (x + y) % 97 < 9 ? 255 * ((x >> 3) & 1) : (base + (noise[i] >> 2)) & 255;
      }
    }
  }
  return pixels;
}

// Widths below 4, not multiples of 4, 1-pixel rows and columns, windows from 1 up to 47 (6000 px),
// heights that leave 1–3 rows in the last batch of four.
const SHAPES: [number, number][] = [
  [1, 1], [1, 2], [2, 1], [1, 200], [200, 1], [3, 3], [2, 7], [5, 5], [7, 3], [63, 64], [64, 63], [65, 65],
  [64, 200], [200, 64], [127, 129], [129, 127], [255, 257], [333, 517], [517, 333], [1001, 7], [7, 1001],
  [640, 480], [1023, 61], [6000, 9], [9, 6000], [1500, 1003], [4, 4], [13, 1], [1, 13],
];

describe('the SIMD kernel', () => {
  it('runs on this engine (otherwise the comparisons below would compare the JavaScript path with itself)', () => {
    expect(simdAvailable()).toBe(true);
  });

  it.each(SHAPES)('%i×%i: identical 64×64 values to the JavaScript path, grey and RGB, from pixels and from luma', (width, height) => {
    for (const channels of [1, 3] as const) {
      const pixels = testPixels(width, height, channels, width * 7919 + height * 31 + channels);
      const simd = on('simd', () => downsamplePixels(pixels, width, height, channels));
      const js = on('js', () => downsamplePixels(pixels, width, height, channels));
      expect(firstDifference(simd, js), `${channels} channel(s), from pixels`).toBe(-1);
      const luma = lumaFromPixels(pixels, width, height, channels);
      const simdLuma = on('simd', () => downsampleLuma(luma, width, height));
      expect(firstDifference(simdLuma, js), `${channels} channel(s), from luma`).toBe(-1);
      expect(firstDifference(on('js', () => downsampleLuma(luma, width, height)), js)).toBe(-1);
    }
  });

  it('equals the straightforward model of the reference (full-size buffers, one row and column at a time)', () => {
    for (const [width, height] of [[210, 138], [333, 517], [1023, 61], [3, 300]]) {
      const luma = lumaFromPixels(testPixels(width, height, 3, width + height), width, height, 3);
      expect(firstDifference(on('simd', () => downsampleLuma(luma, width, height)), modelDownsample(luma, width, height))).toBe(-1);
    }
  });

  it('luma with fractional values, negatives and values far above 255 (downsampleLuma takes any float32)', () => {
    const width = 301;
    const height = 203;
    const bytes = seededBytes(width * height, 5);
    const luma = Float32Array.from(bytes, (b, i) => (b - 128) * 1000.3 + (i % 7) / 3);
    const simd = on('simd', () => downsampleLuma(luma, width, height));
    expect(firstDifference(simd, on('js', () => downsampleLuma(luma, width, height)))).toBe(-1);
    expect(firstDifference(simd, modelDownsample(luma, width, height))).toBe(-1);
  });

  it('the nearest-neighbour sample read in place (CLI-512) gives the JavaScript path\'s values', () => {
    for (const [width, height, channels] of [[700, 300, 3], [517, 1030, 1], [90, 2000, 3]] as const) {
      const pixels = testPixels(width, height, channels, width ^ height);
      const xs = Int32Array.from({ length: 512 }, (_, k) => Math.floor((k * width) / 512));
      const ys = Int32Array.from({ length: 509 }, (_, k) => Math.floor((k * height) / 509));
      const simd = on('simd', () => downsampleNearestPixels(pixels, width, height, channels, xs, ys));
      const js = on('js', () => downsampleNearestPixels(pixels, width, height, channels, xs, ys));
      expect(firstDifference(simd, js), `${width}×${height}×${channels}`).toBe(-1);
    }
  });

  it('reuses its memory between images of any order of sizes, and does not keep memory for an image above the limit', () => {
    const images = [[1500, 1003], [5, 5], [640, 480], [2, 3000], [1500, 1003]].map(([w, h], i) => ({
      w, h, pixels: testPixels(w, h, 3, 100 + i),
    }));
    const expected = images.map(({ w, h, pixels }) => on('js', () => downsamplePixels(pixels, w, h, 3)));
    for (const [i, { w, h, pixels }] of images.entries()) {
      expect(firstDifference(downsamplePixels(pixels, w, h, 3), expected[i]), `image ${i}`).toBe(-1);
    }
    const kept = threadKernelBytes();
    const previous = setKernelKeepBytes(kept);
    try {
      const big = testPixels(3000, 2000, 3, 9);
      const got = downsamplePixels(big, 3000, 2000, 3);
      expect(firstDifference(got, on('js', () => downsamplePixels(big, 3000, 2000, 3)))).toBe(-1);
      expect(threadKernelBytes()).toBe(kept);
    } finally {
      setKernelKeepBytes(previous);
    }
  });
});

describe('both paths on the conformance images', () => {
  it('give the same full-flavour and CLI-512 hashes, and the reference\'s on every lossless image', async () => {
    const lossy = /\.(jpe?g|webp|gif|tiff)$/i;
    let compared = 0;
    let referenceChecked = 0;
    for (const row of referenceRows()) {
      const bytes = new Uint8Array(readFileSync(path.resolve('fixtures/conformance/images', row.file)));
      const image = await decodeImage(bytes);
      for (const flavour of ['full', 'cli512'] as const) {
        const simd = on('simd', () => pdqFromImage(image, { pdqFlavour: flavour }));
        const js = on('js', () => pdqFromImage(image, { pdqFlavour: flavour }));
        const hex = wordsToHex(simd.value, 256);
        expect([hex, simd.quality], `${row.file} ${flavour}`).toEqual([wordsToHex(js.value, 256), js.quality]);
        compared++;
        if (flavour === 'full' && !lossy.test(row.file)) {
          expect(hex, row.file).toBe(row.pdq);
          referenceChecked++;
        }
      }
    }
    expect(compared).toBe(2 * referenceRows().length);
    expect(referenceChecked).toBeGreaterThan(10);
  });
});

describe('without WebAssembly', () => {
  it('hashes with the JavaScript path, to the same values', async () => {
    const width = 333;
    const height = 517;
    const pixels = testPixels(width, height, 3, 77);
    const withKernel = downsamplePixels(pixels, width, height, 3);
    vi.resetModules();
    vi.stubGlobal('WebAssembly', undefined);
    try {
      const simdModule = await import('../src/hashing/pdq-downsample-simd.js');
      const downsampleModule = await import('../src/hashing/pdq-downsample.js');
      expect(simdModule.simdAvailable()).toBe(false);
      expect(firstDifference(downsampleModule.downsamplePixels(pixels, width, height, 3), withKernel)).toBe(-1);
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});

describe('when kernel memory cannot grow', () => {
  it('hashes the image with the JavaScript path, to the same values', async () => {
    interface Api {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object) => { exports: Record<string, unknown> };
      validate(bytes: Uint8Array): boolean;
    }
    const real = (globalThis as unknown as { WebAssembly: Api }).WebAssembly;
    let refusals = 0;
    /** An instance whose memory refuses to grow, as when the process is out of address space. */
    class RefusingInstance {
      readonly exports: Record<string, unknown>;
      constructor(module: object) {
        const exports = new real.Instance(module).exports;
        const memory = exports.memory as { buffer: ArrayBuffer };
        this.exports = {
          ...exports,
          memory: {
            get buffer() {
              return memory.buffer;
            },
            grow(): number {
              refusals++;
              throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
            },
          },
        };
      }
    }
    const width = 517;
    const height = 333;
    const pixels = testPixels(width, height, 3, 41);
    const expected = on('js', () => downsamplePixels(pixels, width, height, 3));
    vi.resetModules();
    vi.stubGlobal('WebAssembly', { Module: real.Module, Instance: RefusingInstance, validate: real.validate.bind(real) });
    try {
      const fresh = await import('../src/hashing/pdq-downsample.js');
      expect(firstDifference(fresh.downsamplePixels(pixels, width, height, 3), expected)).toBe(-1);
      expect(refusals).toBeGreaterThan(0);
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});

describe('when the kernel is compiled', () => {
  it('not when PDQ hashes are only parsed and formatted, once per thread when images are hashed', async () => {
    interface Api {
      Module: new (bytes: Uint8Array) => object;
      Instance: unknown;
      validate(bytes: Uint8Array): boolean;
    }
    const real = (globalThis as unknown as { WebAssembly: Api }).WebAssembly;
    let compiles = 0;
    class CountingModule extends real.Module {
      constructor(bytes: Uint8Array) {
        super(bytes);
        compiles++;
      }
    }
    vi.resetModules();
    vi.stubGlobal('WebAssembly', { Module: CountingModule, Instance: real.Instance, validate: real.validate.bind(real) });
    try {
      const { pdqSignalType } = await import('../src/hashing/pdq.js');
      const { downsamplePixels: fresh } = await import('../src/hashing/pdq-downsample.js');
      const value = pdqSignalType.parse('f'.repeat(64));
      expect(value).not.toBeNull();
      expect(pdqSignalType.format(value as Uint32Array)).toBe('f'.repeat(64));
      expect(compiles).toBe(0);
      for (const [w, h] of [[300, 200], [200, 300], [3000, 2000]]) fresh(testPixels(w, h, 1, w), w, h, 1);
      expect(compiles).toBe(1);
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});
