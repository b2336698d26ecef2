/**
 * Hashing files: one read per file (file-read.ts) gives the memory budget its header, the digests and
 * (for images) the bytes that are then decoded once for every perceptual hash. Many files run concurrently — reads under p-limit, decode and
 * hashing on a worker-thread pool — and results come out in input order whatever the timing.
 */
import type { PathLike } from 'node:fs';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import { toErrorInfo } from '../errors.js';
import { fsPathOf } from '../files/raw-path.js';
import type { WalkEntry } from '../files/walk.js';
import { decodeCost, maxDecodeCost } from './decode-cost.js';
import { DEFAULT_MAX_PIXELS, defaultConcurrency } from './defaults.js';
import { NotRegularFileError, openForHashing, readRest, type OpenedFile } from './file-read.js';
import type { ImageHashOutcome, ImageHashRequest } from './hash-image.js';
import { hasImageExtension, sniffImageFormat, SNIFF_BYTES, type SniffedFormat } from './image-format.js';
import { NO_SIGNALS, type FailedFile, type FileHashResult, type HashedFile, type SignalValue, type SignalValues } from './record.js';
import { digestTypesOf, perceptualTypesOf, SIGNAL_TYPES } from './signals.js';
import type { SignalName, SignalType } from './signal-type.js';
import { DEFAULT_MEMORY_BUDGET_MIB, MemoryBudget } from './memory-budget.js';
import { HashWorkerPool } from './worker-pool.js';

/** Largest file read into memory for decoding (larger "images" are TOO_LARGE; their digests are still computed). */
export const MAX_IMAGE_FILE_BYTES = 1024 * 1024 * 1024;

/** What to compute for each file. */
export interface HashOptions {
  /** Signal types to compute (default: all, SIGNAL_TYPES). */
  readonly algorithms?: readonly SignalType[];
  /** PDQ flavour (default 'full'). */
  readonly pdqFlavour?: 'full' | 'cli512';
  /** Also compute PDQ's 7 dihedral variants (default false). */
  readonly dihedral?: boolean;
  /** Also hash PDQ's region variants: the content inside uniform borders and the crop regions (default false). */
  readonly regions?: boolean;
  /** Pixel limit per image (default DEFAULT_MAX_PIXELS). */
  readonly maxPixels?: number;
}

/** How hashFiles spreads the work. */
export interface ConcurrencyOptions {
  /** Files in flight at once (reading or hashing); default 2 × cores. Bounds memory held by file bytes. */
  readonly concurrency?: number;
  /** Worker threads for decoding and hashing; default min(cores, concurrency); 0 = hash on the calling thread. */
  readonly workers?: number;
  /** A pool to use (and leave open) instead of starting one: saves the workers' start-up across calls. */
  readonly pool?: HashWorkerPool;
  /**
   * Bytes that file contents held for decoding and the decodes themselves may take together (default
   * DEFAULT_MEMORY_BUDGET_MIB MiB): each file is admitted by what it will hold (see memoryCost), not by
   * file count. A file that needs more than the whole budget runs alone.
   */
  readonly memoryBudget?: number;
}

/**
 * The most memory hashing the opened file will hold: nothing beyond its leading bytes unless they carry
 * an image signature (only then are its contents kept, in one buffer); then the contents plus the
 * decode's peak from the header (the worst case under `maxPixels` when the size cannot be read from the
 * leading bytes).
 */
function memoryCost(file: OpenedFile, maxPixels: number): number {
  if (sniffImageFormat(file.head.subarray(0, SNIFF_BYTES)) === null) return 0;
  const decode = decodeCost(file.head, maxPixels) ?? maxDecodeCost(maxPixels);
  return Math.min(file.size, MAX_IMAGE_FILE_BYTES) + decode;
}

/** Decodes and hashes one image's bytes (on a worker or inline). */
export type ImageHasher = (bytes: Uint8Array, request: ImageHashRequest) => Promise<ImageHashOutcome>;

/** Hashing in the calling thread (no workers): for single files and tests. Loads sharp on first use. */
export const inlineImageHasher: ImageHasher = async (bytes, request) => (await import('./hash-image.js')).hashImageBytes(bytes, request);

function imageRequest(options: HashOptions): ImageHashRequest {
  const types = options.algorithms ?? SIGNAL_TYPES;
  return {
    perceptual: perceptualTypesOf(types).map((t) => t.name),
    pdqFlavour: options.pdqFlavour ?? 'full',
    dihedral: options.dihedral ?? false,
    unletterbox: options.regions ?? false,
    cropRegions: options.regions ?? false,
    maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
  };
}

