import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFormat, readList } from '../src/index-store/import/read-list.js';
import { hex, hexOf, listDir, policy, readAll } from './support/import-lists.js';

const dir = listDir();
afterAll(() => dir.cleanup());

describe('list format detection', () => {
  it('recognises each format from its first bytes', () => {
    expect(detectFormat(`${hex(32)}\n${hex(40)}\n`)).toBe('text');
    expect(detectFormat(`# comment\nmd5:${hex(32)}\n`)).toBe('text');
    expect(detectFormat(`md5\t${hex(32)}\n`)).toBe('text'); // typed text line, not a TSV header
    expect(detectFormat(`${hex(32)}  a file.jpg\n`)).toBe('text');
    expect(detectFormat('MD5,Category\nx,y\n')).toBe('csv');
    expect(detectFormat('# exported\n"SHA-1";"Series"\n')).toBe('csv');
    expect(detectFormat('pdq_hash\tquality\n')).toBe('tsv');
    expect(detectFormat('md5\n' + hex(32) + '\n')).toBe('csv');
    expect(detectFormat(`{"md5":"${hex(32)}"}\n{"md5":"${hex(32)}"}\n`)).toBe('ndjson');
    expect(detectFormat(`{"odata.metadata":"x","value":[{"Media":[]}]}`)).toBe('vics');
    expect(detectFormat('{\n  "@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media",\n  "value": [\n')).toBe('vics');
    expect(detectFormat('{\n  "value": [\n')).toBe('vics');
  });

  it('detects from the file content, after a BOM, and --format overrides detection', async () => {
    const a = hex(32);
    const bomCsv = dir.write('list.txt', `\ufeffmd5,note\n${a},x\n`);
    expect((await readAll(bomCsv)).format).toBe('csv');
    const forced = await readAll(bomCsv, { format: 'text' });
    expect(forced.format).toBe('text');
    expect(forced.rows.map((r) => hexOf(r))).toEqual([]);
    expect(forced.errors.map((e) => e.line)).toEqual([1, 2]);

    const nd = dir.write('list.data', `\ufeff{"sha1":"${hex(40)}"}\n`);
    expect((await readAll(nd)).format).toBe('ndjson');
  });

  it('refuses files that are not text lists with a clear error naming the path', async () => {
    const cases: Array<[string, string | Buffer, RegExp]> = [
      ['list.gz', gzipSync(`${hex(32)}\n`), /list\.gz: gzip-compressed; decompress it first/],
      ['list16.txt', Buffer.from(`\ufeff${hex(32)}\n`, 'utf16le'), /UTF-16/],
      ['list16be.txt', Buffer.from(`md5,note\n${hex(32)},x\n`, 'utf16le').swap16(), /UTF-16 text \(no byte-order mark\); save it as UTF-8/],
      ['list.bin', Buffer.from([0x30, 0x31, 0x00, 0x32]), /binary data/],
      ['array.json', `[{"md5":"${hex(32)}"}]`, /a JSON array; hashtriage reads NDJSON/],
    ];
    for (const [name, content, message] of cases) {
      const file = dir.write(name, content);
      await expect(readList(file, { severity: policy })).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringMatching(message) });
    }
  });

  it('reports a missing file as NOT_FOUND and a directory as UNREADABLE, with the path', async () => {
    const missing = `${dir.path}/does-not-exist.csv`;
    await expect(readList(missing, { severity: policy })).rejects.toMatchObject({ code: 'NOT_FOUND', message: `${missing}: no such file` });
    await expect(readList(dir.path, { severity: policy })).rejects.toMatchObject({ code: 'UNREADABLE', message: expect.stringContaining(dir.path) });
  });

  it('rejects unknown options as usage errors', async () => {
    const file = dir.write('ok.txt', `${hex(32)}\n`);
    await expect(readList(file, { severity: policy, format: 'xml' as 'csv' })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(readList(file, { severity: policy, type: 'crc32' as 'md5' })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(readList(file, { severity: policy, scheme: 'nope' })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/ncmec, caid, projectvic/) });
  });

  it('reads an empty file as a list without rows', async () => {
    const r = await readAll(dir.write('empty.txt', ''));
    expect(r).toMatchObject({ format: 'text', rows: [], errors: [] });
  });
});
