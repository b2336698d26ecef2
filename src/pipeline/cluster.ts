/**
 * Content identity: which items are the same piece of content. Union-find over
 *  - equal digests (each exact signal type),
 *  - perceptual hashes within each Hamming signal type's threshold, pairs found with an exact radius
 *    search (the in-memory multi-index, never an all-pairs loop), including rotated/flipped variants and
 *    region variants (content inside borders, crops) when the items carry them, and the same crop
 *    region of two items (region-pairs.ts).
 * Reports and URLs never join items: a report naming two pictures is listed with both groups (the
 * bundle step links such groups). Reports that name no file get groups of their own, one per normalised
 * URL (or per report without one), so every report has a place in the queue. Each group also says how
 * each member joined (a spanning tree of the links that formed it) and its largest internal distance per
 * perceptual type, computed over every pair of members, so single-linkage drift is visible.
 * Pure: the same input gives the same groups in the same order.
 */
import type { DihedralName, RegionName, SignalName, SignalType } from '../hashing/signal-type.js';
import { multiIndexSearcher, type CodeSearcherFactory } from './code-searcher.js';
import type { BundleSpread, MemberJoin, Report, ScanItem } from './types.js';
import { isMatchable, itemSignal, type ItemSignal } from './item-hashes.js';
import { sameRegionPairs } from './region-pairs.js';
import { formsDistance, formsOf, largestDistance } from './spread.js';


/** What clustering needs besides the data. */
export interface ClusterOptions {
  /** The signal types to group by (iterated; no algorithm is named here). */
  readonly signalTypes: readonly SignalType[];
  /** Per-type distance thresholds; a type's default threshold when absent. */
  readonly thresholds?: Partial<Record<SignalName, number>>;
  /** Exact radius search used to find near pairs (default: the in-memory multi-index). */
  readonly searcher?: CodeSearcherFactory;
  /** Also group perceptual hashes below their type's quality bar (default: they never join). */
  readonly includeLowQuality?: boolean;
}

/**
 * One group: the item indexes (ascending) that are the same content, the report ids (sorted) that name
 * any of them (or, for a group without items, the reports it holds), and how each member joined.
 */
export interface Cluster {
  readonly items: readonly number[];
  readonly reportIds: readonly string[];
  /** Parallel to `items`. */
  readonly joins: readonly MemberJoin[];
  /** Largest internal distance per perceptual type (types at least two members have), in signalTypes order. */
  readonly spread: readonly BundleSpread[];
  /** Perceptual types that hashed members carry but none can use (below the quality bar, or all zeros): nothing matched or grouped by them. */
  readonly unusable: readonly UnusableSignal[];
}

/** A perceptual type no member of a cluster could use, with the members' qualities (ascending, distinct) and the bar. */
export interface UnusableSignal {
  readonly signal: SignalName;
  readonly qualities: readonly number[];
  readonly minQuality: number;
  /** True when --include-low-quality would make some member's hash usable (it is off, and not every hash is all zeros). */
  readonly includeLowQualityHelps: boolean;
  /** True when no member has the type at all: reported files that are no picture this tool decodes (a video, a drawing, a document, an empty file). */
  readonly notAPicture: boolean;
}

/** A link that merged two groups: the spanning tree of a cluster is made of these. */
interface Link {
  readonly a: number;
  readonly b: number;
  readonly signal: SignalName;
  /** null for an equal digest. */
  readonly distance: number | null;
  /** The variant of `a` that matched `b` (with sameRegion: the same region of both matched). */
  readonly variantOfA: DihedralName | RegionName | null;
  readonly sameRegion?: boolean;
}

/** Union-find over n nodes with path halving and union by size; `union` says whether two groups merged. */
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
  union(a: number, b: number): boolean {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return false;
    if (this.size[ra] < this.size[rb]) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] += this.size[rb];
    return true;
  }
}

/** Each item's value of one signal type, parsed once per clustering (null when it has none). */
type Parsed = (signal: SignalType) => ReadonlyArray<ItemSignal | null>;

