/**
 * blockhash, 256 bits (16×16 blocks, the "precise" method), computed by blockhash-core's `bmvbhash` from
 * the same decoded pixels as PDQ. blockhash-core wants RGBA; our decode keeps stored colours and a
 * separate alpha plane, so this module only interleaves them (grey expanded to R=G=B, opaque where the
 * file has no alpha). Fully transparent pixels count as white inside blockhash-core, as in
 * blockhash-python, which is what makes `rgba-500x400.png` equal the reference.
 */
import { bmvbhash } from 'blockhash-core';
import { hammingDistance, hexToWords, wordsToHex } from './bits.js';
import type { DecodedImage, PerceptualHash, PerceptualSignalType } from './signal-type.js';

const GRID = 16;
const BLOCKHASH_BITS = GRID * GRID;

/** The image as interleaved RGBA bytes: grey expanded, alpha 255 where the image has none. */
export function rgbaOf(image: DecodedImage): Uint8Array {
  const { pixels, alpha, channels } = image;
  const n = image.width * image.height;
  const out = new Uint8Array(n * 4);
  if (channels === 3) {
    for (let p = 0, s = 0, o = 0; p < n; p++, s += 3, o += 4) {
      out[o] = pixels[s];
      out[o + 1] = pixels[s + 1];
      out[o + 2] = pixels[s + 2];
    }
  } else {
    for (let p = 0, o = 0; p < n; p++, o += 4) out[o] = out[o + 1] = out[o + 2] = pixels[p];
  }
  if (alpha === null) for (let o = 3; o < out.length; o += 4) out[o] = 255;
  else for (let p = 0, o = 3; p < n; p++, o += 4) out[o] = alpha[p];
  return out;
}

/** blockhash (16×16, precise method) of a decoded image, exactly as blockhash-core computes it. */
export function blockhashFromImage(image: DecodedImage): PerceptualHash {
  const hex = bmvbhash({ width: image.width, height: image.height, data: rgbaOf(image) }, GRID);
  const value = hexToWords(hex, BLOCKHASH_BITS);
  if (value === null) throw new Error(`blockhash-core returned an unexpected value: ${hex}`);
  return { value };
}

/**
 * blockhash as a signal type: 64-digit hex equal to blockhash-python's `blockhash16` text, Hamming distance.
 * Default threshold 12 of 256 bits: on the conformance set the edits blockhash survives (re-encode,
 * resize, brightness, watermark, 5% crop) are 0–10 bits from the original; the closest unrelated pair is
 * 15 bits (two flat images), unrelated non-flat pairs are ≥ 30.
 */
export const blockhashSignalType: PerceptualSignalType = {
  name: 'blockhash',
  source: 'pixels',
  bits: BLOCKHASH_BITS,
  comparison: 'hamming',
  defaultThreshold: 12,
  hasQuality: false,
  minMatchQuality: 0,
  supportsDihedral: false,
  parse: (text) => hexToWords(text, BLOCKHASH_BITS),
  format: (value) => wordsToHex(value, BLOCKHASH_BITS),
  distance: (a, b) => hammingDistance(a, b),
  compute: (image) => blockhashFromImage(image),
};
