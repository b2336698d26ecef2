/**
 * Known-hash lists and report manifests read through the same tabular reader: a column name or a yes/no
 * value accepted in one is accepted in the other, and problems are located the same way.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../src/pipeline/manifest.js';
import { hex, listDir, readAll } from './support/import-lists.js';

const dir = listDir();
afterAll(() => dir.cleanup());

const ROOT = '/case';
const YES = ['yes', 'Y', 'TRUE', 't', '1', 'x', 'On'];
const NO = ['no', 'N', 'false', 'F', '0', 'off'];

async function victimIdentified(header: string, cell: string): Promise<boolean | null | undefined> {
  const { rows, errors } = await readAll(dir.write('flags.csv', `md5,${header}\n${hex(32)},${cell}\n`));
  expect(errors).toEqual([]);
  return rows[0]?.meta.victimIdentified;
}

function escalate(header: string, cell: string): boolean | undefined {
  const parsed = parseManifest(`report_id,url,${header}\nR1,https://example.org/a,${cell}\n`, 'm.csv', ROOT);
  expect(parsed.errors).toEqual([]);
  return parsed.reports[0]?.escalate;
}

describe('lists and manifests read the same spellings', () => {
  it.each(YES)('"%s" is yes in a list and in a manifest', async (cell) => {
    expect(await victimIdentified('victim_identified', cell)).toBe(true);
    expect(escalate('escalate', cell)).toBe(true);
  });

  it.each(NO)('"%s" is no in a list and in a manifest', async (cell) => {
    expect(await victimIdentified('victim_identified', cell)).toBe(false);
    expect(escalate('escalate', cell)).toBe(false);
  });

  it('a value that is not yes/no is reported by both', async () => {
    const { errors } = await readAll(dir.write('maybe.csv', `md5,victim_identified\n${hex(32)},maybe\n`));
    expect(errors).toEqual([{ line: 2, message: expect.stringMatching(/"maybe" is not a boolean/) }]);
    const parsed = parseManifest('report_id,url,escalate\nR1,https://example.org/a,maybe\n', 'm.csv', ROOT);
    expect(parsed.errors).toEqual([expect.objectContaining({ source: 'm.csv:2', message: expect.stringMatching(/"maybe" is not yes\/no/) })]);
  });

  it.each(['Victim Identified', 'victim-identified', 'VICTIM_IDENTIFIED', 'VictimIdentified', 'victim.identified', '\uFEFFvictim identified'])(
    'the list column "%s" is victim_identified',
    async (header) => {
      expect(await victimIdentified(header, 'yes')).toBe(true);
    },
  );

  it.each(['Escalation Requested', 'escalation-requested', 'ESCALATION_REQUESTED', 'EscalationRequested', 'escalation.requested'])(
    'the manifest column "%s" is escalate',
    (header) => {
      expect(escalate(header, 'yes')).toBe(true);
    },
  );

  it('manifest report ids and file columns match in the same forgiving way', () => {
    const parsed = parseManifest('ReportID;File-Path\nR1;media/a.jpg\n', 'm.csv', ROOT);
    expect(parsed.errors).toEqual([]);
    expect(parsed.reports.map((r) => [r.reportId, r.files])).toEqual([['R1', ['media/a.jpg']]]);
  });
});

describe('manifest rows as the shared reader reads them', () => {
  it('locates a record that spans lines at its first line, as lists do', () => {
    const csv = 'report_id,notes,url,escalate\nR1,"first\nsecond",https://example.org/a,perhaps\n';
    expect(parseManifest(csv, 'm.csv', ROOT).errors.map((e) => e.source)).toEqual(['m.csv:2']);
  });

  it('skips rows whose cells are all empty (as spreadsheets export them) instead of reporting them', () => {
    const parsed = parseManifest('report_id,url\nR1,https://example.org/a\n,\n , \n', 'm.csv', ROOT);
    expect(parsed.errors).toEqual([]);
    expect(parsed.reports).toHaveLength(1);
  });

  it('keeps report ids that start with #: manifests have no comment lines', () => {
    const parsed = parseManifest('report_id,url\n#4521,https://example.org/a\n', 'm.csv', ROOT);
    expect(parsed.reports.map((r) => r.reportId)).toEqual(['#4521']);
  });

  it('reads cells written formula-safe (a leading apostrophe before = + - @) as their value', () => {
    const parsed = parseManifest("report_id,url,notes\n'-17,https://example.org/a,'=not a formula\n", 'm.csv', ROOT);
    expect(parsed.reports.map((r) => [r.reportId, r.notes])).toEqual([['-17', '=not a formula']]);
  });
});
