/**
 * Import cost at scale: a PDQ CSV list of N rows (random values, a category, an external id) written to a
 * temporary folder, then imported through the same path as `hashtriage index import` (readList →
 * importList) into a new index. Reports CPU seconds per import and per million rows, so a same-run ratio
 * between sizes shows whether the cost is linear; plus the parse alone (no database) on the same file.
 *
 * Run: npx tsx --expose-gc bench/import-scale.ts [--sizes 1000000,3000000]
 * Writes bench/results/import-scale.{json,md} and prints the Markdown table.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { describeMachine, observeMachine } from '../src/bench/measure.js';
import { openIndex } from '../src/index-store/open-index.js';
import { importList } from '../src/index-store/list-writer.js';
import { readList } from '../src/index-store/import/read-list.js';
import { loadSeverityPolicy } from '../src/policy/severity.js';
import { intListFlag } from './lib/args.js';
import { fmtInt, markdownTable, writeResults } from './lib/results.js';

const sizes = intListFlag('sizes', '1000000,3000000')!;
const machine = observeMachine();
const policy = loadSeverityPolicy();

async function writeCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file, { mode: 0o600 });
  out.write('pdq,category,external_id\n');
  const block = 4096;
  for (let i = 0; i < rows; i += block) {
    const bytes = randomBytes(32 * Math.min(block, rows - i)).toString('hex');
    let text = '';
    for (let k = 0; k < Math.min(block, rows - i); k++) text += `${bytes.slice(k * 64, k * 64 + 64)},${(i + k) % 3 === 0 ? 'A1' : 'B2'},m${i + k}\n`;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-bench-import-'));
const results: Array<{ rows: number; parseCpu: number; importCpu: number; importWall: number; cpuPerMillion: number; databaseBytes: number }> = [];
try {
  for (const rows of sizes) {
    const csv = path.join(dir, `list-${rows}.csv`);
    await writeCsv(csv, rows);
    let c0 = process.cpuUsage();
    let n = 0;
    for await (const item of (await readList(csv, { severity: policy })).items) if (item.kind === 'row') n++;
    const parseCpu = cpuSeconds(c0);
    if (n !== rows) throw new Error(`${n} rows parsed, ${rows} written`);
    const db = path.join(dir, `index-${rows}.db`);
    (globalThis as { gc?: () => void }).gc?.();
    c0 = process.cpuUsage();
    const t0 = performance.now();
    const store = openIndex(db);
    const reader = await readList(csv, { severity: policy });
    const summary = await importList(store, { name: 'bench', sourcePath: csv, fileSha256: null, format: reader.format }, reader.items);
    store.close();
    const importCpu = cpuSeconds(c0);
    const importWall = (performance.now() - t0) / 1000;
    if (summary.added !== rows) throw new Error(`${summary.added} rows added, ${rows} written`);
    results.push({ rows, parseCpu, importCpu, importWall, cpuPerMillion: importCpu / (rows / 1e6), databaseBytes: statSync(db).size });
    console.error(`${rows}: import ${importCpu.toFixed(1)} CPU-s (parse alone ${parseCpu.toFixed(1)}), ${importWall.toFixed(1)} s wall`);
    rmSync(db, { force: true });
    rmSync(csv, { force: true });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const base = results[0];
const markdown = [
  `Import of a PDQ CSV list (readList → importList into a new index), CPU seconds; ${describeMachine(machine())}.`,
  '',
  markdownTable(
    ['rows', 'import CPU-s', 'of which parsing (alone)', 'CPU-s per 1M rows', `per-row cost × the ${fmtInt(base.rows)}-row run`, 'wall s', 'database'],
    results.map((r) => [fmtInt(r.rows), r.importCpu.toFixed(1), r.parseCpu.toFixed(1), r.cpuPerMillion.toFixed(1), (r.cpuPerMillion / base.cpuPerMillion).toFixed(2), r.importWall.toFixed(1), `${(r.databaseBytes / 1e6).toFixed(0)} MB`]),
  ),
].join('\n');
writeResults('import-scale', { machine: machine(), results }, markdown);
console.log(markdown);
