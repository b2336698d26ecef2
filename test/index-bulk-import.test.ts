import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wordsToBytes } from '../src/hashing/bits.js';
import { signalTypeByName } from '../src/hashing/signals.js';
import { importList } from '../src/index-store/list-writer.js';
import { openIndex } from '../src/index-store/open-index.js';
import type { IndexStore } from '../src/index-store/store.js';
import type { ImportItem } from '../src/index-store/types.js';
import { readIdCodes, verifyBands } from '../src/index-store/band-tables.js';
import { verifyIndex } from '../src/index-store/index-admin.js';
import { verifyChunks } from '../src/index-store/value-chunks.js';
import { orderByStoredBytes } from '../src/index-store/value-order.js';

const pdq = signalTypeByName('pdq')!;
const md5 = signalTypeByName('md5')!;
let s = 7;
const rnd = () => {
  s ^= s << 13;
  s ^= s >>> 17;
  s ^= s << 5;
  return s >>> 0;
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ht-bulk-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** count values of `words` words drawn from a small pool (so that many repeat) or fresh. */
function values(count: number, words: number, pool: Uint32Array[]): Uint32Array {
  const out = new Uint32Array(count * words);
  for (let i = 0; i < count; i++) {
    let v: Uint32Array;
    if (pool.length > 0 && rnd() % 3 === 0) v = pool[rnd() % pool.length];
    else {
      v = new Uint32Array(words).map(() => rnd());
      // shared highest words with another value: ordered by the words below
      if (pool.length > 0 && rnd() % 4 === 0) v[words - 1] = pool[rnd() % pool.length][words - 1];
      pool.push(v);
    }
    out.set(v, i * words);
  }
  return out;
}

describe('orderByStoredBytes', () => {
  it('orders values as SQLite orders their stored bytes, equal values by position', () => {
    for (const words of [1, 4, 8]) {
      const pool: Uint32Array[] = [];
      const v = values(3000, words, pool);
      const order = orderByStoredBytes(v, words, 3000);
      const bytes = (i: number) => wordsToBytes(v.subarray(i * words, i * words + words));
      const expected = Array.from({ length: 3000 }, (_, i) => i).sort((a, b) => Buffer.compare(bytes(a), bytes(b)) || a - b);
      expect(Array.from(order)).toEqual(expected);
    }
  });
});

describe('ValueStore.hashIds', () => {
  it('gives the ids, qualities and new/existing split that hashId gives one value at a time', () => {
    const bulk = openIndex(path.join(dir, 'bulk.db'));
    const single = openIndex(path.join(dir, 'single.db'));
    try {
      const pool: Uint32Array[] = [];
      for (let round = 0; round < 4; round++) {
        const n = 500 + round * 300;
        const v = values(n, 8, pool);
        const q = Int32Array.from({ length: n }, () => (rnd() % 3 === 0 ? -1 : rnd() % 101));
        bulk.beginWrite();
        single.beginWrite();
        const before = single.maxHashId(pdq);
        const got = bulk.hashIds(pdq, v, q, n);
        for (let i = 0; i < n; i++) {
          const id = single.hashId(pdq, v.subarray(i * 8, i * 8 + 8), q[i] < 0 ? null : q[i]);
          // ids differ (the bulk path numbers new values in byte order); the value behind each must not
          const stored = bulk.db.prepare('SELECT value FROM hashes_pdq WHERE id = ?').pluck().get(got.ids[i]) as Buffer;
          expect(stored.equals(wordsToBytes(v.subarray(i * 8, i * 8 + 8)))).toBe(true);
          expect(got.existed[i]).toBe(id <= before ? 1 : 0);
        }
        bulk.commitWrite();
        single.commitWrite();
      }
      const table = (st: IndexStore) =>
        (st.db.prepare('SELECT hex(value) AS v, quality FROM hashes_pdq ORDER BY value').all() as Array<{ v: string; quality: number | null }>);
      expect(table(bulk)).toEqual(table(single));
      // the band and packed-value tables hold every new value (no entries here: verifyIndex would object to that)
      expect(verifyBands(bulk.db, 'hashes_pdq', 'bands_pdq')).toEqual([]);
      expect(verifyChunks(bulk.db, 'hashes_pdq', readIdCodes(bulk.db, 'hashes_pdq'))).toEqual([]);
    } finally {
      bulk.close();
      single.close();
    }
  });

  it('numbers new values in ascending byte order, after every id in use', () => {
    const store = openIndex(path.join(dir, 'order.db'));
    try {
      store.beginWrite();
      store.hashId(md5, new Uint32Array([1, 2, 3, 4]), null);
      const v = values(200, 4, []);
      const { ids } = store.hashIds(md5, v, new Int32Array(200).fill(-1), 200);
      store.commitWrite();
      const rows = store.db.prepare('SELECT id, value FROM hashes_md5 WHERE id > 1 ORDER BY id').raw().all() as Array<[number, Buffer]>;
      for (let i = 1; i < rows.length; i++) expect(Buffer.compare(rows[i - 1][1], rows[i][1])).toBeLessThan(0);
      expect(Math.min(...ids)).toBe(2);
    } finally {
      store.close();
    }
  });
});

describe('bulk import', () => {
  const row = (line: number, value: Uint32Array, meta: Record<string, unknown> = {}): ImportItem => ({ kind: 'row', row: { line, hashes: [{ signal: 'pdq', value }], meta } });
  async function* items(list: ImportItem[]) {
    yield* list;
  }
  const source = (name: string) => ({ name, sourcePath: `${name}.csv`, fileSha256: null, format: 'csv' });

  it('counts rows as added or duplicate across batch boundaries as row-at-a-time writes did', async () => {
    const store = openIndex(path.join(dir, 'dups.db'));
    try {
      const n = 70_000; // more than two batches
      const codes = Array.from({ length: 1000 }, () => new Uint32Array(8).map(() => rnd()));
      const list: ImportItem[] = [];
      let expectedAdded = 0;
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) {
        const c = codes[rnd() % codes.length];
        const meta = { category: rnd() % 2 === 0 ? 'A1' : 'B2', quality: rnd() % 5 === 0 ? null : 50 + (i % 50) };
        const key = `${c.join(',')}|${meta.category}|${meta.quality}`;
        if (!seen.has(key)) expectedAdded++;
        seen.add(key);
        list.push(row(i + 2, c, meta));
      }
      const first = await importList(store, source('big'), items(list));
      expect(first).toMatchObject({ added: expectedAdded, duplicate: n - expectedAdded, rejected: 0 });
      // the value's quality is the first one the file gave
      for (const c of codes.slice(0, 50)) {
        const firstQuality = list.map((it) => (it as Extract<ImportItem, { kind: 'row' }>).row).find((r) => r.hashes[0].value === c && r.meta.quality !== null)?.meta.quality ?? null;
        const stored = store.db.prepare('SELECT quality FROM hashes_pdq WHERE value = ?').pluck().get(wordsToBytes(c));
        expect(stored).toBe(firstQuality);
      }
      const again = await importList(store, source('big'), items(list));
      expect(again).toMatchObject({ added: 0, duplicate: n });
      const other = await importList(store, source('other'), items(list.slice(0, 10)));
      expect(other.added).toBeGreaterThan(0);
      expect(verifyIndex(store)).toMatchObject({ ok: true, problems: [] });
    } finally {
      store.close();
    }
  });

  it('leaves every entry pointing at its value and list, and reference checks on, after imports that run without them', async () => {
    const store = openIndex(path.join(dir, 'refs.db'));
    try {
      const codes = Array.from({ length: 12_000 }, () => new Uint32Array(8).map(() => rnd()));
      const list = codes.map((c, i) => row(i + 2, c, { category: 'A1', externalId: `x${i}` }));
      await importList(store, source('a'), items(list));
      await importList(store, source('b'), items(list.slice(0, 6_000)));
      // --replace removes entries and the values no list holds any more
      await importList(store, source('a'), items(list.slice(9_000)), { replace: true });
      // a failing import (an error thrown by the reader mid-way) rolls back and still restores the checks
      async function* broken() {
        yield* list.slice(0, 100);
        throw new Error('disk gone');
      }
      await expect(importList(store, source('c'), broken())).rejects.toThrow('disk gone');
      expect(store.db.pragma('foreign_key_check')).toEqual([]);
      expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(store.db.prepare('SELECT count(*) FROM entries_pdq').pluck().get()).toBe(6_000 + 3_000);
      expect(store.db.prepare('SELECT count(*) FROM hashes_pdq').pluck().get()).toBe(9_000);
      expect(verifyIndex(store)).toMatchObject({ ok: true, problems: [] });
      // the connection checks references again outside imports
      expect(() => store.db.prepare('INSERT INTO entries_pdq (hash_id, list_id, meta_key, imported_at) VALUES (999999, 1, x\'00\', \'now\')').run()).toThrow(/FOREIGN KEY/);
    } finally {
      store.close();
    }
  }, 30_000);

  it('takes one value given in tens of thousands of rows in linear time', async () => {
    const store = openIndex(path.join(dir, 'same.db'));
    try {
      const value = new Uint32Array(8).fill(0x12345678);
      const list = Array.from({ length: 60_000 }, (_, i) => row(i + 2, value, { category: i % 2 === 0 ? 'A1' : 'B2' }));
      const summary = await importList(store, source('same'), items(list));
      expect(summary).toMatchObject({ added: 2, duplicate: 59_998 });
      expect(store.db.prepare('SELECT count(*) FROM entries_pdq').pluck().get()).toBe(2);
    } finally {
      store.close();
    }
  }, 20_000);
});
