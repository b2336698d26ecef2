/**
 * The records the output files are made of, built from ScanData with a fixed key order and stable
 * sorting, so the same scan always gives byte-identical files (apart from the timestamps it carries).
 */
import { putHashFields } from '../../hashing/record-fields.js';
import { compareBundles, compareKnown, compareSeen, type PriorityPolicy } from '../../policy/priority.js';
import { contentStatus } from '../known-rating.js';
import type { Bundle, KnownMatch, MemberJoin, RelatedBundle, ScanItem, SeenMatch } from '../types.js';
import type { ScanData } from './types.js';

/** One known-list match as written (fixed keys). */
export function knownRecord(k: KnownMatch): Record<string, unknown> {
  return {
    list: k.list,
    signal: k.signal,
    hash: k.hash,
    distance: k.distance,
    variant: k.variant,
    category: k.category,
    categoryName: k.categoryName ?? null,
    scheme: k.scheme ?? null,
    severity: k.severity,
    series: k.series,
    victimIdentified: k.victimIdentified,
  };
}

/** One earlier-scan sighting as written (fixed keys). */
export function seenRecord(s: SeenMatch): Record<string, unknown> {
  return { scan: s.scan, firstSeenAt: s.firstSeenAt, signal: s.signal, distance: s.distance, path: s.path };
}

/**
 * One line of items.ndjson: every hash field present (null when absent), matches sorted, error or null;
 * pathBytes after path only for a name that is not UTF-8.
 */
export function itemRecord(item: ScanItem): Record<string, unknown> {
  const out: Record<string, unknown> = { index: item.index, path: item.path };
  if (item.hash.pathBytes !== undefined) out.pathBytes = item.hash.pathBytes;
  out.ok = item.hash.ok;
  putHashFields(out, item.hash, true);
  out.lowQuality = item.lowQuality;
  out.reportIds = [...item.reportIds];
  out.known = [...item.known].sort(compareKnown).map(knownRecord);
  out.seen = [...item.seen].sort(compareSeen).map(seenRecord);
  out.error = item.hash.ok ? null : { code: item.hash.error.code, message: item.hash.error.message };
  return out;
}

/** Items in ScanItem.index order. */
export function orderedItems(items: readonly ScanItem[]): ScanItem[] {
  return [...items].sort((a, b) => a.index - b.index);
}

