/**
 * SIGTERM (`timeout`, `docker stop`, a service manager) takes the same clean path as Ctrl-C: a scan stops
 * after the files in progress, releases its case lock, leaves no WAL behind and exits 143, and `--resume`
 * finishes it; an import stopped part-way rolls back (the index holds what it held) and exits 143.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateImages } from '../bench/synthetic-images.js';
import { CLI, runCli } from './support/cli.js';

const FILES = 40;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ht-sigterm-'));
  await generateImages(path.join(work, 'in'), FILES, { seed: 5, duplicateEvery: 4 });
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Rows of a table, 0 while the file or the table does not exist yet. */
function rows(file: string, table: string): number {
  if (!existsSync(file)) return 0;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

/** Spawns the CLI; resolves its exit code (null when a signal killed it) and stderr. */
function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: work, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, exited };
}

async function until(check: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(check()).toBe(true);
}

describe('SIGTERM', () => {
  it('stops a scan cleanly (exit 143, no lock, no WAL) and --resume finishes it', async () => {
    const { child, exited } = start(['scan', 'in', '--out', 'part', '--no-index', '--sightings', 's.db', '--concurrency', '2'], {
      HASHTRIAGE_TEST_SCAN_DELAY_MS: '150',
    });
    const caseDb = path.join(work, 'part', 'case.db');
    await until(() => rows(caseDb, 'items') >= 5);
    child.kill('SIGTERM');
    const res = await exited;
    expect(res.signal).toBeNull();
    expect(res.code).toBe(143);
    expect(res.stderr).toContain('terminated: stopping after the files in progress');
    const left = readdirSync(path.join(work, 'part'));
    expect(left).not.toContain('case.lock');
    expect(left.filter((f) => f.endsWith('-wal') || f.endsWith('-journal'))).toEqual([]);
    expect(left).not.toContain('bundles.ndjson');
    const done = rows(caseDb, 'items');
    expect(done).toBeLessThan(FILES);
    const resumed = await runCli(['scan', 'in', '--out', 'part', '--no-index', '--sightings', 's.db', '--resume', '--json'], { cwd: work });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ completed: true, files: FILES, resumedItems: done, hashedThisRun: FILES - done });
  }, 180_000);

  it('rolls an import back: the index holds what it held, no WAL is left, exit 143', async () => {
    const db = path.join(work, 'k.db');
    writeFileSync(path.join(work, 'small.csv'), `md5\n${'ab'.repeat(16)}\n`);
    expect((await runCli(['index', 'import', 'small.csv', '--list', 'first', '--db', db], { cwd: work })).status).toBe(0);
    const before = (await runCli(['index', 'export', '--db', db], { cwd: work })).stdout;
    const lines = ['pdq'];
    let s = 7;
    for (let i = 0; i < 400_000; i++) {
      let h = '';
      for (let w = 0; w < 8; w++) {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        h += (s >>> 0).toString(16).padStart(8, '0');
      }
      lines.push(h);
    }
    writeFileSync(path.join(work, 'big.csv'), `${lines.join('\n')}\n`);
    const { child, exited } = start(['index', 'import', 'big.csv', '--list', 'big', '--db', db]);
    await until(() => existsSync(`${db}-wal`));
    await new Promise((r) => setTimeout(r, 400)); // well inside the write: the stop handlers are installed once it holds the lock
    child.kill('SIGTERM');
    const res = await exited;
    expect(res.signal).toBeNull();
    expect(res.code).toBe(143);
    expect(res.stderr).toContain('stopped by SIGTERM: nothing of big.csv was imported; the index is as it was');
    expect(existsSync(`${db}-wal`)).toBe(false);
    expect((await runCli(['index', 'export', '--db', db], { cwd: work })).stdout).toBe(before);
    const verify = await runCli(['index', 'verify', '--db', db], { cwd: work });
    expect(verify.status).toBe(0);
  }, 180_000);
});
