/**
 * Hostile and odd evidence, generated: damaged images, HEIC, sparse zero-filled "images", manifests and
 * known-hash lists with nesting bombs, over-long rows, broken JSON and control characters. Each case
 * names the command that reads it and what must come out, so test/hostile-corpus.test.ts can run them
 * all through the CLI. Nothing here is committed as a binary: `tsx scripts/make-hostile-corpus.ts DIR`
 * writes the files into DIR (default: a fresh temporary folder) and prints the case list as JSON.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { pngWithHeaderSize } from '../test/support/png.js';

/** What one input must come out as: 'ok', or the error code of its item, row or file. */
export type Outcome = 'ok' | 'NOT_FOUND' | 'UNREADABLE' | 'UNSUPPORTED_FORMAT' | 'DECODE_FAILED' | 'TOO_LARGE' | 'BAD_ROW' | 'BAD_HASH';

/** An image-like file for `hashtriage hash`, and the outcome of its output line. */
export interface HashCase {
  readonly file: string;
  readonly outcome: Outcome;
}

/** A manifest for `hashtriage scan --manifest`: the problems (source → code), reports and items (file → outcome) it must give. */
export interface ManifestCase {
  readonly manifest: string;
  readonly problems: Readonly<Record<string, Outcome>>;
  readonly reports: number;
  readonly items: Readonly<Record<string, Outcome>>;
  /** Text that report.html and bundles.csv must not contain raw. */
  readonly mustNotContainRaw?: readonly string[];
}

/**
 * A known-hash list for `hashtriage index import`: its exit status, the rows it must add and the rejected
 * rows (file:line → part of the message), or for a file refused whole (status 2) part of the reason.
 */
export interface ListCase {
  readonly list: string;
  readonly status: 0 | 1 | 2;
  readonly refused?: string;
  readonly added: number;
  readonly rejected: Readonly<Record<string, string>>;
}

/** Every case of the corpus, with paths relative to its folder. */
export interface HostileCorpus {
  readonly hash: readonly HashCase[];
  readonly manifests: readonly ManifestCase[];
  readonly lists: readonly ListCase[];
}

const MD5 = (i: number): string => i.toString(16).padStart(32, '0');
const nest = (depth: number, inner = ''): string => '['.repeat(depth) + inner + ']'.repeat(depth);

function sparseFile(file: string, bytes: number): void {
  const fd = openSync(file, 'w');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

/** A PNG signature and IHDR claiming `width` × `height`, with no pixel data (CRC left wrong). */
function pngHeaderOnly(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'latin1');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr[16] = 8;
  ihdr[17] = 2;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr]);
}

/** `jpeg` with the frame header (SOF0–SOF2) rewritten to claim `width` × `height`. */
function jpegClaiming(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i + 9 < out.length; i++) {
    if (out[i] === 0xff && out[i + 1] >= 0xc0 && out[i + 1] <= 0xc2) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
  }
  throw new Error('no frame header in the JPEG');
}

