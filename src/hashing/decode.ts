/**
 * One decode per file (sharp/libvips), to the pixels that every perceptual signal type hashes.
 *
 * The policy (see DECODE_POLICY) reproduces what the reference hash lists were made from: stored sample
 * values as the file holds them, not a colour-managed rendering. Measured on the conformance set, the
 * one pixel path here gives the reference PDQ (ImageMagick decode) and the reference blockhash (Pillow
 * decode) on every image, including the CMYK JPEG.
 */
import sharp from 'sharp';
import { HashtriageError } from '../errors.js';
import { heifCodec, sniffImageFormat, type SniffedFormat } from './image-format.js';
import type { DecodedImage } from './signal-type.js';
import { DEFAULT_MAX_PIXELS } from './defaults.js';
import { imageWorkingBytes, maxWorkingBytes } from './decode-cost.js';

export { DEFAULT_MAX_PIXELS };
export { decodeCost, maxDecodeCost } from './decode-cost.js';

/**
 * sharp's `failOn` level. 'truncated' makes every truncated or undecodable stream an error (libjpeg
 * would otherwise fill the missing rows with grey and we would hash the filler), while a file whose
 * pixels are intact but whose checksum is wrong (a PNG chunk CRC) still decodes to those pixels.
 * 'error' and 'warning' would refuse the latter too, losing matches that the reference tools make.
 */
const FAIL_ON = 'truncated' as const;

/** How files are turned into pixels; recorded with every output so a hash can be traced to its decode. */
export const DECODE_POLICY = {
  version: `hashtriage-decode/1 (sharp ${sharp.versions.sharp ?? 'unknown'}, libvips ${sharp.versions.vips})`,
  decoder: {
    sharp: sharp.versions.sharp ?? 'unknown',
    libvips: sharp.versions.vips,
    jpeg: `mozjpeg ${(sharp.versions as Record<string, string | undefined>).mozjpeg ?? 'unknown'} (libjpeg-turbo based)`,
  },
  frames: 'first frame or page only',
  exifOrientation: 'ignored (pixels as stored, never rotated)',
  alpha: 'dropped for PDQ with the stored colour values kept; kept separately for blockhash',
  palette: 'expanded to RGB',
  bitDepth: '16-bit samples reduced to 8 bits by >> 8',
  iccProfile: 'ignored (stored values, no colour management), as the reference tools do',
  cmyk: 'converted to RGB without a profile: R = round((255 - C) * (255 - K) / 255), likewise G from M and B from Y',
  grey: 'single channel kept (PDQ uses Y = v)',
  failOn: FAIL_ON,
  defaultMaxPixels: DEFAULT_MAX_PIXELS,
} as const;

/** What a decode may be told. */
export interface DecodeOptions {
  /** Largest width × height accepted (default DEFAULT_MAX_PIXELS); checked on the header before decoding. */
  readonly maxPixels?: number;
}

/** Formats this build of sharp can read from memory (the prebuilt binaries lack e.g. HEIC, JPEG XL, BMP). */
function decodableBySharp(format: SniffedFormat): boolean {
  const info = (sharp.format as unknown as Record<string, { input?: { buffer?: boolean } } | undefined>)[format];
  return info?.input?.buffer === true;
}

/**
 * Whether this build decodes HEVC-coded HEIF (HEIC): sharp's prebuilt libvips has libheif with the AV1
 * decoder only (AVIF reads, HEIC does not), and lists '.heic' among the heif suffixes when it can.
 */
export function decodesHeic(): boolean {
  const info = (sharp.format as unknown as Record<string, { input?: { fileSuffix?: string[] } } | undefined>).heif;
  return info?.input?.fileSuffix?.includes('.heic') === true;
}

const UNSUPPORTED_MESSAGE = /unsupported image format|unsupported codec|no decoding plugin|not a known|unsupported feature/i;

