/**
 * Deduplication: which items (and reports) are the same piece of content. Union-find over
 *  - equal digests (each exact signal type),
 *  - perceptual hashes within each Hamming signal type's threshold, pairs found with an exact radius
 *    search (the in-memory multi-index, never an all-pairs loop), including rotated/flipped variants and
 *    region variants (content inside borders, crops) when the items carry them, and the same crop
 *    region of two items (region-pairs.ts),
 *  - reports and the files they name, and reports naming the same normalised URL.
 * Pure: the same input gives the same groups in the same order.
 */
import type { SignalName, SignalType } from '../hashing/signal-type.js';
import { MemoryMultiIndex } from '../search/memory-index.js';
import type { Report, ScanItem } from './types.js';
import { isMatchable, itemSignal } from './item-hashes.js';
import { sameRegionPairs } from './region-pairs.js';

/** An exact radius searcher over `count` codes stored back to back (hits are positions 0..count-1). */
export interface CodeSearcher {
  search(query: Uint32Array, radius: number): ReadonlyArray<{ readonly index: number; readonly distance: number }>;
}

/** Builds an exact searcher over `count` 256-bit codes (8 words each) laid out back to back in `codes`. */
export type CodeSearcherFactory = (codes: Uint32Array, count: number) => CodeSearcher;

/** The default searcher: the exact in-memory multi-index. */
export const multiIndexSearcher: CodeSearcherFactory = (codes, count) => MemoryMultiIndex.build(codes, count);

/** What clustering needs besides the data. */
export interface ClusterOptions {
  /** The signal types to group by (iterated; no algorithm is named here). */
  readonly signalTypes: readonly SignalType[];
  /** Per-type distance thresholds; a type's default threshold when absent. */
  readonly thresholds?: Partial<Record<SignalName, number>>;
  /** Exact radius search used to find near pairs (default: the in-memory multi-index). */
  readonly searcher?: CodeSearcherFactory;
}

/** One group: the item indexes (ascending) and report ids (sorted) that are the same content. */
export interface Cluster {
  readonly items: readonly number[];
  readonly reportIds: readonly string[];
}

/** Union-find over n nodes with path halving and union by size. */
class DisjointSets {
  private readonly parent: Int32Array;
  private readonly size: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    this.size = new Int32Array(n).fill(1);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]];
      x = p[x];
    }
    return x;
  }
  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra] < this.size[rb]) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] += this.size[rb];
  }
}

function joinExact(sets: DisjointSets, items: readonly ScanItem[], signal: SignalType): void {
  const first = new Map<string, number>();
  for (const item of items) {
    const s = itemSignal(item.hash, signal);
    if (s === null || !isMatchable(item.hash, signal, s)) continue;
    const seen = first.get(s.hex);
    if (seen === undefined) first.set(s.hex, item.index);
    else sets.union(seen, item.index);
  }
}

function joinNear(sets: DisjointSets, items: readonly ScanItem[], signal: SignalType, radius: number, factory: CodeSearcherFactory): void {
  if (signal.bits !== 256) throw new Error(`clusterItems: near matching supports 256-bit codes, ${signal.name} has ${signal.bits}`);
  const words = 8;
  // Identical values are joined directly and indexed once.
  const reps: number[] = [];
  const repOf = new Map<string, number>();
  const variantQueries: Array<{ item: number; value: Uint32Array }> = [];
  const values: Uint32Array[] = [];
  for (const item of items) {
    const s = itemSignal(item.hash, signal);
    if (s === null || !isMatchable(item.hash, signal, s)) continue;
    for (const v of s.variants) variantQueries.push({ item: item.index, value: v.value });
    for (const v of s.regions) variantQueries.push({ item: item.index, value: v.value });
    const rep = repOf.get(s.hex);
    if (rep !== undefined) {
      sets.union(rep, item.index);
      continue;
    }
    repOf.set(s.hex, item.index);
    reps.push(item.index);
    values.push(s.value);
  }
  if (reps.length < 2 && variantQueries.length === 0) return;
  const codes = new Uint32Array(reps.length * words);
  values.forEach((v, i) => codes.set(v, i * words));
  const searcher = factory(codes, reps.length);
  for (let i = 0; i < reps.length; i++) {
    for (const hit of searcher.search(values[i], radius)) if (hit.index !== i) sets.union(reps[i], reps[hit.index]);
  }
  for (const q of variantQueries) {
    for (const hit of searcher.search(q.value, radius)) sets.union(q.item, reps[hit.index]);
  }
  sameRegionPairs(items, signal, radius, factory, (a, b) => sets.union(a, b));
}

/**
 * Groups items and reports into clusters. Guarantees: every item and every report is in exactly one
 * cluster; two items share a cluster iff a chain of equal digests, near perceptual hashes (matchable
 * ones only: low-quality and all-zero hashes never join), shared reports or shared normalised URLs links
 * them. Clusters come ordered by their smallest item index, then report-only clusters by report id.
 * Items must carry `index` = their position in `items`.
 */
export function clusterItems(items: readonly ScanItem[], reports: readonly Report[], options: ClusterOptions): Cluster[] {
  const n = items.length;
  const reportNode = new Map<string, number>();
  const sortedReports = [...reports].sort((a, b) => (a.reportId < b.reportId ? -1 : a.reportId > b.reportId ? 1 : 0));
  sortedReports.forEach((r, i) => reportNode.set(r.reportId, n + i));
  const sets = new DisjointSets(n + sortedReports.length);
  items.forEach((item, i) => {
    if (item.index !== i) throw new Error(`clusterItems: item ${item.path} has index ${item.index}, expected ${i}`);
  });

  for (const signal of options.signalTypes) {
    if (signal.comparison === 'exact') joinExact(sets, items, signal);
    else joinNear(sets, items, signal, options.thresholds?.[signal.name] ?? signal.defaultThreshold, options.searcher ?? multiIndexSearcher);
  }

  for (const item of items) {
    for (const id of item.reportIds) {
      const node = reportNode.get(id);
      if (node !== undefined) sets.union(item.index, node);
    }
  }
  const byUrl = new Map<string, number>();
  for (const r of sortedReports) {
    if (r.normalizedUrl === null) continue;
    const node = reportNode.get(r.reportId)!;
    const other = byUrl.get(r.normalizedUrl);
    if (other === undefined) byUrl.set(r.normalizedUrl, node);
    else sets.union(other, node);
  }

  const groups = new Map<number, { items: number[]; reportIds: string[] }>();
  const groupOf = (node: number) => {
    const root = sets.find(node);
    let g = groups.get(root);
    if (g === undefined) {
      g = { items: [], reportIds: [] };
      groups.set(root, g);
    }
    return g;
  };
  // Items in ascending order, then reports in id order: each group's lists come out sorted.
  for (let i = 0; i < n; i++) groupOf(i).items.push(i);
  sortedReports.forEach((r, i) => groupOf(n + i).reportIds.push(r.reportId));
  const out = [...groups.values()];
  out.sort((a, b) => {
    const ai = a.items.length > 0 ? a.items[0] : Infinity;
    const bi = b.items.length > 0 ? b.items[0] : Infinity;
    if (ai !== bi) return ai - bi;
    return a.reportIds[0] < b.reportIds[0] ? -1 : a.reportIds[0] > b.reportIds[0] ? 1 : 0;
  });
  return out;
}
