/**
 * The decode policy (docs/pdq.md, step 1) on synthetic files whose stored values are known: what the
 * hashes are computed from, and which files are refused with which code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { HashtriageError } from '../src/errors.js';
import { cmykToRgb, decodeCost, decodeImage, DECODE_POLICY, decodesHeic, libvipsStep } from '../src/hashing/decode.js';
import { imageWorkingBytes } from '../src/hashing/decode-cost.js';
import { heifCodec, sniffImageFormat } from '../src/hashing/image-format.js';
import { encodePalettePng, encodePng, pngChunks, pngWithHeaderSize, withoutChunk } from './support/png.js';

const IMAGES = path.resolve('fixtures/conformance/images');

/** Deterministic pseudo-random samples (xorshift), so every test image has varied, known content. */
function samples(count: number, max: number, seed = 12345): number[] {
  let x = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.push(x % (max + 1));
  }
  return out;
}

async function decodeError(bytes: Uint8Array, maxPixels?: number): Promise<HashtriageError> {
  try {
    await decodeImage(bytes, { maxPixels });
  } catch (err) {
    if (err instanceof HashtriageError) return err;
    throw err;
  }
  throw new Error('decoded without error');
}

describe('decodeImage: pixels as stored', () => {
  it('keeps RGB samples exactly', async () => {
    const rgb = samples(40 * 30 * 3, 255);
    const image = await decodeImage(encodePng(40, 30, 2, 8, rgb));
    expect([image.width, image.height, image.channels, image.format, image.alpha]).toEqual([40, 30, 3, 'png', null]);
    expect(Array.from(image.pixels)).toEqual(rgb);
  });

  it('reduces 16-bit samples by >> 8 (not by rounding), for RGB and grey', async () => {
    const rgb16 = samples(20 * 10 * 3, 65535, 7);
    const rgb = await decodeImage(encodePng(20, 10, 2, 16, rgb16));
    expect(Array.from(rgb.pixels)).toEqual(rgb16.map((v) => v >> 8));
    const grey16 = samples(20 * 10, 65535, 8);
    const grey = await decodeImage(encodePng(20, 10, 0, 16, grey16));
    expect(grey.channels).toBe(1);
    expect(Array.from(grey.pixels)).toEqual(grey16.map((v) => v >> 8));
    // The test would not notice rounding if no sample had a low byte ≥ 128.
    expect(rgb16.some((v) => Math.round(v / 257) !== v >> 8)).toBe(true);
  });

  it('keeps single-channel grey as one channel, with its alpha when it has one', async () => {
    const grey = samples(16 * 12, 255, 3);
    const g = await decodeImage(encodePng(16, 12, 0, 8, grey));
    expect([g.channels, g.alpha]).toEqual([1, null]);
    expect(Array.from(g.pixels)).toEqual(grey);
    const ga = samples(16 * 12 * 2, 255, 4);
    const withAlpha = await decodeImage(encodePng(16, 12, 4, 8, ga));
    expect(withAlpha.channels).toBe(1);
    expect(Array.from(withAlpha.pixels)).toEqual(ga.filter((_, i) => i % 2 === 0));
    expect(Array.from(withAlpha.alpha!)).toEqual(ga.filter((_, i) => i % 2 === 1));
  });

  it('drops alpha but keeps the colours stored under fully transparent pixels', async () => {
    const rgba = samples(24 * 8 * 4, 255, 5).map((v, i) => (i % 4 === 3 && (i >> 2) % 3 === 0 ? 0 : v));
    const image = await decodeImage(encodePng(24, 8, 6, 8, rgba));
    expect(image.channels).toBe(3);
    expect(Array.from(image.pixels)).toEqual(rgba.filter((_, i) => i % 4 !== 3));
    expect(Array.from(image.alpha!)).toEqual(rgba.filter((_, i) => i % 4 === 3));
    expect(image.alpha!.filter((a) => a === 0).length).toBe(64);
  });

  it('expands palettes to RGB', async () => {
    const palette = samples(16 * 3, 255, 9);
    const indices = samples(32 * 32, 15, 19);
    const image = await decodeImage(encodePalettePng(32, 32, palette, indices));
    expect(image.channels).toBe(3);
    expect(Array.from(image.pixels)).toEqual(indices.flatMap((i) => palette.slice(3 * i, 3 * i + 3)));
  });

  it('ignores an embedded ICC profile (stored values, no colour management)', async () => {
    const rgb = samples(32 * 24 * 3, 255, 10);
    const tagged = await sharp(Buffer.from(rgb), { raw: { width: 32, height: 24, channels: 3 } }).withIccProfile('p3').png().toBuffer();
    expect(pngChunks(tagged).some((c) => c.type === 'iCCP')).toBe(true);
    const stored = await decodeImage(withoutChunk(tagged, 'iCCP'));
    const decoded = await decodeImage(tagged);
    expect(Buffer.from(decoded.pixels).equals(Buffer.from(stored.pixels))).toBe(true);
    // A colour-managed decode would differ, so the test can tell.
    const managed = await sharp(tagged).toColourspace('srgb').raw().toBuffer();
    expect(managed.equals(Buffer.from(stored.pixels))).toBe(false);
  });

  it('ignores EXIF orientation (the stored, unrotated pixels)', async () => {
    const rgb = Buffer.from(samples(48 * 32 * 3, 255, 11));
    const plain = await sharp(rgb, { raw: { width: 48, height: 32, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    const rotated = await sharp(rgb, { raw: { width: 48, height: 32, channels: 3 } }).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(rotated).metadata()).orientation).toBe(6);
    const a = await decodeImage(plain);
    const b = await decodeImage(rotated);
    expect([b.width, b.height]).toEqual([48, 32]);
    expect(Buffer.from(b.pixels).equals(Buffer.from(a.pixels))).toBe(true);
  });

  it('decodes the first frame of an animation only', async () => {
    const image = await decodeImage(readFileSync(path.join(IMAGES, 'animated-320x240.gif')));
    expect([image.width, image.height, image.pixels.length]).toEqual([320, 240, 320 * 240 * 3]);
  });

  it('converts CMYK without a profile, as ImageMagick and Pillow do', () => {
    const cmyk = Uint8Array.from([0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 255, 128, 64, 0, 0, 0, 0, 0, 128]);
    expect(Array.from(cmykToRgb(cmyk, 5, 4))).toEqual([255, 255, 255, 0, 255, 255, 0, 0, 0, 127, 191, 255, 127, 127, 127]);
  });
});

describe('decodeImage: refusals', () => {
  const jpeg = readFileSync(path.join(IMAGES, 'base-900x700.jpg'));

  it('refuses a truncated JPEG (DECODE_FAILED) instead of hashing grey filler', async () => {
    for (const keep of [0.3, 0.6, 0.95]) {
      const err = await decodeError(jpeg.subarray(0, Math.floor(jpeg.length * keep)));
      expect(err.code).toBe('DECODE_FAILED');
      expect(err.message).toMatch(/jpeg/i);
    }
    // Without the failOn policy libvips would return a full-size image for the same bytes.
    const filled = await sharp(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), { failOn: 'none' }).raw().toBuffer({ resolveWithObject: true });
    expect(filled.info.height).toBe(700);
  });

  it('refuses truncated or corrupt PNG data, but decodes a PNG whose only flaw is a wrong CRC', async () => {
    const rgb = samples(64 * 64 * 3, 255, 13);
    const png = encodePng(64, 64, 2, 8, rgb);
    const idat = pngChunks(png).find((c) => c.type === 'IDAT')!;
    expect((await decodeError(png.subarray(0, idat.offset + 8 + (idat.length >> 1)))).code).toBe('DECODE_FAILED');
    const corrupt = Buffer.from(png);
    for (let i = 0; i < 64; i++) corrupt[idat.offset + 8 + (idat.length >> 1) + i] ^= 0x5a;
    expect((await decodeError(corrupt)).code).toBe('DECODE_FAILED');
    const badCrc = Buffer.from(png);
    badCrc[idat.offset + 8 + idat.length] ^= 0xff;
    const image = await decodeImage(badCrc);
    expect(Array.from(image.pixels)).toEqual(rgb);
  });

  it('refuses an image over the pixel limit from its header (TOO_LARGE), accepts one at the limit', async () => {
    const bomb = await decodeError(pngWithHeaderSize(100_000, 100_000));
    expect(bomb.code).toBe('TOO_LARGE');
    expect(bomb.message).toContain('100000×100000');
    const png = encodePng(40, 25, 2, 8, samples(40 * 25 * 3, 255));
    expect((await decodeImage(png, { maxPixels: 1000 })).width).toBe(40);
    expect((await decodeError(png, 999)).code).toBe('TOO_LARGE');
  });

  it('refuses from its header an image whose shape would need more memory to hash than the pixel limit allows (5×3,000,000)', async () => {
    // 15 MP is under the default limit, but PDQ keeps 512 bytes a row: 1.5 GB, against 1.2 GB for a square 100 MP image
    const tall = pngWithHeaderSize(5, 3_000_000);
    const err = await decodeError(tall);
    expect(err.code).toBe('TOO_LARGE');
    expect(err.message).toMatch(/^5×3000000 png image would need \d+ MiB to hash/);
    expect(decodeCost(tall)).toBe(0); // the memory budget does not wait for it either
    // a larger --max-pixels allows it (the header-only file then fails to decode, for want of pixels)
    expect((await decodeError(tall, 2_000_000_000)).code).toBe('DECODE_FAILED');
    // ordinary shapes are unaffected, up to the limit
    const wide = encodePng(300, 2, 2, 8, samples(300 * 2 * 3, 255));
    expect((await decodeImage(wide, { maxPixels: 600 })).width).toBe(300);
    expect(decodeCost(pngWithHeaderSize(4000, 3000))).toBe(imageWorkingBytes(4000, 3000));
    expect(imageWorkingBytes(4000, 3000)).toBeLessThan(4000 * 3000 * 12 * 1.02);
  });

  it('says UNSUPPORTED_FORMAT for bytes that are no image format, or one this build cannot decode', async () => {
    expect((await decodeError(Buffer.from('just some text, named .jpg\n'))).code).toBe('UNSUPPORTED_FORMAT');
    // A valid 1×1 BMP: recognised as BMP, but sharp's prebuilt libvips has no BMP loader.
    const bmp = Buffer.alloc(58);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(58, 2);
    bmp.writeUInt32LE(54, 10);
    bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(1, 18);
    bmp.writeInt32LE(1, 22);
    bmp.writeUInt16LE(1, 26);
    bmp.writeUInt16LE(24, 28);
    expect(sniffImageFormat(bmp)).toBe('bmp');
    expect((await decodeError(bmp)).code).toBe('UNSUPPORTED_FORMAT');
  });

  it('tells HEIC (HEVC) from AVIF by the ftyp brands: AVIF decodes, HEIC is UNSUPPORTED_FORMAT when this build has no HEVC decoder', async () => {
    const avif = await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 200, g: 40, b: 90 } } }).avif().toBuffer();
    expect(sniffImageFormat(avif)).toBe('heif');
    expect(heifCodec(avif)).toBe('av1');
    expect((await decodeImage(avif)).width).toBe(32);
    // An iPhone photo's ftyp box: major brand heic, compatible mif1 and heic.
    const ftyp = Buffer.from('\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic', 'latin1');
    const heic = Buffer.concat([ftyp, avif.subarray(avif.readUInt32BE(0))]);
    expect(sniffImageFormat(heic)).toBe('heif');
    expect(heifCodec(heic)).toBe('hevc');
    expect(heifCodec(Buffer.from('\x00\x00\x00\x14ftypmif1\x00\x00\x00\x00heix', 'latin1'))).toBe('hevc');
    if (!decodesHeic()) {
      const err = await decodeError(heic);
      expect(err.code).toBe('UNSUPPORTED_FORMAT');
      expect(err.message).toMatch(/HEIC.*no HEVC decoder/);
    }
  });

  it('says DECODE_FAILED for an empty file and for a damaged file of a known format', async () => {
    expect((await decodeError(new Uint8Array(0))).code).toBe('DECODE_FAILED');
    const tiff = readFileSync(path.join(IMAGES, 'image.tiff'));
    expect((await decodeError(tiff.subarray(0, tiff.length >> 1))).code).toBe('DECODE_FAILED');
  });
});

