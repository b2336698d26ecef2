/**
 * Image dimensions read from the leading bytes in plain code, without a decoder: the hashing scheduler
 * needs them on the main thread, where calling libvips beside the workers' decodes could garble their
 * error messages (libvips keeps one error buffer per process).
 */
import { sniffImageFormat } from './image-format.js';

/** Width and height of an image. */
export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

function jpegSize(b: Buffer): ImageSize | null {
  let at = 2;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return null;
    const marker = b[at + 1];
    if (marker === 0xff) {
      at++;
      continue;
    }
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return { height: b.readUInt16BE(at + 5), width: b.readUInt16BE(at + 7) };
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    at += 2 + b.readUInt16BE(at + 2);
  }
  return null;
}

function webpSize(b: Buffer): ImageSize | null {
  if (b.length < 30) return null;
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return { width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
  if (chunk === 'VP8 ') return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8L') {
    const bits = b.readUInt32LE(21);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) };
  }
  return null;
}

function tiffSize(b: Buffer): ImageSize | null {
  const le = b[0] === 0x49;
  const u16 = (o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  if (u16(2) !== 42) return null; // BigTIFF: not read here
  const ifd = u32(4);
  if (ifd + 2 > b.length) return null;
  let width = 0;
  let height = 0;
  for (let i = 0, n = u16(ifd); i < n && ifd + 2 + 12 * i + 12 <= b.length; i++) {
    const e = ifd + 2 + 12 * i;
    const value = u16(e + 2) === 3 ? u16(e + 8) : u32(e + 8);
    if (u16(e) === 256) width = value;
    else if (u16(e) === 257) height = value;
  }
  return width > 0 && height > 0 ? { width, height } : null;
}

/**
 * The size an image's header gives, for PNG, GIF, JPEG, WebP and classic TIFF; null for other formats
 * or when the header is not within `head` (a JPEG's frame header can follow large metadata).
 */
export function imageSize(head: Uint8Array): ImageSize | null {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  try {
    switch (sniffImageFormat(b)) {
      case 'png':
        return b.length >= 24 ? { width: b.readUInt32BE(16), height: b.readUInt32BE(20) } : null;
      case 'gif':
        return b.length >= 10 ? { width: b.readUInt16LE(6), height: b.readUInt16LE(8) } : null;
      case 'jpeg':
        return jpegSize(b);
      case 'webp':
        return webpSize(b);
      case 'tiff':
        return tiffSize(b);
      default:
        return null;
    }
  } catch {
    return null; // a header cut short inside `head`
  }
}
