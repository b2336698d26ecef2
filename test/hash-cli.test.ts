/**
 * `hashtriage hash` as a user runs it: the real CLI in a child process on a temporary folder of good
 * and bad files. Every bad input gets its own error line with the right code, the good files are still
 * hashed (with the reference values), and the exit code says what happened.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngWithHeaderSize } from './support/png.js';
import { runCli, type CliOptions } from './support/cli.js';

const PROJECT = path.resolve('.');
const CLI = path.join(PROJECT, 'bin/hashtriage.js');
const IMAGES = path.join(PROJECT, 'fixtures/conformance/images');
const NOBODY = 65534;

interface Run {
  status: number | null;
  lines: Array<Record<string, unknown>>;
  stdout: string;
  stderr: string;
}

async function runHash(args: string[], options: CliOptions = {}): Promise<Run> {
  const run = await runCli(args, options);
  const lines = run.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { ...run, lines };
}

function expectedRow(file: string): Record<string, string> {
  const [header, ...rows] = readFileSync(path.join(PROJECT, 'fixtures/conformance/expected.tsv'), 'utf8').trim().split('\n');
  const cols = header.split('\t');
  const cells = rows.map((r) => r.split('\t')).find((c) => c[0] === file);
  if (!cells) throw new Error(`${file} not in expected.tsv`);
  return Object.fromEntries(cols.map((c, i) => [c, cells[i]]));
}

/**
 * Running as root, file permissions do not stop reading; the run then drops to the unprivileged user
 * "nobody" (uid 65534), which needs to be able to read the project. Returns the spawn options to use,
 * or a reason why an unreadable directory cannot be produced here.
 */
