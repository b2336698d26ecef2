import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateImages } from '../bench/synthetic-images.js';
import { runCli } from './support/cli.js';

const FILES = 3;

let work: string;

function cli(args: string[]) {
  return runCli(args, { cwd: work });
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ht-maxpixels-'));
  await generateImages(path.join(work, 'in'), FILES, { seed: 3, duplicateEvery: 0 });
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('scan --max-pixels', () => {
  it('refuses larger images as failed items, and a resume with another limit is refused', async () => {
    const small = await cli(['scan', 'in', '--out', 'small', '--no-index', '--max-pixels', '16', '--json']);
    expect(small.status, small.stderr).toBe(1);
    expect(JSON.parse(small.stdout)).toMatchObject({ completed: true, files: FILES, failedFiles: FILES });
    expect(small.stderr).toMatch(/over the limit of 16 \(--max-pixels\)/);

    const other = await cli(['scan', 'in', '--out', 'small', '--no-index', '--max-pixels', '17', '--resume']);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/maxPixels/);

    const normal = await cli(['scan', 'in', '--out', 'normal', '--no-index', '--json']);
    expect(normal.status, normal.stderr).toBe(0);
    expect(JSON.parse(normal.stdout)).toMatchObject({ files: FILES, failedFiles: 0 });
    expect(readFileSync(path.join(work, 'normal', 'items.ndjson'), 'utf8')).not.toMatch(/max-pixels/);
  }, 120_000);
});
