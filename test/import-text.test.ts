import { afterAll, describe, expect, it } from 'vitest';
import { parseTextLine } from '../src/index-store/import/text.js';
import { hex, hexOf, listDir, readAll } from './support/import-lists.js';

const dir = listDir();
afterAll(() => dir.cleanup());

describe('plain-text lists', () => {
  it('infers md5 and sha1 from length, reads typed lines, skips comments and blank lines, keeps real line numbers', async () => {
    const md5 = hex(32);
    const sha1 = hex(40);
    const pdq = hex(64);
    const sha256 = hex(64);
    const blockhash = hex(64);
    const file = dir.write(
      'mixed.txt',
      [`# known list`, md5.toUpperCase(), '', `   `, `${sha1}  some file.jpg`, `pdq:${pdq}`, `SHA-256\t${sha256}`, `blockhash ${blockhash}`, `# end`].join('\n') + '\n',
    );
    const { format, rows, errors } = await readAll(file);
    expect(format).toBe('text');
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.line, hexOf(r)])).toEqual([
      [2, { md5 }],
      [5, { sha1 }],
      [6, { pdq }],
      [7, { sha256 }],
      [8, { blockhash }],
    ]);
    expect(rows[1].meta.note).toBe('some file.jpg');
  });

  it('requires a type for 64-digit values, and --type settles them', async () => {
    const v = hex(64);
    const md5 = hex(32);
    const file = dir.write('ambiguous.txt', `${v}\n${md5}\n`);
    const without = await readAll(file);
    expect(without.rows.map((r) => hexOf(r))).toEqual([{ md5 }]);
    expect(without.errors).toHaveLength(1);
    expect(without.errors[0].line).toBe(1);
    expect(without.errors[0].message).toMatch(/64 hex digits.*sha256, pdq, blockhash.*--type/);

    const withType = await readAll(file, { type: 'pdq' });
    expect(withType.errors).toEqual([]);
    expect(withType.rows.map((r) => hexOf(r))).toEqual([{ pdq: v }, { md5 }]);
  });

  it('reports malformed lines with their line and the reason, and imports the rest', async () => {
    const good = hex(40);
    const lines = [
      hex(31), // 1: wrong length
      `${hex(20)}g${hex(11)}`, // 2: non-hex
      `xyz:${hex(32)}`, // 3: unknown type
      `pdq:${hex(63)}`, // 4: wrong length for a typed value
      good, // 5
      `md5:`, // 6: type without value
    ];
    const file = dir.write('bad.txt', lines.join('\n'));
    const { rows, errors } = await readAll(file);
    expect(rows.map((r) => [r.line, hexOf(r)])).toEqual([[5, { sha1: good }]]);
    expect(errors.map((e) => e.line)).toEqual([1, 2, 3, 4, 6]);
    expect(errors[0].message).toBe('hash value has 31 hex digits; expected one of 32 (md5), 40 (sha1), 64 (sha256, pdq, blockhash)');
    expect(errors[1].message).toBe("hash value has non-hex character 'g' at position 21");
    expect(errors[2].message).toMatch(/^unknown hash type 'xyz'/);
    expect(errors[3].message).toBe('pdq value has 63 hex digits, expected 64');
    expect(errors[4].message).toMatch(/^no hash value/);
  });

  it('tolerates a BOM, CRLF line ends and a last line without a line break', async () => {
    const a = hex(32);
    const b = hex(32);
    const file = dir.write('bom-crlf.txt', `\ufeff${a}\r\n# c\r\n${b}`);
    const { rows, errors } = await readAll(file);
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.line, hexOf(r)])).toEqual([
      [1, { md5: a }],
      [3, { md5: b }],
    ]);
  });

  it('skips an over-long line with an error and keeps the following lines', async () => {
    const after = hex(32);
    const file = dir.write('huge.txt', `${hex(32)}\n${'a'.repeat(3 * 1024 * 1024)}\n${after}\n`);
    const { rows, errors } = await readAll(file);
    expect(rows.map((r) => r.line)).toEqual([1, 3]);
    expect(hexOf(rows[1])).toEqual({ md5: after });
    expect(errors).toEqual([{ line: 2, message: expect.stringMatching(/^line is 3145728 bytes long, more than the limit of \d+ bytes; skipped$/) }]);
  });

  it('parses single lines into fields without validating them', () => {
    expect(parseTextLine('  # x')).toBeNull();
    expect(parseTextLine('')).toBeNull();
    expect(parseTextLine('PDQ : abc extra words')).toEqual({ type: 'PDQ', hash: 'abc', note: 'extra words' });
    expect(parseTextLine('0123abcd *name with spaces')).toEqual({ hash: '0123abcd', note: 'name with spaces' });
    expect(parseTextLine('hello world')).toEqual({ hash: 'hello' });
  });
});
