/**
 * The scan's view of the stores it reads and writes: batched lookups against the known index (hits
 * become KnownMatch) and the sightings store (hits become SeenMatch), recording what the scan saw in the
 * sightings store, and what identifies the index. The known index is opened read-only: a scan never
 * writes to it, so it never waits for an import and never finds its own content there.
 */
import { SIGNAL_TYPES } from '../hashing/signals.js';
import { knownMatcher } from '../index-store/entry-reads.js';
import { listInfos, listsDigest } from '../index-store/index-admin.js';
import { MEMORY_MIN_QUERIES, type IndexMatcher } from '../index-store/matcher.js';
import type { IndexStore } from '../index-store/store.js';
import type { MatchEntry, MatchHit } from '../index-store/types.js';
import { sightingsMatcher, type SeenItem, type Sighting, type SightingsStore } from '../sightings/sightings-store.js';
import type { IndexDescription, IndexPort, MatchAnswer, MatchQuery } from './scan.js';
import type { KnownMatch, SeenMatch } from './types.js';

/** A hit found for a query, with the index of the query's variant that found it (absent: the query itself). */
type VariantHit<E> = MatchHit<E> & { readonly variant?: number };

/** Answers a batch of queries with hits per query (same order). */
export type BatchMatcher<E> = (queries: readonly MatchQuery[]) => ReadonlyArray<ReadonlyArray<VariantHit<E>>>;

/** The known matches of one query's hits. */
export function knownMatchesOf(query: MatchQuery, hits: ReadonlyArray<VariantHit<MatchEntry>>): KnownMatch[] {
  const known: KnownMatch[] = [];
  for (const hit of hits) {
    for (const e of hit.entries) {
      known.push({
        signal: query.signal.name,
        hash: hit.hash,
        distance: hit.distance,
        variant: hit.variant === undefined ? null : (query.variants[hit.variant]?.name ?? null),
        list: e.list,
        category: e.category,
        severity: e.severity,
        scheme: e.scheme,
        series: e.series,
        victimIdentified: e.victimIdentified,
      });
    }
  }
  return known;
}

/** The earlier-scan sightings of one query's hits; those of `ownScan` are left out, so a resumed scan never finds itself. */
export function seenMatchesOf(query: MatchQuery, hits: ReadonlyArray<VariantHit<Sighting>>, ownScan: string): SeenMatch[] {
  const seen: SeenMatch[] = [];
  for (const hit of hits) {
    for (const s of hit.entries) {
      if (s.scan === ownScan) continue;
      seen.push({ signal: query.signal.name, distance: hit.distance, scan: s.scan, firstSeenAt: s.seenAt, path: s.path });
    }
  }
  return seen;
}

/**
 * A batch matcher over one store: queries grouped by signal type (and radius), variants searched on each
 * query's behalf. With preferMemory set, Hamming types use the in-memory multi-index (loaded once, kept
 * between batches) instead of the SQLite band tables; the answers are identical.
 */
export function storeMatcher<E>(matcher: IndexMatcher<E>): { match: BatchMatcher<E>; preferMemory(yes: boolean): void } {
  let memory = false;
  return {
    preferMemory(yes) {
      memory = yes;
    },
    match(queries) {
      const out: Array<ReadonlyArray<VariantHit<E>>> = queries.map(() => []);
      const groups = new Map<string, number[]>();
      queries.forEach((q, i) => {
        if (matcher.store.signal(q.signal.name) === undefined) return; // a type this store does not keep
        const key = `${q.signal.name}|${q.radius}|${q.includeLowQuality === true ? 'L' : ''}`;
        const g = groups.get(key);
        if (g === undefined) groups.set(key, [i]);
        else g.push(i);
      });
      for (const positions of groups.values()) {
        const first = queries[positions[0]];
        const results = matcher.matchValues(
          first.signal,
          positions.map((i) => queries[i].value),
          {
            threshold: first.radius,
            variants: positions.map((i) => queries[i].variants.map((v) => v.value)),
            path: memory && first.signal.comparison === 'hamming' ? 'memory' : 'auto',
            includeLowQuality: first.includeLowQuality === true,
          },
        );
        positions.forEach((qi, k) => {
          out[qi] = results[k].matches;
        });
      }
      return out;
    },
  };
}

/** The synchronous operations behind an IndexPort, run where the stores are open (this thread or a worker). */
export interface IndexService {
  describe(): IndexDescription;
  expect(items: number): void;
  match(queries: readonly MatchQuery[], scan: string): MatchAnswer[];
  recordSightings(items: readonly SeenItem[], scan: string): void;
  close(): void;
}

/** Description of a scan without a known index (deduplication only). */
const NO_INDEX: IndexDescription = { knownDigest: 'none', counts: { knownLists: 0 } };

/**
 * The operations over an open known index (null: deduplication only) and sightings store (null: the
 * scan neither looks up nor records sightings).
 */
export function indexService(index: IndexStore | null, sightings: SightingsStore | null): IndexService {
  const known = index === null ? null : storeMatcher(knownMatcher(index));
  const seen = sightings === null ? null : storeMatcher(sightingsMatcher(sightings));
  return {
    describe() {
      if (index === null) return NO_INDEX;
      // Cheap counts only (index stats also measures band buckets, which costs seconds on large indexes).
      const counts: Record<string, number> = { knownLists: listInfos(index).length };
      for (const signal of SIGNAL_TYPES) if (index.signal(signal.name) !== undefined) counts[signal.name] = index.valueCount(signal);
      return { knownDigest: listsDigest(index), counts };
    },
    expect(items) {
      // Loading the in-memory index costs about as much as MEMORY_MIN_QUERIES SQLite lookups.
      known?.preferMemory(items >= MEMORY_MIN_QUERIES);
      seen?.preferMemory(items >= MEMORY_MIN_QUERIES);
    },
    match(queries, scan) {
      const knownHits = known?.match(queries);
      const seenHits = seen?.match(queries);
      return queries.map((q, i) => ({
        known: knownHits === undefined ? [] : knownMatchesOf(q, knownHits[i]),
        seen: seenHits === undefined ? [] : seenMatchesOf(q, seenHits[i], scan),
      }));
    },
    recordSightings(items, scan) {
      if (sightings !== null && items.length > 0) sightings.record(scan, items);
    },
    close() {
      try {
        index?.close();
      } finally {
        sightings?.close();
      }
    },
  };
}

/** An IndexPort that runs on this thread (small scans, tests). */
export function inProcessIndexPort(index: IndexStore | null, sightings: SightingsStore | null): IndexPort {
  const service = indexService(index, sightings);
  return {
    path: index?.path ?? null,
    sightingsPath: sightings?.path ?? null,
    describe: async () => service.describe(),
    expect: (items) => service.expect(items),
    match: async (queries, scan) => service.match(queries, scan),
    recordSightings: async (items, scan) => service.recordSightings(items, scan),
    close: async () => service.close(),
  };
}
