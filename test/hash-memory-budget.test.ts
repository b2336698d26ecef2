/** `--memory-budget` changes when images are decoded, never what comes out. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

const IMAGES = path.resolve('fixtures/conformance/images');

describe('hash --memory-budget', () => {
  it('gives the same lines with a budget smaller than any image (each decoded alone) as with the default', async () => {
    const files = ['base-900x700.jpg', 'image.tiff'].map((f) => path.join(IMAGES, f));
    const normal = await runCli(['hash', ...files]);
    const tight = await runCli(['hash', '--memory-budget', '1', ...files]);
    expect(normal.status, normal.stderr).toBe(0);
    expect(tight.status, tight.stderr).toBe(0);
    expect(tight.stdout).toBe(normal.stdout);
    expect(tight.stdout.trim().split('\n')).toHaveLength(2);
  }, 120_000);

  it('refuses a budget that is not a positive number of MiB', async () => {
    const run = await runCli(['hash', '--memory-budget', '0', path.join(IMAGES, 'image.tiff')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/memory-budget/);
  });
});
