/**
 * CI guard of matching (and hashing) speed: measures speed-up RATIOS in one run, never absolute times,
 * and fails when one falls short of the committed thresholds in bench/guard-thresholds.json, or when any
 * search path answers differently from the brute-force scan (a fast wrong matcher fails too).
 *
 *  - matching: random 256-bit codes imported into a temporary index; in rounds, brute force and each
 *    path answer their next queries; speed-up = path's queries per CPU-second / brute force's in the same
 *    round; the median over rounds is compared with the threshold. Then every path's answers are compared
 *    with brute force at the measured radius and at the extra radii.
 *  - wide radius: the in-memory index's batch search at radius 63 (one blocked scan) against brute
 *    force, raced the same way on codes in memory; its answers are compared with brute force's too.
 *  - hashing: per round, CPU time per image of PDQ and blockhash over decoding, on ~2 MP JPEGs.
 *
 * Run: npm run bench:guard [-- --thresholds FILE]. Prints a Markdown table on stdout, writes
 * bench/results/guard.{json,md}; exit 0 when every check holds, 1 naming each failed check (measured,
 * threshold), 2 for a bad thresholds file. Typical run on 2 cores: about a minute.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomCodes, QUERY_MIXES } from '../src/bench/hamming-workload.js';
import { measureMatchingPaths, openBenchIndex, writeCodesIndex, type MatchPath } from '../src/bench/matching-bench.js';
import { collectGarbage, describeMachine, observeMachine, spread, type Spread } from '../src/bench/measure.js';
import { bruteForceForced, FORCE_BRUTE_FORCE_ENV } from '../src/search/brute-force.js';
import { flagValue } from './lib/args.js';
import { GuardConfigError, judge, loadGuardConfig, verdictTable, type GuardConfig, type GuardMeasurements, type GuardStage } from './lib/guard-checks.js';
import { timeStages, type StagePass } from './lib/hash-stages.js';
import { measureWideBatch, type WideMeasurement } from './lib/wide-guard.js';
import { generatePhotoJpegs } from './lib/photo-jpegs.js';
import { fmtInt, round, writeResults } from './lib/results.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const log = (m: string) => process.stderr.write(`bench:guard: ${m}\n`);

async function measureMatching(config: GuardConfig, paths: readonly MatchPath[], work: string) {
  const { codes: count, radius, mix, rounds, exactRadii, exactLimit, roundSeconds, seed } = config.matching;
  log(`importing ${fmtInt(count)} random 256-bit codes into a temporary index`);
  const codes = randomCodes(count, seed * 1_000_003 + count);
  const file = path.join(work, 'guard.db');
  const imported = await writeCodesIndex(file, codes, count);
  const index = openBenchIndex(file);
  try {
    const m = measureMatchingPaths(index, { radius, mix, rounds, paths, exactRadii, exactLimit, roundSeconds, seed, log });
    return { ...m, importSeconds: imported.wallSeconds };
  } finally {
    index.store.close();
  }
}

async function measureHashing(config: GuardConfig, stages: readonly GuardStage[], work: string) {
  const { images, rounds } = config.hashing;
  log(`generating ${images} JPEGs of ~2 MP`);
  const files = await generatePhotoJpegs(work, images);
  await timeStages(files.slice(0, 2)); // warm-up
  const passes: StagePass[] = [];
  for (let r = 0; r < rounds; r++) {
    collectGarbage();
    passes.push(await timeStages(files));
  }
  const ratios: Partial<Record<GuardStage, Spread>> = {};
  for (const s of stages) ratios[s] = spread(passes.map((p) => p.cpuMs[s] / p.cpuMs.decode));
  const cpuMsPerImage = Object.fromEntries(['decode', ...stages].map((s) => [s, spread(passes.map((p) => p.cpuMs[s]))]));
  return { ratios, cpuMsPerImage };
}

async function main(): Promise<number> {
  const started = performance.now();
  const machine = observeMachine();
  const thresholdsFile = flagValue('thresholds') ?? path.join(here, 'guard-thresholds.json');
  let config: GuardConfig;
  try {
    config = loadGuardConfig(thresholdsFile);
  } catch (err) {
    process.stderr.write(`bench:guard: ${err instanceof GuardConfigError ? err.message : `cannot read ${thresholdsFile}: ${(err as Error).message}`}\n`);
    return 2;
  }
  if (bruteForceForced()) log(`${FORCE_BRUTE_FORCE_ENV}=1: the indexed searchers are forced to scan linearly (this run should fail)`);
  const paths = config.checks.flatMap((c) => (c.kind === 'speedup' ? [c.path] : []));
  const stages = config.checks.flatMap((c) => (c.kind === 'stage-ratio' ? [c.stage] : []));
  const work = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-guard-'));
  try {
    // hashing first, while the process is small: the matching phase leaves a large heap whose collection
    // would otherwise land on the decode timings
    const hashing = stages.length > 0 ? await measureHashing(config, stages, work) : null;
    const matching = paths.length > 0 ? await measureMatching(config, paths, work) : null;
    const wideConfig = config.wide;
    let wide: WideMeasurement | null = null;
    if (wideConfig && config.checks.some((c) => c.kind === 'wide')) {
      log(`wide radius: ${fmtInt(wideConfig.codes)} random codes, radius ${wideConfig.radius}, batches of ${wideConfig.batch}, ${wideConfig.rounds} rounds`);
      collectGarbage();
      wide = measureWideBatch(wideConfig.codes, wideConfig.radius, wideConfig.batch, wideConfig.rounds, config.matching.seed);
    }
    const speedups: Partial<Record<MatchPath, Spread>> = {};
    for (const p of matching?.paths ?? []) if (p.path !== 'brute-force') speedups[p.path] = p.cpuSpeedup;
    const measurements: GuardMeasurements = {
      speedups,
      ...(wide ? { wide: { 'memory-batch': wide.speedup } } : {}),
      stageRatios: hashing?.ratios ?? {},
      mismatches: [...(matching?.exactness.mismatches ?? []), ...(wide?.mismatches ?? [])],
      exactness: { queries: matching?.exactness.queries ?? 0, radii: matching?.exactness.radii ?? [] },
    };
    const verdict = judge(config, measurements);
    const seconds = (performance.now() - started) / 1000;
    const info = machine();
    const { codes, radius, mix, rounds } = config.matching;
    const caption = [
      `Benchmark guard: ${fmtInt(codes)} random codes, radius ${radius}, ${mix} queries (${QUERY_MIXES[mix].description}), ${rounds} rounds; hashing ${config.hashing.images} JPEGs of ~2 MP × ${config.hashing.rounds} rounds.`,
      ...(wideConfig && wide
        ? [`Wide radius: ${fmtInt(wideConfig.codes)} random codes, radius ${wideConfig.radius}, the index's batch search (${wideConfig.batch} queries per round) against brute force, ${wideConfig.rounds} rounds; answers of ${wide.compared} queries compared.`]
        : []),
      `Ratios of CPU time measured in the same rounds (median). ${describeMachine(info)}.${bruteForceForced() ? ` ${FORCE_BRUTE_FORCE_ENV}=1.` : ''} ${round(seconds, 0)} s.`,
    ].join('\n');
    const table = verdictTable(verdict, measurements);
    const rates = matching
      ? `\nQueries per CPU-second (median): ${matching.paths.map((p) => `${p.path} ${fmtInt(p.cpuQueriesPerSecond.median)}`).join(', ')}.`
      : '';
    const wideRates = wide ? `\nAt the wide radius: memory-batch ${fmtInt(wide.cpuQueriesPerSecond.batch.median)}, brute-force ${fmtInt(wide.cpuQueriesPerSecond.bruteForce.median)} queries per CPU-second (median).` : '';
    const markdown = `${caption}\n\n${table}\n${rates}${wideRates}\n`;
    writeResults('guard', { benchmark: 'guard', date: new Date().toISOString(), machine: info, forcedBruteForce: bruteForceForced(), config, matching, wide, hashing, verdict, seconds: round(seconds, 1) }, markdown);
    process.stdout.write(markdown);
    if (!verdict.ok) {
      for (const f of verdict.failures) process.stderr.write(`bench:guard: FAILED ${f}\n`);
      process.stderr.write(`bench:guard: ${verdict.failures.length} check(s) failed; thresholds in ${path.relative(process.cwd(), thresholdsFile)}\n`);
      return 1;
    }
    log(`all ${verdict.checks.length} checks and exactness hold`);
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = await main();
