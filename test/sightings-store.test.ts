/**
 * The sightings store as a scan relies on it: the first sighting of each value wins, the matcher finds
 * sightings near a query, and an index written by the earlier version (sightings kept as the '@seen' list)
 * is upgraded so that it holds known material only, its sightings moved beside it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hexToWords } from '../src/hashing/bits.js';
import { signalTypeByName } from '../src/hashing/signals.js';
import { knownMatcher } from '../src/index-store/entry-reads.js';
import { listInfos, listsDigest, verifyIndex } from '../src/index-store/index-admin.js';
import { importList } from '../src/index-store/list-writer.js';
import { IndexMatcher } from '../src/index-store/matcher.js';
import { openIndex } from '../src/index-store/open-index.js';
import { defaultSightingsPath } from '../src/index-store/db-path.js';
import { openSightings, type SightingsStore } from '../src/sightings/sightings-store.js';
import { flipBits, prng, randomCodes } from './index-fixtures.js';

const pdq = signalTypeByName('pdq')!;
const md5 = signalTypeByName('md5')!;
const MD5 = '0cf11daa7ec18717b6e36f41de607c35';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hashtriage-sightings-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const code = (codes: Uint32Array, i: number) => codes.slice(i * 8, i * 8 + 8);
const matcherOf = (store: SightingsStore) => new IndexMatcher(store, (signal, ids) => store.sightingsOf(signal, ids));

describe('sightings store', () => {
  it('keeps the first sighting of each value, found near a query by the matcher', () => {
    const store = openSightings(path.join(dir, 's.db'))!;
    try {
      const codes = randomCodes(prng(10), 3);
      const at = '2024-05-01T10:00:00.000Z';
      expect(
        store.record('case-1', [
          { signal: 'pdq', value: code(codes, 0), quality: 100, path: 'a/x.jpg', seenAt: at },
          { signal: 'md5', value: hexToWords(MD5, 128)!, path: 'a/x.jpg', seenAt: at },
        ]),
      ).toEqual({ recorded: 2, alreadySeen: 0 });
      expect(store.record('case-1', [{ signal: 'pdq', value: code(codes, 0), path: 'a/x.jpg', seenAt: at }])).toEqual({ recorded: 0, alreadySeen: 1 });
      // a later scan does not replace the first sighting; an earlier one (recorded late) does
      store.record('case-2', [{ signal: 'pdq', value: code(codes, 0), path: 'b/y.jpg', seenAt: '2024-06-01T00:00:00.000Z' }]);
      const near = code(codes, 0);
      flipBits(prng(11), near, 0, 9);
      const matcher = matcherOf(store);
      let [out] = matcher.matchValues(pdq, [near]);
      expect(out.matches).toHaveLength(1);
      expect(out.matches[0]).toMatchObject({ distance: 9, entries: [{ scan: 'case-1', path: 'a/x.jpg', seenAt: at }] });
      store.record('case-0', [{ signal: 'pdq', value: code(codes, 0), path: 'c/z.jpg', seenAt: '2024-01-01T00:00:00.000Z' }]);
      [out] = matcher.matchValues(pdq, [near]);
      expect(out.matches[0].entries).toEqual([{ scan: 'case-0', path: 'c/z.jpg', seenAt: '2024-01-01T00:00:00.000Z' }]);
      expect(matcher.matchValues(md5, [hexToWords(MD5, 128)!])[0].matches[0]).toMatchObject({ distance: 0, entries: [{ scan: 'case-1' }] });
      expect(store.counts()).toMatchObject({ pdq: 1, md5: 1 });
    } finally {
      store.close();
    }
  });

  it('refuses a file that is not a sightings store, and an index refuses a sightings store', () => {
    const indexFile = path.join(dir, 'index.db');
    openIndex(indexFile).close();
    expect(() => openSightings(indexFile)).toThrow(/hashtriage-index file, not a sightings store/);
    const sightingsFile = path.join(dir, 'index.sightings.db');
    openSightings(sightingsFile)!.close();
    expect(() => openIndex(sightingsFile)).toThrow(/hashtriage-sightings file, not a hashtriage index/);
    expect(openSightings(path.join(dir, 'absent.db'), { readonly: true })).toBeNull();
  });

  it('is beside the index by default', () => {
    expect(defaultSightingsPath(path.join('cases', 'hashtriage.db'))).toBe(path.join('cases', 'hashtriage.sightings.db'));
    expect(defaultSightingsPath('lists')).toBe('lists.sightings.db');
  });
});

describe('an index written by the earlier version', () => {
  /** Builds an index as the earlier version left it: schema 1, no format mark, sightings as the '@seen' list. */
  async function legacyIndex(file: string, knownCode: Uint32Array, seenCode: Uint32Array): Promise<void> {
    const store = openIndex(file);
    await importList(store, { name: 'known', sourcePath: 'k.csv', fileSha256: 'k', format: 'csv' }, (async function* () {
      yield { kind: 'row' as const, row: { line: 2, hashes: [{ signal: 'pdq', value: knownCode }], meta: { category: 'A1' } } };
    })());
    store.close();
    // the earlier version recorded sightings through the same value tables, as entries of a 'seen' list
    const seen = openIndex(file);
    seen.writeTransaction(() => {
      const listId = Number(seen.db.prepare(`INSERT INTO lists (name, kind, imported_at, format) VALUES ('@seen', 'seen', '2024-01-01T00:00:00Z', 'scan')`).run().lastInsertRowid);
      for (const [value, p] of [[seenCode, 'case/new.jpg'], [knownCode, 'case/known.jpg']] as const) {
        const id = seen.hashId(pdq, value, 90);
        seen.db
          .prepare(`INSERT INTO entries_pdq (hash_id, list_id, meta_key, external_id, added_at, note, quality, imported_at) VALUES (?, ?, zeroblob(16), 'scan-1', '2024-01-02T00:00:00.000Z', ?, 90, '2024-01-02T00:00:00Z')`)
          .run(id, listId, `scan-1: ${p}`);
      }
    });
    seen.close();
    const raw = new Database(file);
    raw.exec(`DELETE FROM meta WHERE key = 'format'; PRAGMA user_version = 1;`);
    raw.close();
  }

  it('is upgraded on first open: its sightings move beside it and only known material stays', async () => {
    const file = path.join(dir, 'old.db');
    const codes = randomCodes(prng(3), 2);
    await legacyIndex(file, code(codes, 0), code(codes, 1));
    const store = openIndex(file, { readonly: true });
    try {
      expect(listInfos(store).map((l) => l.name)).toEqual(['known']);
      const hits = knownMatcher(store).matchValues(pdq, [code(codes, 0), code(codes, 1)], { threshold: 0 });
      expect(hits[0].matches[0].entries.map((e) => e.list)).toEqual(['known']);
      expect(hits[1].matches).toEqual([]); // the sighting is not known material
      expect(verifyIndex(store).ok).toBe(true);
      expect(listsDigest(store)).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      store.close();
    }
    const sightings = openSightings(defaultSightingsPath(file), { readonly: true })!;
    try {
      const found = matcherOf(sightings).matchValues(pdq, [code(codes, 0), code(codes, 1)], { threshold: 0 });
      expect(found[0].matches[0].entries).toEqual([{ scan: 'scan-1', path: 'case/known.jpg', seenAt: '2024-01-02T00:00:00.000Z' }]);
      expect(found[1].matches[0].entries).toEqual([{ scan: 'scan-1', path: 'case/new.jpg', seenAt: '2024-01-02T00:00:00.000Z' }]);
    } finally {
      sightings.close();
    }
  });
});
