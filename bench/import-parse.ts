/**
 * Parse rate of the list importers (no database): rows and hashes per second for each format on
 * synthetic lists (random hex), next to two baselines measured in the same run on the same files:
 * the raw read (fs stream + line count: the I/O floor) and the bare third-party parser (csv-parse records,
 * stream-json tokens) without our row mapping, to show where the time goes.
 *
 * Run: npx tsx bench/import-parse.ts [--rows 200000] [--repeats 3]
 * Writes bench/results/import-parse.{json,md} and prints the Markdown table.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Transform } from 'node:stream';
import { parse } from 'csv-parse';
import { describeMachine, observeMachine, spread, timeOnceAsync, type Spread } from '../src/bench/measure.js';
import { readList } from '../src/index-store/import/read-list.js';
import { loadSeverityPolicy } from '../src/policy/severity.js';
import { positiveIntFlag } from './lib/args.js';
import { fmtInt, markdownTable, writeResults } from './lib/results.js';

const GOAL_HASHES_PER_SECOND = 100_000; // whole import incl. SQLite (issue 3); parsing must be well above

const rows = positiveIntFlag('rows', 200_000);
const repeats = positiveIntFlag('repeats', 3);
const machine = observeMachine();
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

/** Wall-clock seconds of `fn`, `repeats` times (median and spread). */
async function time(fn: () => Promise<unknown>): Promise<Spread> {
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) samples.push((await timeOnceAsync(fn)).wallSeconds);
  return spread(samples);
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
    const seconds = full.median;
    results.push({
      list: list.label ?? list.format,
      rows,
      megabytes: +(bytes / 2 ** 20).toFixed(1),
      seconds: +seconds.toFixed(3),
      secondsSpread: full,
      rowsPerSecond: Math.round(rows / seconds),
      hashesPerSecond: Math.round((rows * list.hashesPerRow) / seconds),
      rawReadSeconds: +raw.median.toFixed(3),
      bareParserSeconds: bare === null ? null : +bare.median.toFixed(3),
      timesRawRead: +(seconds / raw.median).toFixed(1),
      bareParserShare: bare === null ? null : +(bare.median / seconds).toFixed(2),
    });
  }
  const info = machine();
  const slow = results.filter((r) => r.hashesPerSecond < 2 * GOAL_HASHES_PER_SECOND);
  const markdown = [
    `List parsing (no database), ${fmtInt(rows)} rows per list, median of ${repeats}; ${describeMachine(info)}.`,
    '',
    markdownTable(
      ['list', 'MiB', 'rows/s', 'hashes/s', '× raw read time', 'bare parser share of time'],
      results.map((r) => [
        r.list,
        r.megabytes,
        fmtInt(r.rowsPerSecond),
        fmtInt(r.hashesPerSecond),
        r.timesRawRead,
        r.bareParserShare === null ? '–' : `${Math.round(r.bareParserShare * 100)} %`,
      ]),
    ),
    '',
    slow.length
      ? `Below 2× the ${fmtInt(GOAL_HASHES_PER_SECOND)} hashes/s import goal: ${slow.map((r) => r.list).join(', ')}.`
      : `Every format parses at ≥ 2× the ${fmtInt(GOAL_HASHES_PER_SECOND)} hashes/s import goal.`,
  ].join('\n');
  writeResults('import-parse', { benchmark: 'import-parse', date: new Date().toISOString(), machine: info, rows, repeats, results }, markdown);
  console.log(markdown);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
