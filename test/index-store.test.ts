/**
 * The index store as a user relies on it: imports that are atomic (even when the process is killed),
 * re-imports that change nothing, --replace and remove that leave no stale values, export that
 * round-trips, quality flags, and `verify` catching inconsistencies.
 */
import { knownMatcher } from '../src/index-store/entry-reads.js';
import { importList } from '../src/index-store/list-writer.js';
import { removeList } from '../src/index-store/list-removal.js';
import { exportLines, indexStats, listInfos, verifyIndex } from '../src/index-store/index-admin.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hexToWords, wordsToHex } from '../src/hashing/bits.js';
import { signalTypeByName } from '../src/hashing/signals.js';
import type { SignalName } from '../src/hashing/signal-type.js';
import { openIndex } from '../src/index-store/open-index.js';
import { resolveDbPath } from '../src/index-store/db-path.js';
import type { IndexStore } from '../src/index-store/store.js';
import type { EntryMeta, ImportItem, ImportRow } from '../src/index-store/types.js';
import { prng, randomCodes } from './index-fixtures.js';

const pdq = signalTypeByName('pdq')!;

let dir: string;
let store: IndexStore;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hashtriage-store-'));
  store = openIndex(path.join(dir, 'index.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function code(codes: Uint32Array, i: number): Uint32Array {
  return codes.slice(i * 8, i * 8 + 8);
}

function pdqRow(line: number, value: Uint32Array, meta: EntryMeta = {}): ImportItem {
  return { kind: 'row', row: { line, hashes: [{ signal: 'pdq', value }], meta } };
}

async function* items(list: readonly ImportItem[]): AsyncGenerator<ImportItem> {
  for (const item of list) yield item;
}

function source(name: string, digest: string | null = null) {
  return { name, sourcePath: `/somewhere/${name}.csv`, fileSha256: digest, format: 'csv' };
}

describe('importList', () => {
  it('imports good rows, reports bad ones with their lines, stores each distinct value once', async () => {
    const codes = randomCodes(prng(1), 5);
    const list: ImportItem[] = [
      pdqRow(2, code(codes, 0), { category: 'A1', severity: 1, series: 's1', victimIdentified: true, quality: 90 }),
      { kind: 'error', error: { line: 3, message: 'bad hex' } },
      pdqRow(4, code(codes, 1), { category: 'B2', severity: 3 }),
      { kind: 'row', row: { line: 5, hashes: [{ signal: 'pdq', value: new Uint32Array(4) }], meta: {} } }, // 128 bits: wrong width
      { kind: 'row', row: { line: 6, hashes: [{ signal: 'md5', value: hexToWords('0cf11daa7ec18717b6e36f41de607c35', 128)! }, { signal: 'pdq', value: code(codes, 0) }], meta: { category: 'A1' } } },
      { kind: 'row', row: { line: 7, hashes: [], meta: { note: 'photodna only' }, opaque: { photodna: 'AAEC' } } },
    ];
    const errors: Array<{ line: number; message: string }> = [];
    const summary = await importList(store, source('ncmec', 'd1'), items(list), { onRowError: (e) => errors.push(e) });
    expect(summary).toMatchObject({ list: 'ncmec', added: 4, duplicate: 0, rejected: 2, unchanged: false });
    expect(errors.map((e) => e.line)).toEqual([3, 5]);
    expect(errors[1].message).toMatch(/128 bits, expected 256/);
    const stats = indexStats(store);
    const bySignal = Object.fromEntries(stats.signals.map((s) => [s.signal, s]));
    expect(bySignal.pdq.values).toBe(2); // code 0 appears in two rows: stored once
    expect(bySignal.pdq.entries).toBe(3);
    expect(bySignal.md5.values).toBe(1);
    expect(stats.opaque).toBe(1);
    const [info] = stats.lists;
    expect(info).toMatchObject({ name: 'ncmec', kind: 'known', sourcePath: 'ncmec.csv', fileSha256: 'd1', rowsAdded: 4, rowsRejected: 2 });
    expect(verifyIndex(store).ok).toBe(true);
  });

  it('does nothing for the same file digest under the same name, and counts re-imported rows as duplicates', async () => {
    const codes = randomCodes(prng(2), 50);
    const rows = Array.from({ length: 50 }, (_, i) => pdqRow(i + 1, code(codes, i), { category: 'A1' }));
    const first = await importList(store, source('l', 'same'), items(rows));
    expect(first.added).toBe(50);
    const before = listInfos(store)[0];
    let iterated = false;
    const again = await importList(store, 
      source('l', 'same'),
      (async function* () {
        iterated = true;
        yield* rows;
      })(),
    );
    expect(again).toMatchObject({ unchanged: true, added: 0, duplicate: 0 });
    expect(iterated).toBe(false);
    expect(listInfos(store)[0]).toEqual(before);

    const changedFile = await importList(store, source('l', 'other'), items([...rows, pdqRow(51, code(randomCodes(prng(3), 1), 0))]));
    expect(changedFile).toMatchObject({ added: 1, duplicate: 50, rejected: 0, unchanged: false });
    expect(indexStats(store).signals.find((s) => s.signal === 'pdq')!.entries).toBe(51);
  });

  it('--replace swaps a list atomically: values only in the old version disappear, shared ones stay', async () => {
    const codes = randomCodes(prng(4), 30);
    await importList(store, source('a'), items(Array.from({ length: 20 }, (_, i) => pdqRow(i + 1, code(codes, i)))));
    await importList(store, source('b'), items([pdqRow(1, code(codes, 0))])); // shares code 0
    const replaced = await importList(store, 
      source('a', 'v2'),
      items(Array.from({ length: 10 }, (_, i) => pdqRow(i + 1, code(codes, 20 + i)))),
      { replace: true },
    );
    expect(replaced).toMatchObject({ added: 10, duplicate: 0 });
    const matcher = knownMatcher(store);
    for (const path of ['memory', 'sqlite'] as const) {
      const out = matcher.matchValues(pdq, [code(codes, 0), code(codes, 5), code(codes, 25)], { threshold: 0, path });
      expect(out[0].matches[0].entries.map((e) => e.list)).toEqual(['b']); // still held by list b
      expect(out[1].matches).toEqual([]); // only list a had it: gone
      expect(out[2].matches[0].entries.map((e) => e.list)).toEqual(['a']);
    }
    expect(store.valueCount(pdq)).toBe(11);
    expect(listInfos(store).find((l) => l.name === 'a')!.rowsAdded).toBe(10);
    expect(verifyIndex(store)).toMatchObject({ ok: true, problems: [] });
  });

  it('--replace with the file imported last still replaces: entries an earlier file appended are gone', async () => {
    const codes = randomCodes(prng(41), 2);
    await importList(store, source('l', 'file-a'), items([pdqRow(1, code(codes, 0))]));
    await importList(store, source('l', 'file-b'), items([pdqRow(1, code(codes, 1))])); // appended
    const replaced = await importList(store, source('l', 'file-b'), items([pdqRow(1, code(codes, 1))]), { replace: true });
    expect(replaced.unchanged).toBe(false);
    const out = knownMatcher(store).matchValues(pdq, [code(codes, 0), code(codes, 1)], { threshold: 0 });
    expect(out[0].matches).toEqual([]);
    expect(out[1].matches[0].entries.map((e) => e.list)).toEqual(['l']);
  });

  it('removeList deletes the list and the values no other list holds, and keeps the index consistent', async () => {
    const codes = randomCodes(prng(5), 10);
    await importList(store, source('a'), items(Array.from({ length: 10 }, (_, i) => pdqRow(i + 1, code(codes, i)))));
    await importList(store, source('b'), items([pdqRow(1, code(codes, 3))]));
    expect(removeList(store, 'a')).toEqual({ removed: true, entries: 10, valuesDeleted: 9 });
    expect(removeList(store, 'a')).toEqual({ removed: false, entries: 0, valuesDeleted: 0 });
    expect(listInfos(store).map((l) => l.name)).toEqual(['b']);
    expect(store.valueCount(pdq)).toBe(1);
    expect(verifyIndex(store).ok).toBe(true);
  });

  it('writes nothing when the item stream fails part-way', async () => {
    const codes = randomCodes(prng(6), 3000);
    await importList(store, source('kept'), items([pdqRow(1, code(codes, 2999))]));
    const failing = (async function* (): AsyncGenerator<ImportItem> {
      for (let i = 0; i < 2500; i++) yield pdqRow(i + 1, code(codes, i));
      throw new Error('disk read failed');
    })();
    await expect(importList(store, source('broken'), failing)).rejects.toThrow('disk read failed');
    expect(listInfos(store).map((l) => l.name)).toEqual(['kept']);
    expect(store.valueCount(pdq)).toBe(1);
    expect(verifyIndex(store).ok).toBe(true);
  });

  it('rejects reserved and empty list names', async () => {
    await expect(importList(store, source('@seen'), items([]))).rejects.toThrow(/reserved/);
    await expect(importList(store, source('  '), items([]))).rejects.toThrow(/empty/);
  });

  it('survives a SIGKILL in the middle of an import: the database is as before the import, and verify is clean', async () => {
    const dbFile = path.join(dir, 'index.db');
    const codes = randomCodes(prng(7), 200);
    await importList(store, source('before'), items(Array.from({ length: 200 }, (_, i) => pdqRow(i + 1, code(codes, i)))));
    store.close();
    const openModule = fileURLToPath(new URL('../src/index-store/open-index.ts', import.meta.url));
    const writerModule = fileURLToPath(new URL('../src/index-store/list-writer.ts', import.meta.url));
    const child = path.join(dir, 'child.mts');
    writeFileSync(
      child,
      `import { openIndex } from ${JSON.stringify(openModule)};
import { importList } from ${JSON.stringify(writerModule)};
const store = openIndex(${JSON.stringify(dbFile)});
let s = 99;
const rnd = () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return s >>> 0; };
async function* rows() {
  for (let i = 0; i < 10_000_000; i++) {
    const value = new Uint32Array(8).map(() => rnd());
    yield { kind: 'row', row: { line: i + 1, hashes: [{ signal: 'pdq', value }], meta: { category: 'A1' } } };
  }
}
await importList(store, { name: 'killed', sourcePath: 'big.csv', fileSha256: null, format: 'csv' }, rows(), {
  onProgress: (n) => {
    // a small page cache from here on makes the open transaction spill pages into the WAL file (rows are
    // written in batches of 2^15: by 200,000 rows six batches are in)
    if (n === 10_000) store.db.pragma('cache_size = -256');
    if (n === 200_000) process.stdout.write('midway\\n');
  },
});
process.stdout.write('finished\\n');
`,
    );
    const proc = spawn(process.execPath, ['--import', 'tsx', child], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d) => (stderr += d));
    const outcome = await new Promise<string>((resolve) => {
      proc.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('midway')) {
          proc.kill('SIGKILL');
          resolve('killed');
        }
      });
      proc.on('exit', () => resolve(`exited early: ${stderr}`));
    });
    expect(outcome).toBe('killed');
    await new Promise((r) => proc.on('close', r));
    // the killed transaction had written uncommitted pages to the WAL: recovery must ignore them
    expect(statSync(`${dbFile}-wal`).size).toBeGreaterThan(1_000_000);
    store = openIndex(dbFile);
    expect(listInfos(store).map((l) => l.name)).toEqual(['before']);
    expect(store.valueCount(pdq)).toBe(200);
    expect(verifyIndex(store)).toMatchObject({ ok: true, problems: [] });
    // and the index is still writable and searchable afterwards
    await importList(store, source('after'), items([pdqRow(1, code(codes, 0))]));
    const hit = knownMatcher(store).matchValues(pdq, [code(codes, 0)], { threshold: 0 });
    expect(hit[0].matches[0].entries.map((e) => e.list)).toEqual(['after', 'before']);
  }, 120_000);
});

