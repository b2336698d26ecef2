/**
 * File names as the file system holds them: bytes, which need not be UTF-8 (a Latin-1 or Shift-JIS name
 * from another machine). A path is shown as text and, when its bytes are not UTF-8, also kept as hex, so
 * the file can still be opened and two names that look alike stay two files.
 */
import { isUtf8 } from 'node:buffer';

/** Where a file is: the path as text, and its bytes as hex when they are not valid UTF-8. */
export interface RawPath {
  readonly path: string;
  /** Lowercase hex of the path's bytes; present only when they are not valid UTF-8 (`path` then escapes them). */
  readonly pathBytes?: string;
}

const strict = new TextDecoder('utf-8', { fatal: true });

/** Length of the UTF-8 sequence a lead byte starts (1 for bytes that cannot start one). */
function sequenceLength(lead: number): number {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

/**
 * The bytes as text: UTF-8 as it is; otherwise each byte that is not part of a valid UTF-8 sequence
 * becomes `\xNN` and a backslash becomes `\\`, so the text alone tells the bytes apart.
 */
export function pathText(bytes: Uint8Array): string {
  if (isUtf8(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const n = Math.min(sequenceLength(bytes[i]), bytes.length - i);
    let decoded: string | null = null;
    try {
      decoded = strict.decode(bytes.subarray(i, i + n));
    } catch {
      decoded = null;
    }
    if (decoded !== null) {
      out += decoded === '\\' ? '\\\\' : decoded;
      i += n;
    } else {
      out += `\\x${bytes[i].toString(16).padStart(2, '0')}`;
      i += 1;
    }
  }
  return out;
}

/** The RawPath of a path's bytes: `pathBytes` only when they are not valid UTF-8. */
export function rawPathOf(bytes: Uint8Array): RawPath {
  const text = pathText(bytes);
  return isUtf8(bytes) ? { path: text } : { path: text, pathBytes: Buffer.from(bytes).toString('hex') };
}

/** What to hand to node:fs to open the file: the bytes when the name is not UTF-8, else the text. */
export function fsPathOf(p: RawPath): string | Buffer {
  return p.pathBytes === undefined ? p.path : Buffer.from(p.pathBytes, 'hex');
}

/** Code-unit order of the text, then the bytes: a total order, the same on every machine. */
export function compareRawPaths(a: RawPath, b: RawPath): number {
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  const x = a.pathBytes ?? '';
  const y = b.pathBytes ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}
