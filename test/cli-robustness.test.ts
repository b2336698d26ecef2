/**
 * The CLI when the world around it misbehaves, as a user meets it: a reader that stops early
 * (`| head -1`), a full disk under stdout, an output directory that cannot be created or is not the
 * user's, malformed option values, and an error no command expected. Every case must end with a
 * one-line message and the documented exit code, never a stack trace.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from './support/cli.js';

const PROJECT = path.resolve('.');
const CLI = path.join(PROJECT, 'bin/hashtriage.js');
const IMAGES = path.join(PROJECT, 'fixtures/conformance/images');
const NOBODY = 65534;
/** A line of a Node stack trace ("    at fn (file:line:col)"). */
const STACK_LINE = /^\s+at /m;

const run = runCli;

/** Deterministic distinct hex strings of `digits` length (no randomness: reruns see the same data). */
function hexValues(n: number, digits: number, salt: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let h = '';
    let x = (i + 1) * 2654435761 + salt * 40503;
    while (h.length < digits) {
      x = (Math.imul(x ^ (x >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
      h += x.toString(16).padStart(8, '0');
    }
    out.push(h.slice(0, digits));
  }
  return out;
}

/**
 * Runs the CLI with stdout on a pipe that the reader closes after the first chunk, as `| head -1` does.
 * Resolves to the exit status and stderr.
 */
function runReaderGoesAway(args: string[], input?: string): Promise<{ status: number | null; stderr: string; firstChunk: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const { stdout, stderr: errStream } = child;
    if (stdout === null || errStream === null) throw new Error('spawn gave no stdout/stderr pipes');
    let stderr = '';
    let firstChunk = '';
    errStream.setEncoding('utf8');
    errStream.on('data', (d: string) => (stderr += d));
    stdout.once('data', (d: Buffer) => {
      firstChunk = d.toString('utf8');
      stdout.destroy();
    });
    child.stdin?.on('error', () => {}); // the child may stop reading its queries once its reader is gone
    if (input !== undefined) child.stdin?.end(input);
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr, firstChunk }));
  });
}

/** Runs the CLI with stdout on /dev/full (every write fails with ENOSPC). */
async function runOnFullDisk(args: string[]): Promise<{ status: number | null; stderr: string }> {
  const fd = openSync('/dev/full', 'w');
  try {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', fd, 'pipe'], timeout: 120_000 });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const [status] = (await once(child, 'close')) as [number | null];
    return { status, stderr };
  } finally {
    closeSync(fd);
  }
}

