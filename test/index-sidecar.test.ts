/**
 * The warm-start file beside the index (memory-sidecar.ts): a matcher in a new process loads the saved
 * in-memory index instead of building it, with answers equal to brute force at every radius; a file that
 * no longer matches the index (after an import, a removal, a write by a version without content stamps)
 * or that is damaged (a flipped byte, truncated) is ignored and rebuilt, never answered from; an index
 * in a folder that cannot be written to still answers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordsToHex } from '../src/hashing/bits.js';
import { signalTypeByName } from '../src/hashing/signals.js';
import { knownMatcher } from '../src/index-store/entry-reads.js';
import { removeList } from '../src/index-store/list-removal.js';
import { importList } from '../src/index-store/list-writer.js';
import { sidecarPath } from '../src/index-store/memory-sidecar.js';
import { openIndex } from '../src/index-store/open-index.js';
import type { ImportItem } from '../src/index-store/types.js';
import { loadCodes } from '../src/index-store/value-reads.js';
import { bruteForceSearch } from '../src/search/brute-force.js';
import { codeSet, prng, queriesFor, type CodeSetKind } from './index-fixtures.js';

const pdq = signalTypeByName('pdq')!;
const KINDS: CodeSetKind[] = ['random', 'clustered', 'degenerate', 'mixed'];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hashtriage-sidecar-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function importCodes(db: string, list: string, codes: Uint32Array, from: number, to: number, quality?: (i: number) => number): Promise<void> {
  const store = openIndex(db);
  try {
    async function* rows(): AsyncGenerator<ImportItem> {
      for (let i = from; i < to; i++) {
        yield { kind: 'row', row: { line: i + 1, hashes: [{ signal: 'pdq', value: codes.slice(i * 8, i * 8 + 8) }], meta: { category: `c${i % 3}`, quality: quality?.(i) } } };
      }
    }
    await importList(store, { name: list, sourcePath: `${list}.csv`, fileSha256: null, format: 'csv' }, rows());
  } finally {
    store.close();
  }
}

/** The index's answers through a new read-only matcher (as a new `match`/`scan` process has), and where its in-memory index came from. */
function answer(db: string, queries: Uint32Array[], threshold: number, includeLowQuality = false) {
  const store = openIndex(db, { readonly: true });
  try {
    const matcher = knownMatcher(store);
    const got = matcher.matchValues(pdq, queries, { threshold, path: 'memory', includeLowQuality });
    return { origin: matcher.memoryOrigin(pdq, includeLowQuality), matches: got.map((o) => o.matches.map((m) => [m.hash, m.distance])) };
  } finally {
    store.close();
  }
}

/** Brute force over the index's current values (low-quality ones left out unless asked). */
function expected(db: string, queries: Uint32Array[], threshold: number, includeLowQuality = false) {
  const store = openIndex(db, { readonly: true });
  try {
    const stored = loadCodes(store, pdq);
    const low = new Set(stored.lowQualityIds);
    return queries.map((q) =>
      bruteForceSearch(stored.codes, stored.count, q, threshold)
        .filter((h) => includeLowQuality || !low.has(stored.ids[h.index]))
        .map((h) => [wordsToHex(stored.codes.subarray(h.index * 8, h.index * 8 + 8), 256), h.distance] as [string, number])
        .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
    );
  } finally {
    store.close();
  }
}

function queryList(codes: Uint32Array, n: number, count: number, seed: number, maxFlips = 45): Uint32Array[] {
  const flat = queriesFor(prng(seed), codes, n, count, maxFlips);
  return Array.from({ length: count }, (_, q) => flat.slice(q * 8, q * 8 + 8));
}

