import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateImages } from '../bench/synthetic-images.js';
import { runCli } from './support/cli.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'hashtriage.js');
const FILES = 48;

let work: string;

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(args, { cwd: work, env: { ...process.env, ...env } });
}

function finishedItems(caseDb: string): number {
  if (!existsSync(caseDb)) return 0;
  try {
    const db = new Database(caseDb, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // schema not created yet
  }
}

/** An output file's text (items, bundles and the CSV carry no timestamps, so they compare byte for byte). */
function output(dir: string, name: string): string {
  return readFileSync(path.join(work, dir, name), 'utf8');
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ht-resume-'));
  await generateImages(path.join(work, 'in'), FILES, { seed: 11, duplicateEvery: 4 });
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('scan --resume after a crash', () => {
  it('continues a scan killed with SIGKILL part-way and ends with the same bundles as an uninterrupted scan', async () => {
    // Reference: one uninterrupted scan (its own sightings store, so sightings cannot leak between the runs).
    const ref = await cli(['scan', 'in', '--out', 'ref', '--no-index', '--sightings', 'sightings-ref.db', '--json']);
    expect(ref.stderr).toBe('');
    expect(ref.status).toBe(0);
    expect(JSON.parse(ref.stdout)).toMatchObject({ completed: true, files: FILES, resumedItems: 0 });

    // A slowed-down scan, killed once some items are committed.
    const child = spawn(process.execPath, [BIN, 'scan', 'in', '--out', 'part', '--no-index', '--sightings', 'sightings-part.db', '--concurrency', '2'], {
      cwd: work,
      env: { ...process.env, HASHTRIAGE_TEST_SCAN_DELAY_MS: '150' },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const caseDb = path.join(work, 'part', 'case.db');
    const deadline = Date.now() + 60_000;
    while (finishedItems(caseDb) < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const done = finishedItems(caseDb);
    expect(done).toBeGreaterThanOrEqual(10);
    expect(done).toBeLessThan(FILES);
    expect(existsSync(path.join(work, 'part', 'bundles.ndjson'))).toBe(false);

    // Without --resume the directory is refused; with it the scan continues and hashes only the rest.
    const refused = await cli(['scan', 'in', '--out', 'part', '--no-index', '--sightings', 'sightings-part.db']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--resume/);
    const differentOptions = await cli(['scan', 'in', '--out', 'part', '--no-index', '--sightings', 'sightings-part.db', '--resume', '--no-dihedral']);
    expect(differentOptions.status).toBe(2);
    expect(differentOptions.stderr).toMatch(/dihedral/);

    const resumed = await cli(['scan', 'in', '--out', 'part', '--no-index', '--sightings', 'sightings-part.db', '--resume', '--json']);
    expect(resumed.status).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary).toMatchObject({ completed: true, files: FILES, resumedItems: done, hashedThisRun: FILES - done });

    for (const name of ['bundles.ndjson', 'items.ndjson', 'bundles.csv']) expect(output('part', name)).toBe(output('ref', name));
    // The generated near-duplicates are grouped: fewer bundles than files.
    const bundles = output('ref', 'bundles.ndjson').trim().split('\n');
    expect(bundles.length).toBeLessThan(FILES);
  }, 180_000);
});
