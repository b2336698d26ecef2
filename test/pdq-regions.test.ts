/**
 * PDQ region variants: border detection, the content variant equal to hashing the content alone, the
 * reference value untouched by variants, crop regions close to real crops, and grouping through region
 * variants exactly as an all-pairs comparison does.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../bench/synthetic-images.js';
import { hammingDistance, hexToWords, wordsToHex } from '../src/hashing/bits.js';
import { decodeImage } from '../src/hashing/decode.js';
import { pdqFromImage, pdqFromPixels } from '../src/hashing/pdq.js';
import { findContentBox, pdqContentVariant } from '../src/hashing/pdq-regions.js';
import { hashRecordFromFields } from '../src/hashing/record-fields.js';
import { SIGNAL_TYPES } from '../src/hashing/signals.js';
import { REGION_NAMES, type DecodedImage } from '../src/hashing/signal-type.js';
import { clusterItems } from '../src/pipeline/cluster.js';
import type { ScanItem } from '../src/pipeline/types.js';
import { flipBits, hex, randomCode, rng } from './support/random-codes.js';

const CONFORMANCE = path.join(import.meta.dirname, '..', 'fixtures', 'conformance', 'images');
const load = async (name: string) => decodeImage(readFileSync(path.join(CONFORMANCE, name)));

/** A picture with structure everywhere: smooth random blobs over a gradient (deterministic). */
function picture(width: number, height: number, seed: number): DecodedImage {
  const next = seededRandom(seed);
  const blobs = Array.from({ length: 12 }, () => ({ x: next() * width, y: next() * height, r: 10 + next() * width * 0.3, c: [next() * 255, next() * 255, next() * 255] }));
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        let v = (x / width) * 80 + (y / height) * 60 + 40;
        for (const b of blobs) {
          const d2 = ((x - b.x) ** 2 + (y - b.y) ** 2) / (b.r * b.r);
          if (d2 < 1) v = v * d2 + b.c[c] * (1 - d2);
        }
        pixels[o + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return { width, height, channels: 3, pixels, alpha: null, format: 'raw' };
}

/** `image` inside borders of one colour: `top`, `bottom`, `left`, `right` pixels. */
function framed(image: DecodedImage, top: number, bottom: number, left: number, right: number, colour: [number, number, number]): DecodedImage {
  const width = image.width + left + right;
  const height = image.height + top + bottom;
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) pixels.set(colour, i * 3);
  for (let y = 0; y < image.height; y++) pixels.set(image.pixels.subarray(y * image.width * 3, (y + 1) * image.width * 3), ((y + top) * width + left) * 3);
  return { ...image, width, height, pixels };
}

describe('border detection', () => {
  it('finds the content inside black bars and inside a frame of any colour, exactly when lossless', () => {
    const p = picture(300, 200, 1);
    expect(findContentBox(p)).toBeNull();
    expect(findContentBox(framed(p, 20, 20, 0, 0, [0, 0, 0]))).toEqual({ left: 0, top: 20, right: 300, bottom: 220 });
    expect(findContentBox(framed(p, 0, 0, 30, 30, [0, 0, 0]))).toEqual({ left: 30, top: 0, right: 330, bottom: 200 });
    expect(findContentBox(framed(p, 12, 9, 7, 15, [250, 250, 245]))).toEqual({ left: 7, top: 12, right: 307, bottom: 212 });
  });

  it('gives the content exactly the hash of the picture alone, and leaves flat or borderless pictures without a variant', () => {
    const p = picture(320, 240, 2);
    const alone = pdqFromPixels(p.pixels, p.width, p.height, 3);
    const v = pdqContentVariant(framed(p, 24, 24, 0, 0, [0, 0, 0]));
    expect(v).not.toBeNull();
    expect(wordsToHex(v!.hash, 256)).toBe(wordsToHex(alone.hash, 256));
    const flat: DecodedImage = { width: 100, height: 100, channels: 1, pixels: new Uint8Array(10_000).fill(90), alpha: null, format: 'raw' };
    expect(findContentBox(flat)).toBeNull();
    // a small picture in a huge frame (content under 40% of a side) is left alone
    expect(findContentBox(framed(picture(40, 40, 3), 100, 100, 100, 100, [0, 0, 0]))).toBeNull();
  });

  it('survives JPEG noise around the bars', async () => {
    const p = picture(400, 300, 4);
    const bars = framed(p, 40, 40, 0, 0, [0, 0, 0]);
    const jpeg = await sharp(Buffer.from(bars.pixels), { raw: { width: bars.width, height: bars.height, channels: 3 } }).jpeg({ quality: 75 }).toBuffer();
    const box = findContentBox(await decodeImage(jpeg));
    expect(box).not.toBeNull();
    expect(Math.abs(box!.top - 40)).toBeLessThanOrEqual(2);
    expect(Math.abs(box!.bottom - 340)).toBeLessThanOrEqual(2);
    expect([box!.left, box!.right]).toEqual([0, 400]);
  });
});

