/**
 * File digests (MD5, SHA-1, SHA-256) as signal types, and one streaming pass over a file that computes
 * any of them together: constant memory for files of any size and any type.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, type PathLike } from 'node:fs';
import { hammingDistance, hexToWords, wordsToHex } from './bits.js';
import type { DigestSignalType, SignalName } from './signal-type.js';

function digestType(name: SignalName, cryptoAlgorithm: string, bits: number): DigestSignalType {
  return {
    name,
    source: 'bytes',
    cryptoAlgorithm,
    bits,
    comparison: 'exact',
    defaultThreshold: 0,
    parse: (text) => hexToWords(text, bits),
    format: (value) => wordsToHex(value, bits),
    distance: (a, b) => hammingDistance(a, b),
  };
}

/** MD5 of the file bytes (128 bits, lowercase hex as md5sum prints it); matches by equality only. */
export const md5SignalType = digestType('md5', 'md5', 128);
/** SHA-1 of the file bytes (160 bits, as sha1sum prints it); matches by equality only. */
export const sha1SignalType = digestType('sha1', 'sha1', 160);
/** SHA-256 of the file bytes (256 bits, as sha256sum prints it); matches by equality only. */
export const sha256SignalType = digestType('sha256', 'sha256', 256);

/** Every digest signal type, in output order. */
export const DIGEST_SIGNAL_TYPES: readonly DigestSignalType[] = [md5SignalType, sha1SignalType, sha256SignalType];

/** Several digests fed from one sequence of chunks. */
export interface Digester {
  update(chunk: Uint8Array): void;
  /** Lowercase hex per requested type name; call once, after the last chunk. */
  finish(): Map<SignalName, string>;
}

/** A Digester for the given types (an empty list gives an empty result at no cost). */
export function createDigester(types: readonly DigestSignalType[]): Digester {
  const hashes: Array<[SignalName, Hash]> = types.map((t) => [t.name, createHash(t.cryptoAlgorithm)]);
  return {
    update(chunk) {
      for (const [, h] of hashes) h.update(chunk);
    },
    finish() {
      return new Map(hashes.map(([name, h]) => [name, h.digest('hex')]));
    },
  };
}

/** What a streaming pass over a file found. */
export interface FileDigests {
  /** Number of bytes read (the file's size as read, not as stat reported it earlier). */
  readonly bytes: number;
  readonly digests: Map<SignalName, string>;
}

/** Read size of the streaming pass; large enough that per-chunk overhead is negligible. */
export const DIGEST_CHUNK_BYTES = 1 << 20;

/**
 * Streams the file once and computes all requested digests; `onChunk` sees every chunk in order (to
 * keep the bytes of an image for decoding without a second read). Rejects with the fs error (ENOENT,
 * EACCES, EISDIR…) when the file cannot be read.
 */
export async function digestFile(
  filePath: PathLike,
  types: readonly DigestSignalType[],
  onChunk?: (chunk: Buffer) => void,
): Promise<FileDigests> {
  const digester = createDigester(types);
  let bytes = 0;
  const stream = createReadStream(filePath, { highWaterMark: DIGEST_CHUNK_BYTES });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    digester.update(chunk);
    onChunk?.(chunk);
  }
  return { bytes, digests: digester.finish() };
}
