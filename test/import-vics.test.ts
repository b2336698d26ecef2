import { afterAll, describe, expect, it } from 'vitest';
import { hex, hexOf, listDir, readAll } from './support/import-lists.js';

const dir = listDir();
afterAll(() => dir.cleanup());

type Media = Record<string, unknown>;

/** A pretty-printed VICS 1.3 case file; returns the text and the line of each Media entry's opening brace. */
function vics13(media: Media[], bom = false): { text: string; lines: number[] } {
  const head = ['{', '  "odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases",', '  "value": [', '    {', '      "CaseID": "c-1",', '      "Media": ['];
  const out = [...head];
  const lines: number[] = [];
  media.forEach((m, i) => {
    lines.push(out.length + 1);
    const body = JSON.stringify(m, null, 2).split('\n').map((l) => `        ${l}`);
    if (i < media.length - 1) body[body.length - 1] += ',';
    out.push(...body);
  });
  out.push('      ],', '      "SourceApplicationName": "generator"', '    }', '  ]', '}');
  return { text: (bom ? '\ufeff' : '') + out.join('\r\n') + '\r\n', lines };
}

describe('VICS JSON lists', () => {
  it('reads VICS 1.3 cases with string booleans, a BOM and CRLF, reporting each entry by the line of its brace', async () => {
    const m = [
      { MediaID: 1, MD5: hex(32).toUpperCase(), SHA1: hex(40), Category: 1, VictimIdentified: 'true', Series: 'alpha', MediaSize: 10 },
      { MediaID: 2, MD5: hex(32), Category: '2', VictimIdentified: 'True', IsDistributed: 'false' },
      { MediaID: 3, MD5: hex(32), Category: '3', VictimIdentified: '1', Exifs: [{ PropertyName: 'x', PropertyValue: 'y' }] },
      { MediaID: 4, MD5: hex(32), Category: 5, VictimIdentified: 'yes', Comments: 'note here' },
      { MediaID: 5, MD5: hex(32), Category: 0, VictimIdentified: 'False' },
    ];
    const { text, lines } = vics13(m, true);
    const { format, rows, errors } = await readAll(dir.write('cases13.json', text));
    expect(format).toBe('vics');
    expect(errors).toEqual([]);
    expect(rows.map((r) => r.line)).toEqual(lines);
    expect(rows.map((r) => hexOf(r).md5)).toEqual(m.map((x) => (x.MD5 as string).toLowerCase()));
    expect(hexOf(rows[0]).sha1).toBe(m[0].SHA1);
    expect(rows.map((r) => r.meta.victimIdentified)).toEqual([true, true, true, true, false]);
    expect(rows.map((r) => [r.meta.category, r.meta.severity])).toEqual([
      ['1', 1],
      ['2', 4],
      ['3', 4],
      ['5', null],
      ['0', null],
    ]);
    expect(rows[0].meta.series).toBe('alpha');
    expect(rows[0].meta.externalId).toBe('1');
    expect(rows[3].meta.note).toBe('note here');
  });

  it('reads the VICS 2.0 hash-set shape (Media records directly under value) on one line, with PhotoDNA kept opaque', async () => {
    const a = hex(32);
    const b = hex(40);
    const doc = {
      '@odata.context': 'http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media',
      value: [
        { MediaID: 10, Category: 1, MD5: a, PhotoDNA: 'AAECAwQF', IsPrecategorized: 'false', VictimIdentified: 'false' },
        { MediaID: 11, Category: 2, SHA1: b, AlternativeHashes: [{ HashName: 'PhotoDNA', HashValue: 'BQQDAgEA' }] },
      ],
    };
    const { format, rows, errors } = await readAll(dir.write('media20.json', JSON.stringify(doc)));
    expect(format).toBe('vics');
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.line, hexOf(r), r.opaque?.photodna, r.meta.externalId])).toEqual([
      [1, { md5: a }, 'AAECAwQF', '10'],
      [1, { sha1: b }, 'BQQDAgEA', '11'],
    ]);
  });

  it('keeps numeric ids exactly as written, however long', async () => {
    const text = `{"@odata.context":"x#Media","value":[{"MediaID": 12345678901234567890123, "MD5": "${hex(32)}", "Category": 1}]}`;
    const { rows, errors } = await readAll(dir.write('bigid.json', text));
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.meta.externalId, r.meta.category])).toEqual([['12345678901234567890123', '1']]);
  });

  it('reads the VICS 2.0 case shape and leaves UK-model categories unmapped unless a scheme is given', async () => {
    const doc = {
      '@odata.context': 'http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Cases',
      value: [{ CaseID: 'x', Media: [{ MD5: hex(32), Category: 1, VictimIdentified: 'true' }] }],
    };
    const file = dir.write('uk20.json', JSON.stringify(doc, null, 1));
    const plain = await readAll(file);
    expect(plain.rows.map((r) => [r.meta.category, r.meta.severity])).toEqual([['1', null]]);
    const explicit = await readAll(file, { scheme: 'projectvic' });
    expect(explicit.rows.map((r) => r.meta.severity)).toEqual([1]);
  });

  it('skips a bad Media entry with its line and ordinal, and keeps the others', async () => {
    const m = [
      { MD5: hex(32), Category: 1 },
      { MD5: hex(31), Category: 1 },
      { MD5: hex(32), VictimIdentified: 'sometimes' },
      { Category: 1, Series: 'no hashes' },
      { MD5: hex(32), AlternativeHashes: [{ HashName: 'MD5', HashValue: hex(32) }] },
      { MD5: hex(32), Category: 4 },
    ];
    const { text, lines } = vics13(m);
    const { rows, errors } = await readAll(dir.write('bad13.json', text));
    expect(rows.map((r) => r.line)).toEqual([lines[0], lines[5]]);
    expect(errors).toEqual([
      { line: lines[1], message: 'Media entry 2: md5 value has 31 hex digits, expected 32' },
      { line: lines[2], message: expect.stringMatching(/^Media entry 3: victim_identified value "sometimes" is not a boolean/) },
      { line: lines[3], message: expect.stringMatching(/^Media entry 4: no hash value/) },
      { line: lines[4], message: "Media entry 5: fields 'MD5' and 'AlternativeHashes MD5' give different md5 values" },
    ]);
  });

  it('stops at invalid JSON with one error naming the lines, keeping the entries before it', async () => {
    const { text, lines } = vics13([{ MD5: hex(32) }, { MD5: hex(32) }, { MD5: hex(32) }]);
    const broken = text.split('\r\n');
    broken[lines[2]] = broken[lines[2]].replace(':', ' ');
    const { rows, errors } = await readAll(dir.write('broken.json', broken.join('\r\n')));
    expect(rows.map((r) => r.line)).toEqual([lines[0], lines[1]]);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/^not valid JSON .* in line(s \d+–)?\d+; the rest of the file was not read$/);
    const [, from, to] = /in lines? (\d+)(?:–(\d+))?/.exec(errors[0].message)!;
    expect(Number(from)).toBeLessThanOrEqual(lines[2] + 1);
    expect(Number(to ?? from)).toBeGreaterThanOrEqual(lines[2] + 1);
  });

  it('reports a truncated file and a JSON document that is not VICS', async () => {
    const { text } = vics13([{ MD5: hex(32) }, { MD5: hex(32) }]);
    const truncated = await readAll(dir.write('trunc.json', text.slice(0, text.length - 20)));
    expect(truncated.rows).toHaveLength(2);
    expect(truncated.errors).toEqual([{ line: expect.any(Number), message: 'the file ends inside the JSON document (truncated?)' }]);

    const other = await readAll(dir.write('other.json', '{\n  "name": "not a list",\n  "items": []\n}\n'), { format: 'vics' });
    expect(other.rows).toEqual([]);
    expect(other.errors).toEqual([{ line: 1, message: 'no "value" list: not a VICS JSON document' }]);
  });

  it('skips a Media entry larger than the limit without holding it', async () => {
    const big = { MD5: hex(32), Comments: 'c'.repeat(300_000) };
    const { text, lines } = vics13([{ MD5: hex(32) }, big, { MD5: hex(32) }]);
    const { rows, errors } = await readAll(dir.write('bigentry.json', text), { maxLineBytes: 100_000 });
    expect(rows.map((r) => r.line)).toEqual([lines[0], lines[2]]);
    expect(errors).toEqual([{ line: lines[1], message: 'Media entry 2: larger than 100000 characters; skipped' }]);
  });

  it('skips a Media entry nested too deeply, in constant memory, and reads the entries after it with their lines', async () => {
    const depth = 200_000;
    const deep = `{"MD5": "${hex(32)}", "AlternativeHashes": ${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const { text, lines } = vics13([{ MD5: hex(32) }, { MD5: hex(32), Comments: 'X' }, { MD5: hex(32) }]);
    const withDeep = text.replace('"Comments": "X"', `"Comments": ${'['.repeat(depth)}"[{"${']'.repeat(depth)}`).replace('"SourceApplicationName"', `"Deep": ${deep.replace(/"AlternativeHashes"/, '"x"')},\r\n"SourceApplicationName"`);
    const { rows, errors } = await readAll(dir.write('deep.json', withDeep));
    expect(rows.map((r) => r.line)).toEqual([lines[0], lines[2]]);
    expect(errors).toEqual([{ line: lines[1], message: 'Media entry 2: nested more than 64 levels deep; skipped' }]);
    const alt = vics13([{ MD5: hex(32) }]).text.replace('"Media": [', `"Media": [${deep},`);
    const second = await readAll(dir.write('deep-alt.json', alt));
    expect(second.rows).toHaveLength(1);
    expect(second.errors).toEqual([{ line: 6, message: 'Media entry 1: nested more than 64 levels deep; skipped' }]);
  });

  it('keeps line numbers exact across read chunks in a long file', async () => {
    const m = Array.from({ length: 3000 }, (_, i) => ({ MediaID: i, MD5: hex(32), Category: i % 6, VictimIdentified: i % 2 ? 'true' : 'false' }));
    const { text, lines } = vics13(m);
    expect(text.length).toBeGreaterThan(3 * 64 * 1024);
    const { rows, errors } = await readAll(dir.write('long.json', text));
    expect(errors).toEqual([]);
    expect(rows.map((r) => r.line)).toEqual(lines);
    expect(rows.map((r) => r.meta.externalId)).toEqual(m.map((x) => String(x.MediaID)));
  });
});