/** The bytes of one file as read once, kept when the file claims to be an image. */
interface FileRead {
  readonly bytes: number;
  readonly digests: Map<SignalName, string>;
  readonly sniffed: SniffedFormat | null;
  /** The whole file in a buffer of its own (transferable), or null when not kept. */
  readonly content: Uint8Array | null;
  readonly tooBigToDecode: boolean;
}

/**
 * Reads the opened file once: digests always; the bytes are kept only when pixels are wanted and the
 * leading bytes carry an image signature (an image name alone keeps nothing: without a signature the
 * decode refuses the bytes anyway, and a video is never buffered).
 */
async function readFileOnce(file: OpenedFile, types: readonly SignalType[], wantPixels: boolean, byExtension: boolean): Promise<FileRead> {
  const sniffed = file.head.length === 0 ? null : sniffImageFormat(file.head.subarray(0, SNIFF_BYTES));
  const keep = wantPixels && sniffed !== null;
  const read = await readRest(file, digestTypesOf(types), keep, MAX_IMAGE_FILE_BYTES);
  let content = read.content;
  if (content === null && read.bytes === 0 && wantPixels && byExtension) content = new Uint8Array(0);
  return { bytes: read.bytes, digests: read.digests, sniffed, content, tooBigToDecode: read.tooBig };
}

/** The file's signals: its digests, then the perceptual signals an image gave (one map per file). */
function signalsOf(types: readonly SignalType[], digests: Map<SignalName, string>, perceptual?: SignalValues): SignalValues {
  const out: Partial<Record<SignalName, SignalValue>> = {};
  for (const t of digestTypesOf(types)) {
    const hex = digests.get(t.name);
    if (hex !== undefined) out[t.name] = { value: hex };
  }
  return perceptual === undefined ? out : Object.assign(out, perceptual);
}

function failure(path: string, code: FailedFile['error']['code'], message: string, read?: FileRead, types?: readonly SignalType[]): FailedFile {
  if (read === undefined || types === undefined) return { path, ok: false, signals: NO_SIGNALS, error: { code, message } };
  return { path, ok: false, bytes: read.bytes, signals: signalsOf(types, read.digests), error: { code, message } };
}

/**
 * Hashes one file. Never throws: a missing or unreadable file is ok:false (NOT_FOUND / UNREADABLE); a
 * file that claims to be an image (image extension or image signature) but cannot be decoded is ok:false
 * with its error code and its digests kept; any other file (a video, a document) is ok:true with
 * format null and digests only. When no perceptual type is requested nothing is decoded: format is then
 * the signature's (or null) and width/height are null. Signals hold only the requested types. The file
 * is opened at `readPath` (its raw bytes when the name is not UTF-8); `filePath` is what results show.
 * `opening` is that file already being opened by openForHashing (hashFiles opens it to admit it under
 * the memory budget); its handle is closed here.
 */
export async function hashFile(
  filePath: string,
  options: HashOptions = {},
  hasher: ImageHasher = inlineImageHasher,
  readPath: PathLike = filePath,
  opening?: Promise<OpenedFile>,
): Promise<FileHashResult> {
  const types = options.algorithms ?? SIGNAL_TYPES;
  const request = imageRequest(options);
  let file: OpenedFile | undefined;
  try {
    try {
      file = await (opening ?? openForHashing(readPath));
    } catch (err) {
      if (err instanceof NotRegularFileError) return failure(filePath, 'UNREADABLE', `not a regular file: ${filePath}`);
      throw err;
    }
    const byExtension = hasImageExtension(filePath);
    const wantPixels = request.perceptual.length > 0;
    let read: FileRead;
    try {
      read = await readFileOnce(file, types, wantPixels, byExtension);
    } finally {
      await file.handle.close();
    }
    const claimsImage = byExtension || read.sniffed !== null;
    if (!claimsImage || !wantPixels) {
      const result: HashedFile = {
        path: filePath,
        ok: true,
        bytes: read.bytes,
        format: claimsImage ? (read.sniffed ?? null) : null,
        width: null,
        height: null,
        signals: signalsOf(types, read.digests),
      };
      return result;
    }
    if (read.content === null && !read.tooBigToDecode)
      return failure(filePath, 'UNSUPPORTED_FORMAT', 'the content is not an image format we know (no known signature)', read, types);
    if (read.tooBigToDecode || read.content === null)
      return failure(filePath, 'TOO_LARGE', `${read.bytes} bytes is more than the ${MAX_IMAGE_FILE_BYTES} bytes an image may have`, read, types);
    const outcome = await hasher(read.content, request);
    if (!outcome.ok) return failure(filePath, outcome.error.code, outcome.error.message, read, types);
    return {
      path: filePath,
      ok: true,
      bytes: read.bytes,
      format: outcome.format,
      width: outcome.width,
      height: outcome.height,
      signals: signalsOf(types, read.digests, outcome.signals),
    };
  } catch (err) {
    const info = toErrorInfo(err);
    const errno = (err as NodeJS.ErrnoException | undefined)?.code;
    if (errno === 'ENOENT') return failure(filePath, 'NOT_FOUND', `no such file: ${filePath}`);
    if (errno === 'EACCES' || errno === 'EPERM') return failure(filePath, 'UNREADABLE', `permission denied: cannot read ${filePath}`);
    // Any other system error while reading (EIO, EISDIR, ELOOP, …) means the file could not be read.
    if (typeof errno === 'string' && (err as NodeJS.ErrnoException).syscall !== undefined)
      return failure(filePath, 'UNREADABLE', `cannot read ${filePath}: ${info.message}`);
    return failure(filePath, info.code, `${filePath}: ${info.message}`);
  }
}