/** Maps a sharp/libvips failure to our codes, keeping libvips' own words (first line) for the user. */
function decodeError(err: unknown, format: SniffedFormat): HashtriageError {
  const text = (err instanceof Error ? err.message : String(err)).split('\n')[0].trim();
  if (/exceeds pixel limit/i.test(text)) return new HashtriageError('TOO_LARGE', `${format} image exceeds the pixel limit: ${text}`);
  if (UNSUPPORTED_MESSAGE.test(text) && !/corrupt header/i.test(text) && !decodableBySharp(format))
    return new HashtriageError('UNSUPPORTED_FORMAT', `${format} images cannot be decoded by this build (${text})`);
  return new HashtriageError('DECODE_FAILED', `corrupt or truncated ${format} data: ${text}`);
}

const mib = (bytes: number): number => Math.ceil(bytes / 2 ** 20);

/**
 * Runs one sharp operation, its failure mapped by decodeError. libvips keeps its error text in one buffer
 * for all threads: another thread's decode can clear it before sharp reads it, leaving "Unknown error".
 * Such a failure is run again once, so that the same file always gets its own words (and a failure that
 * was not the file's own goes away).
 */
export async function libvipsStep<T>(run: () => Promise<T>, format: SniffedFormat): Promise<T> {
  try {
    return await run();
  } catch (first) {
    if (!lostLibvipsMessage(first)) throw decodeError(first, format);
    try {
      return await run();
    } catch (again) {
      throw decodeError(lostLibvipsMessage(again) ? first : again, format);
    }
  }
}

/** True when sharp reports a failure without libvips' words for it ("Unknown error", or nothing). */
function lostLibvipsMessage(err: unknown): boolean {
  const text = (err instanceof Error ? err.message : String(err)).split('\n')[0].trim();
  return text === '' || /^unknown error$/i.test(text);
}

/** Checks the header's dimensions against the pixel limit and the memory it allows; the header alone is parsed, no pixels decoded. */
async function readHeader(bytes: Uint8Array, format: SniffedFormat, maxPixels: number): Promise<sharp.Metadata> {
  const meta = await libvipsStep(() => sharp(bytes, { limitInputPixels: false, failOn: FAIL_ON }).metadata(), format);
  const { width, height } = meta;
  if (!width || !height) throw new HashtriageError('DECODE_FAILED', `${format} header gives no image size`);
  if (width * height > maxPixels)
    throw new HashtriageError(
      'TOO_LARGE',
      `${width}×${height} ${meta.format ?? format} image has ${width * height} pixels, over the limit of ${maxPixels} (--max-pixels)`,
    );
  const needs = imageWorkingBytes(width, height);
  const allowed = maxWorkingBytes(maxPixels);
  if (needs > allowed)
    throw new HashtriageError(
      'TOO_LARGE',
      `${width}×${height} ${meta.format ?? format} image would need ${mib(needs)} MiB to hash (its shape), more than the ${mib(allowed)} MiB the pixel limit allows one image (--max-pixels raises it)`,
    );
  return meta;
}

/** Splits interleaved samples with a trailing alpha channel into colour samples and alpha bytes. */
function splitAlpha(data: Uint8Array, pixelCount: number, colourChannels: number): { colour: Uint8Array; alpha: Uint8Array } {
  const stride = colourChannels + 1;
  const colour = new Uint8Array(pixelCount * colourChannels);
  const alpha = new Uint8Array(pixelCount);
  for (let p = 0, s = 0, c = 0; p < pixelCount; p++, s += stride) {
    for (let k = 0; k < colourChannels; k++) colour[c++] = data[s + k];
    alpha[p] = data[s + colourChannels];
  }
  return { colour, alpha };
}

/** First channel of each pixel (grey sources arrive as R = G = B = v from the sRGB output). */
function firstChannel(data: Uint8Array, pixelCount: number, stride: number): Uint8Array {
  const out = new Uint8Array(pixelCount);
  for (let p = 0, s = 0; p < pixelCount; p++, s += stride) out[p] = data[s];
  return out;
}

