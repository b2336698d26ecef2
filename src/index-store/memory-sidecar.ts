/**
 * The warm-start file beside an index: a built in-memory multi-index of one signal type (its ids, codes
 * and band arrays) saved as NAME.db.SIGNAL.bands (NAME.db.SIGNAL-all.bands when low-quality values are
 * kept), so a batch process reads it with a few large sequential reads instead of loading the values
 * from SQLite and sorting every band.
 *
 * File layout (little-endian): magic "HTMIX\0\0\1" (8 bytes), header length H (uint32), H bytes of JSON
 * header, zero padding to a multiple of 8, then the payload: the sections the header lists (ids, codes,
 * then occupancy, offsets and ids of each band), each starting at a multiple of 8 bytes. The header
 * carries the payload's SHA-256 and the key of the index content it was built from (see SidecarKey);
 * a file whose magic, version, key, sizes or checksum disagree is ignored and rebuilt.
 *
 * Written owner-only through a temporary file and a rename, so a reader sees the old file or the new
 * one, never half of one; a folder that cannot be written to (read-only media) just means no file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { SignalType } from '../hashing/signal-type.js';
import { SIGNAL_TYPES } from '../hashing/signals.js';
import { MemoryMultiIndex, type MemoryIndexParts } from '../search/memory-index.js';
import { isBanded } from './schema.js';

/** Version of the file layout; files of another version are rebuilt. */
export const SIDECAR_VERSION = 1;
const MAGIC = Buffer.from([0x48, 0x54, 0x4d, 0x49, 0x58, 0, 0, 1]); // "HTMIX" 0 0 1
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Largest single read or write (readSync/writeSync take at most 2 GiB). */
const IO_CHUNK = 64 * 2 ** 20;
/** Largest header accepted (a corrupt length must not make us allocate gigabytes). */
const MAX_HEADER = 1 << 20;

/** What identifies the index content a sidecar was built from: all must equal the index's current values. */
export interface SidecarKey {
  /** Random stamp the index rewrites on every write transaction (meta 'content_stamp'). */
  readonly stamp: string;
  /** Content generation (changes on removals and replacements, also by writers that predate the stamp). */
  readonly generation: number;
  /** Largest hash id of the signal type (grows on every append). */
  readonly maxId: number;
}

/** A loaded (or built) index of one signal type and the hash id of each of its positions. */
export interface SidecarIndex {
  readonly index: MemoryMultiIndex;
  readonly ids: Uint32Array;
}

interface Header {
  readonly version: number;
  readonly signal: string;
  readonly includeLow: boolean;
  readonly key: SidecarKey;
  readonly count: number;
  readonly bands: number;
  /** Byte length of each section, in payload order. */
  readonly sections: number[];
  readonly sha256: string;
}

/** Suffixes of every warm-start file an index can have beside it (what a scan must not take as evidence). */
export function sidecarSuffixes(): string[] {
  return SIGNAL_TYPES.filter(isBanded).flatMap((s) => [`.${s.name}.bands`, `.${s.name}-all.bands`]);
}

