/**
 * Test data for the PDQ core: raw pixel fixtures (fixtures/pixels, no image decoder involved), the
 * reference values of fixtures/conformance/expected.tsv, and explicit pixel transforms.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** An interleaved 8-bit image. */
export interface RawImage {
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
}

/** The reference values of one conformance image (one row of expected.tsv). */
export interface ReferenceRow {
  readonly file: string;
  readonly width: number;
  readonly height: number;
  readonly pdq: string;
  readonly pdqQuality: number;
  readonly pdqCli512: string;
  readonly pdqCli512Quality: number;
  readonly blockhash16: string;
  readonly md5: string;
  readonly sha1: string;
  readonly sha256: string;
}

let rows: readonly ReferenceRow[] | undefined;

/** Every row of fixtures/conformance/expected.tsv, in file order; throws naming a missing column. */
export function referenceRows(): readonly ReferenceRow[] {
  if (rows) return rows;
  const [header, ...lines] = readFileSync(path.join(ROOT, 'fixtures/conformance/expected.tsv'), 'utf8').trim().split('\n');
  const columns = header.split('\t');
  rows = lines.map((line) => {
    const cells = line.split('\t');
    const get = (name: string): string => {
      const at = columns.indexOf(name);
      if (at < 0) throw new Error(`expected.tsv has no column ${name}`);
      return cells[at];
    };
    return {
      file: get('file'),
      width: Number(get('width')),
      height: Number(get('height')),
      pdq: get('pdq'),
      pdqQuality: Number(get('pdq_quality')),
      pdqCli512: get('pdq_cli512'),
      pdqCli512Quality: Number(get('pdq_cli512_quality')),
      blockhash16: get('blockhash16'),
      md5: get('md5'),
      sha1: get('sha1'),
      sha256: get('sha256'),
    };
  });
  return rows;
}

/** Reference values of a conformance image by file name (e.g. "rose-210x138.png"). */
export function reference(file: string): ReferenceRow {
  const row = referenceRows().find((r) => r.file === file);
  if (!row) throw new Error(`expected.tsv has no row for ${file}`);
  return row;
}

/** Pixels of a conformance image from fixtures/pixels (`<name>.rgb.gz` or `<name>.grey.gz`). */
export function rawFixture(file: string): RawImage {
  const name = file.replace(/\.[a-z]+$/, '');
  const row = reference(file);
  for (const [suffix, channels] of [['rgb', 3], ['grey', 1]] as const) {
    const fixture = path.join(ROOT, 'fixtures/pixels', `${name}.${suffix}.gz`);
    let bytes: Buffer;
    try {
      bytes = gunzipSync(readFileSync(fixture));
    } catch {
      continue;
    }
    if (bytes.length !== row.width * row.height * channels) {
      throw new Error(`${fixture}: ${bytes.length} bytes, expected ${row.width}x${row.height}x${channels}`);
    }
    return { pixels: new Uint8Array(bytes), width: row.width, height: row.height, channels };
  }
  throw new Error(`no raw pixel fixture for ${file}`);
}

/** Deterministic pseudo-random bytes (LCG), so generated test images are the same on every run. */
export function seededBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** Builds a `width`×`height` image whose pixel (r, c) is the source pixel `source(r, c)` = [row, col]. */
function remap(img: RawImage, width: number, height: number, source: (r: number, c: number) => [number, number]): RawImage {
  const ch = img.channels;
  const pixels = new Uint8Array(width * height * ch);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const [sr, sc] = source(r, c);
      for (let k = 0; k < ch; k++) pixels[(r * width + c) * ch + k] = img.pixels[(sr * img.width + sc) * ch + k];
    }
  }
  return { pixels, width, height, channels: ch };
}

/** The image turned, mirrored or reflected explicitly, pixel by pixel (names as in DIHEDRAL_NAMES). */
export const TRANSFORMS = {
  /** 90° counter-clockwise: the top-right corner becomes the top-left. */
  rot90: (i: RawImage) => remap(i, i.height, i.width, (r, c) => [c, i.width - 1 - r]),
  rot180: (i: RawImage) => remap(i, i.width, i.height, (r, c) => [i.height - 1 - r, i.width - 1 - c]),
  /** 90° clockwise: the top-left corner becomes the top-right. */
  rot270: (i: RawImage) => remap(i, i.height, i.width, (r, c) => [i.height - 1 - c, r]),
  /** Mirror left↔right. */
  flipX: (i: RawImage) => remap(i, i.width, i.height, (r, c) => [r, i.width - 1 - c]),
  /** Mirror top↔bottom. */
  flipY: (i: RawImage) => remap(i, i.width, i.height, (r, c) => [i.height - 1 - r, c]),
  /** Reflect about the main diagonal. */
  transpose: (i: RawImage) => remap(i, i.height, i.width, (r, c) => [c, r]),
  /** Reflect about the anti-diagonal. */
  antiTranspose: (i: RawImage) => remap(i, i.height, i.width, (r, c) => [i.height - 1 - c, i.width - 1 - r]),
} as const;
