/**
 * The CPU-bound part of hashing one file: decode its bytes once and compute every requested perceptual
 * hash from those pixels. Runs in a worker thread (hash-worker.ts) or inline; the request and the outcome
 * are plain data so they cross thread boundaries unchanged.
 */
import { toErrorInfo, type ErrorCode } from '../errors.js';
import { decodeImage } from './decode.js';
import { signalTypeByName } from './signals.js';
import { DIHEDRAL_NAMES, type DihedralName, type SignalName } from './signal-type.js';

/** What to compute from one image's bytes. */
export interface ImageHashRequest {
  /** Names of perceptual signal types, in output order. */
  readonly perceptual: readonly SignalName[];
  readonly pdqFlavour: 'full' | 'cli512';
  readonly dihedral: boolean;
  readonly maxPixels: number;
}

/** One perceptual hash as text, ready for output. */
export interface ImageHashText {
  readonly name: SignalName;
  readonly hex: string;
  readonly quality?: number;
  readonly dihedral?: Readonly<Record<DihedralName, string>>;
}

/** The outcome for one image: its size and hashes, or the reason it could not be hashed. */
export type ImageHashOutcome =
  | { readonly ok: true; readonly format: string; readonly width: number; readonly height: number; readonly hashes: readonly ImageHashText[] }
  | { readonly ok: false; readonly error: { readonly code: ErrorCode; readonly message: string } };

/**
 * Decodes `bytes` once and computes each requested perceptual hash, in request order. Never throws:
 * decode failures come back with their code (UNSUPPORTED_FORMAT, DECODE_FAILED, TOO_LARGE), anything
 * unexpected as INTERNAL.
 */
export async function hashImageBytes(bytes: Uint8Array, request: ImageHashRequest): Promise<ImageHashOutcome> {
  try {
    const image = await decodeImage(bytes, { maxPixels: request.maxPixels });
    const options = { pdqFlavour: request.pdqFlavour, dihedral: request.dihedral };
    const hashes: ImageHashText[] = [];
    for (const name of request.perceptual) {
      const type = signalTypeByName(name);
      if (type === undefined || type.source !== 'pixels') throw new Error(`not a perceptual signal type: ${name}`);
      const result = type.compute(image, options);
      let dihedral: Record<DihedralName, string> | undefined;
      if (request.dihedral && result.dihedral) {
        dihedral = {} as Record<DihedralName, string>;
        for (const variant of DIHEDRAL_NAMES) dihedral[variant] = type.format(result.dihedral[variant]);
      }
      hashes.push({ name, hex: type.format(result.value), quality: result.quality, dihedral });
    }
    return { ok: true, format: image.format, width: image.width, height: image.height, hashes };
  } catch (err) {
    return { ok: false, error: toErrorInfo(err) };
  }
}