describe('the warm-start file', () => {
  for (const [k, kind] of KINDS.entries()) {
    it(`${kind} codes: a new process answers from the saved index, equal to brute force at every radius 0-64`, async () => {
      const db = path.join(dir, `${kind}.db`);
      const codes = codeSet(kind, prng(700 + k), 2000);
      await importCodes(db, kind, codes, 0, 2000);
      const file = sidecarPath(db, pdq, false);
      expect(existsSync(file)).toBe(false);
      const queries = queryList(codes, 2000, 8, 800 + k);
      const first = answer(db, queries, 31);
      expect(first.origin).toBe('built');
      expect(existsSync(file)).toBe(true);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      let hits = 0;
      for (let r = 0; r <= 64; r++) {
        const got = answer(db, queries, r);
        expect(got.origin).toBe('sidecar');
        const want = expected(db, queries, r);
        expect(got.matches).toEqual(want);
        hits += want.flat().length;
      }
      expect(hits).toBeGreaterThan(0);
    });
  }

  it('is ignored and rewritten after an import, a removal, and a write that did not renew the stamp', async () => {
    const db = path.join(dir, 'stale.db');
    const codes = codeSet('clustered', prng(900), 3000);
    await importCodes(db, 'first', codes, 0, 2000);
    const queries = queryList(codes, 3000, 10, 901);
    expect(answer(db, queries, 40).origin).toBe('built');
    expect(answer(db, queries, 40).origin).toBe('sidecar');

    await importCodes(db, 'second', codes, 2000, 3000); // appended values must be found
    const afterImport = answer(db, queries, 40);
    expect(afterImport.origin).toBe('built');
    expect(afterImport.matches).toEqual(expected(db, queries, 40));
    expect(answer(db, queries, 40).origin).toBe('sidecar');

    const store = openIndex(db);
    removeList(store, 'first'); // removed values must not be found
    store.close();
    const afterRemoval = answer(db, queries, 40);
    expect(afterRemoval.origin).toBe('built');
    expect(afterRemoval.matches).toEqual(expected(db, queries, 40));
    expect(answer(db, queries, 40).origin).toBe('sidecar');

    // a version without content stamps bumps the generation when it removes values, and leaves the stamp as it was
    const raw = new Database(db);
    raw.prepare(`UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'generation'`).run();
    raw.close();
    expect(answer(db, queries, 40).origin).toBe('built');
    expect(answer(db, queries, 40).origin).toBe('sidecar');
  });

  it('keeps the choice about low-quality values apart (one file each)', async () => {
    const db = path.join(dir, 'quality.db');
    const codes = codeSet('random', prng(950), 1500);
    await importCodes(db, 'q', codes, 0, 1500, (i) => (i % 4 === 0 ? 10 : 90));
    const queries = queryList(codes, 1500, 8, 951);
    for (const includeLow of [false, true]) {
      expect(answer(db, queries, 31, includeLow).origin).toBe('built');
      const again = answer(db, queries, 31, includeLow);
      expect(again.origin).toBe('sidecar');
      expect(again.matches).toEqual(expected(db, queries, 31, includeLow));
    }
    expect(existsSync(sidecarPath(db, pdq, false))).toBe(true);
    expect(existsSync(sidecarPath(db, pdq, true))).toBe(true);
  });

  it('is rebuilt, never answered from, when a byte is flipped or the file is cut short', async () => {
    const db = path.join(dir, 'corrupt.db');
    const codes = codeSet('mixed', prng(990), 2000);
    await importCodes(db, 'c', codes, 0, 2000);
    const queries = queryList(codes, 2000, 10, 991);
    const want = expected(db, queries, 31);
    expect(answer(db, queries, 31).origin).toBe('built');
    const file = sidecarPath(db, pdq, false);
    const good = readFileSync(file);
    const damage: Array<[string, () => void]> = [
      ['a payload byte', () => flip(file, good, Math.floor(good.length / 2))],
      ['the last byte', () => flip(file, good, good.length - 1)],
      ['a header byte', () => flip(file, good, 20)],
      ['the magic', () => flip(file, good, 0)],
      ['truncation', () => {
        writeFileSync(file, good);
        truncateSync(file, good.length - 4096);
      }],
      ['an empty file', () => writeFileSync(file, '')],
    ];
    for (const [what, spoil] of damage) {
      spoil();
      const got = answer(db, queries, 31);
      expect(got.origin, what).toBe('built');
      expect(got.matches, what).toEqual(want);
      expect(readFileSync(file).equals(good), what).toBe(true); // rewritten as it was
      expect(answer(db, queries, 31).origin, what).toBe('sidecar');
    }
  });

  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  it.skipIf(!asRoot)('an index in a read-only folder answers without one (and uses one that is there)', async (ctx) => {
    const media = path.join(dir, 'media');
    mkdirSync(media);
    const db = path.join(media, 'index.db');
    const codes = codeSet('random', prng(1100), 1500);
    await importCodes(db, 'ro', codes, 0, 1500);
    const queries = queryList(codes, 1500, 8, 1101);
    const want = expected(db, queries, 31);
    const target = path.join(dir, 'ro-media');
    mkdirSync(target);
    if (spawnSync('mount', ['--bind', media, target]).status !== 0) return ctx.skip();
    if (spawnSync('mount', ['-o', 'remount,ro,bind', target]).status !== 0) {
      spawnSync('umount', [target]);
      return ctx.skip();
    }
    try {
      const roDb = path.join(target, 'index.db');
      for (let run = 0; run < 2; run++) {
        const got = answer(roDb, queries, 31);
        expect(got.origin).toBe('built');
        expect(got.matches).toEqual(want);
      }
      expect(readdirSync(media)).toEqual(['index.db']);
    } finally {
      spawnSync('umount', [target]);
    }
    // written on writable storage, then read from the read-only copy
    expect(answer(db, queries, 31).origin).toBe('built');
    if (spawnSync('mount', ['--bind', media, target]).status !== 0 || spawnSync('mount', ['-o', 'remount,ro,bind', target]).status !== 0) return;
    try {
      const got = answer(path.join(target, 'index.db'), queries, 31);
      expect(got.origin).toBe('sidecar');
      expect(got.matches).toEqual(want);
    } finally {
      spawnSync('umount', [target]);
    }
  });
});

function flip(file: string, good: Buffer, at: number): void {
  const bad = Buffer.from(good);
  bad[at] ^= 0x10;
  writeFileSync(file, bad);
}

describe('when a batch loads the in-memory index', () => {
  it('loads a current saved copy from 16 distinct queries, and builds only from 64', async () => {
    const db = path.join(dir, 'threshold.db');
    const codes = codeSet('random', prng(7), 3000);
    await importCodes(db, 'known', codes, 0, 3000);
    const all = queriesFor(prng(8), codes, 3000, 64, 8);
    const queries = Array.from({ length: 64 }, (_, i) => all.slice(i * 8, i * 8 + 8));
    const origin = (n: number) => {
      const store = openIndex(db, { readonly: true });
      try {
        const matcher = knownMatcher(store);
        matcher.matchValues(pdq, queries.slice(0, n), { threshold: 31 });
        return matcher.memoryOrigin(pdq);
      } finally {
        store.close();
      }
    };
    // no saved copy yet: a small batch stays on the SQLite path, 64 queries build (and save) the index
    expect(origin(16)).toBeNull();
    expect(origin(64)).toBe('built');
    // a current copy: 16 queries load it, 15 do not
    expect(origin(16)).toBe('sidecar');
    expect(origin(15)).toBeNull();
    // a copy that no longer describes the index (a value appended) is not a reason to load
    await importCodes(db, 'more', codeSet('random', prng(9), 10), 0, 10);
    expect(origin(16)).toBeNull();
  });
});
