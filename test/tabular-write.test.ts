/**
 * The formula-safe CSV writer (src/tabular/csv-write.ts): a spreadsheet never sees a formula in a text
 * cell, and the tabular reader reads every cell back as the value that was written, so exports that
 * are protected still import unchanged.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { csvTableOfText } from '../src/tabular/csv-read.js';
import { csvCell, csvNumber, csvRow, csvText } from '../src/tabular/csv-write.js';
import { protectFormula, unprotectFormula } from '../src/tabular/formula.js';
import { prng } from './index-fixtures.js';
import { hex, listDir, readAll } from './support/import-lists.js';

const dir = listDir();
afterAll(() => dir.cleanup());

const HOSTILE = [
  '=HYPERLINK("http://evil.example","click")',
  '+cmd|calc',
  '-2+3',
  '@SUM(1+1)',
  '\t=tab first',
  '\r=cr first',
  "'=already protected",
  "''+twice",
  "'just an apostrophe",
  'a,b',
  'say "hi"',
  'two\nlines',
  ' padded ',
  'ctrl \u0001\u001b[31m\u007f',
  '#not a comment',
];

/** Random text over characters that matter to CSV, formulas and trimming (no CRLF pair: lines end in LF when read). */
function randomText(nextWord: () => number): string {
  const next = () => nextWord() / 2 ** 32;
  const alphabet = ['a', 'é', ' ', '\t', ',', ';', '"', "'", '=', '+', '-', '@', '#', '\n', '\r', '\u0000', '\u001b', '1'];
  let text = '';
  const length = Math.floor(next() * 12);
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
  return text.replace(/\r\n/g, '\n');
}

describe('formula protection', () => {
  it('puts an apostrophe before cells a spreadsheet would run, and only those', () => {
    for (const v of ['=1', '+1', '-1', '@a', '\tx', '\rx', "'=1", "''@a"]) expect(protectFormula(v)).toBe(`'${v}`);
    for (const v of ['', 'plain', "'plain", ' =1', '1-2', 'a=b', '#x']) expect(protectFormula(v)).toBe(v);
  });

  it('is undone exactly: unprotect(protect(v)) is v for every text', () => {
    const next = prng(41);
    const values = [...HOSTILE, ...Array.from({ length: 2000 }, () => randomText(next))];
    for (const v of values) expect(unprotectFormula(protectFormula(v))).toBe(v);
  });
});

describe('CSV cells and rows', () => {
  it('csvCell quotes only when needed and protects text, never numbers or booleans', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(77)).toBe('77');
    expect(csvCell(false)).toBe('false');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('-3')).toBe("'-3");
    expect(csvCell('=1+2')).toBe("'=1+2");
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\ronly')).toBe('"cr\ronly"');
    expect(csvCell(' padded ')).toBe('" padded "');
    expect(csvCell('=a,b')).toBe('"\'=a,b"');
    expect(csvCell('ctrl \u0001\u001b')).toBe('ctrl \u0001\u001b');
  });

  it('csvText always quotes, csvNumber refuses non-finite numbers, csvRow ends rows', () => {
    expect(csvText('@x')).toBe('"\'@x"');
    expect(csvText(null)).toBe('""');
    expect(csvNumber(-1.5)).toBe('-1.5');
    expect(() => csvNumber(Number.NaN)).toThrow(RangeError);
    expect(csvRow(['a', 'b'])).toBe('a,b\r\n');
    expect(csvRow(['a', 'b'], '\n')).toBe('a,b\n');
  });

  it('every written cell reads back as its value through the tabular reader', () => {
    const next = prng(42);
    const values = [...HOSTILE, '\u0000nul', ...Array.from({ length: 2000 }, () => randomText(next))];
    const text = csvRow(['key', 'value'], '\n') + values.map((v, i) => csvRow([String(i), csvCell(v)], '\n')).join('');
    const rows = csvTableOfText(text, { delimiter: ',', comments: true, strictWidth: true });
    expect(rows.filter((e) => e.kind === 'error')).toEqual([]);
    const read = rows.flatMap((e) => (e.kind === 'row' ? [e.cells[1]] : []));
    // The reader trims unquoted cells, so a value is compared as the writer's quoting keeps it: whole.
    expect(read).toEqual(values);
  });
});

describe('index export cells imported again', () => {
  it('a list written with csvCell (as index export writes it) imports with every value unchanged', async () => {
    const md5s = HOSTILE.map(() => hex(32));
    const header = 'md5,quality,category,severity,series,victim_identified,external_id,added_at,note,list,scheme';
    const lines = HOSTILE.map((v, i) =>
      [md5s[i], csvCell(i % 2 === 0 ? 90 : null), csvCell(v), csvCell(null), csvCell(v), csvCell(i % 2 === 0), csvCell(v), csvCell('2024-01-02'), csvCell(v), csvCell('@seen'), csvCell(null)].join(','),
    );
    const { rows, errors } = await readAll(dir.write('export.csv', `${header}\n${lines.join('\n')}\n`));
    expect(errors).toEqual([]);
    // The importer trims values and reads line breaks as LF; otherwise every hostile value comes back as written.
    const imported = (v: string) => v.trim();
    expect(rows.map((r) => [r.meta.category, r.meta.series, r.meta.externalId, r.meta.note])).toEqual(HOSTILE.map((v) => [imported(v), imported(v), imported(v), imported(v)]));
    expect(rows.map((r) => r.meta.victimIdentified)).toEqual(HOSTILE.map((_, i) => i % 2 === 0));
    expect(rows.map((r) => r.meta.quality)).toEqual(HOSTILE.map((_, i) => (i % 2 === 0 ? 90 : null)));
  });
});