/**
 * Profile-less CMYK → RGB as ImageMagick and Pillow do it: R = round((255-C)(255-K)/255), same for G/M
 * and B/Y. (libvips would apply a fallback CMYK ICC profile instead, which the references do not.)
 */
export function cmykToRgb(data: Uint8Array, pixelCount: number, stride: number): Uint8Array {
  const out = new Uint8Array(pixelCount * 3);
  for (let p = 0, s = 0, o = 0; p < pixelCount; p++, s += stride) {
    const k = 255 - data[s + 3];
    out[o++] = ((255 - data[s]) * k + 127) / 255 | 0;
    out[o++] = ((255 - data[s + 1]) * k + 127) / 255 | 0;
    out[o++] = ((255 - data[s + 2]) * k + 127) / 255 | 0;
  }
  return out;
}

/**
 * Decodes the first frame of an image held in memory to 8-bit stored colour values (see DECODE_POLICY).
 * Throws HashtriageError: UNSUPPORTED_FORMAT when the bytes are no raster format we know or this build
 * cannot read, TOO_LARGE over the pixel limit (checked before decoding), DECODE_FAILED when the data is
 * empty, corrupt or truncated. Never returns filler pixels for missing data.
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (bytes.length === 0) throw new HashtriageError('DECODE_FAILED', 'the file is empty (0 bytes)');
  const format = sniffImageFormat(bytes);
  if (format === null) throw new HashtriageError('UNSUPPORTED_FORMAT', 'the content is not an image format we know (no known signature)');
  if (!decodableBySharp(format)) throw new HashtriageError('UNSUPPORTED_FORMAT', `${format} images cannot be decoded by this build of sharp`);
  if (format === 'heif' && heifCodec(bytes) === 'hevc' && !decodesHeic())
    throw new HashtriageError('UNSUPPORTED_FORMAT', 'HEIC (HEVC-coded HEIF) images cannot be decoded by this build of sharp/libvips, which has no HEVC decoder');

  const meta = await readHeader(bytes, format, maxPixels);
  const isCmyk = meta.space === 'cmyk';
  const isGrey = meta.space === 'b-w' || meta.space === 'grey16';
  const decode = (): Promise<{ data: Buffer; info: sharp.OutputInfo }> => {
    const pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: FAIL_ON, ignoreIcc: true, pages: 1, page: 0 });
    // CMYK stays CMYK through libvips (no ICC conversion); everything else comes out as sRGB samples,
    // which for RGB files are the stored values (ICC ignored), for grey R = G = B = v, for 16-bit v >> 8.
    return (isCmyk ? pipeline.pipelineColourspace('cmyk').toColourspace('cmyk') : pipeline.toColourspace('srgb')).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  };
  const raw = await libvipsStep(decode, format);
  const { data, info } = raw;
  const { width, height } = info;
  const channels: number = info.channels;
  const pixelCount = width * height;
  const imageFormat = meta.format ?? format;

  if (isCmyk) {
    if (channels !== 4 && channels !== 5) throw new HashtriageError('DECODE_FAILED', `CMYK ${imageFormat} decoded to ${channels} channels`);
    const pixels = cmykToRgb(data, pixelCount, channels);
    const alpha = channels === 5 ? splitAlpha(data, pixelCount, 4).alpha : null;
    return { width, height, channels: 3, pixels, alpha, format: imageFormat };
  }
  if (channels === 3) {
    return isGrey
      ? { width, height, channels: 1, pixels: firstChannel(data, pixelCount, 3), alpha: null, format: imageFormat }
      : { width, height, channels: 3, pixels: data, alpha: null, format: imageFormat };
  }
  if (channels === 4) {
    const { colour, alpha } = splitAlpha(data, pixelCount, 3);
    return isGrey
      ? { width, height, channels: 1, pixels: firstChannel(colour, pixelCount, 3), alpha, format: imageFormat }
      : { width, height, channels: 3, pixels: colour, alpha, format: imageFormat };
  }
  throw new HashtriageError('DECODE_FAILED', `${imageFormat} decoded to an unexpected ${channels} channels`);
}
