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

async function importFile(target: IndexStore, name: string, file: string): Promise<{ added: number; rejected: number }> {
  const reader = await readList(file, { severity: policy });
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
});
