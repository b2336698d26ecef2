/**
 * Matching benchmark (issue 3): in-memory multi-index, SQLite banded path and in-process brute force on
 * random 256-bit codes, plus import rate, load time and RSS. The measuring lives in matching-lib.ts.
 *
 * Run: npx tsx --expose-gc bench/matching.ts [--sizes 1e6,1e7] [--repeats 3] [--memory-queries 2000]
 *        [--sqlite-queries 100] [--sqlite-cached-queries 500] [--brute-queries 20] [--sqlite-max-size N]
 *        [--radius 31] [--seed 1] [--out bench/results/matching.json]
 * Quick run: --sizes 1e5 --repeats 1. Environment: HASHTRIAGE_BENCH_SIZES overrides the default sizes.
 * Writes the JSON result and the Markdown tables beside it (owner-only: bench/results/matching.{json,md})
 * and prints the tables.
 */
import path from 'node:path';
import { flagValue, intListFlag, parsePositiveInt } from './lib/args.js';
import { RESULTS_DIR, writeResults } from './lib/results.js';
import { matchingMarkdown, measureMatching } from './matching-lib.js';

function count(name: string): number | undefined {
  const v = flagValue(name);
  return v === undefined ? undefined : parsePositiveInt(v, `--${name}`);
}

const sizes = intListFlag('sizes', process.env.HASHTRIAGE_BENCH_SIZES);
const out = flagValue('out') ?? path.join(RESULTS_DIR, 'matching.json');

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
const markdown = matchingMarkdown(result);
const written = writeResults(path.basename(out, '.json'), result, markdown, path.dirname(out));
process.stdout.write(markdown);
process.stderr.write(`wrote ${path.relative(process.cwd(), written.json)}\n`);
