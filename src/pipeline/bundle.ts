/**
 * Turns clusters into bundles (without priority): the member files and how each joined, reports,
 * reporters, URLs and hosts, time span, known and earlier-scan matches, escalation, flags (drift,
 * unusable perceptual hashes) and the related bundles that share a report or URL. Pure and deterministic.
 */
import { createHash } from 'node:crypto';
import type { Bundle, BundleFlag, KnownMatch, RelatedBundle, Report, ScanItem, SeenMatch } from './types.js';
import { contentDigest } from './item-hashes.js';
import type { Cluster } from './cluster.js';
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
  if (c.unusable.length > 0) {
    const what = c.unusable.map((u) =>
      u.qualities.length > 0
        ? `${u.signal} quality ${u.qualities.join(', ')}, below ${u.minQuality}`
        : `${u.signal} without detail (all zeros)`,
    );
    const types = c.unusable.map((u) => u.signal).join(', ');
    flags.push({
      flag: 'perceptual_hash_unusable',
      detail:
        `no file has a usable ${types} hash (${what.join('; ')}): known ${types} hashes cannot match it and near copies are not grouped by it; ` +
        'check by hand, or scan again with --include-low-quality',
    });
  }
  return flags;
}

/** For each bundle (same order), the other bundles sharing a report or a normalised URL, by id, with which. */
function relatedOf(bundles: ReadonlyArray<{ id: string; reportIds: readonly string[] }>, reportById: ReadonlyMap<string, Report>): RelatedBundle[][] {
  const byReport = new Map<string, number[]>();
  const byUrl = new Map<string, number[]>();
  const add = (map: Map<string, number[]>, key: string, b: number) => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [b]);
    else if (list[list.length - 1] !== b) list.push(b);
  };
  bundles.forEach((b, i) => {
    for (const id of b.reportIds) {
      add(byReport, id, i);
      const url = reportById.get(id)?.normalizedUrl ?? null;
      if (url !== null) add(byUrl, url, i);
    }
  });
  const links = bundles.map(() => new Map<number, { reportIds: Set<string>; urls: Set<string> }>());
  const link = (map: Map<string, number[]>, field: 'reportIds' | 'urls') => {
    for (const [key, members] of map) {
      if (members.length < 2) continue;
      for (const a of members) {
        for (const b of members) {
          if (a === b) continue;
          let l = links[a].get(b);
          if (l === undefined) {
            l = { reportIds: new Set(), urls: new Set() };
            links[a].set(b, l);
          }
          l[field].add(key);
        }
      }
    }
  };
  link(byReport, 'reportIds');
  link(byUrl, 'urls');
  return links.map((m) =>
    [...m.entries()]
      .map(([b, l]) => ({ id: bundles[b].id, reportIds: [...l.reportIds].sort(byText), urls: [...l.urls].sort(byText) }))
      .sort((x, y) => byText(x.id, y.id)),
  );
}

/**
 * One bundle per cluster, in cluster order. Guarantees: lists are sorted and free of duplicates, the id
 * is stable for the same content, first/last seen span the reports' received times (null without any),
 * `related` is symmetric (A lists B iff B lists A, with the same reports and URLs).
 */
export function buildBundles(clusters: readonly Cluster[], items: readonly ScanItem[], reports: readonly Report[]): UnprioritisedBundle[] {
  const reportById = new Map(reports.map((r) => [r.reportId, r]));
  const built = clusters.map((c) => {
    const members = c.items.map((i) => items[i]);
    const rs = c.reportIds.map((id) => reportById.get(id)).filter((r): r is Report => r !== undefined);
    const times = rs.map((r) => r.receivedAt).filter((t): t is string => t !== null && ISO_UTC.test(t)).sort(byText);
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
  return built.map((b, i) => ({ ...b, related: related[i] }));
}
