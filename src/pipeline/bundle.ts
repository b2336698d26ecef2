/**
 * Turns clusters into bundles (without priority): the member files, reports, reporters, URLs and hosts,
 * time span, known and earlier-scan matches, escalation. Pure and deterministic.
 */
import { createHash } from 'node:crypto';
import type { Bundle, KnownMatch, Report, ScanItem, SeenMatch } from './types.js';
import { contentDigest } from './item-hashes.js';
import type { Cluster } from './cluster.js';
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
 * One bundle per cluster, in cluster order. Guarantees: lists are sorted and free of duplicates, the id
 * is stable for the same content, first/last seen span the reports' received times (null without any).
 */
export function buildBundles(clusters: readonly Cluster[], items: readonly ScanItem[], reports: readonly Report[]): UnprioritisedBundle[] {
  const reportById = new Map(reports.map((r) => [r.reportId, r]));
  return clusters.map((c) => {
    const members = c.items.map((i) => items[i]);
    const rs = c.reportIds.map((id) => reportById.get(id)).filter((r): r is Report => r !== undefined);
    const times = rs.map((r) => r.receivedAt).filter((t): t is string => t !== null && ISO_UTC.test(t)).sort(byText);
    const urls = sortedUnique(rs.map((r) => r.normalizedUrl ?? r.url));
    return {
      id: bundleId(members, c.reportIds),
      items: [...c.items],
      paths: members.map((m) => m.path),
      reportIds: [...c.reportIds],
      reporters: sortedUnique(rs.map((r) => r.reporter)),
      urls,
      hosts: sortedUnique(rs.map((r) => hostOf(r.url))),
      firstSeen: times.length > 0 ? times[0] : null,
      lastSeen: times.length > 0 ? times[times.length - 1] : null,
      known: mergeKnown(members.map((m) => m.known)),
      seen: mergeSeen(members.map((m) => m.seen)),
      escalated: rs.some((r) => r.escalate),
    };
  });
}