describe('export', () => {
  async function importMixed(target: IndexStore): Promise<void> {
    const codes = randomCodes(prng(8), 4);
    const rows: ImportItem[] = [
      pdqRow(1, code(codes, 0), { category: 'A1', severity: 1, series: 'ser, "quoted"', victimIdentified: false, externalId: 'x1', addedAt: '2024-01-02', note: 'line\nbreak', quality: 77 }),
      pdqRow(2, code(codes, 1), {}),
      { kind: 'row', row: { line: 3, hashes: [{ signal: 'sha1', value: hexToWords('815a6a4d7733d0e63783ff6a08c31ffb27a27ba0', 160)! }], meta: { category: 'Cat B', severity: 2 } } },
      { kind: 'row', row: { line: 4, hashes: [], meta: { category: '1' }, opaque: { photodna: 'AQID' } } },
    ];
    await importList(target, source('mixed'), items(rows));
  }

  /** Reads exported CSV or NDJSON back into import rows (what the importers do for these columns). */
  function rowsOf(lines: string[], format: 'csv' | 'ndjson'): ImportItem[] {
    const records: Array<Record<string, unknown>> =
      format === 'csv' ? (parseCsv(lines.join(''), { columns: true }) as Array<Record<string, string>>) : lines.map((l) => JSON.parse(l));
    const empty = (v: unknown) => (v === undefined || v === '' ? null : v);
    return records.map((rec, i): ImportItem => {
      const hashes: ImportRow['hashes'][number][] = [];
      for (const name of ['md5', 'sha1', 'sha256', 'pdq', 'blockhash'] as SignalName[]) {
        const v = empty(rec[name]);
        if (v !== null) hashes.push({ signal: name, value: signalTypeByName(name)!.parse(String(v))! });
      }
      const photodna = empty(rec.photodna);
      const victim = empty(rec.victim_identified);
      const num = (v: unknown) => (empty(v) === null ? null : Number(v));
      const str = (v: unknown) => (empty(v) === null ? null : String(v));
      return {
        kind: 'row',
        row: {
          line: i + 2,
          hashes,
          meta: {
            category: str(rec.category),
            severity: num(rec.severity),
            series: str(rec.series),
            victimIdentified: victim === null ? null : victim === true || victim === 'true',
            externalId: str(rec.external_id),
            addedAt: str(rec.added_at),
            note: str(rec.note),
            quality: num(rec.quality),
          },
          ...(photodna !== null ? { opaque: { photodna: String(photodna) } } : {}),
        },
      };
    });
  }

  for (const format of ['csv', 'ndjson'] as const) {
    it(`round-trips through ${format}: re-imported into a fresh index it exports identically, into the same list it is all duplicates`, async () => {
      await importMixed(store);
      const lines = [...exportLines(store, format, 'mixed')];
      expect(lines.length).toBe(format === 'csv' ? 5 : 4);
      if (format === 'csv') expect(lines[0]).toBe('md5,sha1,sha256,pdq,blockhash,photodna,quality,category,severity,series,victim_identified,external_id,added_at,note,list,scheme\n');
      const body = format === 'csv' ? lines : lines;
      const other = openIndex(path.join(dir, `copy-${format}.db`));
      try {
        const summary = await importList(other, source('mixed'), items(rowsOf(body, format)));
        expect(summary).toMatchObject({ added: 4, rejected: 0 });
        expect([...exportLines(other, format, 'mixed')]).toEqual(lines);
      } finally {
        other.close();
      }
      const again = await importList(store, source('mixed', 'export'), items(rowsOf(body, format)));
      expect(again).toMatchObject({ added: 0, duplicate: 4 });
    });
  }

  it('exports every list when none is named, and nothing for an unknown list', async () => {
    await importMixed(store);
    await importList(store, source('second'), items([pdqRow(1, code(randomCodes(prng(9), 1), 0))]));
    const all = [...exportLines(store, 'ndjson')].map((l) => JSON.parse(l) as { list: string });
    expect(new Set(all.map((r) => r.list))).toEqual(new Set(['mixed', 'second']));
    expect([...exportLines(store, 'ndjson', 'nope')]).toEqual([]);
  });
});

