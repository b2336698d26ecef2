/**
 * Which files claim to be images: by their leading bytes (magic numbers) or by their file name extension.
 * A file that claims to be an image and cannot be decoded is an error; any other file is hashed by its
 * bytes only (a video, a document, an archive still gets its digests).
 */
import path from 'node:path';

/** Raster container formats we recognise by their leading bytes (names as sharp reports them). */
export type SniffedFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'heif' | 'jxl' | 'jp2k' | 'bmp';

/** Bytes needed by sniffImageFormat to recognise every format it knows. */
export const SNIFF_BYTES = 32;

/** File name extensions (lowercase, with dot) of image formats: such a file is expected to decode. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.apng', '.gif', '.webp', '.tif', '.tiff',
  '.heic', '.heif', '.avif', '.jxl', '.jp2', '.j2k', '.jpf', '.bmp', '.dib',
]);

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1', 'avif', 'avis']);

/** Sizes of the BMP DIB header variants (bytes 14–17, little-endian): 'BM' alone is too weak a signature. */
const BMP_DIB_HEADER_SIZES = new Set([12, 16, 40, 52, 56, 64, 108, 124]);

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0): boolean {
  if (bytes.length < at + signature.length) return false;
  for (let i = 0; i < signature.length; i++) if (bytes[at + i] !== signature[i]) return false;
  return true;
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  if (bytes.length < end) return '';
  return String.fromCharCode(...bytes.subarray(start, end));
}

/** The raster format whose signature the leading bytes carry (needs SNIFF_BYTES bytes), or null. */
export function sniffImageFormat(bytes: Uint8Array): SniffedFormat | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  const head6 = ascii(bytes, 0, 6);
  if (head6 === 'GIF87a' || head6 === 'GIF89a') return 'gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  // Classic TIFF (II*\0, MM\0*) and BigTIFF (II+\0, MM\0+).
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff';
  if (ascii(bytes, 4, 8) === 'ftyp' && HEIF_BRANDS.has(ascii(bytes, 8, 12))) return 'heif';
  if (startsWith(bytes, [0xff, 0x0a])) return 'jxl';
  if (startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a])) return 'jxl';
  if (startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a])) return 'jp2k';
  if (startsWith(bytes, [0xff, 0x4f, 0xff, 0x51])) return 'jp2k';
  if (ascii(bytes, 0, 2) === 'BM' && bytes.length >= 18 && BMP_DIB_HEADER_SIZES.has(bytes[14] | (bytes[15] << 8)) && bytes[16] === 0 && bytes[17] === 0)
    return 'bmp';
  return null;
}

const HEVC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis']);
const AV1_BRANDS = new Set(['avif', 'avis']);

/**
 * The codec of a HEIF file's pictures as its ftyp box declares it: 'hevc' for HEIC (iPhone photos),
 * 'av1' for AVIF, null when the brands say neither or the bytes are no ftyp box. Reads only the ftyp box.
 */
export function heifCodec(bytes: Uint8Array): 'hevc' | 'av1' | null {
  if (ascii(bytes, 4, 8) !== 'ftyp') return null;
  const size = Math.min(((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0, bytes.length, 4096);
  const brands = [ascii(bytes, 8, 12)];
  for (let at = 16; at + 4 <= size; at += 4) brands.push(ascii(bytes, at, at + 4));
  if (AV1_BRANDS.has(brands[0])) return 'av1';
  if (HEVC_BRANDS.has(brands[0])) return 'hevc';
  if (brands.some((b) => AV1_BRANDS.has(b))) return 'av1';
  if (brands.some((b) => HEVC_BRANDS.has(b))) return 'hevc';
  return null;
}

/** True when the file name's extension is one of IMAGE_EXTENSIONS (case-insensitive). */
export function hasImageExtension(filePath: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(filePath).toLowerCase());
}
