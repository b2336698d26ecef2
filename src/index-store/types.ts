/**
 * Contracts between the importers, the store and the matchers. Importers turn a list file into
 * ImportRow values; the store writes them; matchers answer queries with MatchResult values.
 */
import type { SignalName } from '../hashing/signal-type.js';

/** Metadata that may accompany a known hash in a list (all optional; labels kept as written). */
export interface EntryMeta {
  /** Category label exactly as the list wrote it (e.g. "A1", "Cat A", "1"). */
  readonly category?: string | null;
  /** Severity rank mapped from the category by the import's severity policy (kept for export; scans rate the category again through the policy in force). */
  readonly severity?: number | null;
  /** Category scheme the list's labels follow: a scheme name, UNMAPPED_SCHEME ('') for labels deliberately left unmapped, null/absent = inferred per label. */
  readonly scheme?: string | null;
  readonly series?: string | null;
  readonly victimIdentified?: boolean | null;
  /** Identifier of the entry in the source list, if it has one. */
  readonly externalId?: string | null;
  /** When the source says the hash was added (ISO 8601 text as given). */
  readonly addedAt?: string | null;
  readonly note?: string | null;
  /** PDQ quality when the list gives one. */
  readonly quality?: number | null;
}

/** One hash value of one signal type from a list, with its metadata. */
export interface ImportHash {
  readonly signal: SignalName;
  readonly value: Uint32Array;
}

/** One good row of a list: one or more hashes (e.g. a CSV row with md5 and pdq) sharing the metadata. */
export interface ImportRow {
  /** 1-based line number in the source file (for VICS JSON: the Media entry's ordinal). */
  readonly line: number;
  readonly hashes: readonly ImportHash[];
  readonly meta: EntryMeta;
  /** Values that are kept but never compared (e.g. PhotoDNA, licensed). */
  readonly opaque?: Readonly<Record<string, string>>;
}

/** One bad row: where it is and what is wrong; it is skipped, the rest of the list imports. */
export interface RowError {
  readonly line: number;
  readonly message: string;
}

/** What an importer yields: good rows and reported bad rows, in file order. */
export type ImportItem = { readonly kind: 'row'; readonly row: ImportRow } | { readonly kind: 'error'; readonly error: RowError };

/** Counts after one import. */
export interface ImportSummary {
  readonly list: string;
  readonly format: string;
  /** Entries newly written. */
  readonly added: number;
  /** Entries already present for this list (re-import is a no-op). */
  readonly duplicate: number;
  readonly rejected: number;
  readonly errors: readonly RowError[];
  /** True when the list's file digest was already imported and nothing was done. */
  readonly unchanged: boolean;
  /** True when the list was new and no row could be added: it was rolled back, the index is unchanged. */
  readonly notCreated: boolean;
  /** True when a replacing import found no row to add: it was rolled back, the list keeps its contents. */
  readonly notReplaced: boolean;
}

/** One known-list entry attached to a matched hash. */
export interface MatchEntry {
  readonly list: string;
  readonly category: string | null;
  /** Rank stored at import (an index written before schemes were stored holds only this); rate `category` with the policy in force instead. */
  readonly severity: number | null;
  /** Scheme recorded at import (see EntryMeta.scheme); null: inferred per label. */
  readonly scheme: string | null;
  readonly series: string | null;
  readonly victimIdentified: boolean | null;
  readonly externalId: string | null;
  readonly addedAt: string | null;
  readonly note: string | null;
}

/** One stored hash within the threshold of a query, with its entries (known-list entries by default). */
export interface MatchHit<E = MatchEntry> {
  /** Hex of the stored hash. */
  readonly hash: string;
  readonly distance: number;
  readonly entries: readonly E[];
}

/** Answer for one query value: hits sorted by distance, then hash. */
export interface MatchResult<E = MatchEntry> {
  readonly query: string;
  readonly matches: readonly MatchHit<E>[];
}

/**
 * Exact radius search over the known values of one 256-bit signal type. Implementations (SQLite bands,
 * in-memory multi-index, brute force) return identical id sets for the same data: no missed match.
 */
export interface HammingSearcher {
  /** Ids (the store's hash ids) of all known values within `radius` of `query`, with distances. */
  search(query: Uint32Array, radius: number): Array<{ id: number; distance: number }>;
}
