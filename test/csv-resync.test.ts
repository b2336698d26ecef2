/**
 * One badly quoted CSV/TSV record costs one row, not the rest of the file: the reader reports it at the
 * line where it starts and reads on from the next line, in memory and streamed alike, so a known-hash
 * list or a report manifest accounts for every physical row (read, or reported with its file:line).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvTableOfText, type CsvDialect, type TableEvent } from '../src/tabular/csv-read.js';
import { runCli } from './support/cli.js';
import { streamed } from './support/streamed-table.js';

const CSV: CsvDialect = { delimiter: ',', comments: true, strictWidth: true };
const TSV: CsvDialect = { delimiter: '\t', comments: false, strictWidth: true };



/** The events of `text`, checked to be the same streamed in chunks of several sizes. */
async function table(text: string, dialect: CsvDialect = CSV): Promise<TableEvent[]> {
  const whole = csvTableOfText(text, dialect);
  for (const size of [1, 3, 16, 1 << 16]) expect(await streamed(text, dialect, size), `chunks of ${size}`).toEqual(whole);
  return whole;
}

const row = (line: number, ...cells: string[]): TableEvent => ({ kind: 'row', line, cells });
const bad = (line: number, message: RegExp = /./) => ({ kind: 'error', line, message: expect.stringMatching(message) });

