/**
 * Report manifests as a careless or hostile sender writes them must not corrupt the queue: a reporter
 * type is not a reporter, text that is not UTF-8 is refused before anything is created, a row of the
 * wrong width is not read with shifted columns, a value of the wrong kind is not turned into a path, and
 * every warning says what it does and does it.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../src/pipeline/manifest.js';
import { runCli } from './support/cli.js';

const ROOT = '/case';
const IMAGE = path.resolve('fixtures/conformance/images/gradient-400x300.png');

let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'ht-manifest-hostile-'));
  mkdirSync(path.join(work, 'ev'));
  copyFileSync(IMAGE, path.join(work, 'ev', 'rose.png'));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Scans `ev` with the manifest `text` written as `name`; the run and its bundles. */
async function scan(name: string, text: string | Buffer, out: string) {
  writeFileSync(path.join(work, name), text);
  const run = await runCli(['scan', 'ev', '--manifest', name, '--out', out, '--no-index', '--no-sightings', '--json'], { cwd: work });
  let bundles: Array<Record<string, unknown>> = [];
  try {
    bundles = readFileSync(path.join(work, out, 'bundles.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  } catch {
    // no output
  }
  return { run, bundles };
}

describe('a reporter type is not a reporter', () => {
  it.each(['complainant_type', 'reporter_type', 'Reporter Type'])('%s is not read as the reporter', (column) => {
    const csv = [`report_id,${column},file`, 'R1,parent,ev/a.png', 'R2,parent,ev/a.png'].join('\n');
    const { reports } = parseManifest(csv, 'm.csv', ROOT);
    expect(reports.map((r) => r.reporter)).toEqual([null, null]);
  });

  it('still reads a reporter column beside a type column', () => {
    const csv = ['report_id,complainant_type,complainant,file', 'R1,parent,Ann,ev/a.png'].join('\n');
    expect(parseManifest(csv, 'm.csv', ROOT).reports[0].reporter).toBe('Ann');
  });

  it('counts four reports of one picture whose only reporter column is a type as four anonymous reporters', async () => {
    const rows = ['R1', 'R2', 'R3', 'R4'].map((id) => `${id},parent,ev/rose.png`);
    const { run, bundles } = await scan('types.csv', ['report_id,complainant_type,file', ...rows].join('\n'), 'out-types');
    expect(run.status, run.stderr).toBe(0);
    expect(bundles).toHaveLength(1);
    expect(bundles[0]).toMatchObject({ distinctReporters: 4, reporters: ['(anonymous)'] });
    expect((bundles[0].reasons as Array<{ signal: string }>).map((r) => r.signal)).toContain('new_content_many_reporters');
  });
});

describe('a manifest that is not UTF-8 text', () => {
  const tsv = 'report_id\treporter\tfile\r\nT1\ta\tev/rose.png\r\n';
  it.each([
    ['UTF-16 with a byte-order mark (Excel "Unicode Text")', 'u16.txt', Buffer.from(`\ufeff${tsv}`, 'utf16le'), /manifest u16\.txt: UTF-16 text; save it as UTF-8/],
    ['UTF-16LE without a byte-order mark', 'u16le.txt', Buffer.from(tsv, 'utf16le'), /manifest u16le\.txt: UTF-16 text \(no byte-order mark\); save it as UTF-8/],
    ['UTF-16BE without a byte-order mark', 'u16be.txt', Buffer.from(tsv, 'utf16le').swap16(), /manifest u16be\.txt: UTF-16 text \(no byte-order mark\); save it as UTF-8/],
  ])('%s is refused up front (exit 2) and nothing is created', async (_, name, bytes, message) => {
    const out = `out-${name}`;
    const { run } = await scan(name, bytes, out);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/INTERNAL/);
    expect(existsSync(path.join(work, out))).toBe(false);
  });

  it('a NUL byte in a path cell of a UTF-8 manifest is a row warning with file:line, and the rest is read', async () => {
    const csv = 'report_id,reporter,file\nT1,a,ev/ro\u0000se.png\nT2,b,ev/rose.png\n';
    const parsed = parseManifest(csv, 'nul.csv', ROOT);
    expect(parsed.errors).toEqual([expect.objectContaining({ source: 'nul.csv:2', code: 'BAD_ROW', message: expect.stringMatching(/^report T1: file .* contains a NUL byte/) })]);
    expect(parsed.fileRefs.map((f) => f.reportId)).toEqual(['T2']);

    const { run, bundles } = await scan('nul.csv', csv, 'out-nul');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/nul\.csv:2: BAD_ROW: report T1: file "ev\/ro<U\+0000>se\.png" contains a NUL byte/);
    expect(run.stderr).not.toMatch(/INTERNAL/);
    expect(bundles.some((b) => (b.reportIds as string[]).includes('T2') && (b.paths as string[]).includes('ev/rose.png'))).toBe(true);
  });
});

