import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateImages } from '../bench/synthetic-images.js';
import { runCli } from './support/cli.js';

const FILES = 6;

let work: string;

function cli(args: string[]) {
  return runCli(args, { cwd: work });
}

function itemPaths(outDir: string): string[] {
  return readFileSync(path.join(outDir, 'items.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { path: string }).path)
    .sort();
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ht-ownfiles-'));
  await generateImages(path.join(work, 'in'), FILES, { seed: 5, duplicateEvery: 3 });
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a scan never takes its own files as items', () => {
  it('leaves out an --out directory, an index and a sightings store inside a scanned folder, also on --resume', async () => {
    // Output directory, index and sightings store all inside the scanned folder.
    writeFileSync(path.join(work, 'list.csv'), 'md5\nb71fc037a13b8837040e6abd0ff6dbc0\n');
    expect((await cli(['index', 'import', 'list.csv', '--list', 'k', '--db', 'in/index.db'])).status).toBe(0);
    const first = await cli(['scan', 'in', '--out', 'in/out', '--db', 'in/index.db', '--json']);
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ completed: true, files: FILES });
    const items = itemPaths(path.join(work, 'in', 'out'));
    expect(items).toHaveLength(FILES);
    expect(items.filter((p) => p.includes('out/') || p.includes('index.'))).toEqual([]);
    expect(existsSync(path.join(work, 'in', 'index.sightings.db'))).toBe(true);
    // the index's warm-start files (written by scans that load the index into memory) are not evidence either
    writeFileSync(path.join(work, 'in', 'index.db.pdq.bands'), 'HTMIX');
    const bundles = readFileSync(path.join(work, 'in', 'out', 'bundles.ndjson'), 'utf8');

    // The resumed (here: already finished) case sees the same files, not case.db, audit.ndjson, report.html, index.db-wal, index.db.pdq.bands…
    const resumed = await cli(['scan', 'in', '--out', 'in/out', '--db', 'in/index.db', '--resume', '--json']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ completed: true, files: FILES, failedFiles: 0, hashedThisRun: 0 });
    expect(itemPaths(path.join(work, 'in', 'out'))).toEqual(items);
    expect(readFileSync(path.join(work, 'in', 'out', 'bundles.ndjson'), 'utf8')).toBe(bundles);
  }, 180_000);

  it("leaves out an earlier scan's output folder found below the inputs, says so, and records it; a look-alike case.db does not count", async () => {
    // an earlier scan's output inside the folder (its own --out, not the current one)
    expect((await cli(['scan', 'in', '--out', 'in/earlier', '--no-index'])).status).toBe(0);
    // a folder of evidence that merely holds a file called case.db (another program's file) is evidence
    writeFileSync(path.join(work, 'in', 'case.db'), 'not a database of this tool');
    const later = await cli(['scan', 'in', '--out', 'later', '--no-index', '--json']);
    expect(later.status, later.stderr).toBe(0);
    const summary = JSON.parse(later.stdout);
    expect(summary.leftOutFolders).toEqual(['in/earlier', 'in/out']);
    expect(later.stderr).toContain('hashtriage scan: left out in/earlier: it holds the output of an earlier scan (case.db)');
    const items = itemPaths(path.join(work, 'later'));
    expect(items.filter((p) => p.startsWith('in/earlier/') || p.startsWith('in/out/'))).toEqual([]);
    expect(items).toContain('in/case.db');
    const manifest = JSON.parse(readFileSync(path.join(work, 'later', 'manifest.json'), 'utf8'));
    expect(manifest.inputs.leftOutFolders).toEqual(['in/earlier', 'in/out']);
    // named as an input, an earlier output folder is scanned as asked
    const named = await cli(['scan', 'in/earlier', '--out', 'named', '--no-index', '--json']);
    expect(named.status, named.stderr).toBe(0);
    expect(JSON.parse(named.stdout).leftOutFolders).toBeUndefined();
    expect(itemPaths(path.join(work, 'named'))).toContain('in/earlier/case.db');
  }, 180_000);
});
