/**
 * Where hashing time goes, per image and stage (bench/lib/hash-stages.ts), on real photographs by format
 * and size (scripts/fetch-bench-photos.ts: JPEG of ~0.5, ~2 and 12+ MP, PNG, WebP) and on the generated
 * ~2 MP JPEGs. One thread, CPU time per image (median of the passes) and each stage's share of a file's
 * pipeline (the pdq:* rows are a breakdown of PDQ's steps, not part of the sum).
 *
 * Run: npm run build && npx tsx bench/hash-profile.ts [--passes 3] [--cache DIR]
 * Without the photo corpus only the generated JPEGs are measured (the table says so).
 * Writes bench/results/hash-profile.{json,md}.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeMachine, observeMachine, spread } from '../src/bench/measure.js';
import { flagValue, positiveIntFlag } from './lib/args.js';
import { PIPELINE_STAGES, STAGES, timeStages, type StagePass } from './lib/hash-stages.js';
import { benchCacheDir, photoCorpus, PHOTO_CLASSES } from './lib/photo-corpus.js';
import { generatePhotoJpegs } from './lib/photo-jpegs.js';
import { markdownTable, round, writeResults } from './lib/results.js';

const PER_CLASS = 12;

async function main(): Promise<void> {
  const passes = positiveIntFlag('passes', 3);
  const machine = observeMachine();
  const corpus = photoCorpus(benchCacheDir(flagValue('cache')));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-profile-'));
  try {
    const sets: Array<[string, string[]]> = [['synthetic JPEG ~2 MP', await generatePhotoJpegs(dir, PER_CLASS)]];
    if (corpus !== null) for (const c of PHOTO_CLASSES) if (corpus[c].length > 0) sets.push([c, corpus[c].slice(0, PER_CLASS)]);
    await timeStages(sets[0][1].slice(0, 3)); // warm-up
    const medians: Record<string, Record<string, number>> = {};
    for (const [name, files] of sets) {
      const runs: StagePass[] = [];
      for (let p = 0; p < passes; p++) runs.push(await timeStages(files));
      medians[name] = Object.fromEntries(STAGES.map((s) => [s, spread(runs.map((r) => r.cpuMs[s])).median]));
      process.stderr.write(`${name}: ${files.length} files\n`);
    }
    const names = sets.map(([n]) => n);
    const total = (n: string) => PIPELINE_STAGES.reduce((sum, s) => sum + medians[n][s], 0);
    const info = machine();
    const rows = [
      ...STAGES.map((s) => [s, ...names.map((n) => `${round(medians[n][s], 2)} (${round((100 * medians[n][s]) / total(n))}%)`)]),
      ['**pipeline total** (without the pdq-cli512 and pdq:* rows)', ...names.map((n) => `**${round(total(n), 1)}**`)],
    ];
    const markdown = [
      `CPU ms per image (share of the pipeline total), one thread, median of ${passes} passes; ${PER_CLASS} files per set at most; ${describeMachine(info)}.` +
        (corpus === null ? ' Photo corpus not fetched (scripts/fetch-bench-photos.ts): generated JPEGs only.' : ''),
      '',
      markdownTable(['stage', ...names], rows),
    ].join('\n');
    writeResults('hash-profile', { benchmark: 'hash-profile', date: new Date().toISOString(), machine: info, passes, sets: Object.fromEntries(sets.map(([n, f]) => [n, f.length])), cpuMsPerImage: medians }, markdown);
    console.log(markdown);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
