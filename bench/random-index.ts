/**
 * A large benchmark index: `count` uniformly random PDQ values imported through the store's import API,
 * plus a few planted entries (PDQ a few bits away from, and MD5 equal to, some generated images) so a
 * benchmark scan has real known matches to report.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { hashFile } from '../src/hashing/hash-file.js';
import { SIGNAL_TYPES } from '../src/hashing/signals.js';
import { openIndex } from '../src/index-store/open-index.js';
import { importList } from '../src/index-store/list-writer.js';
import type { ImportItem } from '../src/index-store/types.js';
import { seededRandom } from './synthetic-images.js';

const pdq = SIGNAL_TYPES.find((t) => t.name === 'pdq')!;
const md5 = SIGNAL_TYPES.find((t) => t.name === 'md5')!;

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out.sort();
}

async function* randomRows(count: number, seed: number): AsyncGenerator<ImportItem> {
  const rnd = seededRandom(seed * 7919 + 1);
  for (let i = 0; i < count; i++) {
    const value = new Uint32Array(8);
    for (let w = 0; w < 8; w++) value[w] = Math.floor(rnd() * 0x100000000) >>> 0;
    yield { kind: 'row', row: { line: i + 1, hashes: [{ signal: 'pdq', value }], meta: { category: i % 3 === 0 ? 'A1' : 'B2', quality: 100 } } };
  }
}

/**
 * Writes the index at `file` (a new file): `count` random PDQ values in list "bench-random" and, in list
 * "bench-planted", the PDQ (with 6 bits flipped) and MD5 of every 100th file under `imagesDir`.
 */
export async function buildRandomIndex(file: string, count: number, seed: number, imagesDir: string): Promise<void> {
  const store = openIndex(file);
  try {
    await importList(store, { name: 'bench-random', sourcePath: null, fileSha256: null, format: 'generated' }, randomRows(count, seed));
    const planted: ImportItem[] = [];
    const files = filesUnder(imagesDir).filter((_, i) => i % 100 === 0);
    for (const f of files) {
      const { signals } = await hashFile(f);
      if (signals.pdq === undefined || signals.md5 === undefined) continue;
      const near = pdq.parse(signals.pdq.value)!;
      for (let b = 0; b < 6; b++) near[(b * 37) >> 5] ^= 1 << ((b * 37) & 31);
      planted.push({ kind: 'row', row: { line: planted.length + 1, hashes: [{ signal: 'pdq', value: near }, { signal: 'md5', value: md5.parse(signals.md5.value)! }], meta: { category: 'A1', series: 'bench' } } });
    }
    await importList(store, 
      { name: 'bench-planted', sourcePath: null, fileSha256: null, format: 'generated' },
      (async function* () {
        yield* planted;
      })(),
    );
  } finally {
    store.close();
  }
}