describe('DECODE_POLICY', () => {
  it('names the decoder versions the hashes depend on', () => {
    expect(DECODE_POLICY.version).toContain(`sharp ${sharp.versions.sharp}`);
    expect(DECODE_POLICY.version).toContain(`libvips ${sharp.versions.vips}`);
    expect(DECODE_POLICY.failOn).toBe('truncated');
  });
});

describe('libvips failures whose words another thread cleared', () => {
  const failing = (...outcomes: Array<string | number>) => {
    let calls = 0;
    const run = async () => {
      const o = outcomes[Math.min(calls++, outcomes.length - 1)];
      if (typeof o === 'number') return o;
      throw new Error(o);
    };
    return { run, calls: () => calls };
  };
  const failure = async (p: Promise<unknown>) => p.then(() => null, (e: HashtriageError) => `${e.code}: ${e.message}`);

  it("are run again once, so a file always gets libvips' own words", async () => {
    const lost = failing('Unknown error', 'VipsJpeg: premature end of JPEG image');
    expect(await failure(libvipsStep(lost.run, 'jpeg'))).toBe('DECODE_FAILED: corrupt or truncated jpeg data: VipsJpeg: premature end of JPEG image');
    expect(lost.calls()).toBe(2);
    const spurious = failing('', 42);
    expect(await libvipsStep(spurious.run, 'jpeg')).toBe(42);
    const twice = failing('Unknown error', 'Unknown error');
    expect(await failure(libvipsStep(twice.run, 'png'))).toBe('DECODE_FAILED: corrupt or truncated png data: Unknown error');
    const own = failing('VipsJpeg: premature end of JPEG image');
    expect(await failure(libvipsStep(own.run, 'jpeg'))).toMatch(/premature end/);
    expect(own.calls()).toBe(1);
  });
});
