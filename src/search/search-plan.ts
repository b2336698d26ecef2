/**
 * The in-memory search's planner: per radius, probe the bands or scan every code, from the expected
 * number of bucket probes and candidates per query and the measured cost of each step.
 */
import { bandRadii, MAX_FLIP_MASKS, probeCount, type BandLayout } from './bands.js';

/** Costs of the search's steps on one core, in nanoseconds. */
export interface SearchCosts {
  /** One bucket probe (occupancy bit, rank, offsets; probes overlap well). */
  readonly probeNs: number;
  /** Verifying one candidate (a random read of its code, cache and TLB misses included). */
  readonly candidateNs: number;
  /** One code compared with one query by the blocked scan of a batch (the block read is shared). */
  readonly scanNsPerCode: number;
  /** One code scanned for a lone query (it pays for reading the block alone). */
  readonly scanNsPerCodeSingle: number;
}

/**
 * Measured by bench/wide-radius.ts (`npm run bench -- --only wide-radius`, table "Planner constants") on
 * a 2-vCPU AMD EPYC at 1M random codes: scan costs are medians of its rounds, probe and candidate costs
 * a least-squares fit over probed queries at radii 8–40 with 11 and 16 bands.
 */
export const SEARCH_COSTS: SearchCosts = {
  probeNs: 45,
  candidateNs: 325,
  scanNsPerCode: 2.1,
  scanNsPerCodeSingle: 6.7,
};

/** Expected work of one probed query at radius r over `count` uniformly spread codes. */
export interface ProbeWork {
  readonly probes: number;
  readonly candidates: number;
  /** Some band would need more than MAX_FLIP_MASKS probe keys: probing is not possible. */
  readonly tooMany: boolean;
}

/** Probes and expected candidates (probes × codes per bucket, summed over the bands) of one query at radius r. */
export function probeWork(layout: BandLayout, count: number, radius: number): ProbeWork {
  const radii = bandRadii(layout, radius);
  let probes = 0;
  let candidates = 0;
  let tooMany = false;
  for (let b = 0; b < layout.count; b++) {
    const p = probeCount(layout.widths[b], radii[b]);
    if (p > MAX_FLIP_MASKS) tooMany = true;
    probes += p;
    candidates += (p * count) / 2 ** layout.widths[b];
  }
  return { probes, candidates, tooMany };
}

/** Expected nanoseconds of one probed query doing this work. */
export function probeNs(work: ProbeWork, costs: SearchCosts = SEARCH_COSTS): number {
  return work.probes * costs.probeNs + work.candidates * costs.candidateNs;
}

/** Expected nanoseconds per query of scanning `count` codes, in a batch or alone. */
export function scanNs(count: number, batch: boolean, costs: SearchCosts = SEARCH_COSTS): number {
  return count * (batch ? costs.scanNsPerCode : costs.scanNsPerCodeSingle);
}

/** True when scanning is expected to cost no more than probing (always when probing is not possible). */
export function scanIsCheaper(work: ProbeWork, count: number, batch: boolean, costs: SearchCosts = SEARCH_COSTS): boolean {
  return work.tooMany || scanNs(count, batch, costs) <= probeNs(work, costs);
}

/** Candidates one query may gather before a scan would have been cheaper (at least 16). */
export function candidateBudget(count: number, costs: SearchCosts = SEARCH_COSTS): number {
  return Math.max(16, Math.ceil(scanNs(count, false, costs) / costs.candidateNs));
}
