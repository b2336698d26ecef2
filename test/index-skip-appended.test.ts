import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pdqSignalType as PDQ } from '../src/hashing/pdq.js';
import { openIndex, type IndexStore } from '../src/index-store/store.js';
import type { ImportItem } from '../src/index-store/types.js';
import { indexService } from '../src/pipeline/index-port.js';
import type { MatchQuery } from '../src/pipeline/scan.js';
import { flipBits, prng, randomCodes } from './index-fixtures.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function* rows(values: Uint32Array[], category: string): AsyncIterable<ImportItem> {
  for (const [i, value] of values.entries()) yield { kind: 'row', row: { line: i + 1, hashes: [{ signal: 'pdq', value }], meta: { category } } };
}

function query(value: Uint32Array): MatchQuery {
  return { signal: PDQ, value, variants: [], radius: 31 };
}

describe("a scan's own sightings on the in-memory path", () => {
  it('are still found with the known entries another connection adds to them during the scan, and never as sightings of the scan itself', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hashtriage-skip-'));
    dirs.push(dir);
    const file = path.join(dir, 'index.db');
    const rnd = prng(7);
    const base = randomCodes(rnd, 200);
    const seenValues = Array.from({ length: 20 }, () => randomCodes(rnd, 1));
    const setup = openIndex(file);
    await setup.importList({ name: 'base', sourcePath: null, fileSha256: null, format: 'test' }, rows(Array.from({ length: 200 }, (_, i) => base.slice(i * 8, i * 8 + 8)), 'A1'));
    setup.close();

    const scanStore: IndexStore = openIndex(file);
    const service = indexService(scanStore);
    service.expect(100_000); // in-memory path
    try {
      const near = (v: Uint32Array) => {
        const q = v.slice();
        flipBits(rnd, q, 0, 5);
        return q;
      };
      // batch 1: record the new values as this scan's sightings
      service.matchAndRecord(
        [query(base.slice(0, 8))],
        seenValues.map((value, i) => ({ signal: 'pdq', value, quality: 100, path: `f${i}.jpg`, seenAt: '2024-01-01T00:00:00.000Z' })),
        'scan-a',
      );
      // batch 2: near copies of them: nothing (the only entries are this scan's own)
      const own = service.matchAndRecord(seenValues.map((v) => query(near(v))), [], 'scan-a');
      expect(own.every((a) => a.known.length === 0 && a.seen.length === 0)).toBe(true);

      // another connection lists half of them as known
      const other = openIndex(file);
      await other.importList({ name: 'late', sourcePath: null, fileSha256: null, format: 'test' }, rows(seenValues.slice(0, 10), 'B1'));
      other.close();

      const after = service.matchAndRecord(seenValues.map((v) => query(near(v))), [], 'scan-a');
      after.forEach((a, i) => {
        expect(a.seen).toEqual([]);
        expect(a.known.map((k) => k.list)).toEqual(i < 10 ? ['late'] : []);
      });
    } finally {
      service.close();
    }
  });
});