describe('CLI robustness', () => {
  let dir: string;
  let db: string;
  let queries: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-robust-'));
    chmodSync(dir, 0o755);
    mkdirSync(path.join(dir, 'media'));
    copyFileSync(path.join(IMAGES, 'base-900x700.jpg'), path.join(dir, 'media', 'base.jpg'));
    copyFileSync(path.join(IMAGES, 'rose-210x138.png'), path.join(dir, 'media', 'rose.png'));
    // An index large enough that `index export` writes well past a pipe's buffer.
    const list = path.join(dir, 'md5.txt');
    writeFileSync(list, `${hexValues(6000, 32, 1).join('\n')}\n`);
    db = path.join(dir, 'index.db');
    expect((await run(['index', 'import', list, '--list', 'big', '--db', db])).status).toBe(0);
    queries = `${hexValues(20_000, 64, 2).join('\n')}\n`;
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('a reader that stops early (EPIPE) ends the command quietly with exit 0', () => {
    it('match --stdin', async () => {
      const res = await runReaderGoesAway(['match', '--stdin', '--db', db], queries);
      expect(res.firstChunk.startsWith('{"query":')).toBe(true);
      expect(res.stderr).toBe('');
      expect(res.status).toBe(0);
    });

    it('index export', async () => {
      const res = await runReaderGoesAway(['index', 'export', '--db', db]);
      expect(res.firstChunk.startsWith('md5,')).toBe(true);
      expect(res.stderr).toBe('');
      expect(res.status).toBe(0);
    });

    it('hash', async () => {
      const res = await runReaderGoesAway(['hash', IMAGES]);
      expect(res.firstChunk.startsWith('{"path":')).toBe(true);
      expect(res.stderr).toBe('');
      expect(res.status).toBe(0);
    });
  });

  describe.skipIf(!existsSync('/dev/full'))('a stdout that cannot be written (disk full) is one error line and exit 1', () => {
    it.each([
      ['hash', () => ['hash', path.join(dir, 'media')]],
      ['index export', () => ['index', 'export', '--db', db]],
      ['index stats', () => ['index', 'stats', '--db', db]],
      ['match', () => ['match', '--algorithm', 'md5', hexValues(1, 32, 1)[0], '--db', db]],
      ['scan', () => ['scan', path.join(dir, 'media'), '--out', path.join(dir, `full-disk-scan-${process.hrtime.bigint()}`), '--db', db]],
    ])('%s', async (_name, args) => {
      const res = await runOnFullDisk(args());
      expect(res.stderr).toMatch(/cannot write the output: ENOSPC/);
      expect(res.stderr).not.toMatch(STACK_LINE);
      expect(res.status).toBe(1);
    });
  });

  describe('scan --out that cannot be used is a usage error naming --out, with nothing written', () => {
    it('a path under a regular file', async () => {
      const file = path.join(dir, 'not-a-dir');
      writeFileSync(file, 'x');
      const out = path.join(file, 'case');
      const res = await run(['scan', path.join(dir, 'media'), '--out', out, '--db', db]);
      expect(res.stderr).toContain(`--out ${out}: cannot create the directory`);
      expect(res.stderr).not.toMatch(STACK_LINE);
      expect(res.status).toBe(2);
    });

    const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    it.skipIf(!asRoot)("another user's directory, and a folder the user may not write in (run as nobody)", async () => {
      const options = { uid: NOBODY, gid: NOBODY, cwd: dir };
      const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(CLI)})`], options);
      if (probe.status !== 0) return; // nobody cannot read the project here: nothing to show
      const home = path.join(dir, 'nobody-home');
      mkdirSync(home);
      chownSync(home, NOBODY, NOBODY);
      const nobodysDb = path.join(home, 'sightings.db');
      const rootsDir = path.join(dir, 'roots-empty-dir');
      mkdirSync(rootsDir, { mode: 0o755 });
      const res = await run(['scan', 'media', '--out', rootsDir, '--no-index', '--sightings', nobodysDb], options);
      expect(res.stderr).toMatch(/--out .*roots-empty-dir: cannot make the directory owner-only/);
      expect(res.stderr).not.toMatch(STACK_LINE);
      expect(res.status).toBe(2);

      const inside = path.join(rootsDir, 'case');
      const res2 = await run(['scan', 'media', '--out', inside, '--no-index', '--sightings', nobodysDb], options);
      expect(res2.stderr).toContain(`--out ${inside}: cannot create the directory: permission denied`);
      expect(res2.stderr).not.toMatch(STACK_LINE);
      expect(res2.status).toBe(2);
      expect(existsSync(inside)).toBe(false);
    });
  });

  it('match --threshold refuses an empty value and hex instead of reading them as 0 and 16', async () => {
    const hash = hexValues(1, 64, 4)[0];
    for (const bad of ['', '0x10', '1e1']) {
      const res = await run(['match', '--threshold', bad, hash, '--db', db]);
      expect(res.stderr).toContain('expected an integer from 0 to 256');
      expect(res.status).toBe(2);
    }
    expect((await run(['match', '--threshold', '10', hash, '--db', db])).status).toBe(0);
  });

  it('a usage error is its message and a pointer to --help, not the whole help burying it', async () => {
    for (const args of [['match', '--threshold', 'x', 'abc'], ['index', 'import'], ['frobnicate']]) {
      const res = await run(args);
      expect(res.status).toBe(2);
      expect(res.stderr).toMatch(/^error: .*\n\(add --help for usage\)\n$/);
    }
  });
});

describe('main(): an error no command handled', () => {
  afterEach(() => {
    vi.doUnmock('../src/cli/commands/bench.js');
    vi.restoreAllMocks();
    vi.resetModules();
  });

  it('is one line on stderr and exit 1, with the stack only under HASHTRIAGE_DEBUG', async () => {
    vi.resetModules();
    vi.doMock('../src/cli/commands/bench.js', () => ({
      register: (program: import('commander').Command) => {
        program.command('boom').action(() => {
          throw new Error('kaboom');
        });
      },
    }));
    const { main } = await import('../src/cli/main.js');
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const saved = process.env.HASHTRIAGE_DEBUG;
    try {
      delete process.env.HASHTRIAGE_DEBUG;
      expect(await main(['node', 'hashtriage', 'boom'])).toBe(1);
      expect(written.join('')).toBe('hashtriage: unexpected error: kaboom (set HASHTRIAGE_DEBUG=1 for details)\n');
      written.length = 0;
      process.env.HASHTRIAGE_DEBUG = '1';
      expect(await main(['node', 'hashtriage', 'boom'])).toBe(1);
      expect(written.join('')).toMatch(STACK_LINE);
    } finally {
      if (saved === undefined) delete process.env.HASHTRIAGE_DEBUG;
      else process.env.HASHTRIAGE_DEBUG = saved;
      process.exitCode = undefined;
    }
  });
});
