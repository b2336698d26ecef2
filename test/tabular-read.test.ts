/**
 * The shared tabular reader (src/tabular/): one comparison rule for column names, one boolean rule, and
 * one CSV/NDJSON reader whose rows and problems carry the line where their record starts, whether the
 * input is streamed in chunks or already in memory.
 */
import { describe, expect, it } from 'vitest';
import { parseBoolean } from '../src/tabular/boolean.js';
import { csvCellsOfLine, csvTableOfText, sniffDelimiter, type CsvDialect } from '../src/tabular/csv-read.js';
import { fieldLookup, normalizeName } from '../src/tabular/header.js';
import { ndjsonOfText, readNdjson } from '../src/tabular/ndjson.js';
import { chunked, streamed } from './support/streamed-table.js';

const CSV: CsvDialect = { delimiter: ',', comments: true, strictWidth: true };



describe('column names', () => {
  it('compare without byte-order mark, case, spaces, dashes, underscores or other punctuation', () => {
    for (const spelling of ['\uFEFFReport ID', ' report_id ', 'REPORT-ID', 'ReportId', 'report.id', 'Report  -  Id']) {
      expect(normalizeName(spelling)).toBe('reportid');
    }
    expect(normalizeName('Référence n°')).toBe('référencen');
  });

  it('map synonyms to their field through a vocabulary, and refuse an ambiguous vocabulary', () => {
    const lookup = fieldLookup({ reportId: ['report_id', 'ticket'], file: ['file path', 'attachments'] });
    expect(['Report ID', 'TICKET', 'File-Path', 'filepath', 'Attachments'].map(lookup)).toEqual(['reportId', 'reportId', 'file', 'file', 'file']);
    expect(lookup('size')).toBeNull();
    expect(() => fieldLookup({ a: ['file_path'], b: ['File Path'] })).toThrow(/"File Path" names both a and b/);
  });
});

describe('booleans', () => {
  it('read the common spellings in any case, and the numbers 1 and 0', () => {
    for (const yes of ['true', 'TRUE', 't', 'Yes', 'y', '1', ' x ', 'X', 'on', 'On', true, 1]) expect(parseBoolean(yes)).toBe(true);
    for (const no of ['false', 'F', 'no', 'N', '0', 'off', 'OFF', false, 0]) expect(parseBoolean(no)).toBe(false);
  });

  it('give null for a missing or empty value and undefined for anything else', () => {
    for (const missing of [undefined, null, '', '   ']) expect(parseBoolean(missing)).toBeNull();
    for (const other of ['maybe', 'unknown', '2', 2, -1, 0.5, {}, []]) expect(parseBoolean(other)).toBeUndefined();
  });
});

