import { copyFileSync, mkdtempSync, realpathSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScan, type ScanOptions } from '../src/pipeline/scan.js';
import { openScanDeps } from '../src/pipeline/scan-deps.js';

const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'ht-resume-stale-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('scan --resume with files changed since the interruption', () => {
  it('reports a file that was hashed before the interruption but is gone now as missing, not with its old hashes', async () => {
    const a = path.join(root, 'a.png');
    const b = path.join(root, 'b.png');
    copyFileSync('fixtures/conformance/images/rose-210x138.png', a);
    copyFileSync('fixtures/conformance/images/rose-210x138.png', b);
    const options: ScanOptions = { inputs: [a, b], manifests: [], outDir: path.join(root, 'out'), resume: false, dihedral: false, pdqFlavour: 'full', concurrency: 1 };
    const indexPath = path.join(root, 'index.db');

    // An interrupted scan: only the first file (a.png) was hashed and saved.
    const first = openScanDeps(options, { index: null, sightings: `${indexPath}.sightings` }, undefined, true);
    const real = first.hasher;
    const partial = { ...first, hasher: { signalTypes: real.signalTypes, hash: (inputs: Parameters<typeof real.hash>[0], onResult: Parameters<typeof real.hash>[1], signal: AbortSignal) => real.hash(inputs.slice(0, 1), onResult, signal) } };
    try {
      const interrupted = await runScan(options, partial);
      expect(interrupted).toMatchObject({ completed: false, hashedThisRun: 1 });
    } finally {
      await first.index.close();
    }

    unlinkSync(a);
    const resumeOptions = { ...options, resume: true };
    const second = openScanDeps(resumeOptions, { index: null, sightings: `${indexPath}.sightings` }, undefined, true);
    try {
      const summary = await runScan(resumeOptions, second);
      expect(summary).toMatchObject({ completed: true, files: 2, failedFiles: 1, resumedItems: 0 });
      expect(summary.problems).toEqual([expect.objectContaining({ source: a, code: 'NOT_FOUND' })]);
    } finally {
      await second.index.close();
    }
  }, 60_000);
});
