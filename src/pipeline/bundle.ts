/**
 * Turns clusters into bundles (without priority): the member files and how each joined, reports,
 * reporters, URLs and hosts, time span, known and earlier-scan matches, escalation, flags (drift,
 * unusable perceptual hashes) and the related bundles that share a report or URL. Pure and deterministic.
 */
import { createHash } from 'node:crypto';
import type { Bundle, BundleFlag, KnownMatch, RelatedBundle, Report, ScanItem, SeenMatch } from './types.js';
import { contentDigest } from './item-hashes.js';
import type { Cluster } from './cluster.js';
import { isNormalizedTimestamp, normalizeTimestamp } from './manifest.js';
import { countReporters, shownReporters } from './reporters.js';
import { hostOf } from './url.js';

/** A bundle before it has a priority (what the clustering step produces). */
export type UnprioritisedBundle = Omit<Bundle, 'priority'>;

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sortedUnique = (values: Iterable<string | null>) => [...new Set([...values].filter((v): v is string => v !== null && v !== ''))].sort(byText);

/** Known matches of several items, one per (signal, hash, list, variant) at its smallest distance, most severe first. */
export function mergeKnown(lists: ReadonlyArray<readonly KnownMatch[]>): KnownMatch[] {
  const best = new Map<string, KnownMatch>();
  for (const list of lists) {
    for (const m of list) {
      const key = [m.signal, m.hash, m.list, m.category ?? '', m.series ?? '', m.variant ?? ''].join('\u0000');
      const prev = best.get(key);
      if (prev === undefined || m.distance < prev.distance) best.set(key, m);
    }
  }
  return [...best.values()].sort(
    (a, b) =>
      (a.severity ?? Infinity) - (b.severity ?? Infinity) ||
      a.distance - b.distance ||
      byText(a.list, b.list) ||
      byText(a.signal, b.signal) ||
      byText(a.hash, b.hash) ||
      byText(a.variant ?? '', b.variant ?? ''),
  );
}

/** Earlier-scan sightings of several items, one per (scan, signal) at its smallest distance, earliest first. */
export function mergeSeen(lists: ReadonlyArray<readonly SeenMatch[]>): SeenMatch[] {
  const best = new Map<string, SeenMatch>();
  for (const list of lists) {
    for (const m of list) {
      const key = `${m.scan}\u0000${m.signal}`;
      const prev = best.get(key);
      if (prev === undefined || m.distance < prev.distance || (m.distance === prev.distance && byText(m.path ?? '', prev.path ?? '') < 0))
        best.set(key, m);
    }
  }
  return [...best.values()].sort((a, b) => byText(a.firstSeenAt, b.firstSeenAt) || byText(a.scan, b.scan) || byText(a.signal, b.signal));
}

/** Stable bundle id, unique within a scan: a digest of the members' content (SHA-256, else path) and report ids; never of timing. */
export function bundleId(members: readonly ScanItem[], reportIds: readonly string[]): string {
  const parts = [
    // Equal non-empty digests always share a bundle; empty or unread files are told apart by path.
    ...members.map((m) => `f:${contentDigest(m.hash) ?? `path:${m.path}`}`),
    ...reportIds.map((r) => `r:${r}`),
  ].sort(byText);
  return `b-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16)}`;
}

/** ISO-8601 UTC timestamps compare as text; anything else is left out of the time span. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * True for a received time that is a real UTC instant. A text the manifest reader kept as it was (and
 * warned is not used for first/last seen), such as 2026-13-45T99:00:00Z, is not one, whatever it looks like.
 */
function isInstant(t: string): boolean {
  return ISO_UTC.test(t) && isNormalizedTimestamp(normalizeTimestamp(t) ?? '');
}

/** The flags of one cluster: drift beyond the threshold, and no usable perceptual hash. */
function flagsOf(c: Cluster, members: readonly ScanItem[]): BundleFlag[] {
  const flags: BundleFlag[] = [];
  for (const sp of c.spread) {
    if (sp.maxDistance <= sp.threshold) continue;
    const [a, b] = sp.between.map((i) => members.find((m) => m.index === i)?.path ?? `item ${i}`);
    flags.push({
      flag: 'perceptual_drift',
      detail:
        `files ${sp.maxDistance} apart by ${sp.signal} (threshold ${sp.threshold}): ${a} and ${b} are linked only through other files; ` +
        'check that they are the same picture',
    });
  }
  if (c.unusable.length > 0 && c.unusable.every((u) => u.notAPicture)) {
    const types = c.unusable.map((u) => u.signal).join(', ');
    flags.push({
      flag: 'perceptual_hash_unusable',
      detail:
        `reported, but no file is a picture this tool decodes (a video, a drawing, a document or an empty file), so none has a ${types} hash: ` +
        'only an exact copy can match a known hash or join its bundle; check by hand',
    });
  } else if (c.unusable.length > 0) {
    const what = c.unusable.map((u) =>
      u.qualities.length > 0
        ? `${u.signal} quality ${u.qualities.join(', ')}, below ${u.minQuality}`
        : `${u.signal} without detail (all zeros)`,
    );
    const types = c.unusable.map((u) => u.signal).join(', ');
    // --include-low-quality is suggested only where it would change something: it is off and some hash has detail
    const advice = c.unusable.some((u) => u.includeLowQualityHelps) ? 'check by hand, or scan again with --include-low-quality' : 'check by hand';
    flags.push({
      flag: 'perceptual_hash_unusable',
      detail: `no file has a usable ${types} hash (${what.join('; ')}): known ${types} hashes cannot match it and near copies are not grouped by it; ${advice}`,
    });
  }
  return flags;
}