describe('PDQ region variants on real edits (conformance base image and its modified copies)', () => {
  it('keeps the reference value and quality whatever variants are asked for', async () => {
    for (const name of ['base-900x700.jpg', 'mod-letterbox.jpg', 'plasma-e-333x517.png', 'tiny-4x4.png', 'wide-3000x120.jpg']) {
      const image = await load(name);
      const plain = pdqFromImage(image);
      const all = pdqFromImage(image, { dihedral: true, unletterbox: true, cropRegions: true });
      expect([name, wordsToHex(all.value, 256), all.quality]).toEqual([name, wordsToHex(plain.value, 256), plain.quality]);
      for (const region of Object.keys(all.regions ?? {})) expect(REGION_NAMES).toContain(region);
    }
  });

  it('finds the pillarboxed copy through its content and the 2.5%-a-side crop through the original\'s central 95%', async () => {
    const base = pdqFromImage(await load('base-900x700.jpg'), { unletterbox: true, cropRegions: true });
    const letterbox = pdqFromImage(await load('mod-letterbox.jpg'), { unletterbox: true, cropRegions: true });
    const crop = pdqFromImage(await load('mod-crop5.jpg'), { unletterbox: true, cropRegions: true });
    expect(hammingDistance(letterbox.value, base.value)).toBeGreaterThan(31);
    expect(hammingDistance(letterbox.regions!.content!, base.value)).toBeLessThanOrEqual(31);
    expect(hammingDistance(crop.value, base.value)).toBeGreaterThan(31);
    expect(hammingDistance(base.regions!.center95!, crop.value)).toBeLessThanOrEqual(31);
    expect(base.regions!.content).toBeUndefined();
  });
});


describe('grouping through region variants', () => {
  it('joins exactly the pairs an all-pairs comparison of values, region variants and same-named regions joins', () => {
    for (const seed of [11, 12, 13]) {
      const next = rng(seed);
      const bases = Array.from({ length: 40 }, () => randomCode(next));
      const items: ScanItem[] = [];
      const regionsOf: Uint32Array[][] = [];
      const namedRegionsOf: Array<Map<string, Uint32Array>> = [];
      // per region name, a code no item has as its value: only the same region of two items can meet near it
      const shared = REGION_NAMES.map(() => randomCode(next));
      for (let i = 0; i < 120; i++) {
        // the first items are the bases themselves; later ones near a base (10–40 bits) or unrelated
        const own = i < bases.length ? bases[i] : next() % 3 === 0 ? flipBits(bases[next() % bases.length], 10 + (next() % 31), next) : randomCode(next);
        // some region variants near another item's base (as a crop of it would be), some random
        const regions: Record<string, string> = {};
        const kept: Uint32Array[] = [];
        const named = new Map<string, Uint32Array>();
        for (const name of REGION_NAMES) {
          if (next() % 4 !== 0) continue;
          // near a base (as a crop of it would be), near a shared per-name code (as the same region of a copy would be), or random
          const kind = next() % 3;
          const v = kind === 0 ? flipBits(bases[next() % bases.length], 10 + (next() % 31), next) : kind === 1 ? flipBits(shared[REGION_NAMES.indexOf(name)], 3 + (next() % 14), next) : randomCode(next);
          regions[name] = hex(v);
          kept.push(v);
          named.set(name, v);
        }
        regionsOf.push(kept);
        namedRegionsOf.push(named);
        const hash = hashRecordFromFields({ path: `f${i}.png`, ok: true, bytes: 10, format: 'png', width: 9, height: 9, pdq: hex(own), pdqQuality: 90, pdqRegions: regions });
        items.push({ index: i, path: hash.path, hash, reportIds: [], known: [], seen: [], lowQuality: false });
      }
      const values = items.map((it) => hexToWords(it.hash.signals.pdq!.value, 256)!);
      const parent = items.map((_, i) => i);
      const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x])));
      for (let i = 0; i < items.length; i++) {
        for (let j = 0; j < items.length; j++) {
          if (i === j) continue;
          const sameRegion = [...namedRegionsOf[i]].some(([name, r]) => name !== 'content' && namedRegionsOf[j].has(name) && hammingDistance(r, namedRegionsOf[j].get(name)!) <= 31);
          const near = hammingDistance(values[i], values[j]) <= 31 || regionsOf[i].some((r) => hammingDistance(r, values[j]) <= 31) || sameRegion;
          if (near) parent[find(i)] = find(j);
        }
      }
      const groups = new Map<number, number[]>();
      items.forEach((_, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), i]));
      const expected = [...groups.values()].sort((a, b) => a[0] - b[0]);
      const clusters = clusterItems(items, [], { signalTypes: SIGNAL_TYPES.filter((t) => t.name === 'pdq') });
      expect(clusters.map((c) => [...c.items])).toEqual(expected);
      expect(expected.some((g) => g.length > 1)).toBe(true);
    }
  });
});
