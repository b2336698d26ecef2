/**
 * Matching benchmark (issue 3): in-memory multi-index, SQLite banded path and in-process brute force on
 * random 256-bit codes, plus import rate, load time and RSS. The measuring lives in matching-lib.ts.
 *
 * Run: npx tsx --expose-gc bench/matching.ts [--sizes 1e6,1e7] [--repeats 3] [--memory-queries 2000]
 *        [--sqlite-queries 100] [--sqlite-cached-queries 500] [--brute-queries 20] [--sqlite-max-size N]
 *        [--radius 31] [--seed 1] [--out bench/results/matching.json]
 * Quick run: --sizes 1e5 --repeats 1. Environment: HASHTRIAGE_BENCH_SIZES overrides the default sizes.
 * Writes the JSON result (owner-only) and prints Markdown tables.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { matchingMarkdown, measureMatching } from './matching-lib.js';

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : process.argv[at + 1];
}

function count(name: string): number | undefined {
  const v = flag(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} needs a positive integer, got ${v}`);
  return n;
}

const sizesText = flag('sizes') ?? process.env.HASHTRIAGE_BENCH_SIZES;
const sizes = sizesText?.split(',').map((s) => {
  const n = Number(s.trim());
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`bad size ${s}`);
  return n;
});
const out = flag('out') ?? path.join('bench', 'results', 'matching.json');

const result = await measureMatching({
  sizes,
  repeats: count('repeats'),
  memoryQueries: count('memory-queries'),
  sqliteQueries: count('sqlite-queries'),
  sqliteCachedQueries: count('sqlite-cached-queries'),
  bruteQueries: count('brute-queries'),
  sqliteMaxSize: count('sqlite-max-size'),
  radius: count('radius'),
  seed: count('seed'),
  log: (m) => process.stderr.write(`${m}\n`),
});
mkdirSync(path.dirname(out), { recursive: true, mode: 0o700 });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`, { mode: 0o600 });
process.stdout.write(matchingMarkdown(result));
process.stderr.write(`wrote ${out}\n`);
