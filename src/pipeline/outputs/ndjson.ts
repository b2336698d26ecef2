/** items.ndjson and bundles.ndjson: one JSON object per line, in item order and queue order. */
import type { ScanData } from './types.js';
import { bundleRecord, itemRecord, orderedItems, queue } from './records.js';

/** Lines of items.ndjson (each ends with "\n"), one per input file in ScanItem.index order. */
export function* itemsNdjson(data: Pick<ScanData, 'items'>): Generator<string> {
  for (const item of orderedItems(data.items)) yield `${JSON.stringify(itemRecord(item))}\n`;
}

/** Lines of bundles.ndjson (each ends with "\n"), most urgent first, with rank. */
export function* bundlesNdjson(data: Pick<ScanData, 'bundles' | 'priorityPolicy'>): Generator<string> {
  for (const { rank, bundle } of queue(data.bundles, data.priorityPolicy)) yield `${JSON.stringify(bundleRecord(rank, bundle))}\n`;
}
