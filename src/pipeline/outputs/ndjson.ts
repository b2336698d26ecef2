/** items.ndjson and bundles.ndjson: one JSON object per line, in item order and queue order. */
import type { ScanData } from './types.js';
import { bundleRecord, itemRecord, itemsByIndex, orderedItems, queue } from './records.js';

/** Lines of items.ndjson (each ends with "\n"), one per input file in ScanItem.index order. */
export function* itemsNdjson(data: Pick<ScanData, 'items'>): Generator<string> {
  for (const item of orderedItems(data.items)) yield `${JSON.stringify(itemRecord(item))}\n`;
}

/** Lines of bundles.ndjson (each ends with "\n"), most urgent first, with rank; failedFiles filled from `items` when given. */
export function* bundlesNdjson(data: Pick<ScanData, 'bundles' | 'priorityPolicy'> & Partial<Pick<ScanData, 'items'>>): Generator<string> {
  const byIndex = itemsByIndex(data.items ?? []);
  for (const { rank, bundle } of queue(data.bundles, data.priorityPolicy)) yield `${JSON.stringify(bundleRecord(rank, bundle, byIndex))}\n`;
}
