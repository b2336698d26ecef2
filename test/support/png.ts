/**
 * A minimal PNG writer for tests: exact sample values (8 or 16 bits, any colour type without palette),
 * arbitrary header sizes and hand-made chunk damage, independent of the decoder under test.
 */
import { crc32, deflateSync } from 'node:zlib';

/** PNG colour types: 0 grey, 2 RGB, 4 grey+alpha, 6 RGBA. */
export type PngColourType = 0 | 2 | 4 | 6;

const CHANNELS: Record<PngColourType, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One chunk with its length and CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function ihdr(width: number, height: number, bitDepth: 8 | 16, colourType: PngColourType): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data[8] = bitDepth;
  data[9] = colourType;
  return data;
}

/** A PNG of the given samples (interleaved, row-major, one number per sample), filter type 0 on every row. */
export function encodePng(width: number, height: number, colourType: PngColourType, bitDepth: 8 | 16, samples: ArrayLike<number>): Buffer {
  const channels = CHANNELS[colourType];
  const bytesPerSample = bitDepth / 8;
  const rowBytes = width * channels * bytesPerSample;
  const raw = Buffer.alloc(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    const rowStart = y * (rowBytes + 1);
    raw[rowStart] = 0;
    for (let i = 0; i < width * channels; i++) {
      const v = samples[y * width * channels + i];
      if (bitDepth === 16) raw.writeUInt16BE(v, rowStart + 1 + 2 * i);
      else raw[rowStart + 1 + i] = v;
    }
  }
  return Buffer.concat([
    SIGNATURE,
    pngChunk('IHDR', ihdr(width, height, bitDepth, colourType)),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A PNG whose IHDR claims width × height RGB pixels, with a tiny valid IDAT (a decompression bomb's header). */
export function pngWithHeaderSize(width: number, height: number): Buffer {
  return Buffer.concat([
    SIGNATURE,
    pngChunk('IHDR', ihdr(width, height, 8, 2)),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Offsets of each chunk (start of its length field), data length and type. */
export function pngChunks(png: Buffer): Array<{ offset: number; length: number; type: string }> {
  const out: Array<{ offset: number; length: number; type: string }> = [];
  for (let at = 8; at + 8 <= png.length; ) {
    const length = png.readUInt32BE(at);
    out.push({ offset: at, length, type: png.toString('latin1', at + 4, at + 8) });
    at += 12 + length;
  }
  return out;
}

/** The PNG without its chunks of the given type (e.g. 'iCCP'). */
export function withoutChunk(png: Buffer, type: string): Buffer {
  const parts = [png.subarray(0, 8)];
  for (const c of pngChunks(png)) if (c.type !== type) parts.push(png.subarray(c.offset, c.offset + 12 + c.length));
  return Buffer.concat(parts);
}

/** An 8-bit palette PNG (colour type 3): `palette` holds RGB triples, `indices` one entry per pixel. */
export function encodePalettePng(width: number, height: number, palette: ArrayLike<number>, indices: ArrayLike<number>): Buffer {
  const raw = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = indices[y * width + x];
  const header = ihdr(width, height, 8, 2);
  header[9] = 3;
  return Buffer.concat([
    SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('PLTE', Buffer.from(Array.from(palette))),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
