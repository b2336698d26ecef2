/**
 * `hashtriage bench [--sizes 100000,1000000] [--radius 31] [--queries N] [--rounds N] [--mix M] [--db PATH] [--json]`:
 * sizes a machine for matching. For each index size (random PDQ values in a temporary index) or for the
 * user's own index (--db, read-only, queried with near-duplicates of its values), measures the matcher's
 * lookups per second on its in-memory and SQLite paths next to a brute-force scan in the same rounds, the
 * time to load the index into memory, and checks every answer against the brute-force scan.
 *
 * `hashtriage bench --accuracy DIR [--sample N] [--json]`: instead, the accuracy benchmark on the pictures
 * in DIR (src/bench/accuracy.ts): recall per transform and matching method, distances between distinct
 * pictures, CPU cost of each technique; exit 1 when a picture could not be hashed (it is left out).
 *
 * stdout: a table and one sentence per size, or with --json one JSON document. Exit codes: 0 done, 1 the
 * index could not be used or an answer differed from brute force, 2 usage errors.
 */
import type { QueryMixName } from '../../bench/hamming-workload.js';
import { EXIT, reportFailure } from '../exit.js';
import { flushOutput, writeOutput } from '../stdout.js';

/** Seconds each path spends per round, at most (fewer queries for slow paths). */
const ROUND_SECONDS = 0.5;

/** The options of `bench` as commander parsed them. */
export interface BenchCommandOptions {
  sizes?: number[];
  radius: number;
  queries: number;
  rounds: number;
  mix: QueryMixName;
  db?: string;
  json: boolean;
  accuracy?: string;
  sample?: number;
}

/**
 * --accuracy DIR: every image of DIR (not recursive) is an original; its transformed copies are made and
 * matched by each method (src/bench/accuracy.ts). Exit 1 when no image of DIR could be hashed.
 */
async function runAccuracyBench(dir: string, opts: BenchCommandOptions): Promise<number> {
  const { existsSync, readdirSync, statSync } = await import('node:fs');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    process.stderr.write(`hashtriage bench: --accuracy needs a folder of original pictures; ${dir} is not one\n`);
    return EXIT.USAGE;
  }
  try {
    const { accuracyReportMarkdown, listOriginals, runAccuracy } = await import('../../bench/accuracy.js');
    let originals = listOriginals(dir, readdirSync(dir));
    if (opts.sample !== undefined) originals = originals.slice(0, opts.sample);
    if (originals.length < 2) {
      process.stderr.write(`hashtriage bench: --accuracy needs at least 2 pictures in ${dir} (found ${originals.length})\n`);
      return EXIT.USAGE;
    }
    const tty = process.stderr.isTTY;
    const report = await runAccuracy(originals, (done, total) => {
      if (tty) process.stderr.write(`\rhashtriage bench: ${done}/${total} originals${done === total ? '\n' : ''}`);
    });
    for (const s of report.skipped) process.stderr.write(`hashtriage bench: skipped ${s}\n`);
    if (report.results.length === 0) {
      process.stderr.write('hashtriage bench: no picture could be hashed\n');
      return EXIT.SOME_FAILED;
    }
    await writeOutput(opts.json ? `${JSON.stringify(report)}\n` : accuracyReportMarkdown(report));
    await flushOutput();
    return report.skipped.length > 0 ? EXIT.SOME_FAILED : EXIT.OK;
  } catch (err) {
    return reportFailure('bench', err);
  }
}

/** Runs `bench` and resolves to the exit code. */
export async function runBench(opts: BenchCommandOptions): Promise<number> {
  if (opts.accuracy !== undefined) {
    if (opts.db !== undefined || opts.sizes !== undefined) {
      process.stderr.write('hashtriage bench: --accuracy measures matching accuracy; it does not take --sizes or --db\n');
      return EXIT.USAGE;
    }
    return runAccuracyBench(opts.accuracy, opts);
  }
  if (opts.sample !== undefined) {
    process.stderr.write('hashtriage bench: --sample goes with --accuracy\n');
    return EXIT.USAGE;
  }
  if (opts.db !== undefined && opts.sizes !== undefined) {
    process.stderr.write('hashtriage bench: give --sizes (generated indexes) or --db (your index), not both\n');
    return EXIT.USAGE;
  }
  const log = process.stderr.isTTY ? (m: string) => process.stderr.write(`hashtriage bench: ${m}\n`) : undefined;
  try {
    const { formatSizing, measureSizing } = await import('../../bench/sizing.js');
    const report = await measureSizing({
      sizes: opts.sizes ?? [100_000, 1_000_000],
      db: opts.db,
      radius: opts.radius,
      mix: opts.mix,
      rounds: opts.rounds,
      maxQueries: opts.queries,
      roundSeconds: ROUND_SECONDS,
      log,
    });
    await writeOutput(opts.json ? `${JSON.stringify(report)}\n` : formatSizing(report));
    await flushOutput();
    if (!report.exact) {
      process.stderr.write('hashtriage bench: some answers differed from the brute-force scan (see the mismatches); please report this\n');
      return EXIT.SOME_FAILED;
    }
    return EXIT.OK;
  } catch (err) {
    return reportFailure('bench', err);
  }
}