describe('CSV tables', () => {
  it('read a header and rows with a BOM, CRLF, quoted delimiters, quotes and line breaks, each at its first line', () => {
    const text = '\uFEFFid,note\r\n1,"a, b"\r\n2,"multi\r\nline ""quoted"""\r\n3,plain\r\n';
    expect(csvTableOfText(text, CSV)).toEqual([
      { kind: 'header', line: 1, cells: ['id', 'note'] },
      { kind: 'row', line: 2, cells: ['1', 'a, b'] },
      { kind: 'row', line: 3, cells: ['2', 'multi\nline "quoted"'] },
      { kind: 'row', line: 5, cells: ['3', 'plain'] },
    ]);
  });

  it('skip blank lines, blank rows and (when asked) # comment lines, keeping the line numbers', () => {
    const text = '# a comment\n\nid,note\n,\n  \n1,x\n#2,y\n';
    expect(csvTableOfText(text, CSV)).toEqual([
      { kind: 'header', line: 3, cells: ['id', 'note'] },
      { kind: 'row', line: 6, cells: ['1', 'x'] },
    ]);
    const noComments = csvTableOfText('id,note\n#2,y\n', { ...CSV, comments: false });
    expect(noComments).toContainEqual({ kind: 'row', line: 2, cells: ['#2', 'y'] });
  });

  it('report rows with another field count than the header at their line when strict, and read them as they are otherwise', () => {
    const text = 'a,b,c\n1,2\n1,2,3,4\n1,2,3,,\n1,"x\ny",3\n';
    expect(csvTableOfText(text, CSV)).toEqual([
      { kind: 'header', line: 1, cells: ['a', 'b', 'c'] },
      { kind: 'error', line: 2, message: 'row has 2 fields, the header (line 1) has 3' },
      { kind: 'error', line: 3, message: 'row has 4 fields, the header (line 1) has 3' },
      { kind: 'row', line: 4, cells: ['1', '2', '3', '', ''] },
      { kind: 'row', line: 5, cells: ['1', 'x\ny', '3'] },
    ]);
    const relaxed = csvTableOfText(text, { ...CSV, strictWidth: false });
    expect(relaxed.filter((e) => e.kind === 'row').map((e) => e.line)).toEqual([2, 3, 4, 5]);
  });

  it('report a quoted field that never closes at the record start, skipping only that line and reading the lines after it', () => {
    const text = 'id,note\n1,fine\n2,"opened\n3,not swallowed\n';
    expect(csvTableOfText(text, CSV)).toEqual([
      { kind: 'header', line: 1, cells: ['id', 'note'] },
      { kind: 'row', line: 2, cells: ['1', 'fine'] },
      { kind: 'error', line: 3, message: expect.stringMatching(/not closed before the end of the file; this line is skipped and the lines after it are read/) },
      { kind: 'row', line: 4, cells: ['3', 'not swallowed'] },
    ]);
  });

  it('give the same events streamed in chunks of any size as read from memory', async () => {
    const text = '\uFEFFid,note,flag\r\n# c\r\n1,"ünïcödé, with ""quotes""",yes\r\n2,"two\r\nlines",no\n\n3,x\n4,"=1+2",\n5,last';
    const whole = csvTableOfText(text, CSV);
    expect(whole).toHaveLength(6);
    for (const size of [1, 2, 3, 7, 64, 1 << 16]) expect(await streamed(text, CSV, size)).toEqual(whole);
  });

  it('report an over-long line (and the record containing it) when streamed, and read on', async () => {
    const text = `id,note\n1,${'n'.repeat(300)}\n2,"ok\n${'m'.repeat(300)}\nend"\n3,after\n`;
    const events = await streamed(text, CSV, 64, 100);
    expect(events).toEqual([
      { kind: 'header', line: 1, cells: ['id', 'note'] },
      { kind: 'error', line: 2, message: 'line is 302 bytes long, more than the limit of 100 bytes; skipped' },
      { kind: 'error', line: 3, message: 'record includes line 4, which is over the size limit; skipped' },
      { kind: 'error', line: 4, message: 'line is 300 bytes long, more than the limit of 100 bytes; skipped' },
      { kind: 'row', line: 6, cells: ['3', 'after'] },
    ]);
  });

  it('undo formula protection in rows: exactly one apostrophe before = + - @ tab or CR', () => {
    const text = "v\n'=SUM(A1)\n'-42\n''@x\n'plain\n\"'\t=tab\"\n=bare\n";
    const rows = csvTableOfText(text, CSV).flatMap((e) => (e.kind === 'row' ? e.cells : []));
    expect(rows).toEqual(['=SUM(A1)', '-42', "'@x", "'plain", '\t=tab', '=bare']);
  });

  it('give the events of the CSV tokenizer when lines without quotes are split directly, also after a quoted line and in streams', async () => {
    // A quoted first header cell sends the whole text through csv-parse; the same text with a bare
    // header is split directly up to its first line that needs the tokenizer. Both must agree.
    let seed = 13;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) >>> 8) % n;
    const words = ['a', 'b7', 'é', 'x y', '', "'=1"];
    const pads = ['', '', '', ' ', '  '];
    const specials = ['"', '""', ' "q" ', '\r', '#', '\t', '\f', '\t '];
    let checked = 0;
    for (let t = 0; t < 600; t++) {
      const delimiter = [',', ';', '\t'][t % 3];
      const dialect: CsvDialect = { delimiter, comments: t % 2 === 0, strictWidth: t % 4 < 2 };
      const rare = 10 + rand(60); // one cell in `rare` gets a character that may need the tokenizer
      let body = '';
      for (let i = 0, n = 3 + rand(12); i < n; i++) {
        const cells: string[] = [];
        for (let c = 0, w = rand(10) < 8 ? 2 : 1 + rand(3); c < w; c++) {
          let cell = pads[rand(pads.length)] + words[rand(words.length)] + pads[rand(pads.length)];
          if (rand(rare) === 0) {
            const at = rand(cell.length + 1);
            cell = cell.slice(0, at) + specials[rand(specials.length)] + cell.slice(at);
          }
          cells.push(cell);
        }
        body += (rand(12) === 0 ? '' : cells.join(delimiter)) + (rand(8) === 0 ? '\r\n' : '\n');
      }
      const bare = `h1${delimiter}h2\n${body}`;
      const quoted = `"h1"${delimiter}h2\n${body}`;
      const want = csvTableOfText(quoted, dialect);
      expect(csvTableOfText(bare, dialect), JSON.stringify(bare)).toEqual(want);
      if (t % 5 === 0) {
        const size = 1 + rand(9);
        expect(await streamed(bare, dialect, size), JSON.stringify(bare)).toEqual(await streamed(quoted, dialect, size));
      }
      checked += want.filter((e) => e.kind === 'row').length;
    }
    expect(checked).toBeGreaterThan(1500);
  });

  it('number lines after a switch to the CSV tokenizer from the file start, for rows and errors', () => {
    const text = 'id,note\n1,a\n2,"b\nc"\n3,d,extra\n4,"e"x\n';
    expect(csvTableOfText(text, CSV)).toEqual([
      { kind: 'header', line: 1, cells: ['id', 'note'] },
      { kind: 'row', line: 2, cells: ['1', 'a'] },
      { kind: 'row', line: 3, cells: ['2', 'b\nc'] },
      { kind: 'error', line: 5, message: 'row has 3 fields, the header (line 1) has 2' },
      { kind: 'error', line: 6, message: expect.stringMatching(/^CSV: a quoted cell is followed by other text before the next delimiter/) },
    ]);
  });

  it('split one header line and guess its delimiter', () => {
    expect(csvCellsOfLine('"MD5 Hash", note ,"a,b"', ',')).toEqual(['MD5 Hash', 'note', 'a,b']);
    expect(sniffDelimiter('md5;category;note')).toBe(';');
    expect(sniffDelimiter('md5\tcategory\tnote, with comma')).toBe('\t');
    expect(sniffDelimiter('md5')).toBe(',');
    expect(sniffDelimiter('md5;note,x', [',', ';'])).toBe(',');
  });
});