describe('CSV reader after a badly quoted record', () => {
  it('reports a quoted field that never closes at its line and reads every later line as a row', async () => {
    const text = 'id,note\n1,a\n2,"unclosed note\n3,b\n4,c\n5,d\n';
    expect(await table(text)).toEqual([
      { kind: 'header', line: 1, cells: ['id', 'note'] },
      row(2, '1', 'a'),
      bad(3, /^a quoted field is not closed before the end of the file; this line is skipped/),
      row(4, '3', 'b'),
      row(5, '4', 'c'),
      row(6, '5', 'd'),
    ]);
  });

  it('reports a cell with text after its closing quote and reads on, with the line numbers of every later row and error', async () => {
    const text = 'id,note\n1,a\n2,"quoted" then text\n3,b\n4,"x" y\n5,c,extra\n6,"said ""hi"" twice" then\n7,d\n';
    expect(await table(text)).toEqual([
      { kind: 'header', line: 1, cells: ['id', 'note'] },
      row(2, '1', 'a'),
      bad(3, /^CSV: a quoted cell is followed by other text before the next delimiter \(a quote inside a quoted cell is written twice: ""\)$/),
      row(4, '3', 'b'),
      bad(5, /followed by other text/),
      { kind: 'error', line: 6, message: 'row has 3 fields, the header (line 1) has 2' },
      bad(7, /followed by other text/),
      row(8, '7', 'd'),
    ]);
  });

  it('does the same in TSV and with CRLF line ends', async () => {
    const tsv = 'md5\tnote\n1\ta\n2\tb\n3\t"Best of" collection\n4\tc\n5\t"open\n6\td\n';
    expect(await table(tsv, TSV)).toEqual([
      { kind: 'header', line: 1, cells: ['md5', 'note'] },
      row(2, '1', 'a'),
      row(3, '2', 'b'),
      bad(4, /followed by other text/),
      row(5, '4', 'c'),
      bad(6, /not closed before the end of the file/),
      row(7, '6', 'd'),
    ]);
    const crlf = 'id,note\r\n1,"a\r\nb"\r\n2,"x" y\r\n3,"open\r\n4,c\r\n';
    expect(await table(crlf)).toEqual([
      { kind: 'header', line: 1, cells: ['id', 'note'] },
      row(2, '1', 'a\nb'),
      bad(4, /followed by other text/),
      bad(5, /not closed/),
      row(6, '4', 'c'),
    ]);
  });

  it('keeps well-formed multi-line quoted cells before and after a bad record as one row each', async () => {
    const text = 'id,note\n1,"two\nlines"\n2,"bad" x\n3,"three\nline\n""cell"""\n4,"open\n5,"again\nmulti"\n6,end\n';
    expect(await table(text)).toEqual([
      { kind: 'header', line: 1, cells: ['id', 'note'] },
      row(2, '1', 'two\nlines'),
      bad(4, /followed by other text/),
      row(5, '3', 'three\nline\n"cell"'),
      // the quote opened at line 8 closes at line 9's first quote, where other text follows: line 8 is
      // skipped and line 9 starts the next record, a good two-line one
      bad(8, /^CSV: a quoted cell opened here closes at line 9 with other text after it: a quote not closed here, or a quote inside/),
      row(9, '5', 'again\nmulti'),
      row(11, '6', 'end'),
    ]);
  });

  it('reports the continuation line of a bad multi-line record on its own when it is no valid row', async () => {
    const text = 'id,note\n1,"a\nb" c\n2,ok\n';
    expect(await table(text)).toEqual([
      { kind: 'header', line: 1, cells: ['id', 'note'] },
      bad(2, /closes at line 3 with other text after it.*; this line is skipped/),
      { kind: 'error', line: 3, message: 'row has 1 field, the header (line 1) has 2' },
      row(4, '2', 'ok'),
    ]);
  });

  it('reports a bad record on the last line, with or without a final line end', async () => {
    for (const end of ['\n', '']) {
      expect(await table(`id,note\n1,a\n2,"open${end}`)).toEqual([
        { kind: 'header', line: 1, cells: ['id', 'note'] },
        row(2, '1', 'a'),
        bad(3, /not closed before the end of the file/),
      ]);
      expect(await table(`id,note\n1,a\n2,"x" y${end}`)).toEqual([{ kind: 'header', line: 1, cells: ['id', 'note'] }, row(2, '1', 'a'), bad(3, /followed by other text/)]);
    }
  });

  it('when streamed, ends a quoted field that runs over the record size limit at its line and reads every later line', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => `${i + 3},plain row ${i + 3}`);
    const text = `id,note\n1,a\n2,"never closed\n${rows.join('\n')}\n`;
    const events = await streamed(text, CSV, 64, 100);
    expect(events.slice(0, 3)).toEqual([
      { kind: 'header', line: 1, cells: ['id', 'note'] },
      row(2, '1', 'a'),
      bad(3, /^the record is longer than 400 bytes \(a quoted field that never closes\?\); this line is skipped/),
    ]);
    expect(events.slice(3)).toEqual(rows.map((r, i) => row(i + 4, ...r.split(','))));
    // read whole (no size limit), the quote runs to the end of the file and is reported the same way
    expect(csvTableOfText(text, CSV).slice(3)).toEqual(events.slice(3));
  });

  it('accounts for every non-blank line of randomly broken files, the same streamed as in memory', async () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) >>> 8) % n;
    const cells = ['a', 'b c', '"q"', '"x, y"', '"multi\nline"', '"said ""hi"""', '"bad" tail', '"open', 'p"q', ''];
    for (let t = 0; t < 200; t++) {
      // (not strict on width: a too wide multi-line record is one error that covers all its lines)
      const dialect = { ...(t % 2 === 0 ? CSV : TSV), strictWidth: false };
      const d = dialect.delimiter;
      const lines = [`h1${d}h2`];
      for (let i = 0, n = 5 + rand(15); i < n; i++) {
        const pick = () => cells[rand(cells.length)].replaceAll(',', d === ',' ? ',' : d);
        lines.push(`${i}${d}${pick()}${rand(4) === 0 ? d + pick() : ''}`);
      }
      const text = lines.join(rand(3) === 0 ? '\r\n' : '\n') + '\n';
      const events = csvTableOfText(text, dialect);
      expect(await streamed(text, dialect, 1 + rand(20)), JSON.stringify(text)).toEqual(events);
      const covered = new Map<number, number>();
      for (const e of events) {
        const span = e.kind === 'error' ? 1 : 1 + e.cells.join('').split('\n').length - 1;
        for (let l = e.line; l < e.line + span; l++) covered.set(l, (covered.get(l) ?? 0) + 1);
      }
      const physical = text.split(/\r?\n/).slice(0, -1);
      physical.forEach((content, i) => {
        if (content.trim() === '') return;
        expect(covered.get(i + 1), `line ${i + 1} of ${JSON.stringify(text)}`).toBe(1);
      });
    }
  });

  it('reads a large fully quoted table in memory (no call stack limit on the number of records)', () => {
    const text = `"id","note"\n${Array.from({ length: 150_000 }, (_, i) => `"${i}",x`).join('\n')}\n`;
    const events = csvTableOfText(text, CSV);
    expect(events).toHaveLength(150_001);
    expect(events[150_000]).toEqual(row(150_001, '149999', 'x'));
  });
});

