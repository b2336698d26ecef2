/**
 * Our blockhash equals blockhash-core's bmvbhash(…, 16) bit for bit, on images of every shape the block
 * arithmetic distinguishes (sides divisible by 16 or not, smaller than 16, fractional block sizes), with
 * and without alpha, RGB and grey, smooth and noisy content.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bmvbhash } from 'blockhash-core';
import { describe, expect, it } from 'vitest';
import { blockhashFromImage, blockhashSignalType } from '../src/hashing/blockhash.js';
import type { DecodedImage } from '../src/hashing/signal-type.js';

function seeded(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/** A random image: smooth gradients plus noise, optionally with alpha (some pixels fully transparent). */
function randomImage(seed: number, width: number, height: number, channels: 1 | 3, withAlpha: boolean): DecodedImage {
  const rnd = seeded(seed);
  const pixels = new Uint8Array(width * height * channels);
  const fx = rnd() * 0.2;
  const fy = rnd() * 0.2;
  const noise = rnd() * 120;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++) {
        const smooth = 128 + 100 * Math.sin(fx * x + fy * y + c);
        pixels[(y * width + x) * channels + c] = Math.max(0, Math.min(255, Math.round(smooth + (rnd() - 0.5) * noise)));
      }
  let alpha: Uint8Array | null = null;
  if (withAlpha) {
    alpha = new Uint8Array(width * height);
    for (let p = 0; p < alpha.length; p++) alpha[p] = rnd() < 0.2 ? 0 : Math.floor(rnd() * 256);
  }
  return { width, height, channels, pixels, alpha, format: 'png' };
}

/** The same image as blockhash-core wants it: RGBA, grey expanded, opaque where there is no alpha. */
function rgbaOf(image: DecodedImage): Uint8Array {
  const n = image.width * image.height;
  const out = new Uint8Array(n * 4);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) out[4 * p + c] = image.channels === 3 ? image.pixels[3 * p + c] : image.pixels[p];
    out[4 * p + 3] = image.alpha ? image.alpha[p] : 255;
  }
  return out;
}

function reference(image: DecodedImage): string {
  return bmvbhash({ width: image.width, height: image.height, data: rgbaOf(image) }, 16);
}

const SHAPES: ReadonlyArray<readonly [number, number]> = [
  [16, 16], [32, 48], [256, 160], [17, 16], [16, 23], [100, 75], [333, 517], [1023, 61], [5, 7], [8, 40], [15, 15], [1, 1], [47, 31],
];

describe('blockhash (typed-array bmvbhash)', () => {
  it('equals blockhash-core on every shape, RGB and grey, with and without alpha', () => {
    let seed = 1;
    let checked = 0;
    for (const [w, h] of SHAPES) {
      for (const channels of [3, 1] as const) {
        for (const withAlpha of [false, true]) {
          const image = randomImage(seed++, w, h, channels, withAlpha);
          const ours = blockhashSignalType.format(blockhashFromImage(image).value);
          expect([w, h, channels, withAlpha, ours]).toEqual([w, h, channels, withAlpha, reference(image)]);
          checked++;
        }
      }
    }
    expect(checked).toBe(SHAPES.length * 4);
  });

  it('equals blockhash-core on flat and two-tone images, where the median tie rule decides', () => {
    const cases: DecodedImage[] = [];
    for (const v of [0, 1, 128, 254, 255]) cases.push({ width: 40, height: 30, channels: 1, pixels: new Uint8Array(1200).fill(v), alpha: null, format: 'png' });
    const twoTone = new Uint8Array(64 * 64 * 3);
    for (let p = 0; p < 64 * 64; p++) twoTone.fill(p % 64 < 40 ? 255 : 0, 3 * p, 3 * p + 3);
    cases.push({ width: 64, height: 64, channels: 3, pixels: twoTone, alpha: null, format: 'png' });
    const transparent = { width: 50, height: 20, channels: 3 as const, pixels: new Uint8Array(3000), alpha: new Uint8Array(1000), format: 'png' };
    cases.push(transparent);
    for (const image of cases) expect(blockhashSignalType.format(blockhashFromImage(image).value)).toBe(reference(image));
  });

  it('default threshold keeps mild edits of a picture and separates it from unrelated pictures', () => {
    // Reference blockhash values of the conformance set (expected.tsv), not ours: this checks the threshold.
    const rows = readFileSync(path.resolve('fixtures/conformance/expected.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    const column = readFileSync(path.resolve('fixtures/conformance/expected.tsv'), 'utf8').split('\n')[0].split('\t').indexOf('blockhash16');
    const value = (file: string): Uint32Array => blockhashSignalType.parse(rows.find((r) => r[0] === file)![column])!;
    const base = value('base-900x700.jpg');
    const t = blockhashSignalType.defaultThreshold;
    for (const edit of ['mod-jpeg40.jpg', 'mod-resize50.jpg', 'mod-bright.jpg', 'mod-watermark.jpg', 'mod-crop5.jpg'])
      expect([edit, blockhashSignalType.distance(base, value(edit)) <= t]).toEqual([edit, true]);
    for (const other of rows.map((r) => r[0]).filter((f) => !f.startsWith('mod-') && f !== 'base-900x700.jpg'))
      expect([other, blockhashSignalType.distance(base, value(other)) > t]).toEqual([other, true]);
  });
});