describe('NDJSON', () => {
  it('reads one object per line with its line number and says why other lines are not objects', async () => {
    const text = '\uFEFF{"a":1}\r\n\r\n{"b":\n[1]\nnull\n"s"\n{"c":true}';
    const expected = [
      { kind: 'object', line: 1, value: { a: 1 } },
      { kind: 'error', line: 3, message: expect.stringMatching(/^not valid JSON/) },
      { kind: 'error', line: 4, message: 'expected a JSON object, got a list' },
      { kind: 'error', line: 5, message: 'expected a JSON object, got null' },
      { kind: 'error', line: 6, message: 'expected a JSON object, got string' },
      { kind: 'object', line: 7, value: { c: true } },
    ];
    expect(ndjsonOfText(text)).toEqual(expected);
    const streamedEvents = [];
    for await (const e of readNdjson(chunked(text, 3))) streamedEvents.push(e);
    expect(streamedEvents).toEqual(expected);
  });

  it('rejects a line nested too deeply before parsing it, counting no brackets inside strings, and reads on', async () => {
    const deep = `{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const bracketsInString = `{"a":"${'['.repeat(100)}\\"${'{'.repeat(100)}"}`;
    const text = `${deep}\n${bracketsInString}\n{"b":1}\n`;
    const expected = [
      { kind: 'error', line: 1, message: 'nested more than 64 levels deep; skipped' },
      { kind: 'object', line: 2, value: JSON.parse(bracketsInString) },
      { kind: 'object', line: 3, value: { b: 1 } },
    ];
    expect(ndjsonOfText(text)).toEqual(expected);
    const streamedEvents = [];
    for await (const e of readNdjson(chunked(text, 4096))) streamedEvents.push(e);
    expect(streamedEvents).toEqual(expected);
    expect(ndjsonOfText(`{"a":"${'x'.repeat(2000)}"}\n{}`, 1000)[0]).toEqual({ kind: 'error', line: 1, message: expect.stringMatching(/more than the limit of 1000 bytes/) });
  });
});
