/**
 * Our blockhash gives the bits of blockhash-core's bmvbhash(…, 16), the reference kept for these tests:
 * compared on images of every shape the block arithmetic distinguishes (sides divisible by 16 or not,
 * one side divisible only, smaller than 16, fractional block sizes, photo-sized), with and without
 * alpha, RGB and grey.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bmvbhash } from 'blockhash-core';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../bench/synthetic-images.js';
import { blockhashFromImage, blockhashSignalType } from '../src/hashing/blockhash.js';
import type { DecodedImage } from '../src/hashing/signal-type.js';

/** A random image: smooth gradients plus noise, optionally with alpha (some pixels fully transparent). */
function randomImage(seed: number, width: number, height: number, channels: 1 | 3, withAlpha: boolean): DecodedImage {
  const rnd = seededRandom(seed);
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
  [1920, 1080], [1279, 853], [64, 999], [31, 2000], [3, 100], [100, 3], [2, 2], [33, 31], [1000, 17], [17, 1000], [1500, 1001],
];

describe('blockhash through blockhash-core', () => {
  it('feeds blockhash-core the stored colours: grey expanded to R=G=B, opaque without alpha, alpha kept', () => {
    let seed = 1;
    for (const [w, h] of SHAPES) {
      for (const channels of [3, 1] as const) {
        for (const withAlpha of [false, true]) {
          const image = randomImage(seed++, w, h, channels, withAlpha);
          const ours = blockhashSignalType.format(blockhashFromImage(image).value);
          expect([w, h, channels, withAlpha, ours]).toEqual([w, h, channels, withAlpha, reference(image)]);
        }
      }
    }
  });

  it('reads pixels at any byte offset in their buffer (sums read whole 32-bit words where aligned)', () => {
    let seed = 500;
    for (const [w, h] of [[1920, 1080], [333, 517], [5, 7], [1, 3], [48, 32]] as const) {
      for (const channels of [3, 1] as const) {
        const image = randomImage(seed++, w, h, channels, false);
        for (const offset of [1, 2, 3, 5]) {
          const buffer = new ArrayBuffer(image.pixels.length + offset + 7);
          const pixels = new Uint8Array(buffer, offset, image.pixels.length);
          pixels.set(image.pixels);
          new Uint8Array(buffer, 0, offset).fill(255); // bytes around the image must not count
          new Uint8Array(buffer, offset + pixels.length).fill(255);
          const shifted = { ...image, pixels };
          expect([w, h, channels, offset, blockhashSignalType.format(blockhashFromImage(shifted).value)]).toEqual([w, h, channels, offset, reference(image)]);
        }
      }
    }
  });

  it('counts fully transparent pixels as white, whatever colour is stored under them', () => {
    const pixels = new Uint8Array(64 * 64 * 3);
    const alpha = new Uint8Array(64 * 64).fill(255);
    // Left half dark and opaque; right half dark but transparent: blockhash must see it as white.
    for (let p = 0; p < 64 * 64; p++) if (p % 64 >= 32) alpha[p] = 0;
    const withAlpha: DecodedImage = { width: 64, height: 64, channels: 3, pixels, alpha, format: 'png' };
    const white = new Uint8Array(64 * 64 * 3);
    for (let p = 0; p < 64 * 64; p++) if (p % 64 >= 32) white.fill(255, 3 * p, 3 * p + 3);
    const painted: DecodedImage = { width: 64, height: 64, channels: 3, pixels: white, alpha: null, format: 'png' };
    const opaqueDark: DecodedImage = { ...withAlpha, alpha: null };
    expect(blockhashSignalType.format(blockhashFromImage(withAlpha).value)).toBe(blockhashSignalType.format(blockhashFromImage(painted).value));
    expect(blockhashFromImage(withAlpha).value).not.toEqual(blockhashFromImage(opaqueDark).value);
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
