import { afterAll, describe, expect, it } from 'vitest';
import { hex, hexOf, listDir, readAll } from './support/import-lists.js';

const dir = listDir();
afterAll(() => dir.cleanup());

describe('NDJSON lists', () => {
  it('reads one object per line with the CSV field names and synonyms', async () => {
    const pdq = hex(64);
    const md5 = hex(32);
    const lines = [
      JSON.stringify({ pdq_hash: pdq, quality: 93, category: 'Category A', VictimIdentified: 'False', series: ['s1', 's2'], id: 12 }),
      '',
      JSON.stringify({ 'MD5 Hash': md5.toUpperCase(), comment: 'x', added_at: '2020-05-01T00:00:00Z', victim_identified: true }),
    ];
    const { format, rows, errors } = await readAll(dir.write('a.ndjson', `\ufeff${lines.join('\r\n')}\r\n`));
    expect(format).toBe('ndjson');
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.line, hexOf(r)])).toEqual([
      [1, { pdq }],
      [3, { md5 }],
    ]);
    expect(rows[0].meta).toMatchObject({ quality: 93, category: 'Category A', severity: 1, victimIdentified: false, series: 's1, s2', externalId: '12' });
    expect(rows[1].meta).toMatchObject({ note: 'x', addedAt: '2020-05-01T00:00:00Z', victimIdentified: true, severity: null });
  });

  it('reports lines that are not JSON objects or carry bad values, and imports the rest', async () => {
    const good = hex(40);
    const lines = [
      '{"sha1": "' + hex(40) + '"', // 1: truncated JSON
      '[1, 2]', // 2: not an object
      JSON.stringify({ sha1: 1234 }), // 3: hash as number
      JSON.stringify({ sha1: hex(40), quality: 101 }), // 4: quality out of range
      JSON.stringify({ sha1: hex(40), victim_identified: 'perhaps' }), // 5: bad boolean
      JSON.stringify({ sha1: hex(40), SHA1: hex(40) }), // 6: two keys for one field
      JSON.stringify({ hash: hex(64), type: 'ssdeep' }), // 7: unknown type
      JSON.stringify({ sha1: good, category: { nested: true } }), // 8: category of the wrong shape
      JSON.stringify({ sha1: good }), // 9: good
    ];
    const { rows, errors } = await readAll(dir.write('bad.ndjson', lines.join('\n')));
    expect(rows.map((r) => [r.line, hexOf(r)])).toEqual([[9, { sha1: good }]]);
    expect(errors.map((e) => e.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(errors[0].message).toMatch(/^not valid JSON/);
    expect(errors[1].message).toBe('expected a JSON object, got a list');
    expect(errors[2].message).toBe('sha1 value must be text, got number 1234');
    expect(errors[3].message).toBe("quality '101' is not an integer from 0 to 100");
    expect(errors[4].message).toMatch(/not a boolean/);
    expect(errors[5].message).toBe("keys 'sha1' and 'SHA1' both give sha1");
    expect(errors[6].message).toMatch(/^unknown hash type 'ssdeep'/);
    expect(errors[7].message).toBe('category must be text or a number, got an object');
  });

  it('skips an over-long line with an error and keeps reading', async () => {
    const after = hex(32);
    const lines = [JSON.stringify({ md5: hex(32), note: 'n'.repeat(2 * 1024 * 1024) }), JSON.stringify({ md5: after })];
    const { format, rows, errors } = await readAll(dir.write('huge.ndjson', lines.join('\n')));
    expect(format).toBe('ndjson');
    expect(rows.map((r) => [r.line, hexOf(r)])).toEqual([[2, { md5: after }]]);
    expect(errors).toEqual([{ line: 1, message: expect.stringMatching(/^line is \d+ bytes long, more than the limit of 1048576 bytes; skipped$/) }]);
  });
});
