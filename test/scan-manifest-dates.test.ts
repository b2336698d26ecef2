/**
 * Manifest values the scan cannot use are reported with manifest:line rather than dropped silently: a
 * received_at that is not a date (e.g. 02/03/2026, ambiguous between day-first and month-first) would
 * otherwise vanish from first/last seen and the recency signal without a word.
 */
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../src/pipeline/manifest.js';

const ROOT = '/case';

describe('manifest received_at and repeated reports', () => {
  it('reports a date it cannot read, keeps the text, and accepts ISO dates and empty cells', () => {
    const csv = [
      'report_id,received_at,reporter,file',
      'R1,2026-03-02T08:15:00Z,alice,media/base.jpg',
      'R2,02/03/2026 10:00,bob,media/rose.png',
      'R3,,carol,media/rose.png',
      'R4,2026-03-02 09:00,dan,media/rose.png',
    ].join('\n');
    const parsed = parseManifest(csv, 'complaints.csv', ROOT);
    expect(parsed.errors).toEqual([
      expect.objectContaining({
        source: 'complaints.csv:3',
        code: 'BAD_ROW',
        message: expect.stringContaining('report R2: received_at "02/03/2026 10:00" is not a date/time'),
      }),
    ]);
    const byId = new Map(parsed.reports.map((r) => [r.reportId, r.receivedAt]));
    expect(byId.get('R2')).toBe('02/03/2026 10:00');
    expect(byId.get('R4')).toBe('2026-03-02T09:00:00.000Z');
  });

  it('names the column as the manifest spells it when a repeated report disagrees', () => {
    const csv = ['report_id,received_at,file', 'R1,2026-03-02T08:15:00Z,media/base.jpg', 'R1,2026-03-03T08:15:00Z,media/rose.png'].join('\n');
    const parsed = parseManifest(csv, 'm.csv', ROOT);
    expect(parsed.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^report R1: received_at "2026-03-03T08:15:00.000Z" differs from/)]);
  });
});