describe('quality', () => {
  it('keeps low-quality PDQ values and queries but matches them only when asked, flagged', async () => {
    const codes = randomCodes(prng(13), 2);
    await importList(store, source('q'), items([pdqRow(1, code(codes, 0), { quality: 20 }), pdqRow(2, code(codes, 1), { quality: 80 })]));
    const matcher = knownMatcher(store);
    for (const path of ['memory', 'sqlite'] as const) {
      const plain = matcher.matchValues(pdq, [code(codes, 0), code(codes, 1)], { path });
      expect(plain[0].matches).toEqual([]);
      expect(plain[1].matches).toHaveLength(1);
      const all = matcher.matchValues(pdq, [code(codes, 0)], { path, includeLowQuality: true });
      expect(all[0].matches[0]).toMatchObject({ distance: 0, lowQuality: true });
      const lowQuery = matcher.matchValues(pdq, [code(codes, 1)], { path, qualities: [30] });
      expect(lowQuery[0]).toMatchObject({ lowQuality: true, matches: [] });
    }
    expect(indexStats(store).signals.find((s) => s.signal === 'pdq')!.lowQuality).toBe(1);
  });
});

describe('matcher cache', () => {
  it('sees values appended and removed after its in-memory index was loaded', async () => {
    const codes = randomCodes(prng(14), 300);
    await importList(store, source('a'), items(Array.from({ length: 200 }, (_, i) => pdqRow(i + 1, code(codes, i)))));
    const matcher = knownMatcher(store);
    const queries = [code(codes, 5), code(codes, 250)];
    let out = matcher.matchValues(pdq, queries, { path: 'memory' });
    expect(out.map((o) => o.matches.length)).toEqual([1, 0]);
    await importList(store, source('b'), items(Array.from({ length: 100 }, (_, i) => pdqRow(i + 1, code(codes, 200 + i)))));
    out = matcher.matchValues(pdq, queries, { path: 'memory' });
    expect(out.map((o) => o.matches.length)).toEqual([1, 1]);
    expect(matcher.choosePath(pdq, 1)).toBe('memory'); // loaded and current: reused even for one query
    removeList(store, 'a');
    expect(matcher.choosePath(pdq, 1)).toBe('sqlite'); // removal changed the generation
    out = matcher.matchValues(pdq, queries, { path: 'memory' });
    expect(out.map((o) => o.matches.length)).toEqual([0, 1]);
  });

  it('answers identical queries once and rejects bad thresholds and widths', async () => {
    const codes = randomCodes(prng(15), 1);
    await importList(store, source('a'), items([pdqRow(1, code(codes, 0), { category: 'A1' })]));
    const matcher = knownMatcher(store);
    const out = matcher.matchValues(pdq, [code(codes, 0), code(codes, 0)]);
    expect(out[1]).toBe(out[1]);
    expect(out[0].matches).toBe(out[1].matches);
    expect(() => matcher.matchValues(pdq, [code(codes, 0)], { threshold: 2.5 })).toThrow(/threshold/);
    expect(() => matcher.matchValues(pdq, [new Uint32Array(4)])).toThrow(/bits/);
  });
});

