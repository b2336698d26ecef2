/**
 * The known index as scans and lookups meet it: opened read-only, so a scan started while a long import
 * holds the write lock finishes with the lists committed before it; an index on read-only media can be
 * searched; an SQLite file of another program is refused and left exactly as it was.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, jsonLines, runCli } from './support/cli.js';

const IMAGES = path.resolve('fixtures/conformance/images');
const ROSE = 'rose-210x138.png';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

let dir: string;
let roseMd5: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-readonly-'));
  mkdirSync(path.join(dir, 'media'));
  copyFileSync(path.join(IMAGES, ROSE), path.join(dir, 'media', ROSE));
  roseMd5 = jsonLines((await runCli(['hash', '--algorithms', 'md5', path.join(dir, 'media', ROSE)])).stdout)[0].md5;
  writeFileSync(path.join(dir, 'known.csv'), `md5,category\n${roseMd5},A1\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts an import into `db` that stops half-way, inside its write transaction, until `release()`. */
async function heldImport(db: string, name: string): Promise<{ release(): void; exited: Promise<number | null>; output(): string }> {
  const gate = path.join(dir, `release-${name}`);
  const child = path.join(dir, `slow-import-${name}.mts`);
  const module = (file: string) => JSON.stringify(path.join(ROOT, 'src', 'index-store', file));
  writeFileSync(
    child,
    `import { existsSync } from 'node:fs';
import { openIndex } from ${module('open-index.ts')};
import { importList } from ${module('list-writer.ts')};
const store = openIndex(${JSON.stringify(db)});
async function* rows() {
  for (let i = 0; i < 20_000; i++) {
    if (i === 10_000) {
      process.stdout.write('midway\\n');
      while (!existsSync(${JSON.stringify(gate)})) await new Promise((r) => setTimeout(r, 20));
    }
    const value = new Uint32Array(8).map((_, w) => (i * 2654435761 + w * 40503) >>> 0);
    yield { kind: 'row', row: { line: i + 2, hashes: [{ signal: 'pdq', value }], meta: { category: 'B2' } } };
  }
}
await importList(store, { name: ${JSON.stringify(name)}, sourcePath: 'big.csv', fileSha256: null, format: 'csv' }, rows());
store.close();
process.stdout.write('finished\\n');
`,
  );
  const proc = spawn(process.execPath, ['--import', 'tsx', child], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('midway')) resolve();
    });
    proc.on('exit', () => reject(new Error(`the import ended early: ${err}`)));
  });
  return { release: () => writeFileSync(gate, ''), exited, output: () => out + err };
}

/** Runs the CLI without blocking this process; resolves with its exit code and output. */
function cliAsync(args: string[], onStderr?: (text: string) => void): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => {
    stderr += d;
    onStderr?.(stderr);
  });
  return new Promise((resolve) => proc.on('close', (status) => resolve({ status, stdout, stderr })));
}

