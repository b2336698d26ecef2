/**
 * The CPU-bound part of hashing one file: decode its bytes once and compute every requested perceptual
 * hash from those pixels. Runs in a worker thread (hash-worker.ts) or inline; the request and the outcome
 * are plain data so they cross thread boundaries unchanged.
 */
import { toErrorInfo, type ErrorCode } from '../errors.js';
import { decodeImage } from './decode.js';
import type { SignalValue, SignalValues } from './record.js';
import { signalTypeByName } from './signals.js';
import { DIHEDRAL_NAMES, REGION_NAMES, type DihedralName, type RegionName, type SignalName } from './signal-type.js';

/** What to compute from one image's bytes. */
export interface ImageHashRequest {
  /** Names of perceptual signal types, in output order. */
  readonly perceptual: readonly SignalName[];
  readonly pdqFlavour: 'full' | 'cli512';
  readonly dihedral: boolean;
  /** Region variants (PerceptualOptions.unletterbox / cropRegions); absent = none. */
  readonly unletterbox?: boolean;
  readonly cropRegions?: boolean;
  readonly maxPixels: number;
}

/** The outcome for one image: its size and perceptual signals, or the reason it could not be hashed. */
export type ImageHashOutcome =
  | { readonly ok: true; readonly format: string; readonly width: number; readonly height: number; readonly signals: SignalValues }
  | { readonly ok: false; readonly error: { readonly code: ErrorCode; readonly message: string } };

/**
 * Decodes `bytes` once and computes each requested perceptual hash, in request order. Never throws:
 * decode failures come back with their code (UNSUPPORTED_FORMAT, DECODE_FAILED, TOO_LARGE), anything
 * unexpected as INTERNAL.
 */
export async function hashImageBytes(bytes: Uint8Array, request: ImageHashRequest): Promise<ImageHashOutcome> {
  try {
    const image = await decodeImage(bytes, { maxPixels: request.maxPixels });
    const options = { pdqFlavour: request.pdqFlavour, dihedral: request.dihedral, unletterbox: request.unletterbox, cropRegions: request.cropRegions };
    const signals: Partial<Record<SignalName, SignalValue>> = {};
    for (const name of request.perceptual) {
      const type = signalTypeByName(name);
      if (type === undefined || type.source !== 'pixels') throw new Error(`not a perceptual signal type: ${name}`);
      const result = type.compute(image, options);
      let variants: Record<DihedralName, string> | undefined;
      if (request.dihedral && result.dihedral) {
        variants = {} as Record<DihedralName, string>;
        for (const variant of DIHEDRAL_NAMES) variants[variant] = type.format(result.dihedral[variant]);
      }
      let regions: Partial<Record<RegionName, string>> | undefined;
      if (result.regions) {
        regions = {};
        for (const region of REGION_NAMES) {
          const v = result.regions[region];
          if (v !== undefined) regions[region] = type.format(v);
        }
      }
      signals[name] = { value: type.format(result.value), quality: result.quality, variants, ...(regions !== undefined ? { regions } : {}) };
    }
    return { ok: true, format: image.format, width: image.width, height: image.height, signals };
  } catch (err) {
    return { ok: false, error: toErrorInfo(err) };
  }
}