async function images(dir: string): Promise<{ cases: HashCase[]; media: Record<string, Buffer> }> {
  const d = path.join(dir, 'images');
  mkdirSync(d, { recursive: true });
  const base = sharp({ create: { width: 96, height: 64, channels: 3, background: { r: 180, g: 60, b: 20 } } });
  const jpeg = await base.clone().jpeg().toBuffer();
  const png = await base.clone().png().toBuffer();
  const avif = await base.clone().avif().toBuffer();
  const heic = Buffer.concat([Buffer.from('\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic', 'latin1'), avif.subarray(avif.readUInt32BE(0))]);
  const files: Array<[string, Buffer | number, Outcome]> = [
    ['good.jpg', jpeg, 'ok'],
    ['good.png', png, 'ok'],
    ['good.avif', avif, 'ok'],
    ['photo.heic', heic, 'UNSUPPORTED_FORMAT'],
    ['truncated.jpg', jpeg.subarray(0, jpeg.length >> 1), 'DECODE_FAILED'],
    ['truncated.png', png.subarray(0, png.length - 20), 'DECODE_FAILED'],
    ['signature-only.png', png.subarray(0, 8), 'DECODE_FAILED'],
    ['bad-header.png', Buffer.concat([png.subarray(0, 8), Buffer.alloc(64, 0xa5)]), 'DECODE_FAILED'],
    ['bad-header.jpg', Buffer.concat([jpeg.subarray(0, 3), Buffer.alloc(64, 0x5a)]), 'DECODE_FAILED'],
    ['zero-bytes.jpg', Buffer.alloc(0), 'DECODE_FAILED'],
    ['zero-bytes.bin', Buffer.alloc(0), 'ok'],
    ['huge-dimensions.png', pngWithHeaderSize(100_000, 100_000), 'TOO_LARGE'],
    ['header-only.png', pngHeaderOnly(9999, 9999), 'DECODE_FAILED'],
    ['huge-dimensions.jpg', jpegClaiming(jpeg, 65_000, 65_000), 'TOO_LARGE'],
    ['sparse-zeros.jpg', 64 * 1024 * 1024, 'UNSUPPORTED_FORMAT'],
    ['text-named.png', Buffer.from('just text\n'), 'UNSUPPORTED_FORMAT'],
    ['sparse-zeros.mp4', 16 * 1024 * 1024, 'ok'],
  ];
  for (const [name, content] of files) {
    const file = path.join(d, name);
    if (typeof content === 'number') sparseFile(file, content);
    else writeFileSync(file, content);
  }
  const cases = files.map(([name, , outcome]) => ({ file: `images/${name}`, outcome }));
  return { cases, media: { 'good.png': png, 'good.jpg': jpeg, 'truncated.jpg': jpeg.subarray(0, jpeg.length >> 1) } };
}

const BIDI = '\u202E';
const CONTROLS = ['\u0000', '\u001b[31m', BIDI, '\u2066', '\u0085'];

function manifests(dir: string, media: Readonly<Record<string, Buffer>>): ManifestCase[] {
  const d = path.join(dir, 'manifests');
  mkdirSync(path.join(d, 'media'), { recursive: true });
  for (const [name, bytes] of Object.entries(media)) writeFileSync(path.join(d, 'media', name), bytes);
  const row = (o: Record<string, unknown>) => JSON.stringify(o);
  const write = (name: string, lines: string[]) => writeFileSync(path.join(d, name), `${lines.join('\n')}\n`);
  write('deep.ndjson', [
    row({ report_id: 'D1', url: 'https://example.org/a', file: 'media/good.png' }),
    `{"report_id":"D2","notes":${nest(10_000)},"file":"media/good.jpg"}`,
    row({ report_id: 'D3', url: 'https://example.org/b', files: 'media/truncated.jpg' }),
  ]);
  write('wide-and-long.ndjson', [
    row({ report_id: 'L1', url: 'https://example.org/c' }),
    row({ report_id: 'L2', notes: 'x'.repeat(2 * 1024 * 1024) }),
    row({ report_id: 'L3', notes: nest(64, '"deep but allowed"'), url: 'https://example.org/d' }),
  ]);
  write('broken.ndjson', [
    '{"report_id": "B1", "url": ',
    '[1, 2, 3]',
    'null',
    row({ report_id: 'B4', url: 'https://example.org/e' }),
    `{"report_id":"B5","x":"${'['.repeat(5000)}"}`,
  ]);
  write('controls.ndjson', [
    row({ report_id: `C1${BIDI}gpj.exe`, file: 'media/good.jpg', url: `https://example.org/${CONTROLS.join('')}`, notes: `note ${CONTROLS.join(' ')}`, reporter: `r\u0000` }),
    row({ report_id: 'C2', url: 'https://example.org/f', notes: `=HYPERLINK("x")${BIDI}` }),
  ]);
  writeFileSync(path.join(d, 'controls.csv'), `report_id,url,notes\r\nK1,https://example.org/g,"a\u0000b${BIDI}c\u001b"\r\nK2,https://example.org/h,plain\r\n`);
  return [
    { manifest: 'manifests/deep.ndjson', problems: { 'deep.ndjson:2': 'BAD_ROW' }, reports: 2, items: { 'media/good.png': 'ok', 'media/truncated.jpg': 'DECODE_FAILED' } },
    { manifest: 'manifests/wide-and-long.ndjson', problems: { 'wide-and-long.ndjson:2': 'BAD_ROW' }, reports: 2, items: {} },
    // Line 5's brackets are inside a string: not deep, so it is read (and lacks a file or url).
    {
      manifest: 'manifests/broken.ndjson',
      problems: { 'broken.ndjson:1': 'BAD_ROW', 'broken.ndjson:2': 'BAD_ROW', 'broken.ndjson:3': 'BAD_ROW', 'broken.ndjson:5': 'BAD_ROW' },
      reports: 1,
      items: {},
    },
    { manifest: 'manifests/controls.ndjson', problems: {}, reports: 2, items: { 'media/good.jpg': 'ok' }, mustNotContainRaw: ['\u0000', '\u001b', BIDI, '\u2066', '\u0085'] },
    { manifest: 'manifests/controls.csv', problems: {}, reports: 2, items: {}, mustNotContainRaw: ['\u0000', '\u001b', BIDI] },
  ];
}