describe('while a long import holds the write lock', () => {
  it('a scan finishes with the lists committed before the import', async () => {
    const db = path.join(dir, 'busy.db');
    expect((await runCli(['index', 'import', path.join(dir, 'known.csv'), '--list', 'known', '--db', db])).status).toBe(0);
    const held = await heldImport(db, 'big');
    // the import holds the write lock now; the scan must not need it
    const scan = await runCli(['scan', path.join(dir, 'media'), '--out', path.join(dir, 'out-busy'), '--db', db, '--json']);
    held.release();
    expect(await held.exited, held.output()).toBe(0);
    expect(held.output()).toContain('finished');
    expect(scan.stderr).toBe('');
    expect(scan.status).toBe(0);
    expect(JSON.parse(scan.stdout)).toMatchObject({ completed: true, files: 1, knownMatchFiles: 1 });
    const stats = JSON.parse((await runCli(['index', 'stats', '--json', '--db', db])).stdout);
    expect(stats.lists.map((l: { name: string }) => l.name)).toEqual(['big', 'known']);
  }, 120_000);

  it('a second import waits its turn, says so, and both lists are imported', async () => {
    const db = path.join(dir, 'queue.db');
    expect((await runCli(['index', 'import', path.join(dir, 'known.csv'), '--list', 'known', '--db', db])).status).toBe(0);
    const held = await heldImport(db, 'first');
    writeFileSync(path.join(dir, 'second.csv'), 'md5,category\n0123456789abcdef0123456789abcdef,B1\n');
    let waiting: () => void = () => {};
    const saidWaiting = new Promise<void>((resolve) => (waiting = resolve));
    const second = cliAsync(['index', 'import', path.join(dir, 'second.csv'), '--list', 'second', '--db', db], (text) => {
      if (text.includes('waiting for it to finish')) waiting();
    });
    await saidWaiting;
    held.release();
    expect(await held.exited, held.output()).toBe(0);
    const res = await second;
    expect(res.status, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/another process is writing to .*queue\.db; waiting for it to finish/);
    const stats = JSON.parse((await runCli(['index', 'stats', '--json', '--db', db])).stdout);
    expect(stats.lists.map((l: { name: string }) => l.name)).toEqual(['first', 'known', 'second']);
  }, 120_000);
});

describe('an index on read-only media', () => {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  /** Bind-mounts `source` read-only at a new folder; null when this machine does not allow it. */
  function readOnlyMount(source: string): string | null {
    const target = path.join(dir, `ro-${path.basename(source)}`);
    mkdirSync(target);
    if (spawnSync('mount', ['--bind', source, target]).status !== 0) return null;
    if (spawnSync('mount', ['-o', 'remount,ro,bind', target]).status !== 0) {
      spawnSync('umount', [target]);
      return null;
    }
    return target;
  }

  it.skipIf(!asRoot)('answers match and index stats (and says what to do when it was left in WAL mode)', async (ctx) => {
    const media = path.join(dir, 'lists');
    mkdirSync(media);
    const db = path.join(media, 'index.db');
    expect((await runCli(['index', 'import', path.join(dir, 'known.csv'), '--list', 'known', '--db', db])).status).toBe(0);
    const walDb = path.join(media, 'wal.db');
    expect((await runCli(['index', 'import', path.join(dir, 'known.csv'), '--list', 'known', '--db', walDb])).status).toBe(0);
    const raw = new Database(walDb);
    raw.pragma('journal_mode = WAL'); // as an import interrupted by a crash leaves it
    raw.close();
    const mounted = readOnlyMount(media);
    if (mounted === null) return ctx.skip();
    try {
      expect(() => writeFileSync(path.join(mounted, 'probe'), '')).toThrow();
      const match = await runCli(['match', '--algorithm', 'md5', '--db', path.join(mounted, 'index.db'), roseMd5]);
      expect(match.stderr).toBe('');
      expect(match.status).toBe(0);
      expect(jsonLines(match.stdout)[0].matches[0].entries[0]).toMatchObject({ list: 'known', category: 'A1' });
      const stats = await runCli(['index', 'stats', '--json', '--db', path.join(mounted, 'index.db')]);
      expect(stats.status).toBe(0);
      expect(JSON.parse(stats.stdout).lists.map((l: { name: string }) => l.name)).toEqual(['known']);
      const scan = await runCli(['scan', path.join(dir, 'media'), '--out', path.join(dir, 'out-ro'), '--db', path.join(mounted, 'index.db'), '--sightings', path.join(dir, 'ro-sightings.db'), '--json']);
      expect(scan.status, scan.stderr).toBe(0);
      expect(JSON.parse(scan.stdout)).toMatchObject({ knownMatchFiles: 1 });
      const wal = await runCli(['match', '--algorithm', 'md5', '--db', path.join(mounted, 'wal.db'), roseMd5]);
      expect(wal.status).toBe(2);
      expect(wal.stderr).toMatch(/WAL mode and its folder is read-only.*copy it to writable storage/);
    } finally {
      spawnSync('umount', [mounted]);
    }
  });
});

