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
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { accuracyMarkdown, accuracySvg, evaluate, listOriginals, preparePicture, TRANSFORMS, type CpuTally, type Picture } from '../src/bench/accuracy.js';
import { describeMachine, observeMachine } from '../src/bench/measure.js';
import { flagValue, hasFlag, parsePositiveInt } from './lib/args.js';
import { markdownTable, RESULTS_DIR, round, writeResults } from './lib/results.js';

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
const tally: CpuTally = { decode: 0, pdq: 0, dihedral: 0, content: 0, crops: 0, blockhash: 0, images: 0 };
const pictures: Picture[] = [];
const skipped: string[] = [];
for (const [i, o] of chosen.entries()) {
  const r = await preparePicture(o.name, o.file, TRANSFORMS, i, tally);
  if ('skipped' in r) skipped.push(r.skipped);
  else pictures.push(r.picture);
  if (process.stderr.isTTY) process.stderr.write(`\rbench:accuracy: ${i + 1}/${chosen.length} originals`);
}
if (process.stderr.isTTY) process.stderr.write('\n');
if (pictures.length === 0) {
  process.stderr.write('bench:accuracy: no original could be hashed\n');
  process.exit(1);
}
const results = evaluate(pictures, TRANSFORMS);
const info = machine();
const cost = (key: keyof CpuTally) => round(tally[key] / 1000 / tally.images, 2);
const cpu = {
  images: tally.images,
  msPerImage: { decode: cost('decode'), pdq: cost('pdq'), dihedral: cost('dihedral'), content: cost('content'), crops: cost('crops'), blockhash: cost('blockhash') },
};
const costTable = markdownTable(
  ['technique', 'CPU ms per image', '× PDQ'],
  (['pdq', 'dihedral', 'content', 'crops', 'blockhash', 'decode'] as const).map((k) => [k, cpu.msPerImage[k], round(tally[k] / tally.pdq, 2)]),
);
const markdown = [
  `# Accuracy: recall of transformed copies`,
  '',
  `${pictures.length} originals (${results.map((r) => `${r.part}: ${r.pictures}`).join(', ')}) × ${TRANSFORMS.length} transforms; corpus ${path.basename(corpusDir)}${sample === undefined ? '' : `, sample of ${sample}`}; ${describeMachine(info)}; ${round((Date.now() - started) / 1000, 0)} s.`,
  skipped.length > 0 ? `\nSkipped: ${skipped.join('; ')}.` : '',
  accuracyMarkdown(results, TRANSFORMS),
  '',
  `CPU time per image (${tally.images} images of up to 1024 pixels a side, same run):`,
  '',
  costTable,
  '',
].join('\n');
writeResults('accuracy', { machine: info, originals: pictures.map((p) => ({ name: p.name, part: p.part })), skipped, transforms: TRANSFORMS.map((t) => ({ name: t.name, label: t.label })), cpu, results }, markdown);
writeFileSync(path.join(RESULTS_DIR, 'accuracy.svg'), accuracySvg(results, TRANSFORMS), { mode: 0o600 });
process.stdout.write(markdown);