/** Path of the sidecar of `signal` beside the index at `dbPath`. */
export function sidecarPath(dbPath: string, signal: SignalType, includeLow: boolean): string {
  return `${dbPath}.${signal.name}${includeLow ? '-all' : ''}.bands`;
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function sameKey(a: SidecarKey, b: SidecarKey): boolean {
  return a.stamp === b.stamp && a.generation === b.generation && a.maxId === b.maxId;
}

function sectionsOf(ids: Uint32Array, codes: Uint32Array, parts: MemoryIndexParts): Uint32Array[] {
  const out = [ids, codes];
  for (let b = 0; b < parts.bands; b++) out.push(parts.occupancy[b], parts.offsets[b], parts.ids[b]);
  return out;
}

function bytesOf(a: Uint32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Writes the sidecar for `built` (count positions, ids[i] the hash id of position i) atomically and
 * owner-only. Returns false, leaving no temporary file, when it cannot be written (read-only folder, full
 * disk, big-endian machine); never throws for such reasons.
 */
export function writeSidecar(file: string, signal: SignalType, includeLow: boolean, key: SidecarKey, built: SidecarIndex): boolean {
  if (!LITTLE_ENDIAN) return false;
  const parts = built.index.parts();
  const sections = sectionsOf(built.ids.subarray(0, built.index.count), built.index.codes.subarray(0, built.index.count * 8), parts);
  const hash = createHash('sha256');
  for (const s of sections) {
    hash.update(bytesOf(s));
    hash.update(Buffer.alloc(align8(s.byteLength) - s.byteLength));
  }
  const header: Header = {
    version: SIDECAR_VERSION,
    signal: signal.name,
    includeLow,
    key,
    count: built.index.count,
    bands: parts.bands,
    sections: sections.map((s) => s.byteLength),
    sha256: hash.digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(header));
  const head = Buffer.alloc(align8(12 + json.length));
  MAGIC.copy(head, 0);
  head.writeUInt32LE(json.length, 8);
  json.copy(head, 12);
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let fd: number | null = null;
  try {
    fd = openSync(temp, 'wx', 0o600);
    writeAll(fd, head);
    for (const s of sections) {
      writeAll(fd, bytesOf(s));
      if (s.byteLength % 8 !== 0) writeAll(fd, Buffer.alloc(align8(s.byteLength) - s.byteLength));
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(temp, file);
    return true;
  } catch {
    if (fd !== null) closeSync(fd);
    rmSync(temp, { force: true });
    return false;
  }
}

function writeAll(fd: number, buf: Buffer): void {
  for (let at = 0; at < buf.length; ) at += writeSync(fd, buf, at, Math.min(IO_CHUNK, buf.length - at));
}

function readAll(fd: number, into: Uint8Array, position: number): boolean {
  for (let at = 0; at < into.length; ) {
    const n = readSync(fd, into, at, Math.min(IO_CHUNK, into.length - at), position + at);
    if (n === 0) return false;
    at += n;
  }
  return true;
}

/**
 * The index saved in `file` when it exists, is intact (magic, version, sizes, SHA-256) and was built
 * from the index content `key` with the same signal type and quality choice; otherwise null (never
 * throws for a missing, stale, truncated or corrupt file).
 */
export function readSidecar(file: string, signal: SignalType, includeLow: boolean, key: SidecarKey): SidecarIndex | null {
  return withSidecarFile(file, null, (fd, size) => {
    const found = readMatchingHeader(fd, size, signal, includeLow, key);
    if (found === null) return null;
    const { header, headerLength } = found;
    const payloadStart = align8(12 + headerLength);
    const payloadLength = header.sections.reduce((sum, n) => sum + align8(n), 0);
    if (payloadStart + payloadLength !== size) return null;
    const payload = Buffer.allocUnsafeSlow(payloadLength); // every byte is read into it: no zero-filling first
    if (!readAll(fd, payload, payloadStart)) return null;
    if (createHash('sha256').update(payload).digest('hex') !== header.sha256) return null;
    const arrays: Uint32Array[] = [];
    let at = 0;
    for (const n of header.sections) {
      arrays.push(new Uint32Array(payload.buffer, payload.byteOffset + at, n / 4));
      at += align8(n);
    }
    const [ids, codes, ...bandArrays] = arrays;
    if (bandArrays.length !== 3 * header.bands || ids.length !== header.count || codes.length !== header.count * 8) return null;
    const parts: MemoryIndexParts = {
      bands: header.bands,
      occupancy: bandArrays.filter((_, k) => k % 3 === 0),
      offsets: bandArrays.filter((_, k) => k % 3 === 1),
      ids: bandArrays.filter((_, k) => k % 3 === 2),
    };
    return { index: MemoryMultiIndex.fromParts(codes, header.count, parts), ids };
  });
}

/**
 * True when `file` has the header of a saved index for this signal type, quality choice and index content
 * `key` (its payload is not read: readSidecar still checks it whole before use).
 */
export function sidecarMatches(file: string, signal: SignalType, includeLow: boolean, key: SidecarKey): boolean {
  return withSidecarFile(file, false, (fd, size) => readMatchingHeader(fd, size, signal, includeLow, key) !== null);
}

/** `read(fd, size)` on the open file, or `fallback` when it cannot be opened or read, or the platform is big-endian. */
function withSidecarFile<T>(file: string, fallback: T, read: (fd: number, size: number) => T): T {
  if (!LITTLE_ENDIAN) return fallback;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return fallback;
  }
  try {
    return read(fd, fstatSync(fd).size);
  } catch {
    return fallback;
  } finally {
    closeSync(fd);
  }
}

/** The header of an open file of `size` bytes when it is one of this version for this signal type, quality choice and content key; else null. */
function readMatchingHeader(fd: number, size: number, signal: SignalType, includeLow: boolean, key: SidecarKey): { header: Header; headerLength: number } | null {
  const start = Buffer.alloc(12);
  if (size < 12 || !readAll(fd, start, 0) || !start.subarray(0, 8).equals(MAGIC)) return null;
  const headerLength = start.readUInt32LE(8);
  if (headerLength > MAX_HEADER || 12 + headerLength > size) return null;
  const json = Buffer.alloc(headerLength);
  if (!readAll(fd, json, 12)) return null;
  const header = parseHeader(json);
  if (header === null || header.version !== SIDECAR_VERSION || header.signal !== signal.name || header.includeLow !== includeLow || !sameKey(header.key, key)) return null;
  return { header, headerLength };
}

function parseHeader(json: Buffer): Header | null {
  try {
    const h = JSON.parse(json.toString('utf8')) as Header;
    const okKey = h.key && typeof h.key.stamp === 'string' && Number.isInteger(h.key.generation) && Number.isInteger(h.key.maxId);
    const okSections = Array.isArray(h.sections) && h.sections.every((n) => Number.isInteger(n) && n >= 0 && n % 4 === 0);
    if (!okKey || !okSections || !Number.isInteger(h.count) || !Number.isInteger(h.bands) || typeof h.sha256 !== 'string') return null;
    return h;
  } catch {
    return null;
  }
}
