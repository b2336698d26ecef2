import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { imageSize } from '../src/hashing/image-size.js';

const IMAGES = path.resolve('fixtures/conformance/images');

describe('imageSize', () => {
  it('reads the size libvips reads for PNG, GIF, JPEG, WebP and TIFF (whose directory may follow the pixels)', async () => {
    const read: string[] = [];
    for (const file of readdirSync(IMAGES)) {
      const bytes = readFileSync(path.join(IMAGES, file));
      const size = imageSize(bytes);
      const meta = await sharp(bytes).metadata();
      if (['png', 'gif', 'jpeg', 'webp', 'tiff'].includes(meta.format!)) {
        expect(size, file).toEqual({ width: meta.width, height: meta.height });
        read.push(meta.format!);
      }
    }
    expect(new Set(read)).toEqual(new Set(['png', 'gif', 'jpeg', 'webp', 'tiff']));
  });

  it('says null, never throws, for a header cut short or a format it does not read', async () => {
    const jpeg = readFileSync(path.join(IMAGES, 'base-900x700.jpg'));
    for (const n of [0, 3, 10, 20]) expect(imageSize(jpeg.subarray(0, n))).toBeNull();
    const avif = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).avif().toBuffer();
    expect(imageSize(avif)).toBeNull();
  });
});