/** Largest number of related bundles listed per bundle; `relatedTruncated` says when there are more. */
export const RELATED_MAX = 100;

/**
 * For each bundle (same order), the other bundles sharing a report or a normalised URL, with which ones:
 * the first RELATED_MAX of them in bundle order, listed by id, and whether more exist. Linear in the
 * bundles times RELATED_MAX, so one report naming thousands of pictures does not make the lists quadratic.
 */
function relatedOf(
  bundles: ReadonlyArray<{ id: string; reportIds: readonly string[] }>,
  reportById: ReadonlyMap<string, Report>,
): Array<{ related: RelatedBundle[]; truncated: boolean }> {
  // Each group (a report id, or a normalised URL) lists its bundles in bundle order.
  const groups = new Map<string, number[]>();
  const groupsOf = bundles.map(() => new Set<string>());
  const add = (key: string, b: number) => {
    groupsOf[b].add(key);
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [b]);
    else if (list[list.length - 1] !== b) list.push(b);
  };
  bundles.forEach((b, i) => {
    for (const id of b.reportIds) {
      add(`r:${id}`, i);
      const url = reportById.get(id)?.normalizedUrl ?? null;
      if (url !== null) add(`u:${url}`, i);
    }
  });
  return bundles.map((_, self) => {
    // The RELATED_MAX + 1 first other bundles of each group are enough to find the first RELATED_MAX overall.
    const candidates = new Set<number>();
    for (const key of groupsOf[self]) {
      let taken = 0;
      for (const other of groups.get(key)!) {
        if (other === self) continue;
        candidates.add(other);
        if (++taken > RELATED_MAX) break;
      }
    }
    const chosen = [...candidates].sort((a, b) => a - b);
    const truncated = chosen.length > RELATED_MAX;
    const related = chosen.slice(0, RELATED_MAX).map((other) => {
      const reportIds: string[] = [];
      const urls: string[] = [];
      for (const key of groupsOf[self]) {
        if (!groupsOf[other].has(key)) continue;
        if (key.startsWith('r:')) reportIds.push(key.slice(2));
        else urls.push(key.slice(2));
      }
      return { id: bundles[other].id, reportIds: reportIds.sort(byText), urls: urls.sort(byText) };
    });
    return { related: related.sort((x, y) => byText(x.id, y.id)), truncated };
  });
}

/**
 * One bundle per cluster, in cluster order. Guarantees: lists are sorted and free of duplicates, the id
 * is stable for the same content, first/last seen span the reports' received times (null without any),
 * `related` is symmetric (A lists B iff B lists A, with the same reports and URLs) unless a list is cut at
 * RELATED_MAX (`relatedTruncated`).
 */
export function buildBundles(clusters: readonly Cluster[], items: readonly ScanItem[], reports: readonly Report[]): UnprioritisedBundle[] {
  const reportById = new Map(reports.map((r) => [r.reportId, r]));
  const built = clusters.map((c) => {
    const members = c.items.map((i) => items[i]);
    const rs = c.reportIds.map((id) => reportById.get(id)).filter((r): r is Report => r !== undefined);
    const times = rs.map((r) => r.receivedAt).filter((t): t is string => t !== null && isInstant(t)).sort(byText);
    const urls = sortedUnique(rs.map((r) => r.normalizedUrl ?? r.url));
    return {
      id: bundleId(members, c.reportIds),
      items: [...c.items],
      paths: members.map((m) => m.path),
      reportIds: [...c.reportIds],
      reporters: shownReporters(rs.map((r) => r.reporter)),
      distinctReporters: countReporters(rs.map((r) => r.reporter)),
      urls,
      hosts: sortedUnique(rs.map((r) => hostOf(r.url))),
      firstSeen: times.length > 0 ? times[0] : null,
      lastSeen: times.length > 0 ? times[times.length - 1] : null,
      known: mergeKnown(members.map((m) => m.known)),
      seen: mergeSeen(members.map((m) => m.seen)),
      escalated: rs.some((r) => r.escalate),
      joins: [...c.joins],
      spread: [...c.spread],
      flags: flagsOf(c, members),
    };
  });
  const related = relatedOf(built, reportById);
  return built.map((b, i) => ({ ...b, related: related[i].related, relatedTruncated: related[i].truncated }));
}
