/**
 * Parse rate of the list importers (no database): rows and hashes per second for each format on
 * synthetic lists (random hex), next to two baselines measured in the same run on the same files:
 * the raw read (fs stream + line count: the I/O floor) and the bare third-party parser (csv-parse records,
 * stream-json tokens) without our row mapping, to show where the time goes.
 *
 * Run: npx tsx bench/import-parse.ts [--rows 200000] [--repeats 3]
 * Writes bench/results/import-parse.json and prints a Markdown table.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Transform } from 'node:stream';
import { parse } from 'csv-parse';
import { readList } from '../src/index-store/import/read-list.js';
import { loadSeverityPolicy } from '../src/policy/severity.js';

const GOAL_HASHES_PER_SECOND = 100_000; // whole import incl. SQLite (issue 3); parsing must be well above

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
  return value;
}

const rows = argument('rows', 200_000);
const repeats = argument('repeats', 3);
const hex = (digits: number): string => randomBytes(digits / 2).toString('hex');

async function writeList(file: string, head: string, line: (i: number) => string, tail = ''): Promise<void> {
  const out = createWriteStream(file, { mode: 0o600 });
  out.write(head);
  for (let i = 0; i < rows; i++) if (!out.write(line(i))) await once(out, 'drain');
  out.end(tail);
  await once(out, 'finish');
}

async function rawLines(file: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 16 })) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  }
  return n;
}

async function bareCsv(file: string): Promise<number> {
  let n = 0;
  const parser = createReadStream(file).pipe(parse({ relax_column_count: true, relax_quotes: true, skip_empty_lines: true, trim: true }));
  for await (const _ of parser) n++;
  return n;
}

async function bareJsonTokens(file: string): Promise<number> {
  // Same driving as the importer (write a chunk, read the tokens synchronously), without our walker.
  const Parser = createRequire(import.meta.url)('stream-json/Parser.js') as new (o: object) => Transform;
  const p = new Parser({ packValues: false, streamValues: true });
  let n = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 16 })) {
    p.write(chunk as Buffer);
    while (p.read() !== null) n++;
  }
  p.destroy();
  return n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await fn();
    samples.push((performance.now() - t0) / 1000);
  }
  return median(samples);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-bench-lists-'));
const policy = loadSeverityPolicy();
try {
  const lists = [
    { format: 'text', hashesPerRow: 1, file: path.join(dir, 'list.txt'), make: (f: string) => writeList(f, '# bench\n', () => `${hex(32)}\n`) },
    {
      format: 'csv',
      hashesPerRow: 3,
      file: path.join(dir, 'list.csv'),
      make: (f: string) => writeList(f, 'md5,sha1,pdq,category,victim_identified,note\n', (i) => `${hex(32)},${hex(40)},${hex(64)},A1,true,"row ${i}, quoted"\n`),
    },
    { format: 'csv', label: 'csv (md5 only)', hashesPerRow: 1, file: path.join(dir, 'md5.csv'), make: (f: string) => writeList(f, 'md5,category\n', () => `${hex(32)},B2\n`) },
    { format: 'ndjson', hashesPerRow: 2, file: path.join(dir, 'list.ndjson'), make: (f: string) => writeList(f, '', (i) => `{"md5":"${hex(32)}","pdq":"${hex(64)}","category":"A2","note":"row ${i}"}\n`) },
    {
      format: 'vics',
      hashesPerRow: 2,
      file: path.join(dir, 'list.json'),
      make: (f: string) =>
        writeList(
          f,
          '{\n "odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases",\n "value": [ {\n  "CaseID": "c",\n  "Media": [\n',
          (i) => `   {\n    "MediaID": ${i},\n    "MD5": "${hex(32)}",\n    "SHA1": "${hex(40)}",\n    "Category": "${i % 6}",\n    "VictimIdentified": "true"\n   }${i < rows - 1 ? ',' : ''}\n`,
          '  ]\n } ]\n}\n',
        ),
    },
  ];
  const results = [];
  for (const list of lists) {
    await list.make(list.file);
    const bytes = statSync(list.file).size;
    let count = 0;
    const full = await time(async () => {
      count = 0;
      const reader = await readList(list.file, { severity: policy });
      if (reader.format !== list.format) throw new Error(`detected ${reader.format}, expected ${list.format}`);
      for await (const item of reader.items) if (item.kind === 'row') count++;
    });
    if (count !== rows) throw new Error(`${list.format}: ${count} rows read, ${rows} written`);
    const raw = await time(() => rawLines(list.file));
    const bare = list.format === 'csv' ? await time(() => bareCsv(list.file)) : list.format === 'vics' ? await time(() => bareJsonTokens(list.file)) : null;
    results.push({
      list: list.label ?? list.format,
      rows,
      megabytes: +(bytes / 2 ** 20).toFixed(1),
      seconds: +full.toFixed(3),
      rowsPerSecond: Math.round(rows / full),
      hashesPerSecond: Math.round((rows * list.hashesPerRow) / full),
      rawReadSeconds: +raw.toFixed(3),
      bareParserSeconds: bare === null ? null : +bare.toFixed(3),
      timesRawRead: +(full / raw).toFixed(1),
      bareParserShare: bare === null ? null : +(bare / full).toFixed(2),
    });
  }
  console.log(`\nList parsing, ${rows} rows per list, median of ${repeats} (${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version})\n`);
  console.log('| list | MiB | rows/s | hashes/s | × raw read time | bare parser share of time |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results)
    console.log(
      `| ${r.list} | ${r.megabytes} | ${r.rowsPerSecond.toLocaleString('en')} | ${r.hashesPerSecond.toLocaleString('en')} | ${r.timesRawRead} | ${r.bareParserShare === null ? '–' : `${Math.round(r.bareParserShare * 100)} %`} |`,
    );
  const slow = results.filter((r) => r.hashesPerSecond < 2 * GOAL_HASHES_PER_SECOND);
  console.log(
    slow.length
      ? `\nBelow 2× the ${GOAL_HASHES_PER_SECOND.toLocaleString('en')} hashes/s import goal: ${slow.map((r) => r.list).join(', ')}`
      : `\nEvery format parses at ≥ 2× the ${GOAL_HASHES_PER_SECOND.toLocaleString('en')} hashes/s import goal.`,
  );
  const out = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'import-parse.json'), JSON.stringify({ rows, repeats, node: process.version, results }, null, 2) + '\n', { mode: 0o600 });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
