/** items.ndjson and bundles.ndjson: one JSON object per line, in item order and queue order. */
import { escapeJsonControls } from '../../tabular/controls.js';
import type { ScanData } from './types.js';
import { bundleRecord, itemRecord, itemsByIndex, orderedItems, queue } from './records.js';

/** Lines of items.ndjson (each ends with "\n"), one per input file in ScanItem.index order; bidi and C1 controls \u-escaped. */
export function* itemsNdjson(data: Pick<ScanData, 'items'>): Generator<string> {
  for (const item of orderedItems(data.items)) yield `${escapeJsonControls(JSON.stringify(itemRecord(item)))}\n`;
}

/** Lines of bundles.ndjson (each ends with "\n"), most urgent first, with rank; failedFiles filled from `items` when given; bidi and C1 controls \u-escaped. */
export function* bundlesNdjson(data: Pick<ScanData, 'bundles' | 'priorityPolicy'> & Partial<Pick<ScanData, 'items'>>): Generator<string> {
  const byIndex = itemsByIndex(data.items ?? []);
  for (const { rank, bundle } of queue(data.bundles, data.priorityPolicy)) yield `${escapeJsonControls(JSON.stringify(bundleRecord(rank, bundle, byIndex)))}\n`;
}
