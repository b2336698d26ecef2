/**
 * The scan's view of the index store: batched lookups (known-list entries become KnownMatch, earlier-scan
 * entries become SeenMatch), recording this scan's content as 'seen', and what identifies the index.
 */
import type { SignalType } from '../hashing/signal-type.js';
import { SIGNAL_TYPES } from '../hashing/signals.js';
import { IndexMatcher, MEMORY_MIN_QUERIES } from '../index-store/matcher.js';
import type { IndexStore, SeenItem } from '../index-store/store.js';
import type { MatchEntry, MatchHit } from '../index-store/types.js';
import type { IndexDescription, IndexPort, MatchAnswer, MatchQuery } from './scan.js';
import type { KnownMatch, SeenMatch } from './types.js';

/** Answers a batch of queries with hits per query (same order); `variant` indexes the query's variants. */
export type BatchMatcher = (queries: readonly MatchQuery[]) => ReadonlyArray<ReadonlyArray<MatchHit & { readonly variant?: number }>>;

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
export function toAnswer(query: MatchQuery, hits: ReadonlyArray<MatchHit & { readonly variant?: number }>, ownScan: string): MatchAnswer {
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
          variant: hit.variant === undefined ? null : (query.variants[hit.variant]?.name ?? null),
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
 * A batch matcher over the store's IndexMatcher: queries grouped by signal type (and radius), variants
 * searched on each query's behalf. With `memory` set, Hamming types use the in-memory multi-index
 * (loaded once, kept between batches) instead of the SQLite band tables; the answers are identical.
 */
export function storeMatcher(store: IndexStore): {
  match: BatchMatcher;
  preferMemory(yes: boolean): void;
  /** See IndexMatcher.skipAppended. */
  skipAppended(signal: SignalType, ids: readonly number[]): void;
  /** See IndexMatcher.release. */
  release(): void;
} {
  const matcher = new IndexMatcher(store);
  let memory = false;
  return {
    preferMemory(yes) {
      memory = yes;
    },
    skipAppended: (signal, ids) => matcher.skipAppended(signal, ids),
    release: () => matcher.release(),
    match(queries) {
      const out: Array<ReadonlyArray<MatchHit & { variant?: number }>> = queries.map(() => []);
      const groups = new Map<string, number[]>();
      queries.forEach((q, i) => {
        const key = `${q.signal.name}|${q.radius}`;
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

/** The synchronous operations behind an IndexPort, run where the store is open (this thread or a worker). */
export interface IndexService {
  describe(): IndexDescription;
  expect(items: number): void;
  matchAndRecord(queries: readonly MatchQuery[], seen: readonly SeenItem[], scan: string): MatchAnswer[];
  close(): void;
}

/** The index operations over an open store (used in-process, and inside the index worker). */
export function indexService(store: IndexStore): IndexService {
  const matcher = storeMatcher(store);
  // Label of the scan whose sightings the matcher skips: toAnswer drops hits whose only entry is one,
  // so they need not be searched (a new value recorded here has no other entry until another
  // connection writes, which the matcher detects).
  let skipFor: string | null = null;
  return {
    describe() {
      // Cheap counts only (store.stats() also measures band buckets, which costs seconds on large indexes).
      const counts: Record<string, number> = { knownLists: store.lists().filter((l) => l.kind === 'known').length };
      for (const signal of SIGNAL_TYPES) if (store.signal(signal.name) !== undefined) counts[signal.name] = store.valueCount(signal);
      return { knownDigest: store.listsDigest(['known']), counts };
    },
    expect(items) {
      // Loading the in-memory index costs about as much as MEMORY_MIN_QUERIES SQLite lookups.
      matcher.preferMemory(items >= MEMORY_MIN_QUERIES);
    },
    matchAndRecord(queries, seen, scan) {
      if (skipFor !== null && skipFor !== scan) matcher.release(); // skipped values were another label's
      skipFor = scan;
      const hits = matcher.match(queries);
      const answers = queries.map((q, i) => toAnswer(q, hits[i], scan));
      if (seen.length > 0) store.recordSeen(scan, seen, { onAppended: (signal, ids) => matcher.skipAppended(signal, ids) });
      return answers;
    },
    close: () => store.close(),
  };
}

/** An IndexPort that runs on this thread (small scans, tests). */
export function inProcessIndexPort(store: IndexStore): IndexPort {
  const service = indexService(store);
  return {
    path: store.path,
    describe: async () => service.describe(),
    expect: (items) => service.expect(items),
    matchAndRecord: async (queries, seen, scan) => service.matchAndRecord(queries, seen, scan),
    close: async () => service.close(),
  };
}
