/**
 * One process per case: a second scan or --resume on a case another live process works on stops with a
 * usage error; a lock left by a killed process is taken over.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASE_LOCK_NAME, lockCase } from '../src/pipeline/case-lock.js';
import { runCli } from './support/cli.js';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hashtriage-lock-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lockCase', () => {
  it('refuses a second holder while the first lives, and is free again once released', async () => {
    const out = path.join(dir, 'a');
    mkdirSync(out);
    const release = lockCase(out);
    expect(() => lockCase(out)).toThrow(new RegExp(`another hashtriage process \\(pid ${process.pid}\\) is working on this case`));
    release();
    expect(existsSync(path.join(out, CASE_LOCK_NAME))).toBe(false);
    lockCase(out)();
  });

  it('takes over a lock whose process is gone', async () => {
    const out = path.join(dir, 'b');
    mkdirSync(out);
    const gone = spawn(process.execPath, ['-e', '0']);
    const pid = gone.pid!;
    await new Promise((r) => gone.on('close', r));
    writeFileSync(path.join(out, CASE_LOCK_NAME), `${pid} ${hostname()}\n`);
    const release = lockCase(out);
    release();
  });
});

describe('scan --resume on a case another process works on', () => {
  it('is refused with exit 2 while it runs, and goes through once it has gone', async () => {
    const media = path.join(dir, 'media');
    mkdirSync(media);
    copyFileSync(path.resolve('fixtures/conformance/images/rose-210x138.png'), path.join(media, 'rose.png'));
    const out = path.join(dir, 'case');
    const args = ['scan', media, '--out', out, '--no-index', '--no-sightings'];
    expect((await runCli(args)).status).toBe(0);
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(path.join(out, CASE_LOCK_NAME), `${sleeper.pid} ${hostname()}\n`);
      const refused = await runCli([...args, '--resume']);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain(`another hashtriage process (pid ${sleeper.pid}) is working on this case`);
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.on('close', r));
    }
    const resumed = await runCli([...args, '--resume']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(existsSync(path.join(out, CASE_LOCK_NAME))).toBe(false);
  }, 60_000);
});
