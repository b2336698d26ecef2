/**
 * Benchmark of a whole scan against hashing alone. Usage:
 *   npx tsx bench/scan.ts [--files N] [--index N] [--concurrency N] [--quick] [--out FILE]
 * Defaults: 5,000 generated images, a 1,000,000-hash index (both cached in the OS temp dir between runs).
 * --quick: 500 images and 100,000 hashes, for a fast check while developing.
 * Writes JSON to bench/results/scan.json (or --out) and prints a Markdown table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureScan, scanBenchMarkdown } from './scan-lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    files: { type: 'string' },
    index: { type: 'string' },
    concurrency: { type: 'string' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

function count(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    process.stderr.write(`bench/scan: --${name} must be a positive integer\n`);
    process.exit(2);
  }
  return n;
}

const files = count(values.files, values.quick ? 500 : 5000, 'files');
const indexSize = count(values.index, values.quick ? 100_000 : 1_000_000, 'index');
const concurrency = values.concurrency === undefined ? undefined : count(values.concurrency, 1, 'concurrency');
const result = await measureScan({ files, indexSize, concurrency, log: (m) => process.stderr.write(`bench/scan: ${m}\n`) });
const out = values.out ?? path.join(here, 'results', 'scan.json');
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ benchmark: 'scan', at: new Date().toISOString(), ...result }, null, 2)}\n`);
process.stdout.write(scanBenchMarkdown(result));
process.stdout.write(`\nJSON: ${path.relative(process.cwd(), out)}\n`);
