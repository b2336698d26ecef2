import { afterAll, describe, expect, it } from 'vitest';
import { hex, hexOf, listDir, readAll } from './support/import-lists.js';
import { readList } from '../src/index-store/import/read-list.js';
import { policy } from './support/import-lists.js';

const dir = listDir();
afterAll(() => dir.cleanup());

describe('CSV and TSV lists', () => {
  it('maps column synonyms in any case and keeps metadata, severity and opaque values', async () => {
    const md5 = hex(32);
    const sha1 = hex(40);
    const pdq = hex(64);
    const file = dir.write(
      'synonyms.csv',
      [
        'MD5 Hash,sha-1,PDQ_Hash,Category,Victim Identified,Series,date_added,Comment,Quality,Source,PhotoDNA,Unrelated',
        `${md5},${sha1},${pdq},A1,Yes,s-17,2024-01-02,first,87,list-x,AAECAw==,ignored`,
      ].join('\n'),
    );
    const { format, rows, errors } = await readAll(file);
    expect(format).toBe('csv');
    expect(errors).toEqual([]);
    expect(rows).toHaveLength(1);
    expect(rows[0].line).toBe(2);
    expect(hexOf(rows[0])).toEqual({ md5, sha1, pdq });
    expect(rows[0].meta).toEqual({
      category: 'A1',
      severity: 1,
      scheme: null, // inferred per label, now and when a scan rates it
      series: 's-17',
      victimIdentified: true,
      externalId: null,
      addedAt: '2024-01-02',
      note: 'first',
      quality: 87,
    });
    expect(rows[0].opaque).toEqual({ photodna: 'AAECAw==', source: 'list-x' });
  });

  it('reads quoted fields with commas, quotes and line breaks, and gives each record its first line', async () => {
    const a = hex(32);
    const b = hex(32);
    const c = hex(32);
    const content = [
      'md5,note,VictimIdentified',
      `${a},"one, two",false`,
      `"${b}","multi`,
      `line ""quoted""`,
      `note",TRUE`,
      `${c},plain,0`,
    ].join('\r\n');
    const { rows, errors } = await readAll(dir.write('quoted.csv', content));
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.line, hexOf(r).md5, r.meta.note, r.meta.victimIdentified])).toEqual([
      [2, a, 'one, two', false],
      [3, b, 'multi\nline "quoted"\nnote', true],
      [6, c, 'plain', false],
    ]);
  });

  it('reports ragged rows, bad values and broken quoting with the record line, and imports the rest', async () => {
    const good = hex(40);
    const content = [
      'sha1,category,victim_identified', // 1
      `${hex(40)},A1,true,surplus`, // 2: more fields
      `${hex(40)}`, // 3: fewer fields
      `${hex(39)},A1,true`, // 4: wrong length
      `${hex(20)}z${hex(19)},A1,true`, // 5: non-hex
      `${hex(40)},A1,maybe`, // 6: bad boolean
      `,A1,true`, // 7: no hash
      `${good},"B2",no`, // 8: good
      `${hex(40)},x"y,no`, // 9: stray quote inside a field is kept literally (relaxed), row is fine
    ].join('\n');
    const { rows, errors } = await readAll(dir.write('bad.csv', content));
    expect(rows.map((r) => r.line)).toEqual([8, 9]);
    expect(hexOf(rows[0])).toEqual({ sha1: good });
    expect(rows[0].meta.severity).toBe(3);
    expect(rows[1].meta.category).toBe('x"y');
    expect(errors).toEqual([
      { line: 2, message: 'row has 4 fields, the header (line 1) has 3' },
      { line: 3, message: 'row has 1 field, the header (line 1) has 3' },
      { line: 4, message: 'sha1 value has 39 hex digits, expected 40' },
      { line: 5, message: "sha1 value has non-hex character 'z' at position 21" },
      { line: 6, message: 'victim_identified value "maybe" is not a boolean (true/false, yes/no, 1/0)' },
      { line: 7, message: 'no hash value (expected one of md5, sha1, sha256, pdq, blockhash)' },
    ]);
  });

  it('handles a BOM, comment lines, blank lines and TSV', async () => {
    const a = hex(64);
    const b = hex(64);
    const content = `\ufeff# exported list\nPDQ\tquality\tnote\n\n${a}\t100\tx, y\n# mid comment\n${b}\t7\t\n`;
    const { format, rows, errors } = await readAll(dir.write('list.tsv', content));
    expect(format).toBe('tsv');
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.line, hexOf(r).pdq, r.meta.quality, r.meta.note])).toEqual([
      [4, a, 100, 'x, y'],
      [6, b, 7, null],
    ]);
  });

  it('reads a generic hash column with a type column, or with --type', async () => {
    const pdq = hex(64);
    const sha256 = hex(64);
    const typed = dir.write('typed.csv', `signal_type,signal_value\npdq,${pdq}\nSHA-256,${sha256}\nwhirlpool,${hex(64)}\n`);
    const r1 = await readAll(typed);
    expect(r1.rows.map((r) => hexOf(r))).toEqual([{ pdq }, { sha256 }]);
    expect(r1.errors).toEqual([{ line: 4, message: "unknown hash type 'whirlpool' (expected md5, sha1, sha256, pdq, blockhash)" }]);

    const untyped = dir.write('untyped.csv', `hash\n${pdq}\n`);
    expect((await readAll(untyped)).errors[0].message).toMatch(/could be sha256, pdq, blockhash/);
    expect((await readAll(untyped, { type: 'pdq' })).rows.map((r) => hexOf(r))).toEqual([{ pdq }]);
  });

  it('skips an over-long line with an error and keeps the line numbers of later records', async () => {
    const after = hex(32);
    const content = `md5,note\n${hex(32)},${'n'.repeat(2 * 1024 * 1024)}\n${after},ok\n`;
    const { rows, errors } = await readAll(dir.write('huge.csv', content));
    expect(rows.map((r) => [r.line, hexOf(r).md5])).toEqual([[3, after]]);
    expect(errors).toHaveLength(1);
    expect(errors[0].line).toBe(2);
    expect(errors[0].message).toMatch(/^line is \d+ bytes long, more than the limit/);
  });

  it('rejects only the line where a quoted field that never closes starts, and imports the rows after it', async () => {
    const a = hex(32);
    const c = hex(32);
    const content = `md5,note\n${a},fine\n${hex(32)},"opened\n${c},not swallowed\n`;
    const { rows, errors } = await readAll(dir.write('unclosed.csv', content));
    expect(rows.map((r) => [r.line, hexOf(r).md5])).toEqual([
      [2, a],
      [4, c],
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0].line).toBe(3);
    expect(errors[0].message).toMatch(/not closed before the end of the file/);
  });

  it('rejects a header without a hash column, or with two columns of the same meaning, before reading rows', async () => {
    const noHash = dir.write('nohash.csv', 'category,note\nA1,x\n');
    await expect(readList(noHash, { severity: policy, format: 'csv' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/nohash\.csv:1: the header .* names no hash column/),
    });
    const twice = dir.write('twice.csv', `md5,MD5 Hash\n${hex(32)},${hex(32)}\n`);
    await expect(readList(twice, { severity: policy })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/columns 1 \("md5"\) and 2 \("MD5 Hash"\) both mean md5/),
    });
  });

  it('accepts semicolon-separated files', async () => {
    const a = hex(40);
    const { format, rows } = await readAll(dir.write('semi.csv', `SHA1;Category\n${a};Cat B\n`));
    expect(format).toBe('csv');
    expect(rows.map((r) => [hexOf(r).sha1, r.meta.category, r.meta.severity])).toEqual([[a, 'Cat B', 2]]);
  });
});