function lists(dir: string): ListCase[] {
  const d = path.join(dir, 'lists');
  mkdirSync(d, { recursive: true });
  const write = (name: string, text: string) => writeFileSync(path.join(d, name), text);
  write('deep.ndjson', [`{"md5":"${MD5(1)}"}`, `{"md5":"${MD5(2)}","x":${nest(10_000)}}`, `{"md5":"${MD5(3)}"}`, ''].join('\n'));
  write('long-line.ndjson', [`{"md5":"${MD5(4)}","note":"${'n'.repeat(2 * 1024 * 1024)}"}`, `{"md5":"${MD5(5)}"}`, ''].join('\n'));
  write('controls.txt', [MD5(6), `${MD5(7)}\u0085`, `\u001b[2J${MD5(8)}`, `${BIDI}${MD5(9)}`, ''].join('\n'));
  write('nul.txt', [MD5(6), `${MD5(7)}\u0000`, ''].join('\n'));
  write('broken.csv', ['md5,category', `${MD5(10)},1`, `"${MD5(11)},2`, ''].join('\n'));
  const deep = 300_000;
  write(
    'deep-vics.json',
    `{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases","value":[{"Media":[\n` +
      `{"MD5":"${MD5(12)}"},\n` +
      `{"MD5":"${MD5(13)}","AlternativeHashes":${nest(deep)}},\n` +
      `{"MD5":"${MD5(14)}","Comments":${nest(deep, '"{[\\"]}"')}},\n` +
      `{"MD5":"${MD5(15)}"}\n]}]}\n`,
  );
  write('truncated-vics.json', `{"value":[{"Media":[\n{"MD5":"${MD5(16)}"},\n{"MD5":"${MD5(17)}",\n`);
  return [
    { list: 'lists/deep.ndjson', status: 1, added: 2, rejected: { 'deep.ndjson:2': 'nested more than 64 levels deep' } },
    { list: 'lists/long-line.ndjson', status: 1, added: 1, rejected: { 'long-line.ndjson:1': 'more than the limit' } },
    {
      list: 'lists/controls.txt',
      status: 1,
      added: 1,
      rejected: { 'controls.txt:2': 'non-hex character "\\u0085"', 'controls.txt:3': 'non-hex character "\\u001b"', 'controls.txt:4': 'non-hex character "\\u202e"' },
    },
    { list: 'lists/nul.txt', status: 2, refused: 'binary data (NUL bytes)', added: 0, rejected: {} },
    { list: 'lists/broken.csv', status: 1, added: 1, rejected: { 'broken.csv:3': 'is not closed before the end of the file' } },
    {
      list: 'lists/deep-vics.json',
      status: 1,
      added: 2,
      rejected: { 'deep-vics.json:3': 'Media entry 2: nested more than 64 levels deep', 'deep-vics.json:4': 'Media entry 3: nested more than 64 levels deep' },
    },
    { list: 'lists/truncated-vics.json', status: 1, added: 1, rejected: { 'truncated-vics.json:4': 'ends inside the JSON document' } },
  ];
}

/** Writes every case into `dir` (which must exist) and returns the cases. */
export async function makeHostileCorpus(dir: string): Promise<HostileCorpus> {
  const { cases, media } = await images(dir);
  return { hash: cases, manifests: manifests(dir, media), lists: lists(dir) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? mkdtempSync(path.join(tmpdir(), 'hashtriage-hostile-'));
  mkdirSync(dir, { recursive: true });
  const corpus = await makeHostileCorpus(dir);
  process.stdout.write(`${JSON.stringify({ dir, ...corpus }, null, 2)}\n`);
}
