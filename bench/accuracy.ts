/**
 * `npm run bench:accuracy`: recall of transformed copies per matching method and transform, and the
 * distances between distinct pictures (src/bench/accuracy.ts does the work). Originals: the photo corpus
 * prepared by `npm run corpus` (scripts/fetch-photo-corpus.ts, default .cache/photo-corpus) plus the
 * conformance images that are distinct pictures (fixtures/conformance/images without the `mod-*` copies).
 * Writes bench/results/accuracy.{json,md,svg}.
 *
 * Run: npm run bench:accuracy [-- --corpus DIR] [-- --sample N] [-- --quick]
 *   --sample N: only N originals (a fixed choice by hash of name), --quick = --sample 24.
 * Exit code 0; 1 when no original could be hashed; 2 for usage errors.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { accuracyReportMarkdown, accuracySvg, listOriginals, runAccuracy, TRANSFORMS } from '../src/bench/accuracy.js';
import { describeMachine, observeMachine } from '../src/bench/measure.js';
import { flagValue, hasFlag, parsePositiveInt } from './lib/args.js';
import { RESULTS_DIR, round, writeResults } from './lib/results.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpusDir = path.resolve(flagValue('corpus') ?? path.join(root, '.cache', 'photo-corpus'));
const sampleText = flagValue('sample');
const sample = hasFlag('quick') ? 24 : sampleText === undefined ? undefined : parsePositiveInt(sampleText, '--sample');

const conformanceDir = path.join(root, 'fixtures', 'conformance', 'images');
const originals = [
  ...listOriginals(conformanceDir, readdirSync(conformanceDir).filter((f) => !f.startsWith('mod-'))).map((o) => ({ ...o, name: `conformance/${o.name}` })),
  ...(existsSync(corpusDir) ? listOriginals(corpusDir, readdirSync(corpusDir)) : []),
];
if (!existsSync(corpusDir)) process.stderr.write(`bench:accuracy: no photo corpus in ${corpusDir}; run \`npm run corpus\` first. Using the conformance images only.\n`);
const byHash = (name: string) => createHash('sha256').update(`sample:${name}`).digest('hex');
const chosen = sample === undefined ? originals : [...originals].sort((a, b) => (byHash(a.name) < byHash(b.name) ? -1 : 1)).slice(0, sample);

const machine = observeMachine();
const started = Date.now();
const report = await runAccuracy(chosen, (done, total) => {
  if (process.stderr.isTTY) process.stderr.write(`\rbench:accuracy: ${done}/${total} originals${done === total ? '\n' : ''}`);
});
if (report.results.length === 0) {
  process.stderr.write('bench:accuracy: no original could be hashed\n');
  process.exit(1);
}
const info = machine();
const markdown = [
  '# Accuracy: recall of transformed copies',
  '',
  `${report.originals.length} originals (${report.results.map((r) => `${r.part}: ${r.pictures}`).join(', ')}) × ${TRANSFORMS.length} transforms; photo corpus from \`npm run corpus\` plus the conformance images${sample === undefined ? '' : `, sample of ${sample}`}; ${describeMachine(info)}; ${round((Date.now() - started) / 1000, 0)} s.`,
  '',
  accuracyReportMarkdown(report),
].join('\n');
writeResults('accuracy', { machine: info, ...report }, markdown);
writeFileSync(path.join(RESULTS_DIR, 'accuracy.svg'), accuracySvg(report.results, TRANSFORMS), { mode: 0o600 });
process.stdout.write(markdown);
