/**
 * The scan's data model, in the order data flows: reports and files come in, each file becomes a
 * ScanItem (hashes + matches), items and reports cluster into Bundles, bundles get a Priority, writers
 * turn them into the output files. Only hashes and metadata: never pixels.
 */
import type { SignalName, DihedralName, LIST_REGION, RegionName } from '../hashing/signal-type.js';
import type { FileHashResult } from '../hashing/record.js';

/** One report/complaint from a manifest (fields as in docs/domain.md); missing fields are null. */
export interface Report {
  readonly reportId: string;
  /** ISO 8601 as given (normalised to UTC when parseable). */
  readonly receivedAt: string | null;
  /** Who reported (a name or id, never a reporter type); distinct reporters are counted on this. */
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
  /** The label exactly as the list wrote it. */
  readonly category: string | null;
  /** Severity rank of the category under the severity policy in force (1 = most severe); null when it has none. */
  readonly severity: number | null;
  /**
   * Before rating: the scheme recorded at import (null = infer per label). After rating (rateKnown): the
   * scheme that knows the label, null when none does.
   */
  readonly scheme?: string | null;
  /** The category's name in its scheme (e.g. "known, uncategorised" for Project VIC 0); null when the policy gives none. */
  readonly categoryName?: string | null;
  /** False for a label of known-innocent files (e.g. Project VIC 4, 5): not known material. Absent: not rated. */
  readonly pertinent?: boolean;
  /** True for known material nobody has rated yet (e.g. Project VIC 0): weighed on its own, not like rated material. */
  readonly uncategorised?: boolean;
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

/**
 * How one member file joined its bundle: the bundle's first file ('seed'); an equal digest or a near
 * perceptual hash of another member (`to`, a ScanItem.index) — `variant` names the rotated/flipped
 * or region variant that matched and whose it is; or, for a file with no hash link to any other file, the reports
 * that name it ('report_only': it is its own bundle, linked to those reports' other bundles).
 */
export type MemberJoin =
  | { readonly kind: 'seed' }
  | { readonly kind: 'exact'; readonly signal: SignalName; readonly to: number }
  | {
      readonly kind: 'perceptual';
      readonly signal: SignalName;
      readonly to: number;
      readonly distance: number;
      /** With `sameRegion`, the same region of both files matched. */
      readonly variant: { readonly name: DihedralName | RegionName; readonly of: number; readonly sameRegion?: boolean } | null;
    }
  | { readonly kind: 'report_only'; readonly reportIds: readonly string[] };

/** The largest distance between two members' perceptual hashes of one signal type, computed over every pair. */
export interface BundleSpread {
  readonly signal: SignalName;
  readonly maxDistance: number;
  /** The grouping threshold of the type: a larger maxDistance means single linkage chained far-apart files. */
  readonly threshold: number;
  /** The two members (ScanItem.index, ascending) that are that far apart. */
  readonly between: readonly [number, number];
}

/** Something the analyst must know about a bundle that does not change its score. */
export interface BundleFlag {
  /** 'perceptual_drift' (members farther apart than the threshold) or 'perceptual_hash_unusable' (check by hand). */
  readonly flag: 'perceptual_drift' | 'perceptual_hash_unusable';
  readonly detail: string;
}

/** Another bundle that shares a report or a normalised URL with this one, and which ones. */
export interface RelatedBundle {
  readonly id: string;
  readonly reportIds: readonly string[];
  readonly urls: readonly string[];
}

/** One piece of content and its near-duplicates: the unit of work. */
export interface Bundle {
  /** Stable id for the same inputs (derived from member content, not from timing). */
  readonly id: string;
  /** Member item indexes (ScanItem.index), ascending. */
  readonly items: readonly number[];
  readonly paths: readonly string[];
  readonly reportIds: readonly string[];
  /** Named reporters, one spelling per normalised name, plus the anonymous ones as given. */
  readonly reporters: readonly string[];
  /** Distinct named reporters (by normalised name) plus one per report from an anonymous or blank reporter. */
  readonly distinctReporters: number;
  readonly urls: readonly string[];
  readonly hosts: readonly string[];
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  readonly known: readonly KnownMatch[];
  readonly seen: readonly SeenMatch[];
  readonly escalated: boolean;
  /** How each member joined, parallel to `items`. */
  readonly joins: readonly MemberJoin[];
  /** Largest internal distance per perceptual type that at least two members have. */
  readonly spread: readonly BundleSpread[];
  readonly flags: readonly BundleFlag[];
  /** Bundles sharing a report or normalised URL with this one, by id (at most RELATED_MAX of them). */
  readonly related: readonly RelatedBundle[];
  /** True when more bundles are related than `related` lists. */
  readonly relatedTruncated: boolean;
  readonly priority: Priority;
}
