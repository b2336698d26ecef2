/**
 * The scan's data model, in the order data flows: reports and files come in, each file becomes a
 * ScanItem (hashes + matches), items and reports cluster into Bundles, bundles get a Priority, writers
 * turn them into the output files. Only hashes and metadata: never pixels.
 */
import type { SignalName, DihedralName, LIST_REGION } from '../hashing/signal-type.js';
import type { FileHashResult } from '../hashing/record.js';

/** One report/complaint from a manifest (fields as in docs/domain.md); missing fields are null. */
export interface Report {
  readonly reportId: string;
  /** ISO 8601 as given (normalised to UTC when parseable). */
  readonly receivedAt: string | null;
  /** Reporter identity or complainant type; distinct reporters are counted on this. */
  readonly reporter: string | null;
  readonly channel: string | null;
  readonly url: string | null;
  /** Normalised form of url used for grouping (lowercase host, no fragment, sorted query, …). */
  readonly normalizedUrl: string | null;
  readonly platform: string | null;
  /** Paths of the files this report names, resolved and relative to the manifest's folder. */
  readonly files: readonly string[];
  readonly notes: string | null;
  /** True when the reporter asked for escalation. */
  readonly escalate: boolean;
  /** Where in the manifest it came from, e.g. "complaints.csv:7". */
  readonly source: string;
}

/** A known-list match of one item (one line per list entry). */
export interface KnownMatch {
  readonly signal: SignalName;
  /** Hex of the matched known hash. */
  readonly hash: string;
  readonly distance: number;
  /** Set when the match came from a rotated/flipped variant of the item's hash or from its content inside borders. */
  readonly variant: DihedralName | typeof LIST_REGION | null;
  readonly list: string;
  readonly category: string | null;
  readonly severity: number | null;
  readonly series: string | null;
  readonly victimIdentified: boolean | null;
}

/** Content seen by an earlier scan: where and when it was first seen. */
export interface SeenMatch {
  readonly signal: SignalName;
  readonly distance: number;
  /** Label of the scan that first saw it. */
  readonly scan: string;
  readonly firstSeenAt: string;
  readonly path: string | null;
}

/** One input file after hashing and matching. */
export interface ScanItem {
  /** Position in the scan's deterministic item order (sorted by path). */
  readonly index: number;
  readonly path: string;
  readonly hash: FileHashResult;
  /** Report ids that name this file. */
  readonly reportIds: readonly string[];
  readonly known: readonly KnownMatch[];
  readonly seen: readonly SeenMatch[];
  /** True when the item has a PDQ hash below the matching quality bar (flagged, not matched). */
  readonly lowQuality: boolean;
}

/** One priority factor that contributed to a bundle's score, with its share (explainability). */
export interface PriorityReason {
  /** Stable factor key from the priority policy, e.g. "known_severity", "distinct_reporters" (written as `signal` in bundles.ndjson). */
  readonly factor: string;
  readonly points: number;
  /** Human-readable, e.g. "known match in list ncmec (category A1, severity 1), distance 4". */
  readonly detail: string;
}

/** A bundle's priority: score, tier (our own, documented tiers) and the reasons that produced it. */
export interface Priority {
  readonly score: number;
  readonly tier: string;
  readonly reasons: readonly PriorityReason[];
}

/** One piece of content and its near-duplicates: the unit of work. */
export interface Bundle {
  /** Stable id for the same inputs (derived from member content, not from timing). */
  readonly id: string;
  /** Member item indexes (ScanItem.index), ascending. */
  readonly items: readonly number[];
  readonly paths: readonly string[];
  readonly reportIds: readonly string[];
  readonly reporters: readonly string[];
  readonly urls: readonly string[];
  readonly hosts: readonly string[];
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  readonly known: readonly KnownMatch[];
  readonly seen: readonly SeenMatch[];
  readonly escalated: boolean;
  readonly priority: Priority;
}
