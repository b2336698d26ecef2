/**
 * `npm run bench`: the whole benchmark suite, one benchmark per child process (so each starts with a
 * clean heap and its own --expose-gc), in the order of SUITE below (hashing, parsing, matching, import,
 * warm start, hashing stages and scale, PDQ against its reference, accuracy, whole scan, the CI guard's
 * checks). Each writes bench/results/<name>.{json,md}; this script then writes bench/results/summary.md.
 *
 * Run: npm run bench [-- --full] [-- --only matching,matching-sweep] [-- --quick]
 *   --full (or HASHTRIAGE_BENCH_FULL=1): matching also at 10,000,000 codes (minutes, several GB of RAM).
 *   --quick: small sizes everywhere, to check the suite runs (numbers not meaningful).
 * Exit code: 1 when a benchmark failed (the others still run), else 0.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeMachine, observeMachine } from '../src/bench/measure.js';
import { flagValue, hasFlag, usageExit } from './lib/args.js';
import { RESULTS_DIR } from './lib/results.js';

const full = hasFlag('full') || process.env.HASHTRIAGE_BENCH_FULL === '1';
const quick = hasFlag('quick');
if (full && quick) usageExit('--full and --quick exclude each other');
const sizes = quick ? '20000' : full ? '100000,1000000,10000000' : '100000,1000000';

interface Benchmark {
  readonly name: string;
  readonly title: string;
  readonly script: string;
  readonly args: readonly string[];
}

const SUITE: readonly Benchmark[] = [
  { name: 'hashing', title: 'Hashing', script: 'hashing.ts', args: quick ? ['--images', '6', '--repeats', '1'] : [] },
  { name: 'import-parse', title: 'List parsing', script: 'import-parse.ts', args: quick ? ['--rows', '20000', '--repeats', '1'] : [] },
  {
    name: 'matching',
    title: 'Matching (issue 3 targets: radius 31, mixed queries)',
    script: 'matching.ts',
    args: ['--sizes', sizes, ...(quick ? ['--repeats', '1', '--memory-queries', '200', '--sqlite-queries', '20', '--brute-queries', '5'] : [])],
  },
  {
    name: 'matching-sweep',
    title: 'Matching by radius and query mix',
    script: 'matching-sweep.ts',
    args: ['--sizes', sizes, ...(quick ? ['--rounds', '1', '--round-ms', '50'] : [])],
  },
  {
    name: 'wide-radius',
    title: 'Wide radius (63) at 1M: batch scan against a blocked C scan; planner constants',
    script: 'wide-radius.ts',
    args: quick ? ['--count', '20000', '--rounds', '1'] : [],
  },
  { name: 'import-scale', title: 'Import at scale', script: 'import-scale.ts', args: quick ? ['--sizes', '20000,60000'] : [] },
  { name: 'warm-start', title: 'Warm start and one-shot lookups', script: 'warm-start.ts', args: quick ? ['--count', '20000', '--rounds', '1'] : [] },
  { name: 'hash-profile', title: 'Hashing: CPU per stage, by format and size', script: 'hash-profile.ts', args: quick ? ['--passes', '1'] : [] },
  { name: 'pdq-reference', title: 'PDQ against the reference C++ (when a checkout is given)', script: 'pdq-reference.ts', args: quick ? ['--rounds', '1', '--images', '6'] : [] },
  { name: 'hash-process', title: 'Whole hash process: images/s, fixed and marginal CPU, CPU by thread', script: 'hash-process.ts', args: quick ? ['--files', '12', '--rounds', '1'] : [] },
  { name: 'hash-scale', title: 'hash on 1,000 vs 10,000 files: memory and rate', script: 'hash-scale.ts', args: quick ? ['--files', '2000'] : [] },
  { name: 'accuracy', title: 'Accuracy per transform and method', script: 'accuracy.ts', args: quick ? ['--quick'] : [] },
  { name: 'scan', title: 'Whole scan', script: 'scan.ts', args: quick ? ['--files', '200', '--index', '20000'] : [] },
  { name: 'guard', title: 'CI guard checks (`npm run bench:guard`)', script: 'guard.ts', args: [] },
];

const only = flagValue('only')?.split(',').map((s) => s.trim());
for (const name of only ?? []) if (!SUITE.some((b) => b.name === name)) usageExit(`--only: unknown benchmark "${name}" (${SUITE.map((b) => b.name).join(', ')})`);
const chosen = SUITE.filter((b) => !only || only.includes(b.name));

const here = path.dirname(new URL(import.meta.url).pathname);
const machine = observeMachine();
const started = Date.now();
const outcomes: Array<{ bench: Benchmark; status: number | null; seconds: number }> = [];
for (const bench of chosen) {
  process.stderr.write(`\n== ${bench.name}: ${[bench.script, ...bench.args].join(' ')}\n`);
  const t0 = Date.now();
  const res = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', path.join(here, bench.script), ...bench.args], {
    stdio: ['ignore', 'inherit', 'inherit'],
    cwd: path.join(here, '..'),
  });
  const seconds = (Date.now() - t0) / 1000;
  outcomes.push({ bench, status: res.status, seconds });
  process.stderr.write(`== ${bench.name}: exit ${res.status ?? res.signal}, ${seconds.toFixed(0)} s\n`);
}

function commit(): string {
  const res = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', cwd: here });
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', cwd: here }).stdout.trim() !== '';
  return res.status === 0 ? `${res.stdout.trim()}${dirty ? ' (with uncommitted changes)' : ''}` : 'unknown';
}

const sections = outcomes.map(({ bench, status, seconds }) => {
  const md = path.join(RESULTS_DIR, `${bench.name}.md`);
  const body = status === 0 || (bench.name === 'guard' && status === 1 && existsSync(md)) ? readFileSync(md, 'utf8').trim() : `Failed (exit ${status}); no result.`;
  return `## ${bench.title}\n\n${body}\n\n_${seconds.toFixed(0)} s; details in \`bench/results/${bench.name}.json\`._`;
});
const summary = [
  '# Benchmark summary',
  '',
  `\`npm run bench${full ? ' -- --full' : quick ? ' -- --quick' : ''}\` at commit ${commit()}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${((Date.now() - started) / 60000).toFixed(0)} min.`,
  `Machine: ${describeMachine(machine())}. Ratios are measured within one run; absolute rates depend on the machine and on what else runs on it (the load average is recorded).`,
  '',
  ...sections.flatMap((s) => [s, '']),
].join('\n');
mkdirSync(RESULTS_DIR, { recursive: true, mode: 0o700 });
writeFileSync(path.join(RESULTS_DIR, 'summary.md'), summary, { mode: 0o600 });
process.stderr.write(`\nwrote ${path.relative(process.cwd(), path.join(RESULTS_DIR, 'summary.md'))}\n`);
const failed = outcomes.filter((o) => o.status !== 0);
if (failed.length > 0) {
  process.stderr.write(`failed: ${failed.map((o) => `${o.bench.name} (exit ${o.status})`).join(', ')}\n`);
  process.exitCode = 1;
}
