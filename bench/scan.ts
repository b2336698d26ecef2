/**
 * Benchmark of a whole scan against hashing alone. Usage:
 *   npx tsx bench/scan.ts [--files N] [--index N] [--concurrency N] [--quick] [--compare-regions] [--out FILE]
 * --compare-regions: also time the scan without PDQ's region variants (the scan itself runs with them, as the CLI does).
 * Defaults: 5,000 generated images, a 1,000,000-hash index (both cached in the OS temp dir between runs).
 * --quick: 500 images and 100,000 hashes, for a fast check while developing.
 * Writes bench/results/scan.{json,md} (or --out FILE.json and FILE.md beside it) and prints a Markdown table.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parsePositiveInt } from './lib/args.js';
import { RESULTS_DIR, writeResults } from './lib/results.js';
import { measureScan, scanBenchMarkdown } from './scan-lib.js';

const { values } = parseArgs({
  options: {
    files: { type: 'string' },
    index: { type: 'string' },
    concurrency: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'compare-regions': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

function count(text: string | undefined, fallback: number, name: string): number {
  return text === undefined ? fallback : parsePositiveInt(text, `--${name}`);
}

const files = count(values.files, values.quick ? 500 : 5000, 'files');
const indexSize = count(values.index, values.quick ? 100_000 : 1_000_000, 'index');
const concurrency = values.concurrency === undefined ? undefined : count(values.concurrency, 1, 'concurrency');
const result = await measureScan({ files, indexSize, concurrency, compareRegions: values['compare-regions'], log: (m) => process.stderr.write(`bench/scan: ${m}\n`) });
const out = values.out ?? path.join(RESULTS_DIR, 'scan.json');
const markdown = scanBenchMarkdown(result);
const written = writeResults(path.basename(out, '.json'), { benchmark: 'scan', at: new Date().toISOString(), ...result }, markdown, path.dirname(out));
process.stdout.write(markdown);
process.stdout.write(`\nJSON: ${path.relative(process.cwd(), written.json)}\n`);
