/**
 * Pairs of items whose same crop region is near: both pictures without their bottom 10% (say) are the
 * same picture when a band was added over one of them (a watermark, a caption). Compared within a scan
 * only, region by region, with the exact radius search; the `content` region is left out (it is compared
 * with reference values instead, see cluster.ts).
 */
import type { RegionName, SignalType } from '../hashing/signal-type.js';
import type { CodeSearcherFactory } from './code-searcher.js';
import { isMatchable, itemSignal } from './item-hashes.js';
import type { ScanItem } from './types.js';

/**
 * Calls `join(a, b)` for every pair of distinct items whose region variant of the same name is within
 * `radius` (each pair at least once), with their distance and the region's name. Only matchable values
 * count (low-quality ones too with includeLowQuality); 256-bit codes only.
 */
export function sameRegionPairs(
  items: readonly ScanItem[],
  signal: SignalType,
  radius: number,
  factory: CodeSearcherFactory,
  includeLowQuality: boolean,
  join: (a: number, b: number, distance: number, region: RegionName) => void,
): void {
  const byName = new Map<RegionName, { items: number[]; values: Uint32Array[] }>();
  for (const item of items) {
    const s = itemSignal(item.hash, signal);
    if (s === null || !isMatchable(item.hash, signal, s, includeLowQuality)) continue;
    for (const r of s.regions) {
      if (r.name === 'content') continue;
      let group = byName.get(r.name);
      if (group === undefined) byName.set(r.name, (group = { items: [], values: [] }));
      group.items.push(item.index);
      group.values.push(r.value);
    }
  }
  for (const [name, group] of byName) {
    if (group.items.length < 2) continue;
    const codes = new Uint32Array(group.items.length * 8);
    group.values.forEach((v, i) => codes.set(v, i * 8));
    const searcher = factory(codes, group.items.length);
    for (let i = 0; i < group.items.length; i++) {
      for (const hit of searcher.search(group.values[i], radius)) if (hit.index !== i) join(group.items[i], group.items[hit.index], hit.distance, name);
    }
  }
}