function unprivilegedRun(): { options: CliOptions } | { skip: string } {
  if (typeof process.getuid !== 'function') return { skip: 'no POSIX user ids on this platform' };
  if (process.getuid() !== 0) return { options: {} };
  const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(CLI)}, require('fs').constants.R_OK)`], {
    uid: NOBODY,
    gid: NOBODY,
  });
  if (probe.status !== 0) return { skip: 'running as root and user "nobody" cannot read the project, so no directory can be made unreadable' };
  return { options: { uid: NOBODY, gid: NOBODY } };
}

describe('hashtriage hash (CLI)', () => {
  let dir: string;
  const unprivileged = unprivilegedRun();

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-cli-'));
    chmodSync(dir, 0o755);
    const good = path.join(dir, 'good');
    mkdirSync(path.join(good, 'sub'), { recursive: true });
    copyFileSync(path.join(IMAGES, 'base-900x700.jpg'), path.join(good, 'base.jpg'));
    copyFileSync(path.join(IMAGES, 'rgba-500x400.png'), path.join(good, 'rgba.png'));
    copyFileSync(path.join(IMAGES, 'animated-320x240.gif'), path.join(good, 'sub', 'animated.gif'));
    copyFileSync(path.join(IMAGES, 'plasma-d-2000x1200.jpg'), path.join(good, 'sub', 'plasma.jpg'));
    writeFileSync(path.join(good, 'notes.txt'), 'not an image, still gets digests\n');

    const bad = path.join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(path.join(bad, 'empty.jpg'), '');
    const jpeg = readFileSync(path.join(IMAGES, 'base-900x700.jpg'));
    writeFileSync(path.join(bad, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length * 0.6)));
    writeFileSync(path.join(bad, 'text.jpg'), 'This is a text file with a .jpg name.\n');
    writeFileSync(path.join(bad, 'bomb.png'), pngWithHeaderSize(100_000, 100_000));
    const locked = path.join(dir, 'locked');
    mkdirSync(locked);
    copyFileSync(path.join(IMAGES, 'granite-128.png'), path.join(locked, 'hidden.png'));
    chmodSync(locked, 0o000);
  });

  afterAll(() => {
    if (dir) {
      chmodSync(path.join(dir, 'locked'), 0o755);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports each bad input with its code, hashes the rest, exits 1', async () => {
    const run = await runHash(['hash', 'good', 'bad', 'missing.jpg'], { cwd: dir });
    expect(run.status).toBe(1);
    // each failure is also named on stderr (path, code, reason), for a user whose stdout goes to a file
    const failedOnStderr = run.stderr.trim().split('\n').map((l) => /^hashtriage hash: (.+?): ([A-Z_]+): ./.exec(l)?.slice(1, 3));
    expect(failedOnStderr.map((f) => f?.join(' ')).sort()).toEqual(
      run.lines.filter((l) => l.ok === false).map((l) => `${l.path as string} ${(l.error as { code: string }).code}`).sort(),
    );
    const byPath = new Map(run.lines.map((l) => [l.path as string, l]));
    const errorCode = (p: string): unknown => (byPath.get(p)?.error as { code?: string } | undefined)?.code;

    expect(errorCode('bad/empty.jpg')).toBe('DECODE_FAILED');
    expect(errorCode('bad/truncated.jpg')).toBe('DECODE_FAILED');
    expect(errorCode('bad/text.jpg')).toBe('UNSUPPORTED_FORMAT');
    expect(errorCode('bad/bomb.png')).toBe('TOO_LARGE');
    expect(errorCode('missing.jpg')).toBe('NOT_FOUND');
    for (const p of ['bad/empty.jpg', 'bad/truncated.jpg', 'bad/text.jpg', 'bad/bomb.png', 'missing.jpg']) {
      const line = byPath.get(p)!;
      expect(line.ok).toBe(false);
      expect((line.error as { message: string }).message.length).toBeGreaterThan(0);
    }
    // A file that was read keeps its digests even when it does not decode.
    const truncated = byPath.get('bad/truncated.jpg')!;
    expect(truncated.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(truncated.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(truncated.pdq).toBeUndefined();
    // The bomb is refused from its header; no pixel memory was ever asked for.
    expect((byPath.get('bad/bomb.png')!.error as { message: string }).message).toContain('100000×100000');

    const base = byPath.get('good/base.jpg')!;
    const ref = expectedRow('base-900x700.jpg');
    expect(base).toEqual({
      path: 'good/base.jpg',
      ok: true,
      bytes: Number(readFileSync(path.join(IMAGES, 'base-900x700.jpg')).length),
      format: 'jpeg',
      width: 900,
      height: 700,
      md5: ref.md5,
      sha1: ref.sha1,
      sha256: ref.sha256,
      pdq: ref.pdq,
      pdqQuality: Number(ref.pdq_quality),
      blockhash: ref.blockhash16,
    });
    expect(Object.keys(base)).toEqual(['path', 'ok', 'bytes', 'format', 'width', 'height', 'md5', 'sha1', 'sha256', 'pdq', 'pdqQuality', 'blockhash']);
    expect(byPath.get('good/sub/animated.gif')!.pdq).toBe(expectedRow('animated-320x240.gif').pdq);
    const notes = byPath.get('good/notes.txt')!;
    expect([notes.ok, notes.format, notes.width, notes.pdq]).toEqual([true, null, null, undefined]);
    expect(notes.sha1).toMatch(/^[0-9a-f]{40}$/);

    // One line per file, in path order.
    const paths = run.lines.map((l) => l.path as string);
    expect(paths).toEqual([...paths].sort());
    expect(paths).toHaveLength(10);
  });

  it('reports a directory it may not read as UNREADABLE and hashes the other inputs', async (ctx) => {
    if ('skip' in unprivileged) {
      ctx.skip(unprivileged.skip);
      return;
    }
    const run = await runHash(['hash', 'locked', 'good/rgba.png'], { cwd: dir, ...unprivileged.options });
    expect(run.status).toBe(1);
    expect(run.lines).toHaveLength(2);
    // Path order: good/rgba.png sorts before locked.
    expect(run.lines[0]).toMatchObject({ path: 'good/rgba.png', ok: true, pdq: expectedRow('rgba-500x400.png').pdq });
    expect(run.lines[1]).toMatchObject({ path: 'locked', ok: false, error: { code: 'UNREADABLE' } });
    expect((run.lines[1].error as { message: string }).message).toContain('locked');
  });

  it('exits 0 when every file hashed, and prints the same lines in the same order at any concurrency', async () => {
    const one = await runHash(['hash', 'good', '--concurrency', '1'], { cwd: dir });
    const four = await runHash(['hash', 'good', '--concurrency', '4'], { cwd: dir });
    expect(one.status).toBe(0);
    expect(four.status).toBe(0);
    expect(one.lines).toHaveLength(5);
    expect(four.stdout).toBe(one.stdout);
  });

  it('computes only the requested algorithms, the CLI-512 flavour and the dihedral variants on request', async () => {
    const run = await runHash(['hash', 'good/sub/plasma.jpg', '--algorithms', 'md5, PDQ', '--pdq-flavour', 'cli512', '--dihedral'], { cwd: dir });
    expect(run.status).toBe(0);
    const [line] = run.lines;
    const ref = expectedRow('plasma-d-2000x1200.jpg');
    expect(Object.keys(line)).toEqual(['path', 'ok', 'bytes', 'format', 'width', 'height', 'md5', 'pdq', 'pdqQuality', 'pdqDihedral']);
    expect(line.md5).toBe(ref.md5);
    expect(line.pdq).toBe(ref.pdq_cli512);
    expect(Object.keys(line.pdqDihedral as object)).toEqual(['rot90', 'rot180', 'rot270', 'flipX', 'flipY', 'transpose', 'antiTranspose']);
  });

  it('refuses images over --max-pixels as TOO_LARGE and hashes the smaller ones', async () => {
    const run = await runHash(['hash', 'good/base.jpg', 'good/rgba.png', '--max-pixels', '300000'], { cwd: dir });
    expect(run.status).toBe(1);
    const [base, rgba] = run.lines;
    expect((base.error as { code: string }).code).toBe('TOO_LARGE'); // 900×700 = 630000 pixels
    expect(rgba.ok).toBe(true); // 500×400 = 200000 pixels
  });

  it('exits 2 on usage errors, naming the problem', async () => {
    expect((await runHash(['hash'], { cwd: dir })).status).toBe(2);
    const unknown = await runHash(['hash', 'good', '--algorithms', 'md5,phash'], { cwd: dir });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('"phash"');
    expect(unknown.stdout).toBe('');
    expect((await runHash(['hash', 'good', '--pdq-flavour', 'half'], { cwd: dir })).status).toBe(2);
    expect((await runHash(['hash', 'good', '--max-pixels', '-5'], { cwd: dir })).status).toBe(2);
    expect((await runHash(['hash', 'good', '--algorithms', 'md5', '--dihedral'], { cwd: dir })).status).toBe(2);
    // blockhash is perceptual but has no dihedral variants: still a usage error naming the types that do
    const noVariants = await runHash(['hash', 'good', '--algorithms', 'blockhash', '--dihedral'], { cwd: dir });
    expect(noVariants.status).toBe(2);
    expect(noVariants.stderr).toContain('pdq');
    expect(noVariants.stdout).toBe('');
  });
});
