/**
 * Reading a file for hashing, once: one open, one fstat, the leading bytes (enough for the signature and
 * the image header, which the memory budget needs before the rest is admitted), then either the rest
 * straight into one buffer of the file's size (an image to decode) or a streaming pass in fixed chunks
 * (anything else: constant memory for files of any size). Digests come from the same bytes.
 */
import { constants, promises as fs, type PathLike } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { createDigester, DIGEST_CHUNK_BYTES } from './digests.js';
import type { DigestSignalType, SignalName } from './signal-type.js';

/** Leading bytes read before admitting a file (JPEG headers follow EXIF, up to 64 KiB per segment). */
export const HEAD_BYTES = 256 * 1024;

/** A regular file opened for hashing, with its leading bytes already read. */
export interface OpenedFile {
  readonly handle: FileHandle;
  /** Size as fstat reported it at opening. */
  readonly size: number;
  /** The first min(size, HEAD_BYTES) bytes (fewer if the file shrank); the whole file when `complete`. */
  readonly head: Uint8Array;
  /** True when `head` is known to hold the whole file (end of file was reached). */
  readonly complete: boolean;
}

/** Thrown (with code ENOTREG) when the path names something other than a regular file. */
export class NotRegularFileError extends Error {
  readonly code = 'ENOTREG';
}

/** Opening never blocks on a FIFO (O_NONBLOCK; it then fails the regular-file check and is closed). */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Opens `filePath` and reads its leading bytes. Rejects with the fs error (ENOENT, EACCES, …), or
 * NotRegularFileError for a directory, device, FIFO or socket. The caller closes the handle.
 */
export async function openForHashing(filePath: PathLike): Promise<OpenedFile> {
  let handle: FileHandle;
  try {
    handle = await fs.open(filePath, OPEN_FLAGS);
  } catch (err) {
    // A socket cannot be opened at all; report it as what it is.
    if ((err as NodeJS.ErrnoException).code === 'ENXIO') throw new NotRegularFileError('not a regular file');
    throw err;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new NotRegularFileError('not a regular file');
    // One byte more than a small file's size: a short read then proves the end without another call.
    const want = stats.size < HEAD_BYTES ? stats.size + 1 : HEAD_BYTES;
    const buffer = new Uint8Array(want);
    const { bytesRead } = await handle.read(buffer, 0, want, 0);
    const complete = bytesRead < want;
    // An exact-length copy (a few hundred KiB at most) so that a whole small file owns its buffer.
    const head = complete ? buffer.slice(0, bytesRead) : buffer;
    return { handle, size: stats.size, head, complete };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** What reading the rest of an opened file gave. */
export interface FileContents {
  /** Bytes read (the file's size as read, not as fstat reported it). */
  readonly bytes: number;
  readonly digests: Map<SignalName, string>;
  /** The whole file in a buffer that owns its memory (transferable), or null when not kept. */
  readonly content: Uint8Array | null;
  /** True when the contents were to be kept but passed `maxKeep` bytes (then content is null). */
  readonly tooBig: boolean;
}

async function readInto(handle: FileHandle, buffer: Uint8Array, from: number): Promise<number> {
  let length = from;
  while (length < buffer.length) {
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  return length;
}

/**
 * Reads the rest of `file` once and computes `types`' digests over all of it. With `keep`, the contents
 * are kept in one buffer (up to `maxKeep` bytes; a larger file is digested in chunks and reported tooBig);
 * otherwise the file streams through a fixed chunk. Does not close the handle.
 */
export async function readRest(file: OpenedFile, types: readonly DigestSignalType[], keep: boolean, maxKeep: number): Promise<FileContents> {
  const digester = createDigester(types);
  const { handle, head } = file;
  if (file.complete) {
    digester.update(head);
    const content = keep && head.length <= maxKeep ? head : null;
    return { bytes: head.length, digests: digester.finish(), content, tooBig: keep && content === null };
  }
  let position = head.length;
  if (keep && file.size <= maxKeep) {
    const buffer = new Uint8Array(Math.max(file.size, head.length));
    buffer.set(head);
    const length = await readInto(handle, buffer, head.length);
    if (length < buffer.length) {
      const content = buffer.slice(0, length); // the file shrank since fstat: keep what it holds now
      digester.update(content);
      return { bytes: length, digests: digester.finish(), content, tooBig: false };
    }
    // Full as fstat said: confirm the end, or carry on if the file grew meanwhile.
    const probe = new Uint8Array(Math.min(DIGEST_CHUNK_BYTES, Math.max(1, maxKeep - length + 1)));
    const { bytesRead } = await handle.read(probe, 0, probe.length, length);
    if (bytesRead === 0) {
      digester.update(buffer);
      return { bytes: length, digests: digester.finish(), content: buffer, tooBig: false };
    }
    // Grown: gather the rest as chunks (rare), then keep it if it still fits.
    const parts: Uint8Array[] = [buffer, probe.slice(0, bytesRead)];
    let total = length + bytesRead;
    digester.update(buffer);
    digester.update(parts[1]);
    const chunk = new Uint8Array(DIGEST_CHUNK_BYTES);
    for (;;) {
      const { bytesRead: n } = await handle.read(chunk, 0, chunk.length, total);
      if (n === 0) break;
      digester.update(chunk.subarray(0, n));
      if (total + n <= maxKeep) parts.push(chunk.slice(0, n));
      total += n;
    }
    if (total > maxKeep) return { bytes: total, digests: digester.finish(), content: null, tooBig: true };
    const content = new Uint8Array(total);
    for (let offset = 0, i = 0; i < parts.length; offset += parts[i].length, i++) content.set(parts[i], offset);
    return { bytes: total, digests: digester.finish(), content, tooBig: false };
  }
  digester.update(head);
  const chunk = new Uint8Array(DIGEST_CHUNK_BYTES);
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
    if (bytesRead === 0) break;
    digester.update(chunk.subarray(0, bytesRead));
    position += bytesRead;
  }
  return { bytes: position, digests: digester.finish(), content: null, tooBig: keep };
}
