/**
 * What a decode will hold, from an image's leading bytes alone. Kept apart from decode.ts so that the
 * thread that reads files and admits them under the memory budget never loads sharp/libvips: with worker
 * threads, only the workers decode.
 */
import { DEFAULT_MAX_PIXELS } from './defaults.js';
import { sniffImageFormat } from './image-format.js';
import { imageSize } from './image-size.js';
import { downsampleScratchBytes } from './pdq-downsample-parts.js';

/**
 * Bytes per pixel a decode holds at its peak, counted for 4 channels (RGBA or CMYK, the most common
 * worst case): 8-bit raw pixels, their colour/alpha split and PDQ's float luminance.
 */
const DECODE_BYTES_PER_PIXEL = 2 * 4 + 4;

/** Bytes decoding and hashing a width×height image hold at their peak: the decode's, plus PDQ's working memory, which grows with the image's height. */
export function imageWorkingBytes(width: number, height: number): number {
  return width * height * DECODE_BYTES_PER_PIXEL + downsampleScratchBytes(width, height);
}

/** The most a decode under `maxPixels` can hold (what the memory budget reserves for an image whose size its header does not give). */
export function maxDecodeCost(maxPixels = DEFAULT_MAX_PIXELS): number {
  return maxPixels * DECODE_BYTES_PER_PIXEL;
}

/**
 * The most decoding and hashing one image under `maxPixels` may hold: a quarter more than the largest
 * decode (PDQ's working memory of any ordinary shape at the limit fits in that), and at least 64 MiB. An
 * image of an extreme shape within the pixel limit (5×20,000,000: 10 GB) needs more, and is refused.
 */
export function maxWorkingBytes(maxPixels = DEFAULT_MAX_PIXELS): number {
  return Math.max(1.25 * maxDecodeCost(maxPixels), 64 * 2 ** 20);
}

/**
 * Bytes a decode of the image starting with `head` will hold at its peak, from its header alone: 0 for
 * an image the decode refuses unread (no known signature, over `maxPixels` or over maxWorkingBytes), null when the size is not
 * readable from these bytes (a format imageSize does not read, damage, or a header further in). A format
 * this build cannot decode is counted as if it could (the decode then refuses it without holding it).
 */
export function decodeCost(head: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): number | null {
  const format = head.length === 0 ? null : sniffImageFormat(head);
  if (format === null) return 0;
  const size = imageSize(head);
  if (size === null || size.width === 0 || size.height === 0) return null;
  const pixels = size.width * size.height;
  const bytes = imageWorkingBytes(size.width, size.height);
  return pixels > maxPixels || bytes > maxWorkingBytes(maxPixels) ? 0 : bytes;
}