describe('verify', () => {
  it('reports a band table that disagrees with the hashes table', async () => {
    const codes = randomCodes(prng(16), 50);
    await importList(store, source('a'), items(Array.from({ length: 50 }, (_, i) => pdqRow(i + 1, code(codes, i)))));
    expect(verifyIndex(store).ok).toBe(true);
    const row = store.db.prepare('SELECT bk, ids FROM bands_pdq ORDER BY bk LIMIT 1').get() as { bk: number; ids: Buffer };
    store.db.prepare('DELETE FROM bands_pdq WHERE bk = ?').run(row.bk);
    const moved = store.db.prepare('SELECT bk FROM bands_pdq WHERE bk > ? ORDER BY bk LIMIT 1').pluck().get(row.bk) as number;
    store.db.prepare('UPDATE bands_pdq SET ids = ? WHERE bk = ?').run(Buffer.concat([row.ids, row.ids]), moved);
    const report = verifyIndex(store);
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(/belongs in bucket/);
    expect(report.problems.join('\n')).toMatch(/missing from band 0|not strictly ascending/);
  });

  it('reports a packed value copy that disagrees with the hashes table', async () => {
    const codes = randomCodes(prng(17), 5);
    await importList(store, source('a'), items(Array.from({ length: 5 }, (_, i) => pdqRow(i + 1, code(codes, i)))));
    store.db.prepare('UPDATE hashes_pdq SET value = ? WHERE id = 1').run(Buffer.alloc(32, 0xab));
    expect(verifyIndex(store).problems.join('\n')).toMatch(/chunks_pdq id 1: value differs|belongs in bucket/);
  });
});

