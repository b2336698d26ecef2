/** The exact radius search that grouping uses to find near pairs, and its default (the in-memory multi-index). */
import { MemoryMultiIndex } from '../search/memory-index.js';

/** An exact radius searcher over `count` codes stored back to back (hits are positions 0..count-1). */
export interface CodeSearcher {
  search(query: Uint32Array, radius: number): ReadonlyArray<{ readonly index: number; readonly distance: number }>;
}

/** Builds an exact searcher over `count` 256-bit codes (8 words each) laid out back to back in `codes`. */
export type CodeSearcherFactory = (codes: Uint32Array, count: number) => CodeSearcher;

/** The default searcher: the exact in-memory multi-index. */
export const multiIndexSearcher: CodeSearcherFactory = (codes, count) => MemoryMultiIndex.build(codes, count);
