/**
 * What hashing one file produces: the unit that `hashtriage hash` prints and that `scan` consumes.
 * Signals are kept by signal type name; their flat output fields (`md5`, `pdq`, `pdqQuality`,
 * `pdqDihedral`, …) exist only in output, written and read by record-fields.ts.
 */
import type { ErrorCode } from '../errors.js';
import type { DihedralName, RegionName, SignalName } from './signal-type.js';

/**
 * One signal's value for one file. Values are hex text, as SignalType.format writes them: hashing
 * produces text for output anyway, text crosses the worker boundary and goes into JSON without another
 * step, and digests come as hex from node:crypto; matching parses them once (SignalType.parse).
 */
export interface SignalValue {
  /** Lowercase hex from hashing; a record read back from output keeps the text it had, so parse before use. */
  readonly value: string;
  /** 0–100, present for signal types that have a quality. */
  readonly quality?: number;
  /** Rotated/flipped variants: all seven when hashing was asked for them and the type supports them. */
  readonly variants?: Readonly<Partial<Record<DihedralName, string>>>;
  /** Region variants (hashes of parts of the picture) when hashing was asked for them; present names only. */
  readonly regions?: Readonly<Partial<Record<RegionName, string>>>;
}

/** A file's signals keyed by signal type name; a type that was not computed is absent. */
export type SignalValues = Readonly<Partial<Record<SignalName, SignalValue>>>;

/** The signals of a file that has none (shared, never modified). */
export const NO_SIGNALS: SignalValues = Object.freeze({});

/** A file that was read: digests always; perceptual signals when it decoded as an image. */
export interface HashedFile {
  readonly path: string;
  /** Hex of the path's bytes when they are not valid UTF-8 (see src/files/raw-path.ts); absent otherwise. */
  readonly pathBytes?: string;
  readonly ok: true;
  readonly bytes: number;
  /** Detected container format, or null when the file is not an image we decode (it still has digests). */
  readonly format: string | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly signals: SignalValues;
}

/** A file that could not be fully hashed; digests are kept when the bytes could be read. */
export interface FailedFile {
  readonly path: string;
  /** As in HashedFile. */
  readonly pathBytes?: string;
  readonly ok: false;
  readonly bytes?: number;
  readonly signals: SignalValues;
  readonly error: { readonly code: ErrorCode; readonly message: string };
}

/** The outcome for one input file. */
export type FileHashResult = HashedFile | FailedFile;
