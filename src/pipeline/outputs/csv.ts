/**
 * bundles.csv: the queue for spreadsheets. Written with the shared formula-safe CSV writer
 * (src/tabular/csv-write.ts: every text cell quoted and protected, CRLF rows), with a UTF-8 byte-order
 * mark so spreadsheet programs read non-ASCII paths correctly.
 */
import { csvNumber, csvRow, csvText } from '../../tabular/csv-write.js';
import { contentStatus } from '../known-rating.js';
import type { BundleFlag, KnownMatch, PriorityReason, RelatedBundle } from '../types.js';
import type { ScanData } from './types.js';
import { failedFiles, itemsByIndex, memberRecords, queue } from './records.js';
import { compareKnown, compareSeen } from '../../policy/priority.js';
import { RELATED_MAX } from '../bundle.js';

/** Separator of several values inside one cell (the NDJSON keeps them as arrays). */
export const LIST_SEPARATOR = ' | ';

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
      csvText(b.priority.reasons.map(reasonText).join(LIST_SEPARATOR)),
      csvText(known.map(knownSummary).join(LIST_SEPARATOR)),
      csvText(victim),
      csvText(seen.length > 0 ? `yes: ${seen[0].scan} at ${seen[0].firstSeenAt}` : 'no'),
      csvText(b.escalated ? 'yes' : 'no'),
      csvNumber(b.items.length),
      csvText(failedFiles(b, byIndex).map((f) => `${f.path} (${f.code})`).join(LIST_SEPARATOR)),
      csvText(b.flags.map(flagText).join(LIST_SEPARATOR)),
      csvText(b.paths.join(LIST_SEPARATOR)),
      csvText(
        memberRecords(b, byIndex)
          .map((m) => `${m.path}: ${m.reason}${m.known.length > 0 ? `; own matches: ${m.known.map(knownSummary).join('; ')}` : ''}`)
          .join(LIST_SEPARATOR),
      ),
      csvNumber(b.reportIds.length),
      csvText(b.reportIds.join(LIST_SEPARATOR)),
      csvNumber(b.distinctReporters),
      csvText(b.reporters.join(LIST_SEPARATOR)),
      csvText(b.urls.join(LIST_SEPARATOR)),
      csvText(b.hosts.join(LIST_SEPARATOR)),
      csvText([...b.related.map(relatedText), ...(b.relatedTruncated ? [`… more (the first ${RELATED_MAX} are listed)`] : [])].join(LIST_SEPARATOR)),
      csvText(b.firstSeen),
      csvText(b.lastSeen),
    ]);
  }
}