describe('an index in a folder the user cannot write in (read-only media)', () => {
  const NOBODY = 65534;
  /** Spawn options that run the CLI as a user file permissions apply to ("nobody" when running as root); null when impossible here. */
  function unprivileged(cwd: string): { uid?: number; gid?: number; cwd: string } | null {
    if (typeof process.getuid !== 'function') return null;
    if (process.getuid() !== 0) return { cwd };
    const options = { uid: NOBODY, gid: NOBODY, cwd };
    const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(CLI)})`], options);
    return probe.status === 0 ? options : null;
  }

  it('scans without sightings and says so, when the default sightings store cannot be created beside it', async (ctx) => {
    const base = path.join(dir, 'ro-folder');
    mkdirSync(base);
    chmodSync(dir, 0o755);
    chmodSync(base, 0o755);
    const ro = path.join(base, 'ro');
    mkdirSync(ro);
    const db = path.join(ro, 'k.db');
    expect((await runCli(['index', 'import', path.join(dir, 'known.csv'), '--list', 'known', '--db', db])).status).toBe(0);
    chmodSync(db, 0o444);
    chmodSync(ro, 0o555);
    const options = unprivileged(base);
    if (options === null) return ctx.skip();
    const outs = path.join(base, 'outs');
    mkdirSync(outs, { mode: 0o777 });
    chmodSync(outs, 0o777);
    chmodSync(path.join(dir, 'media'), 0o755);
    chmodSync(path.join(dir, 'media', ROSE), 0o644);
    const res = await runCli(['scan', path.join(dir, 'media'), '--out', path.join(outs, 'case'), '--db', 'ro/k.db', '--json'], options);
    expect(res.stderr).not.toMatch(/EACCES/);
    expect(res.stderr).toContain('the sightings store beside the index cannot be created or written there (ro/k.sightings.db: read-only)');
    expect(res.stderr).toContain('going on without looking up or recording what earlier scans saw; give --sightings PATH');
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ knownMatchFiles: 1 });
    expect(readdirSync(ro)).toEqual(['k.db']);
    // a store the user names is theirs to fix: still a usage error, and nothing is written
    const named = await runCli(['scan', path.join(dir, 'media'), '--out', path.join(outs, 'case2'), '--db', 'ro/k.db', '--sightings', 'ro/mine.db'], options);
    expect(named.status).toBe(2);
    expect(named.stderr).toContain('ro/mine.db');
    expect(existsSync(path.join(outs, 'case2'))).toBe(false);
    expect(readdirSync(ro)).toEqual(['k.db']);
  });
});

describe('a database that is not a hashtriage index', () => {
  it('is refused by import, match and scan, and left exactly as it was', async () => {
    const foreign = path.join(dir, 'other-app.db');
    const raw = new Database(foreign);
    raw.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES (\'x\');');
    raw.close();
    const before = readFileSync(foreign);
    const imported = await runCli(['index', 'import', path.join(dir, 'known.csv'), '--list', 'known', '--db', foreign]);
    expect(imported.status).toBe(2);
    expect(imported.stderr).toMatch(/another program, not a hashtriage index/);
    expect((await runCli(['match', '--algorithm', 'md5', '--db', foreign, roseMd5])).status).toBe(2);
    expect((await runCli(['scan', path.join(dir, 'media'), '--out', path.join(dir, 'out-foreign'), '--db', foreign])).status).toBe(2);
    expect(readFileSync(foreign).equals(before)).toBe(true);
    expect(existsSync(`${foreign}-wal`)).toBe(false);
    const folder = await runCli(['index', 'import', path.join(dir, 'known.csv'), '--list', 'known', '--db', dir]);
    expect(folder.status).toBe(2);
    expect(folder.stderr).toContain('is a folder, not an index file');
  });
});