describe('a manifest row of another width than the header', () => {
  const header = 'report_id,reporter,file,escalate';

  it('is a row warning naming the line and the widths, and is not read with shifted columns', () => {
    const csv = [header, 'C1,Doe, Jane,ev/orig.jpg,yes', 'C2,Ann,ev/a.png', 'C3,Bob,ev/b.png,yes', 'C4,Cy,ev/c.png,no,,'].join('\n');
    const { reports, fileRefs, errors } = parseManifest(csv, 'm.csv', ROOT);
    expect(errors).toEqual([
      { source: 'm.csv:2', code: 'BAD_ROW', message: expect.stringMatching(/^row has 5 fields, the header \(line 1\) has 4; row not read.*quote a value that holds the delimiter/) },
    ]);
    // A row that leaves out its last cells cannot shift the others: it is read with them empty. Empty
    // cells beyond the header's width (a spreadsheet's trailing delimiters) are no problem either.
    expect(reports.map((r) => [r.reportId, r.escalate])).toEqual([
      ['C2', false],
      ['C3', true],
      ['C4', false],
    ]);
    expect(fileRefs.map((f) => f.relPath)).toEqual(['ev/a.png', 'ev/b.png', 'ev/c.png']);
  });

  it('in a scan: the row counts as a manifest problem, its file is still scanned from the inputs, and no shifted path is looked for', async () => {
    copyFileSync(IMAGE, path.join(work, 'ev', 'orig.jpg'));
    const { run, bundles } = await scan('wide.csv', [header, 'C1,Doe, Jane,ev/orig.jpg,yes', 'C2,Ann,ev/rose.png,no'].join('\n'), 'out-wide');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/wide\.csv:2: BAD_ROW: row has 5 fields, the header \(line 1\) has 4/);
    expect(run.stderr).not.toMatch(/Jane|NOT_FOUND/);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ inputErrors: 1, reports: 1, failedFiles: 0 });
    const paths = bundles.flatMap((b) => b.paths as string[]);
    expect(paths).toContain('ev/orig.jpg');
    expect(bundles.some((b) => b.escalated === true)).toBe(false);
    rmSync(path.join(work, 'ev', 'orig.jpg'));
  });
});

describe('columns a manifest has that are not read', () => {
  it('are named once per manifest, CSV header cells and NDJSON keys alike', () => {
    const csv = ['report_id,Reporter Email,file,Date Opened,Reporter Email', 'R1,a@example.org,ev/a.png,2026-03-01,x', 'R2,b@example.org,ev/a.png,2026-03-02,y'].join('\n');
    expect(parseManifest(csv, 'm.csv', ROOT).unusedColumns).toEqual([{ manifest: 'm.csv', columns: ['Reporter Email', 'Date Opened'], more: 0 }]);
    // the usual spellings of the date a report came in are read as received_at
    for (const column of ['Date Received', 'Received Date', 'Report Date']) {
      const read = parseManifest(`report_id,file,${column}\nR1,ev/a.png,2026-03-01T10:00:00Z\n`, 'd.csv', ROOT);
      expect(read.unusedColumns).toEqual([]);
      expect(read.reports[0].receivedAt).toBe('2026-03-01T10:00:00.000Z');
    }
    const nd = ['{"report_id":"R1","file":"a.png","email":"a@example.org"}', '{"report_id":"R2","file":"a.png","email":"b","tags":["x"]}'].join('\n');
    expect(parseManifest(nd, 'm.ndjson', ROOT).unusedColumns).toEqual([{ manifest: 'm.ndjson', columns: ['email', 'tags'], more: 0 }]);
    expect(parseManifest('report_id,file\nR1,a.png\n', 'ok.csv', ROOT).unusedColumns).toEqual([]);
  });

  it('keep only the first names when an NDJSON manifest has a new key on every row', () => {
    const nd = Array.from({ length: 30 }, (_, i) => JSON.stringify({ report_id: `R${i}`, file: 'a.png', [`k${i}`]: 1 })).join('\n');
    const [unused] = parseManifest(nd, 'm.ndjson', ROOT).unusedColumns;
    expect(unused.columns).toHaveLength(20);
    expect(unused.columns[0]).toBe('k0');
    expect(unused.more).toBe(10);
  });

  it('are named on stderr and in the JSON summary, without making the scan fail', async () => {
    const csv = ['report_id,reporter,file,Reporter Email,Date Opened', 'R1,Ann,ev/rose.png,ann@example.org,2026-03-01'].join('\n');
    const { run } = await scan('extra.csv', csv, 'out-extra');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr.match(/columns not used/g)).toHaveLength(1);
    expect(run.stderr).toMatch(/manifest extra\.csv: columns not used: Reporter Email, Date Opened/);
    expect(JSON.parse(run.stdout)).toMatchObject({ unusedManifestColumns: [{ manifest: 'extra.csv', columns: ['Reporter Email', 'Date Opened'], more: 0 }] });
  });
});

