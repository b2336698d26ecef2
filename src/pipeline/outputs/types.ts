/**
 * What the output writers receive: everything a finished scan knows, as plain data. The writers turn it
 * into the files of the output directory; they never read images and never embed pixels.
 */
import type { ErrorCode } from '../../errors.js';
import type { PriorityPolicy } from '../../policy/priority.js';
import type { Bundle, Report, ScanItem } from '../types.js';

/** A JSON scalar (what option values may be). */
export type JsonScalar = string | number | boolean | null;

/** What the scan was pointed at. */
export interface ScanInputs {
  /** Input paths (files and directories), in the order given. */
  readonly paths: readonly string[];
  /** Report manifests with the SHA-256 of their content. */
  readonly manifests: ReadonlyArray<{ readonly path: string; readonly sha256: string }>;
  /** Options that change results (thresholds, dihedral, flavour…), recorded as given. */
  readonly options: Readonly<Record<string, JsonScalar>>;
  /** Folders below the paths left out because they hold an earlier scan's output (absent: none). */
  readonly leftOutFolders?: readonly string[];
}

/** The known-hash index the scan matched against. */
export interface IndexInfo {
  /** Path of the index; null for a scan without one. */
  readonly path: string | null;
  /** Digest of the index's known lists (identifies exactly which hashes were matched against). */
  readonly digest: string;
  /** Counts worth recording, e.g. entries per signal type and lists. */
  readonly counts: Readonly<Record<string, number>>;
}

/** A problem that is not one file's hashing failure (a bad manifest row, an unreadable directory…). */
export interface InputError {
  /** Where: "complaints.csv:7", a path… */
  readonly source: string;
  readonly code: ErrorCode;
  readonly message: string;
}

/** Everything the writers need for one scan. */
export interface ScanData {
  readonly toolVersion: string;
  /** Label of this scan (as recorded in 'seen' entries of later scans). */
  readonly scanLabel: string;
  /** How files were decoded (DECODE_POLICY from src/hashing/decode.ts), recorded as is. */
  readonly decodePolicy: unknown;
  readonly inputs: ScanInputs;
  readonly index: IndexInfo;
  /** The policy the bundles were prioritised with: used for queue order and tier names, recorded by source and digest. */
  readonly priorityPolicy: PriorityPolicy;
  /** The severity policy the known matches were rated with, by source and SHA-256 (absent: not recorded). */
  readonly severityPolicy?: { readonly source: string; readonly digest: string };
  /** ISO 8601 UTC. */
  readonly startedAt: string;
  readonly endedAt: string;
  readonly reports: readonly Report[];
  /** Every input file; written in ScanItem.index order whatever the order here. */
  readonly items: readonly ScanItem[];
  /** Prioritised bundles in any order: the writers put them in queue order (compareBundles). */
  readonly bundles: readonly Bundle[];
  readonly errors: readonly InputError[];
}