/**
 * Hashes every input (paths, or walk entries whose errors pass through as ok:false results) and calls
 * `onResult(index, result)` exactly once per input, in input order, whatever order the work finishes in.
 * At most `concurrency` files are in flight and at most 4 × concurrency finished results wait for an
 * earlier one, so memory stays bounded on any number of files. Rejects only if onResult throws.
 */
export async function hashFiles(
  inputs: ReadonlyArray<string | WalkEntry>,
  options: HashOptions & ConcurrencyOptions,
  onResult: (index: number, result: FileHashResult) => void,
): Promise<void> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? defaultConcurrency()));
  const workerCount = Math.min(options.workers ?? availableParallelism(), concurrency);
  const ownPool = options.pool === undefined && workerCount > 0;
  const pool = options.pool ?? (ownPool ? new HashWorkerPool(workerCount) : null);
  const hasher: ImageHasher = pool === null ? inlineImageHasher : (bytes, request) => pool.run(bytes, request);
  const budget = new MemoryBudget(options.memoryBudget ?? DEFAULT_MEMORY_BUDGET_MIB * 1024 * 1024);
  const request = imageRequest(options);
  const limit = pLimit(concurrency);
  const window = 4 * concurrency;
  const total = inputs.length;
  const finished = new Map<number, FileHashResult>();
  let started = 0;
  let emitted = 0;

  async function one(index: number, opening: Promise<OpenedFile> | undefined): Promise<FileHashResult> {
    const input = inputs[index];
    if (typeof input === 'string') return hashFile(input, options, hasher, input, opening);
    const raw = input.pathBytes === undefined ? {} : { pathBytes: input.pathBytes };
    if (input.error !== undefined) return { path: input.path, ...raw, ok: false, signals: NO_SIGNALS, error: input.error };
    const result = await hashFile(input.path, options, hasher, fsPathOf(input), opening);
    return input.pathBytes === undefined ? result : { ...result, ...raw };
  }

  /**
   * Opens `index` and admits it under the budget by what it will hold (see memoryCost; files are only
   * streamed when no pixels are wanted), then hashes it from that same opening.
   */
  async function admitAndHash(index: number): Promise<FileHashResult> {
    const input = inputs[index];
    const readPath = typeof input === 'string' ? input : input.error === undefined ? fsPathOf(input) : null;
    if (readPath === null) return one(index, undefined);
    const opening = openForHashing(readPath);
    opening.catch(() => undefined); // handled: hashFile reports it when it takes the opening
    let cost = 0;
    try {
      if (request.perceptual.length > 0) cost = memoryCost(await opening, request.maxPixels);
    } catch {
      // hashFile reports the failure from the same opening
    }
    return budget.run(cost, () => one(index, opening));
  }

  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const startMore = (): void => {
        while (!failed && started < total && started - emitted < window) {
          const index = started++;
          void limit(() => admitAndHash(index)).then((result) => {
            if (failed) return;
            finished.set(index, result);
            try {
              while (finished.has(emitted)) {
                const next = finished.get(emitted)!;
                finished.delete(emitted);
                emitted++;
                onResult(emitted - 1, next);
              }
            } catch (err) {
              failed = true;
              reject(err);
              return;
            }
            if (emitted === total) resolve();
            else startMore();
          });
        }
      };
      if (total === 0) resolve();
      else startMore();
    });
  } finally {
    limit.clearQueue();
    if (ownPool) await pool?.close();
  }
}
