/**
 * `index export --format csv` output imports again with `index import` (through the real list reader)
 * and exports identically, also when list metadata carries text a spreadsheet would run as a formula, or
 * that looks like a negative number.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readList } from '../src/index-store/import/read-list.js';
import { exportLines } from '../src/index-store/index-admin.js';
import { importList } from '../src/index-store/list-writer.js';
import { openIndex } from '../src/index-store/open-index.js';
import type { IndexStore } from '../src/index-store/store.js';
import { hex, policy } from './support/import-lists.js';

const HOSTILE = ['=HYPERLINK("http://evil.example","click")', '+cmd|calc', '-42', '@SUM(1+1)', 'a, "quoted"\nsecond line', '#hash first'];

let dir: string;
let store: IndexStore;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hashtriage-export-'));
  store = openIndex(path.join(dir, 'index.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function importFile(target: IndexStore, name: string, file: string, scheme?: string): Promise<{ added: number; rejected: number }> {
  const reader = await readList(file, { severity: policy, scheme });
  return importList(target, { name, sourcePath: file, fileSha256: null, format: reader.format }, reader.items);
}

describe('index export → index import', () => {
  it('gives back every entry of a list with hostile metadata', async () => {
    const ndjson = HOSTILE.map((v, i) =>
      JSON.stringify({ md5: hex(32), category: v, series: v, victim_identified: i % 2 === 0, id: v, added_at: v, note: v, ...(i === 0 ? { pdq: hex(64), quality: 80 } : {}) }),
    );
    const list = path.join(dir, 'hostile.ndjson');
    writeFileSync(list, `${ndjson.join('\n')}\n`);
    expect(await importFile(store, 'hostile', list)).toMatchObject({ added: HOSTILE.length, rejected: 0 });

    const exported = [...exportLines(store, 'csv', 'hostile')];
    const file = path.join(dir, 'exported.csv');
    writeFileSync(file, exported.join(''));
    const copy = openIndex(path.join(dir, 'copy.db'));
    try {
      // One exported line per stored value: the row with md5 and pdq comes back as two entries.
      expect(await importFile(copy, 'hostile', file)).toMatchObject({ added: HOSTILE.length + 1, rejected: 0 });
      expect([...exportLines(copy, 'csv', 'hostile')]).toEqual(exported);
    } finally {
      copy.close();
    }
  });

  it('writes no cell a spreadsheet would run, and gives back values that start with an apostrophe', async () => {
    const values = [...HOSTILE, "'=already protected", "''+twice"];
    writeFileSync(path.join(dir, 'l.ndjson'), values.map((v) => JSON.stringify({ md5: hex(32), note: v, id: v })).join('\n'));
    await importFile(store, 'l', path.join(dir, 'l.ndjson'));
    const exported = [...exportLines(store, 'csv', 'l')];
    expect(exported.join('')).not.toMatch(/(^|,|\n)"?[=+\-@\t\r]/);
    writeFileSync(path.join(dir, 'l.csv'), exported.join(''));
    const copy = openIndex(path.join(dir, 'copy.db'));
    try {
      expect(await importFile(copy, 'l', path.join(dir, 'l.csv'))).toMatchObject({ added: values.length, rejected: 0 });
      expect([...exportLines(copy, 'csv', 'l')]).toEqual(exported);
    } finally {
      copy.close();
    }
  });

  for (const format of ['csv', 'ndjson'] as const) {
    it(`keeps each entry's category scheme through ${format}, so every label rates as it did`, async () => {
      // Labels that inference would rate otherwise: 'A' is CAID's under inference, unknown to Project VIC;
      // 'A1' is NCMEC's under inference, deliberately unrated in a list imported with --scheme none.
      const labels = ['A', 'A1', '2', 'B'];
      const write = (name: string) => {
        const file = path.join(dir, `${name}.csv`);
        writeFileSync(file, `md5,category\n${labels.map((l) => `${hex(32)},${l}`).join('\n')}\n`);
        return file;
      };
      await importFile(store, 'pv', write('pv'), 'projectvic');
      await importFile(store, 'unmapped', write('unmapped'), 'none');
      await importFile(store, 'inferred', write('inferred'));
      const ratings = (s: IndexStore) =>
        s.db.prepare(`SELECT l.name, e.category, e.scheme, e.severity FROM entries_md5 e JOIN lists l ON l.id = e.list_id ORDER BY l.name, e.category`).raw().all();
      const before = ratings(store);
      // the three lists rate the same labels differently: a copy that lost the scheme would not compare equal
      const severityOf = (list: string, label: string) => (before as unknown[][]).find((r) => r[0] === list && r[1] === label)![3];
      expect(severityOf('inferred', 'A')).not.toBeNull();
      expect(severityOf('pv', 'A')).toBeNull();
      expect(severityOf('inferred', 'A1')).not.toBeNull();
      expect(severityOf('unmapped', 'A1')).toBeNull();

      const copy = openIndex(path.join(dir, `copy-${format}.db`));
      try {
        for (const list of ['pv', 'unmapped', 'inferred']) {
          const exported = [...exportLines(store, format, list)];
          const file = path.join(dir, `${list}-exported.${format}`);
          writeFileSync(file, exported.join(''));
          expect(await importFile(copy, list, file)).toMatchObject({ added: labels.length, rejected: 0 });
          expect([...exportLines(copy, format, list)]).toEqual(exported);
        }
        expect(ratings(copy)).toEqual(before);
      } finally {
        copy.close();
      }
    });
  }

  it("a row's scheme cell gives its scheme, an unknown one is a row error; --scheme wins over the column", async () => {
    const file = path.join(dir, 'mixed.csv');
    writeFileSync(file, `md5,category,scheme\n${hex(32)},A,\n${hex(32)},A,caid\n${hex(32)},A,NONE\n${hex(32)},A,ncmce\n`);
    const read = async (scheme?: string) => {
      const reader = await readList(file, { severity: policy, scheme });
      const rows: Array<{ scheme: string | null | undefined; severity: number | null | undefined }> = [];
      const errors: string[] = [];
      for await (const item of reader.items) {
        if (item.kind === 'row') rows.push({ scheme: item.row.meta.scheme, severity: item.row.meta.severity });
        else errors.push(`${item.error.line}: ${item.error.message}`);
      }
      return { rows, errors };
    };
    const own = await read();
    expect(own.rows.map((r) => r.scheme)).toEqual([null, 'caid', '']);
    expect(own.rows[1].severity).not.toBeNull();
    expect(own.rows[2].severity).toBeNull();
    expect(own.errors).toEqual([expect.stringMatching(/^5: category scheme 'ncmce' is not defined by the severity policy \(it defines ncmec, /)]);
    // a list whose scheme column means something else is read with --scheme
    const given = await read('projectvic');
    expect(given.rows.map((r) => r.scheme)).toEqual(['projectvic', 'projectvic', 'projectvic', 'projectvic']);
    expect(given.errors).toEqual([]);
  });

  for (const format of ['csv', 'ndjson'] as const) {
    it(`writes PhotoDNA values on the lines of their entries (${format}), so a VICS list imports again without a rejected line`, async () => {
      const file = path.join(dir, 'vics.json');
      const media = Array.from({ length: 3 }, (_, i) => ({ MediaID: i + 1, MD5: hex(32), SHA1: hex(40), PhotoDNA: `AAE${i}`, Category: '2' }));
      writeFileSync(file, JSON.stringify({ 'odata.metadata': 'http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases', value: [{ CaseID: 'c', Media: media }] }));
      expect(await importFile(store, 'pv', file)).toMatchObject({ added: 3, rejected: 0 });
      const exported = [...exportLines(store, format, 'pv')];
      // one line per stored hash value (md5, sha1), each carrying its entry's PhotoDNA; none with PhotoDNA alone
      expect(exported.length).toBe(6 + (format === 'csv' ? 1 : 0));
      const copyFile = path.join(dir, `pv.${format}`);
      writeFileSync(copyFile, exported.join(''));
      const copy = openIndex(path.join(dir, `pv-${format}.db`));
      try {
        expect(await importFile(copy, 'pv', copyFile)).toMatchObject({ rejected: 0 });
        expect([...exportLines(copy, format, 'pv')]).toEqual(exported);
        const opaque = (s: IndexStore) => s.db.prepare(`SELECT kind, value, category, scheme FROM opaque ORDER BY value`).raw().all();
        expect(opaque(copy)).toEqual(opaque(store));
        expect(opaque(copy)).toHaveLength(3);
      } finally {
        copy.close();
      }
    });
  }

  it('gives back PhotoDNA values of entries that share their metadata, also more values than lines', async () => {
    const same = hex(32);
    const file = path.join(dir, 'groups.csv');
    // two entries with the same metadata, and one value listed twice with two PhotoDNA values
    writeFileSync(file, `md5,photodna,category\n${hex(32)},PDNA1,2\n${hex(32)},PDNA2,2\n${same},PDNA3,2\n${same},PDNA4,2\n`);
    expect(await importFile(store, 'g', file)).toMatchObject({ added: 4, rejected: 0 });
    const opaque = (s: IndexStore) => s.db.prepare(`SELECT kind, value FROM opaque ORDER BY value`).raw().all();
    expect(opaque(store)).toHaveLength(4);
    for (const format of ['csv', 'ndjson'] as const) {
      const exported = [...exportLines(store, format, 'g')];
      const out = path.join(dir, `g.${format}`);
      writeFileSync(out, exported.join(''));
      const copy = openIndex(path.join(dir, `g-${format}.db`));
      try {
        expect(await importFile(copy, 'g', out)).toMatchObject({ rejected: 0 });
        expect(opaque(copy)).toEqual(opaque(store));
        expect(copy.db.prepare(`SELECT count(*) FROM entries_md5`).pluck().get()).toBe(3);
        expect([...exportLines(copy, format, 'g')]).toEqual(exported);
      } finally {
        copy.close();
      }
    }
  });
});
