/**
 * What a decode will hold, from an image's leading bytes alone. Kept apart from decode.ts so that the
 * thread that reads files and admits them under the memory budget never loads sharp/libvips: with worker
 * threads, only the workers decode.
 */
import { DEFAULT_MAX_PIXELS } from './defaults.js';
import { sniffImageFormat } from './image-format.js';
import { imageSize } from './image-size.js';

/**
 * Bytes per pixel a decode holds at its peak, counted for 4 channels (RGBA or CMYK, the most common
 * worst case): 8-bit raw pixels, their colour/alpha split and PDQ's float luminance.
 */
const DECODE_BYTES_PER_PIXEL = 2 * 4 + 4;

/** The most a decode under `maxPixels` can hold. */
export function maxDecodeCost(maxPixels = DEFAULT_MAX_PIXELS): number {
  return maxPixels * DECODE_BYTES_PER_PIXEL;
}

/**
 * Bytes a decode of the image starting with `head` will hold at its peak, from its header alone: 0 for
 * an image the decode refuses unread (no known signature, over `maxPixels`), null when the size is not
 * readable from these bytes (a format imageSize does not read, damage, or a header further in). A format
 * this build cannot decode is counted as if it could (the decode then refuses it without holding it).
 */
export function decodeCost(head: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): number | null {
  const format = head.length === 0 ? null : sniffImageFormat(head);
  if (format === null) return 0;
  const size = imageSize(head);
  if (size === null || size.width === 0 || size.height === 0) return null;
  const pixels = size.width * size.height;
  return pixels > maxPixels ? 0 : pixels * DECODE_BYTES_PER_PIXEL;
}
