/**
 * bundles.csv: the queue for spreadsheets. Written with the shared formula-safe CSV writer
 * (src/tabular/csv-write.ts: every text cell quoted and protected, CRLF rows), with a UTF-8 byte-order
 * mark so spreadsheet programs read non-ASCII paths correctly.
 */
import { csvNumber, csvRow, csvText } from '../../tabular/csv-write.js';
import { showControls } from '../../tabular/controls.js';
import { contentStatus } from '../known-rating.js';
import type { BundleFlag, KnownMatch, PriorityReason, RelatedBundle } from '../types.js';
import type { ScanData } from './types.js';
import { failedFiles, itemsByIndex, memberRecords, queue } from './records.js';
import { compareKnown, compareSeen } from '../../policy/priority.js';
import { RELATED_MAX } from '../bundle.js';

/** Separator of several values inside one cell (the NDJSON keeps them as arrays). */
export const LIST_SEPARATOR = ' | ';

/**
 * Longest list cell written, in UTF-16 code units: spreadsheet programs hold at most 32,767 characters
 * in a cell (Excel cuts the rest, or splits the row), and the cell may still grow by a formula guard and
 * visible control characters.
 */
export const LIST_CELL_MAX = 30_000;

/**
 * Values joined with LIST_SEPARATOR; when they would not fit in LIST_CELL_MAX, as many whole values as
 * fit and "… and N more (all in bundles.ndjson)".
 */
export function listCell(values: readonly string[]): string {
  const joined = values.join(LIST_SEPARATOR);
  // measured as written: control characters are shown as visible escapes, which are longer
  if (showControls(joined).length <= LIST_CELL_MAX) return joined;
  const kept: string[] = [];
  let length = 0;
  for (const v of values) {
    const add = (kept.length > 0 ? LIST_SEPARATOR.length : 0) + showControls(v).length;
    // room for the tail (under 60 characters) is kept
    if (length + add > LIST_CELL_MAX - 60) break;
    kept.push(v);
    length += add;
  }
  return [...kept, `… and ${values.length - kept.length} more (all in bundles.ndjson)`].join(LIST_SEPARATOR);
}

/** Column names of bundles.csv, in order. */
export const BUNDLE_CSV_COLUMNS = [
  'rank',
  'bundle_id',
  'tier',
  'score',
  'status',
  'reasons',
  'known_matches',
  'victim_identified',
  'previously_seen',
  'escalated',
  'files',
  'failed_files',
  'flags',
  'paths',
  'member_reasons',
  'reports',
  'report_ids',
  'distinct_reporters',
  'reporters',
  'urls',
  'hosts',
  'related_bundles',
  'first_seen',
  'last_seen',
] as const;

/**
 * Short human form of a known match: "list: category (its name in the scheme; severity n), series s, pdq
 * distance d"; a known-innocent or uncategorised label says so in place of a rank.
 */
export function knownSummary(k: KnownMatch): string {
  const notes = [
    ...(k.categoryName ? [k.categoryName] : []),
    ...(k.severity !== null ? [`severity ${k.severity}`] : k.pertinent === false ? ['known-innocent, not counted'] : k.uncategorised === true ? ['not rated yet'] : []),
  ];
  const cat = k.category === null ? 'no category' : notes.length === 0 ? k.category : `${k.category} (${notes.join('; ')})`;
  return `${k.list}: ${cat}${k.series ? `, series ${k.series}` : ''}, ${k.signal} distance ${k.distance}${k.variant ? ` (${k.variant})` : ''}`;
}

/** One flag as text; a bundle whose files have no usable perceptual hash says "CHECK BY HAND". */
export function flagText(f: BundleFlag): string {
  return `${f.flag === 'perceptual_hash_unusable' ? 'CHECK BY HAND: ' : ''}${f.flag}: ${f.detail}`;
}

/** One related bundle as text: "b-… (report R, url U)". */
export function relatedText(r: RelatedBundle): string {
  const via = [...r.reportIds.map((id) => `report ${id}`), ...r.urls.map((u) => `url ${u}`)];
  return `${r.id} (${via.join(', ')})`;
}

/** One reason as text: "factor (+points): detail". */
export function reasonText(r: PriorityReason): string {
  return `${r.factor} (${r.points >= 0 ? '+' : ''}${r.points}): ${r.detail}`;
}

/**
 * Lines of bundles.csv: header then one row per bundle, most urgent first; starts with a UTF-8 BOM.
 * failed_files names each member that could not be hashed as "path (CODE)" (filled from `items` when given).
 */
export function* bundlesCsv(data: Pick<ScanData, 'bundles' | 'priorityPolicy'> & Partial<Pick<ScanData, 'items'>>): Generator<string> {
  const byIndex = itemsByIndex(data.items ?? []);
  yield `\uFEFF${csvRow(BUNDLE_CSV_COLUMNS.map((c) => csvText(c)))}`;
  for (const { rank, bundle: b } of queue(data.bundles, data.priorityPolicy)) {
    const known = [...b.known].sort(compareKnown);
    const status = contentStatus(b.known);
    const victim = status !== 'known' ? '' : known.some((k) => k.victimIdentified === false)
      ? 'no'
      : known.some((k) => k.victimIdentified === true)
        ? 'yes'
        : known.length > 0
          ? 'unknown'
          : '';
    const seen = [...b.seen].sort(compareSeen);
    yield csvRow([
      csvNumber(rank),
      csvText(b.id),
      csvText(b.priority.tier),
      csvNumber(b.priority.score),
      csvText(status),
      csvText(listCell(b.priority.reasons.map(reasonText))),
      csvText(listCell(known.map(knownSummary))),
      csvText(victim),
      csvText(seen.length > 0 ? `yes: ${seen[0].scan} at ${seen[0].firstSeenAt}` : 'no'),
      csvText(b.escalated ? 'yes' : 'no'),
      csvNumber(b.items.length),
      csvText(listCell(failedFiles(b, byIndex).map((f) => `${f.path} (${f.code})`))),
      csvText(listCell(b.flags.map(flagText))),
      csvText(listCell(b.paths)),
      csvText(listCell(memberRecords(b, byIndex).map((m) => `${m.path}: ${m.reason}${m.known.length > 0 ? `; own matches: ${m.known.map(knownSummary).join('; ')}` : ''}`))),
      csvNumber(b.reportIds.length),
      csvText(listCell(b.reportIds)),
      csvNumber(b.distinctReporters),
      csvText(listCell(b.reporters)),
      csvText(listCell(b.urls)),
      csvText(listCell(b.hosts)),
      csvText(listCell([...b.related.map(relatedText), ...(b.relatedTruncated ? [`… more (the first ${RELATED_MAX} are listed)`] : [])])),
      csvText(b.firstSeen),
      csvText(b.lastSeen),
    ]);
  }
}
