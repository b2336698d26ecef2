/**
 * The scan's view of the index store: batched lookups (known-list entries become KnownMatch, earlier-scan
 * entries become SeenMatch), recording this scan's content as 'seen', and what identifies the index.
 */
import type { SignalType } from '../hashing/signal-type.js';
import { SqliteBandSearcher } from '../index-store/sqlite-search.js';
import { openIndex, type IndexStore, type SeenItem } from '../index-store/store.js';
import type { MatchEntry, MatchHit } from '../index-store/types.js';
import { isMatchable, itemSignal } from './item-hashes.js';
import type { IndexPort, MatchAnswer, MatchQuery } from './scan.js';
import type { KnownMatch, ScanItem, SeenMatch } from './types.js';

/** Answers a batch of queries with hits per query (same order); the real matcher or a test double. */
export type BatchMatcher = (store: IndexStore, queries: readonly MatchQuery[]) => MatchHit[][];

/** The scan path named in a 'seen' entry's note ("<scan label>: <path>"), or null. */
export function seenPath(entry: MatchEntry): string | null {
  if (entry.note === null) return null;
  const prefix = `${entry.externalId ?? ''}: `;
  return entry.note.startsWith(prefix) ? entry.note.slice(prefix.length) : entry.note;
}

/**
 * Splits hits into known matches and earlier-scan sightings. Sightings recorded by `ownScan` are left
 * out, so a resumed scan never finds itself.
 */
export function toAnswer(query: MatchQuery, hits: readonly MatchHit[], ownScan: string): MatchAnswer {
  const known: KnownMatch[] = [];
  const seen: SeenMatch[] = [];
  for (const hit of hits) {
    for (const e of hit.entries) {
      if (e.listKind === 'seen') {
        if (e.externalId === ownScan) continue;
        seen.push({ signal: query.signal.name, distance: hit.distance, scan: e.externalId ?? e.list, firstSeenAt: e.addedAt ?? '', path: seenPath(e) });
      } else {
        known.push({
          signal: query.signal.name,
          hash: hit.hash,
          distance: hit.distance,
          variant: query.variant,
          list: e.list,
          category: e.category,
          severity: e.severity,
          series: e.series,
          victimIdentified: e.victimIdentified,
        });
      }
    }
  }
  return { known, seen };
}

/**
 * The values of the scan's items that later scans should recognise: every matchable perceptual value and
 * the widest digest (one digest identifies the bytes; later scans compute every digest, so recording the
 * others would only add writes).
 */
export function seenItemsOf(items: readonly ScanItem[], at: string, signalTypes: readonly SignalType[]): SeenItem[] {
  const digests = signalTypes.filter((t) => t.source === 'bytes');
  const widest = digests.reduce<SignalType | null>((best, t) => (best === null || t.bits > best.bits ? t : best), null);
  const recorded = signalTypes.filter((t) => t.source !== 'bytes' || t === widest);
  const out: SeenItem[] = [];
  for (const item of items) {
    for (const signal of recorded) {
      const s = itemSignal(item.hash, signal);
      if (s === null || !isMatchable(item.hash, signal, s)) continue;
      out.push({ signal: signal.name, value: s.value, quality: s.quality, path: item.path, seenAt: at });
    }
  }
  return out;
}

/** An IndexPort over an open store and a batch matcher. */
export function indexPortOf(store: IndexStore, matcher: BatchMatcher): IndexPort {
  return {
    path: store.path,
    knownDigest: () => store.listsDigest(['known']),
    counts() {
      const counts: Record<string, number> = {};
      const stats = store.stats();
      counts.lists = stats.lists.filter((l) => l.kind === 'known').length;
      for (const s of stats.signals) counts[s.signal] = s.values;
      return counts;
    },
    match(queries, ownScan) {
      const hits = matcher(store, queries);
      return queries.map((q, i) => toAnswer(q, hits[i], ownScan));
    },
    recordSeen(items, scan, at, signalTypes) {
      store.recordSeen(scan, seenItemsOf(items, at, signalTypes));
    },
    close: () => store.close(),
  };
}

/** Provisional batch matcher over the SQLite paths (exact digests by value, 256-bit types by bands). */
export const matchBatch: BatchMatcher = (store, queries) => {
  const searchers = new Map<string, SqliteBandSearcher>();
  return queries.map((q) => {
    let ids: Array<{ id: number; distance: number }>;
    if (q.signal.comparison === 'exact') {
      const id = store.idsOfValues(q.signal, [q.value])[0];
      ids = id === null ? [] : [{ id, distance: 0 }];
    } else {
      let s = searchers.get(q.signal.name);
      if (s === undefined) searchers.set(q.signal.name, (s = new SqliteBandSearcher(store, q.signal)));
      ids = s.search(q.value, q.radius);
    }
    const entries = store.entriesOf(q.signal, ids.map((h) => h.id));
    const values = store.valuesOf(q.signal, ids.map((h) => h.id));
    return ids.map((h) => ({ hash: q.signal.format(values.get(h.id)!.value), distance: h.distance, entries: entries.get(h.id) ?? [] }));
  });
};

/** Opens the index at `file` (created when missing) for a scan. */
export function openIndexPort(file: string): IndexPort {
  return indexPortOf(openIndex(file), matchBatch);
}
