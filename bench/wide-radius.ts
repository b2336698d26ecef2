/**
 * Wide-radius benchmark: the index's batch search at radius 63 against the blocked scan's kernels, the
 * former per-query scan, forced probing and a blocked C scan compiled at bench time; and the planner's
 * measured constants. The measuring lives in wide-radius-lib.ts.
 *
 * Run: npx tsx --expose-gc bench/wide-radius.ts [--count 1000000] [--radius 63] [--batch 256] [--rounds 5]
 * Writes bench/results/wide-radius.{json,md} and prints the tables.
 */
import { positiveIntFlag } from './lib/args.js';
import { writeResults } from './lib/results.js';
import { measureWideRadius, wideRadiusMarkdown } from './wide-radius-lib.js';

const result = measureWideRadius({
  count: positiveIntFlag('count', 1_000_000),
  radius: positiveIntFlag('radius', 63),
  batch: positiveIntFlag('batch', 256),
  rounds: positiveIntFlag('rounds', 5),
  log: (m) => process.stderr.write(`${m}\n`),
});
const markdown = wideRadiusMarkdown(result);
writeResults('wide-radius', result, markdown);
process.stdout.write(markdown);
if (!result.exact) process.exitCode = 1;
