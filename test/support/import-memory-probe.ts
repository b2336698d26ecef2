/**
 * Child-process probe for the bounded-memory test: reads a list with readList and prints, as JSON, the
 * counts and the heap in use after a full GC before reading and at regular points while reading.
 * Run as: node --expose-gc --import tsx import-memory-probe.ts <file> <format>
 */
import { readList } from '../../src/index-store/import/read-list.js';
import { loadSeverityPolicy } from '../../src/policy/severity.js';

const [file, format] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const policy = loadSeverityPolicy();
gc();
const baseline = process.memoryUsage().heapUsed;
let peak = baseline;
let rows = 0;
let errors = 0;
const reader = await readList(file, { severity: policy, format: format as 'auto' });
for await (const item of reader.items) {
  if (item.kind === 'row') rows++;
  else errors++;
  if ((rows + errors) % 20_000 === 0) {
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
}
gc();
peak = Math.max(peak, process.memoryUsage().heapUsed);
process.stdout.write(JSON.stringify({ format: reader.format, rows, errors, baseline, peak }) + '\n');
