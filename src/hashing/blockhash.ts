/**
 * blockhash, 256 bits (16×16 blocks, the "precise" bmvbhash method of blockhash-core), computed from the
 * same decoded pixels as PDQ. blockhash-core wants RGBA; fully transparent pixels count as white there,
 * as in the reference (blockhash-python on Pillow's RGBA decode).
 */
import { bmvbhash } from 'blockhash-core';
import { hammingDistance, hexToWords, wordsToHex } from './bits.js';
import type { DecodedImage, PerceptualHash, PerceptualSignalType } from './signal-type.js';

const BLOCKHASH_GRID = 16;
const BLOCKHASH_BITS = BLOCKHASH_GRID * BLOCKHASH_GRID;

/**
 * Interleaved RGBA of a decoded image: grey expands to R = G = B = v, missing alpha is opaque (255).
 * Exactly what Pillow's convert('RGBA') gives for the same stored values.
 */
export function toRgba(image: DecodedImage): Uint8Array {
  const { pixels, alpha, channels } = image;
  const n = image.width * image.height;
  const rgba = new Uint8Array(n * 4);
  if (channels === 3) {
    for (let p = 0, s = 0, o = 0; p < n; p++, s += 3, o += 4) {
      rgba[o] = pixels[s];
      rgba[o + 1] = pixels[s + 1];
      rgba[o + 2] = pixels[s + 2];
      rgba[o + 3] = alpha === null ? 255 : alpha[p];
    }
  } else {
    for (let p = 0, o = 0; p < n; p++, o += 4) {
      const v = pixels[p];
      rgba[o] = v;
      rgba[o + 1] = v;
      rgba[o + 2] = v;
      rgba[o + 3] = alpha === null ? 255 : alpha[p];
    }
  }
  return rgba;
}

/**
 * blockhash-core's hex puts its first block in the most significant bit of the first digit: parsing that
 * hex with hexToWords keeps the reference's hex text unchanged through parse/format.
 */
export function blockhashFromImage(image: DecodedImage): PerceptualHash {
  const hex = bmvbhash({ width: image.width, height: image.height, data: toRgba(image) }, BLOCKHASH_GRID);
  const value = hexToWords(hex, BLOCKHASH_BITS);
  if (value === null) throw new Error(`blockhash-core returned an unexpected value "${hex}"`);
  return { value };
}

/**
 * blockhash as a signal type: 64-digit hex equal to blockhash-python's `blockhash16` text, Hamming distance.
 * The default threshold (10 of 256 bits) keeps re-encodes, resizes and brightness changes of the conformance
 * set's base image while staying far below the distances between unrelated images; matching tunes it.
 */
export const blockhashSignalType: PerceptualSignalType = {
  name: 'blockhash',
  source: 'pixels',
  bits: BLOCKHASH_BITS,
  comparison: 'hamming',
  defaultThreshold: 10,
  minMatchQuality: 0,
  parse: (text) => hexToWords(text, BLOCKHASH_BITS),
  format: (value) => wordsToHex(value, BLOCKHASH_BITS),
  distance: (a, b) => hammingDistance(a, b),
  compute: (image) => blockhashFromImage(image),
};