describe('known-hash lists and report manifests with a badly quoted cell', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-csv-resync-'));
    mkdirSync(path.join(dir, 'media'));
    copyFileSync(path.resolve('fixtures/conformance/images/rose-210x138.png'), path.join(dir, 'media', 'rose.png'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const md5 = (i: number) => i.toString(16).padStart(32, '0');

  it('a known-hash list with one unclosed quote: every row is either imported or counted as rejected', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => (i === 1 ? `${md5(i + 1)},"unclosed note` : `${md5(i + 1)},ok`));
    writeFileSync(path.join(dir, 'list.csv'), `md5,note\n${rows.join('\n')}\n`);
    const res = await runCli(['index', 'import', 'list.csv', '--list', 'l', '--db', 'q.db', '--json'], { cwd: dir });
    expect(res.status).toBe(1);
    const summary = JSON.parse(res.stdout) as Record<string, unknown>;
    expect([summary.added, summary.duplicate, summary.rejected]).toEqual([29, 0, 1]);
    expect(res.stderr).toMatch(/list\.csv:3: a quoted field is not closed before the end of the file/);
  });

  it('a TSV list with a quoted cell followed by text: added + duplicate + rejected is the number of data rows', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => `${md5(100 + (i === 7 ? 1 : i))}\t${i === 2 ? '"Best of" collection' : 'ok'}`);
    writeFileSync(path.join(dir, 'list.tsv'), `md5\tnote\n${rows.join('\n')}\n`);
    const res = await runCli(['index', 'import', 'list.tsv', '--list', 't', '--db', 'q.db', '--json'], { cwd: dir });
    expect(res.status).toBe(1);
    const summary = JSON.parse(res.stdout) as Record<string, unknown>;
    expect([summary.added, summary.duplicate, summary.rejected]).toEqual([8, 1, 1]);
    expect(res.stderr).toMatch(/list\.tsv:4: CSV: a quoted cell is followed by other text/);
  });

  it('a manifest with one badly quoted notes cell: the well-formed reports after it are still in the queue', async () => {
    writeFileSync(
      path.join(dir, 'quoted.csv'),
      'report_id,reporter,file,notes\nQ1,a,media/rose.png,fine\nQ2,b,media/rose.png,"said ""hi"" twice" then\n' +
        'Q3,c,media/rose.png,fine\nQ4,d,media/rose.png,"ok, quoted"\nQ5,e,media/rose.png,fine\n',
    );
    const res = await runCli(['scan', 'media/rose.png', '--manifest', 'quoted.csv', '--out', 'out-quoted', '--no-index', '--no-sightings'], {
      cwd: dir,
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('quoted.csv:3');
    expect(res.stdout).toContain('reports: 4 (1 manifest problem)');
    const reportIds = readFileSync(path.join(dir, 'out-quoted', 'bundles.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .flatMap((l) => (JSON.parse(l) as { reportIds: string[] }).reportIds);
    expect(new Set(reportIds)).toEqual(new Set(['Q1', 'Q3', 'Q4', 'Q5']));
  });

  it('a manifest with an unclosed quote: the reports after it are in the queue and the problem names its line', async () => {
    writeFileSync(
      path.join(dir, 'open.csv'),
      'report_id,reporter,file,notes\nR1,a,media/rose.png,"opened and\nR2,b,media/rose.png,fine\nR3,c,media/rose.png,"two\nlines"\n',
    );
    const res = await runCli(['scan', 'media/rose.png', '--manifest', 'open.csv', '--out', 'out-open', '--no-index', '--no-sightings'], { cwd: dir });
    expect(res.status).toBe(1);
    // the quote opened at line 2 meets the one opened at line 4: line 2 is the bad record
    expect(res.stderr).toMatch(/open\.csv:2: .*a quoted cell opened here closes at line 4/);
    const reportIds = readFileSync(path.join(dir, 'out-open', 'bundles.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .flatMap((l) => (JSON.parse(l) as { reportIds: string[] }).reportIds);
    expect(new Set(reportIds)).toEqual(new Set(['R2', 'R3']));
  });
});