/** One member file that could not be hashed (unreadable, truncated, empty, missing…): nobody has looked at it yet. */
export interface FailedMember {
  readonly index: number;
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

/** Items by ScanItem.index, for per-bundle lookups. */
export function itemsByIndex(items: readonly ScanItem[]): ReadonlyMap<number, ScanItem> {
  return new Map(items.map((it) => [it.index, it] as const));
}

/** The bundle's member files that could not be hashed, in item order; members missing from `byIndex` are not reported. */
export function failedFiles(b: Bundle, byIndex: ReadonlyMap<number, ScanItem>): FailedMember[] {
  const out: FailedMember[] = [];
  for (const i of [...b.items].sort((x, y) => x - y)) {
    const it = byIndex.get(i);
    if (it && !it.hash.ok) out.push({ index: i, path: it.path, code: it.hash.error.code, message: it.hash.error.message });
  }
  return out;
}

/** How a member joined, in words: "first file", "sha256 equal to P", "pdq distance 4 to P (flipX of this file)", "named by report R only …". */
export function joinText(join: MemberJoin, self: number, byIndex: ReadonlyMap<number, ScanItem>, alone: boolean, related: readonly RelatedBundle[] = []): string {
  const pathOf = (i: number) => byIndex.get(i)?.path ?? `item ${i}`;
  switch (join.kind) {
    case 'seed':
      return alone ? 'only file: no other file has the same or a near hash' : 'first file of the bundle';
    case 'exact':
      return `${join.signal} equal to ${pathOf(join.to)}`;
    case 'perceptual': {
      const v = join.variant;
      const variant = v === null ? '' : v.sameRegion ? ` (${v.name} region of both)` : ` (${v.name} of ${v.of === self ? 'this file' : pathOf(v.of)})`;
      return `${join.signal} distance ${join.distance} to ${pathOf(join.to)}${variant}`;
    }
    case 'report_only':
      return (
        `named by report${join.reportIds.length === 1 ? '' : 's'} ${join.reportIds.join(', ')} only: no hash link to another file, so its own bundle` +
        relatedNote(join.reportIds, related)
      );
  }
}

/** Where a report-only member's companions are: related through its reports (other pictures they name), else through a shared URL, else nowhere. */
function relatedNote(reportIds: readonly string[], related: readonly RelatedBundle[]): string {
  if (related.some((r) => r.reportIds.some((id) => reportIds.includes(id)))) return ' (the report’s other pictures are under related bundles)';
  if (related.some((r) => r.urls.length > 0)) return ' (pictures reported at the same URL are under related bundles)';
  return '';
}

/** One member of a bundle as written: how it joined (object and words) and its own known matches. */
export interface MemberRecord {
  readonly index: number;
  readonly path: string;
  readonly joined: MemberJoin;
  readonly reason: string;
  readonly lowQuality: boolean;
  readonly known: readonly KnownMatch[];
}

/** The bundle's members in item order with their join reasons and own known matches (most severe first). */
export function memberRecords(b: Bundle, byIndex: ReadonlyMap<number, ScanItem>): MemberRecord[] {
  return b.items.map((index, k) => {
    const it = byIndex.get(index);
    const joined = b.joins[k] ?? { kind: 'seed' };
    return {
      index,
      path: b.paths[k],
      joined,
      reason:
        it !== undefined && !it.hash.ok && (joined.kind === 'seed' || joined.kind === 'report_only')
          ? `could not be hashed (${it.hash.error.code}), so no hash can link it to another file` +
            (joined.kind === 'report_only' ? `; named by report${joined.reportIds.length === 1 ? '' : 's'} ${joined.reportIds.join(', ')}` : '')
          : joinText(joined, index, byIndex, b.items.length === 1, b.related),
      lowQuality: it?.lowQuality ?? false,
      known: [...(it?.known ?? [])].sort(compareKnown),
    };
  });
}

/** Bundles in queue order (most urgent first), each with its 1-based rank. */
export function queue(bundles: readonly Bundle[], policy: PriorityPolicy): Array<{ rank: number; bundle: Bundle }> {
  return [...bundles].sort((a, b) => compareBundles(a, b, policy)).map((bundle, i) => ({ rank: i + 1, bundle }));
}

/**
 * One line of bundles.ndjson (fixed keys; known matches most severe first, sightings earliest first).
 * failedFiles lists the members that could not be hashed (empty when all were, or when `byIndex` lacks them);
 * members says how each file joined and lists its own known matches; flags, spread and related as in Bundle.
 */
export function bundleRecord(rank: number, b: Bundle, byIndex: ReadonlyMap<number, ScanItem> = new Map()): Record<string, unknown> {
  return {
    rank,
    id: b.id,
    tier: b.priority.tier,
    score: b.priority.score,
    reasons: b.priority.reasons.map((r) => ({ signal: r.factor, points: r.points, detail: r.detail })),
    status: contentStatus(b.known),
    previouslySeen: b.seen.length > 0,
    escalated: b.escalated,
    items: [...b.items],
    paths: [...b.paths],
    failedFiles: failedFiles(b, byIndex),
    members: memberRecords(b, byIndex).map((m) => ({ ...m, known: m.known.map(knownRecord) })),
    flags: b.flags.map((f) => ({ flag: f.flag, detail: f.detail })),
    spread: b.spread.map((x) => ({ signal: x.signal, maxDistance: x.maxDistance, threshold: x.threshold, between: [...x.between] })),
    related: b.related.map((r) => ({ id: r.id, reportIds: [...r.reportIds], urls: [...r.urls] })),
    relatedTruncated: b.relatedTruncated,
    reportIds: [...b.reportIds],
    reporters: [...b.reporters],
    distinctReporters: b.distinctReporters,
    urls: [...b.urls],
    hosts: [...b.hosts],
    firstSeen: b.firstSeen,
    lastSeen: b.lastSeen,
    knownMatches: [...b.known].sort(compareKnown).map(knownRecord),
    seenMatches: [...b.seen].sort(compareSeen).map(seenRecord),
  };
}

/** Scan-wide counts, shared by manifest.json, report.html and the audit log. */
export interface ScanCounts {
  readonly files: number;
  readonly filesHashed: number;
  readonly filesFailed: number;
  readonly inputErrors: number;
  readonly lowQuality: number;
  /** Files with a pertinent known match (a known-innocent one alone does not count). */
  readonly filesWithKnownMatch: number;
  /** Files whose known matches are all non-pertinent (known-innocent). */
  readonly filesWithNonPertinentMatchOnly: number;
  readonly knownMatches: number;
  readonly filesPreviouslySeen: number;
  readonly reports: number;
  readonly bundles: number;
  /** Bundles with a pertinent known match. */
  readonly bundlesKnown: number;
  /** Bundles whose known matches are all non-pertinent. */
  readonly bundlesKnownNonPertinent: number;
  readonly bundlesUnknown: number;
  /** Every policy tier in policy order (zeros included), then any other tier name found, sorted. */
  readonly bundlesByTier: Readonly<Record<string, number>>;
  /** Bundles carrying each flag (perceptual_hash_unusable, perceptual_drift), sorted by flag; flags with none left out. */
  readonly bundlesFlagged: Readonly<Record<string, number>>;
}

/** Bundles per flag, a bundle counted once per flag it carries; keys sorted. */
export function flaggedCounts(bundles: readonly Bundle[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of bundles.flatMap((b) => [...new Set(b.flags.map((x) => x.flag))]).sort()) out[f] = (out[f] ?? 0) + 1;
  return out;
}

/** Counts of a scan; bundlesByTier keys follow the policy's tier order. */
export function scanCounts(data: ScanData): ScanCounts {
  const byTier: Record<string, number> = {};
  for (const t of data.priorityPolicy.tiers) byTier[t.name] = 0;
  const extra = new Map<string, number>();
  for (const b of data.bundles) {
    if (b.priority.tier in byTier) byTier[b.priority.tier]++;
    else extra.set(b.priority.tier, (extra.get(b.priority.tier) ?? 0) + 1);
  }
  for (const name of [...extra.keys()].sort()) byTier[name] = extra.get(name)!;
  const failed = data.items.filter((i) => !i.hash.ok).length;
  const bundlesKnown = data.bundles.filter((b) => contentStatus(b.known) === 'known').length;
  const bundlesKnownNonPertinent = data.bundles.filter((b) => contentStatus(b.known) === 'known_non_pertinent').length;
  return {
    files: data.items.length,
    filesHashed: data.items.length - failed,
    filesFailed: failed,
    inputErrors: data.errors.length,
    lowQuality: data.items.filter((i) => i.lowQuality).length,
    filesWithKnownMatch: data.items.filter((i) => contentStatus(i.known) === 'known').length,
    filesWithNonPertinentMatchOnly: data.items.filter((i) => contentStatus(i.known) === 'known_non_pertinent').length,
    knownMatches: data.items.reduce((n, i) => n + i.known.length, 0),
    filesPreviouslySeen: data.items.filter((i) => i.seen.length > 0).length,
    reports: data.reports.length,
    bundles: data.bundles.length,
    bundlesKnown,
    bundlesKnownNonPertinent,
    bundlesUnknown: data.bundles.length - bundlesKnown - bundlesKnownNonPertinent,
    bundlesByTier: byTier,
    bundlesFlagged: flaggedCounts(data.bundles),
  };
}

/**
 * Every error of the scan, file failures (by item order) then input errors (as given): what the user must
 * look at. A file whose name is not UTF-8 also gives its pathBytes.
 */
export function allErrors(data: ScanData): Array<{ source: string; pathBytes?: string; code: string; message: string }> {
  const out: Array<{ source: string; pathBytes?: string; code: string; message: string }> = [];
  for (const it of orderedItems(data.items)) {
    if (it.hash.ok) continue;
    const raw = it.hash.pathBytes === undefined ? {} : { pathBytes: it.hash.pathBytes };
    out.push({ source: it.path, ...raw, code: it.hash.error.code, message: it.hash.error.message });
  }
  for (const e of data.errors) out.push({ source: e.source, code: e.code, message: e.message });
  return out;
}
