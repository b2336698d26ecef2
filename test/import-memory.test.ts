import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { hex, listDir } from './support/import-lists.js';

const dir = listDir();
afterAll(() => dir.cleanup());
const probe = fileURLToPath(new URL('./support/import-memory-probe.ts', import.meta.url));
const ROWS = 200_000;

/** Writes `rows` lines produced by `line(i)` after `head`, streaming so the test itself stays small. */
async function writeList(name: string, head: string, line: (i: number) => string, tail = ''): Promise<string> {
  const file = `${dir.path}/${name}`;
  const out = createWriteStream(file, { mode: 0o600 });
  out.write(head);
  for (let i = 0; i < ROWS; i++) if (!out.write(line(i))) await once(out, 'drain');
  out.end(tail);
  await once(out, 'finish');
  return file;
}

async function measure(file: string, format: string): Promise<{ format: string; rows: number; errors: number; baseline: number; peak: number }> {
  const { stdout: out } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', probe, file, format], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

// Each list is tens of megabytes; holding its rows would grow the heap by far more than the file size.
// Streaming must keep the live heap within a few megabytes whatever the list length.
describe('large lists are read with bounded memory', () => {
  const cases: Array<[string, () => Promise<string>]> = [
    ['text', () => writeList('big.txt', '# generated\n', (i) => (i % 1000 === 999 ? 'not-a-hash\n' : `pdq:${hex(64)}  files/case-${i}/image-${i}.jpg\n`))],
    ['csv', () => writeList('big.csv', 'md5,sha1,pdq,category,victim_identified,note\n', (i) => `${hex(32)},${hex(40)},${hex(64)},A${1 + (i % 2)},${i % 2 ? 'yes' : 'no'},"row ${i}, quoted"\n`)],
    ['ndjson', () => writeList('big.ndjson', '', (i) => JSON.stringify({ md5: hex(32), pdq: hex(64), category: 'B1', note: `row ${i}` }) + '\n')],
    [
      'vics',
      () =>
        writeList(
          'big.json',
          '{\n "odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases",\n "value": [ {\n  "CaseID": "c",\n  "Media": [\n',
          (i) => `   {\n    "MediaID": ${i},\n    "MD5": "${hex(32)}",\n    "SHA1": "${hex(40)}",\n    "Category": "${i % 6}",\n    "VictimIdentified": "${i % 2 ? 'true' : 'false'}"\n   }${i < ROWS - 1 ? ',' : ''}\n`,
          '  ]\n } ]\n}\n',
        ),
    ],
  ];
  for (const [format, make] of cases) {
    it(`${format}: ${ROWS} rows`, async () => {
      const file = await make();
      const size = statSync(file).size;
      const r = await measure(file, 'auto');
      expect(r.format).toBe(format);
      expect(r.rows + r.errors).toBe(ROWS);
      if (format === 'text') expect(r.errors).toBe(ROWS / 1000);
      else expect(r.errors).toBe(0);
      const growth = r.peak - r.baseline;
      console.info(`${format}: ${(size / 2 ** 20).toFixed(1)} MiB file, live heap growth ${(growth / 2 ** 20).toFixed(2)} MiB`);
      expect(size).toBeGreaterThan(10 * 1024 * 1024);
      expect(growth).toBeLessThan(8 * 1024 * 1024);
    });
  }
});