describe('files and paths', () => {
  it('creates the database owner-only and resolves its path from flag, environment, default', () => {
    expect(statSync(path.join(dir, 'index.db')).mode & 0o777).toBe(0o600);
    expect(resolveDbPath('x.db', { HASHTRIAGE_DB: 'y.db' })).toBe('x.db');
    expect(resolveDbPath(undefined, { HASHTRIAGE_DB: 'y.db' })).toBe('y.db');
    expect(resolveDbPath(undefined, {})).toBe('hashtriage.db');
  });

  it('refuses to open a missing index read-only and a non-index file', () => {
    expect(() => openIndex(path.join(dir, 'missing.db'), { readonly: true })).toThrow(/no index at/);
    const junk = path.join(dir, 'junk.db');
    writeFileSync(junk, 'not a database at all, just text '.repeat(100));
    expect(() => openIndex(junk)).toThrow(/cannot use/);
  });

  it('stats give counts per signal type, the band layout and bucket sizes', async () => {
    const codes = randomCodes(prng(18), 64);
    await importList(store, source('a'), items(Array.from({ length: 64 }, (_, i) => pdqRow(i + 1, code(codes, i)))));
    const s = indexStats(store).signals.find((x) => x.signal === 'pdq')!;
    expect(s).toMatchObject({ values: 64, entries: 64, lowQuality: 0 });
    expect(s.bands).toMatchObject({ count: 16, widths: new Array(16).fill(16) });
    expect(s.bands!.rows).toBeGreaterThan(16 * 50); // 64 random values spread over most keys of each band
    expect(s.bands!.bucketMax).toBeGreaterThanOrEqual(1);
    expect(indexStats(store).bytesOnDisk).toBeGreaterThan(0);
    void wordsToHex;
  });
});
