/**
 * What hashing one file produces: the unit that `hashtriage hash` prints and that `scan` consumes.
 * Field order here is the output order.
 */
import type { ErrorCode } from '../errors.js';
import type { DihedralName } from './signal-type.js';

/** A file that was read: digests always; pixels-derived fields when it decoded as an image. */
export interface HashedFile {
  readonly path: string;
  readonly ok: true;
  readonly bytes: number;
  /** Detected container format, or null when the file is not an image we decode (it still has digests). */
  readonly format: string | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly md5?: string;
  readonly sha1?: string;
  readonly sha256?: string;
  readonly pdq?: string;
  readonly pdqQuality?: number;
  readonly pdqDihedral?: Readonly<Record<DihedralName, string>>;
  readonly blockhash?: string;
}

/** A file that could not be fully hashed; digests are kept when the bytes could be read. */
export interface FailedFile {
  readonly path: string;
  readonly ok: false;
  readonly bytes?: number;
  readonly md5?: string;
  readonly sha1?: string;
  readonly sha256?: string;
  readonly error: { readonly code: ErrorCode; readonly message: string };
}

/** The outcome for one input file. */
export type FileHashResult = HashedFile | FailedFile;