describe('an NDJSON value that is not text where text is read', () => {
  it('is a row warning and never becomes text such as the path "[object Object]"', () => {
    const nd = [
      '{"report_id":"N5","file":{"a":1}}',
      '{"report_id":"N6","file":["ev/a.png",{"b":2},7],"reporter":["ann","bob"],"notes":{"x":1},"url":true}',
      '{"report_id":{"id":"N7"},"file":"ev/a.png"}',
      '{"report_id":8,"file":"ev/b.png","reporter":42}',
    ].join('\n');
    const { reports, fileRefs, errors } = parseManifest(nd, 'm.ndjson', ROOT);
    expect(errors).toEqual([
      { source: 'm.ndjson:1', code: 'BAD_ROW', message: 'report N5 names neither a file nor a url (file {"a":1} is an object, not a path)' },
      { source: 'm.ndjson:2', code: 'BAD_ROW', message: 'report N6: url true is true/false, not text; not used' },
      { source: 'm.ndjson:2', code: 'BAD_ROW', message: 'report N6: file {"b":2} is an object, not a path; not read' },
      { source: 'm.ndjson:2', code: 'BAD_ROW', message: 'report N6: reporter ["ann","bob"] is a list, not text; not used' },
      { source: 'm.ndjson:2', code: 'BAD_ROW', message: 'report N6: notes {"x":1} is an object, not text; not used' },
      { source: 'm.ndjson:3', code: 'BAD_ROW', message: 'report_id {"id":"N7"} is an object, not text; row not read' },
    ]);
    expect(reports.map((r) => [r.reportId, r.reporter, r.notes, r.url, r.files])).toEqual([
      ['N6', null, null, null, ['ev/a.png', '7']],
      ['8', '42', null, null, ['ev/b.png']],
    ]);
    expect(fileRefs.map((f) => f.relPath)).not.toContain('[object Object]');
  });
});

describe('a received_at the scan cannot read', () => {
  it.each(['2026-13-45T99:00:00Z', '2026-13-45T99:00:00.000Z', '2026-02-30', '2026-04-31 10:00', '2026-01-01T24:00:00Z', '2026-03-02T08:15:00+25:00'])(
    '%s is warned about and kept as text, never rolled over to another day',
    (date) => {
      const { reports, errors } = parseManifest(`report_id,received_at,file\nR1,${date},ev/a.png\n`, 'm.csv', ROOT);
      expect(errors).toEqual([expect.objectContaining({ source: 'm.csv:2', message: expect.stringContaining(`received_at "${date}" is not a date/time`) })]);
      expect(reports[0].receivedAt).toBe(date);
    },
  );

  it('real dates, a leap day and offsets included, are still read', () => {
    const csv = ['report_id,received_at,file', 'R1,2024-02-29,ev/a.png', 'R2,2026-03-02T08:15:00+14:00,ev/a.png', 'R3,2026-12-31 23:59:59,ev/a.png'].join('\n');
    const { reports, errors } = parseManifest(csv, 'm.csv', ROOT);
    expect(errors).toEqual([]);
    expect(reports.map((r) => r.receivedAt)).toEqual(['2024-02-29T00:00:00.000Z', '2026-03-01T18:15:00.000Z', '2026-12-31T23:59:59.000Z']);
  });

  it('is not used as first/last seen, also when it is the only date of a bundle', async () => {
    const only = await scan('baddate.csv', 'report_id,received_at,reporter,file\nD1,2026-13-45T99:00:00Z,a,ev/rose.png\n', 'out-baddate');
    expect(only.run.stderr).toMatch(/baddate\.csv:2: BAD_ROW: report D1: received_at "2026-13-45T99:00:00Z" is not a date\/time .*not used for first\/last seen/);
    expect(only.bundles).toHaveLength(1);
    expect(only.bundles[0]).toMatchObject({ reportIds: ['D1'], firstSeen: null, lastSeen: null });
    expect((only.bundles[0].reasons as Array<{ signal: string }>).map((r) => r.signal)).not.toContain('recency');

    const mixed = await scan('mixeddate.csv', 'report_id,received_at,reporter,file\nD1,2026-13-45T99:00:00Z,a,ev/rose.png\nD2,2026-03-02T08:15:00Z,b,ev/rose.png\n', 'out-mixeddate');
    expect(mixed.bundles[0]).toMatchObject({ firstSeen: '2026-03-02T08:15:00.000Z', lastSeen: '2026-03-02T08:15:00.000Z' });
  });
});

describe('row warnings about a report', () => {
  it('all name the report, the escalation flag included', () => {
    const csv = ['report_id,url,file,escalate', 'R6,https://example.org/a,ev/a.png,maybe'].join('\n');
    expect(parseManifest(csv, 'm.csv', ROOT).errors).toEqual([
      { source: 'm.csv:2', code: 'BAD_ROW', message: 'report R6: escalation flag "maybe" is not yes/no; read as no' },
    ]);
    const nd = '{"report_id":"R7","file":"ev/a.png","escalate":{"a":1}}';
    expect(parseManifest(nd, 'm.ndjson', ROOT).errors.map((e) => e.message)).toEqual(['report R7: escalation flag {"a":1} is not yes/no; read as no']);
  });
});