function joinExact(sets: DisjointSets, links: Link[], items: readonly ScanItem[], signal: SignalType, parsed: Parsed): void {
  const first = new Map<string, number>();
  const values = parsed(signal);
  for (const item of items) {
    const s = values[item.index];
    if (s === null || !isMatchable(item.hash, signal, s)) continue;
    const seen = first.get(s.hex);
    if (seen === undefined) first.set(s.hex, item.index);
    else if (sets.union(seen, item.index)) links.push({ a: item.index, b: seen, signal: signal.name, distance: null, variantOfA: null });
  }
}

function joinNear(
  sets: DisjointSets,
  links: Link[],
  items: readonly ScanItem[],
  signal: SignalType,
  radius: number,
  factory: CodeSearcherFactory,
  includeLowQuality: boolean,
  parsed: Parsed,
): void {
  if (signal.bits !== 256) throw new Error(`clusterItems: near matching supports 256-bit codes, ${signal.name} has ${signal.bits}`);
  const words = 8;
  // Identical values are joined directly and indexed once.
  const reps: number[] = [];
  const repOf = new Map<string, number>();
  const variantQueries: Array<{ item: number; name: Link['variantOfA']; value: Uint32Array }> = [];
  const values: Uint32Array[] = [];
  const all = parsed(signal);
  for (const item of items) {
    const s = all[item.index];
    if (s === null || !isMatchable(item.hash, signal, s, includeLowQuality)) continue;
    for (const v of s.variants) variantQueries.push({ item: item.index, name: v.name, value: v.value });
    for (const v of s.regions) variantQueries.push({ item: item.index, name: v.name, value: v.value });
    const rep = repOf.get(s.hex);
    if (rep !== undefined) {
      if (sets.union(rep, item.index)) links.push({ a: item.index, b: rep, signal: signal.name, distance: 0, variantOfA: null });
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
    for (const hit of searcher.search(values[i], radius)) {
      if (hit.index !== i && sets.union(reps[i], reps[hit.index]))
        links.push({ a: reps[i], b: reps[hit.index], signal: signal.name, distance: hit.distance, variantOfA: null });
    }
  }
  for (const q of variantQueries) {
    for (const hit of searcher.search(q.value, radius)) {
      if (sets.union(q.item, reps[hit.index])) links.push({ a: q.item, b: reps[hit.index], signal: signal.name, distance: hit.distance, variantOfA: q.name });
    }
  }
  sameRegionPairs(items, signal, radius, factory, includeLowQuality, (a, b, distance, region) => {
    if (sets.union(a, b)) links.push({ a, b, signal: signal.name, distance, variantOfA: region, sameRegion: true });
  });
}

/** How each member joined: a breadth-first walk of the cluster's links from its first (smallest) member. */
function joinsOf(members: readonly number[], adjacency: ReadonlyMap<number, Link[]>): MemberJoin[] {
  const joinOf = new Map<number, MemberJoin>([[members[0], { kind: 'seed' }]]);
  const queue = [members[0]];
  for (let head = 0; head < queue.length; head++) {
    const from = queue[head];
    const out = [...(adjacency.get(from) ?? [])].sort((x, y) => (x.a === from ? x.b : x.a) - (y.a === from ? y.b : y.a));
    for (const link of out) {
      const next = link.a === from ? link.b : link.a;
      if (joinOf.has(next)) continue;
      const variant = link.variantOfA === null ? null : { name: link.variantOfA, of: link.a, ...(link.sameRegion ? { sameRegion: true } : {}) };
      joinOf.set(
        next,
        link.distance === null
          ? { kind: 'exact', signal: link.signal, to: from }
          : { kind: 'perceptual', signal: link.signal, to: from, distance: link.distance, variant },
      );
      queue.push(next);
    }
  }
  return members.map((m) => joinOf.get(m) ?? { kind: 'seed' });
}

/** Largest pairwise distance among the members' usable values of each perceptual type (variants and regions count as the file). */
function spreadOf(
  members: readonly number[],
  items: readonly ScanItem[],
  options: ClusterOptions,
  parsed: Parsed,
  samePlainGroup: (a: number, b: number) => boolean,
): BundleSpread[] {
  const out: BundleSpread[] = [];
  if (members.length < 2) return out;
  const usable = (signal: SignalType, m: number) => {
    const s = parsed(signal)[m];
    return s !== null && isMatchable(items[m].hash, signal, s, options.includeLowQuality ?? false) ? s : null;
  };
  const thresholdOf = (signal: SignalType) => options.thresholds?.[signal.name] ?? signal.defaultThreshold;
  const spreadTypes = options.signalTypes.filter((signal) => signal.comparison !== 'exact' && signal.bits === 256);
  // Types whose members carry variants (dihedral with --dihedral, or regions): they can see that a rotated or cropped copy is the same picture.
  const hasForms = (signal: SignalType, m: number) => {
    const s = usable(signal, m);
    return s !== null && s.variants.length + s.regions.length > 0;
  };
  const withVariants = spreadTypes.filter((signal) => members.some((m) => hasForms(signal, m)));
  for (const signal of spreadTypes) {
    // A type without variants cannot see rotation or crops: a pair that a type with variants puts within
    // its threshold is the same picture by that type, so this type's distance for it is not drift.
    const judges = withVariants.includes(signal) ? [] : withVariants;
    const who: number[] = [];
    const codes: Uint32Array[] = [];
    const variants: Uint32Array[][] = [];
    const regions: Array<ItemSignal['regions']> = [];
    // Equal values (exact copies) are compared once: the pairs stay exact, the work grows with distinct values.
    const seen = new Set<string>();
    const carriers: number[] = [];
    for (const m of members) {
      const s = usable(signal, m);
      if (s === null) continue;
      carriers.push(m);
      const forms = [...s.variants, ...s.regions];
      const judgeKey = judges.map((t) => usable(t, m)?.hex ?? '-').join('|');
      const key = `${forms.length === 0 ? s.hex : `${s.hex}|${forms.map((v) => `${v.name}:${v.value.join(',')}`).join('|')}`}#${judgeKey}`;
      if (seen.has(key)) continue;
      seen.add(key);
      who.push(m);
      codes.push(s.value);
      variants.push(s.variants.map((v) => v.value));
      regions.push(s.regions);
    }
    if (carriers.length < 2) continue;
    // the judge's distance for a pair is the one its own spread counts (variants and regions included)
    const judged = judges.map((t) =>
      who.map((m) => {
        const s = usable(t, m);
        return s === null ? null : formsOf(s.value, s.variants.map((v) => v.value), s.regions);
      }),
    );
    const sameByJudge = (i: number, j: number) =>
      judges.some((t, k) => {
        const a = judged[k][i];
        const b = judged[k][j];
        return a !== null && b !== null && formsDistance(a, b, thresholdOf(t)) <= thresholdOf(t);
      });
    const far = largestDistance(codes, variants, regions, (i, j) => !samePlainGroup(who[i], who[j]) || sameByJudge(i, j));
    out.push({
      signal: signal.name,
      maxDistance: far.distance,
      threshold: thresholdOf(signal),
      // all equal: the first two members that carry the value
      between: who.length < 2 ? [carriers[0], carriers[1]] : [who[far.i], who[far.j]],
    });
  }
  return out;
}

/**
 * The perceptual types that hashed members carry and none can use, in signalTypes order; for a reported
 * cluster whose files were all read but none is a picture this tool decodes, every perceptual type (only
 * an exact copy can link such content to anything, so a person must look at it).
 */
function unusableOf(members: readonly number[], items: readonly ScanItem[], options: ClusterOptions, parsed: Parsed, reported: boolean): UnusableSignal[] {
  const out: UnusableSignal[] = [];
  const notPictures =
    reported &&
    members.length > 0 &&
    members.every((m) => {
      const h = items[m].hash;
      return h.ok && h.format === null;
    });
  for (const t of options.signalTypes) {
    if (t.source !== 'pixels') continue;
    const all = parsed(t);
    const carried = members.flatMap((m) => {
      const s = items[m].hash.ok ? all[m] : null;
      return s === null ? [] : [{ m, s, usable: isMatchable(items[m].hash, t, s, options.includeLowQuality ?? false) }];
    });
    if (carried.length === 0) {
      if (notPictures) out.push({ signal: t.name, qualities: [], minQuality: t.minMatchQuality, includeLowQualityHelps: false, notAPicture: true });
      continue;
    }
    if (carried.some((c) => c.usable)) continue;
    const qualities = [...new Set(carried.flatMap((c) => (c.s.quality === null ? [] : [c.s.quality])))].sort((a, b) => a - b);
    const helps = !(options.includeLowQuality ?? false) && carried.some((c) => isMatchable(items[c.m].hash, t, c.s, true));
    out.push({ signal: t.name, qualities, minQuality: t.minMatchQuality, includeLowQualityHelps: helps, notAPicture: false });
  }
  return out;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Groups items by content and gives every report a place. Guarantees: every item is in exactly one
 * cluster; two items share a cluster iff a chain of equal digests or near perceptual hashes (matchable
 * ones only: all-zero hashes never join, low-quality ones only with includeLowQuality) links them —
 * reports and URLs never join items. A cluster's reportIds are the reports naming any member. A report
 * naming no item is in exactly one item-less cluster, shared with the other such reports of its
 * normalised URL. Clusters come ordered by their smallest item index, then item-less clusters by their
 * first report id. Items must carry `index` = their position in `items`.
 */
export function clusterItems(items: readonly ScanItem[], reports: readonly Report[], options: ClusterOptions): Cluster[] {
  const n = items.length;
  items.forEach((item, i) => {
    if (item.index !== i) throw new Error(`clusterItems: item ${item.path} has index ${item.index}, expected ${i}`);
  });
  const sets = new DisjointSets(n);
  const links: Link[] = [];
  const cache = new Map<SignalName, ReadonlyArray<ItemSignal | null>>();
  const parsed: Parsed = (signal) => {
    let values = cache.get(signal.name);
    if (values === undefined) {
      values = items.map((item) => itemSignal(item.hash, signal));
      cache.set(signal.name, values);
    }
    return values;
  };
  for (const signal of options.signalTypes) {
    if (signal.comparison === 'exact') joinExact(sets, links, items, signal, parsed);
    else
      joinNear(
        sets,
        links,
        items,
        signal,
        options.thresholds?.[signal.name] ?? signal.defaultThreshold,
        options.searcher ?? multiIndexSearcher,
        options.includeLowQuality ?? false,
        parsed,
      );
  }
  // Files linked by plain near-duplicate links (no rotated/flipped or region variant): drift is measured
  // within such a group, since copies transformed different ways (a cropped and a letterboxed one) need
  // not be close to each other while each is close to the original.
  const plainSets = new DisjointSets(n);
  for (const link of links) if (link.variantOfA === null) plainSets.union(link.a, link.b);
  const samePlainGroup = (a: number, b: number) => plainSets.find(a) === plainSets.find(b);
  const adjacency = new Map<number, Link[]>();
  for (const link of links) {
    for (const end of [link.a, link.b]) {
      const list = adjacency.get(end);
      if (list === undefined) adjacency.set(end, [link]);
      else list.push(link);
    }
  }

  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const root = sets.find(i);
    const g = groups.get(root);
    if (g === undefined) groups.set(root, [i]);
    else g.push(i);
  }
  const out: Cluster[] = [];
  // Groups in order of their first item (items are visited in ascending order).
  for (const members of groups.values()) {
    const reportIds = [...new Set(members.flatMap((m) => items[m].reportIds))].sort(byText);
    let joins = joinsOf(members, adjacency);
    if (members.length === 1 && items[members[0]].reportIds.length > 0) joins = [{ kind: 'report_only', reportIds: [...items[members[0]].reportIds].sort(byText) }];
    out.push({ items: members, reportIds, joins, spread: spreadOf(members, items, options, parsed, samePlainGroup), unusable: unusableOf(members, items, options, parsed, reportIds.length > 0) });
  }

  const named = new Set(items.flatMap((it) => it.reportIds));
  const homeless = new Map<string, string[]>();
  for (const r of [...reports].sort((a, b) => byText(a.reportId, b.reportId))) {
    if (named.has(r.reportId)) continue;
    const key = r.normalizedUrl === null ? `r:${r.reportId}` : `u:${r.normalizedUrl}`;
    const g = homeless.get(key);
    if (g === undefined) homeless.set(key, [r.reportId]);
    else if (!g.includes(r.reportId)) g.push(r.reportId);
  }
  const reportOnly = [...homeless.values()].sort((a, b) => byText(a[0], b[0]));
  for (const reportIds of reportOnly) out.push({ items: [], reportIds, joins: [], spread: [], unusable: [] });
  return out;
}
