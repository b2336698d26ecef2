/**
 * What `hashtriage scan` tells a user whose scan could not do its job: a missing index (a mistyped --db,
 * or none at the default path) and an index with no known lists are usage errors that create nothing and
 * say how to go on (--no-index for deduplication only); inputs that hold nothing to scan are said too,
 * rather than a silent empty case.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

const IMAGES = path.resolve('fixtures/conformance/images');

describe('scan warnings a user must not miss', () => {
  let dir: string;
  const scan = (args: string[]) => runCli(['scan', ...args], { cwd: dir });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-scan-warn-'));
    mkdirSync(path.join(dir, 'empty'));
    mkdirSync(path.join(dir, 'media'));
    copyFileSync(path.join(IMAGES, 'rose-210x138.png'), path.join(dir, 'media', 'rose.png'));
    writeFileSync(path.join(dir, 'media', 'empty.jpg'), '');
    writeFileSync(path.join(dir, 'media', 'text.jpg'), 'not a picture\n');
    writeFileSync(path.join(dir, 'list.csv'), 'md5,category\nb71fc037a13b8837040e6abd0ff6dbc0,A1\n');
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('a missing index: exit 2, says how to go on, and creates neither an index nor an output folder', async () => {
    const res = await scan(['media', '--out', 'out-missing', '--db', 'mistyped.db']);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('hashtriage scan: no index at mistyped.db');
    expect(res.stderr).toContain('--no-index');
    expect(existsSync(path.join(dir, 'mistyped.db'))).toBe(false);
    expect(existsSync(path.join(dir, 'mistyped.sightings.db'))).toBe(false);
    expect(existsSync(path.join(dir, 'out-missing'))).toBe(false);
  });

  it('an index without known lists: exit 2, says how to go on, and creates no case folder or sightings store', async () => {
    expect((await runCli(['index', 'import', 'list.csv', '--list', 'gone', '--db', 'emptied.db'], { cwd: dir })).status).toBe(0);
    expect((await runCli(['index', 'remove', '--list', 'gone', '--db', 'emptied.db'], { cwd: dir })).status).toBe(0);
    const res = await scan(['media', '--out', 'out-media', '--db', 'emptied.db']);
    expect(res.status).toBe(2);
    expect(res.stderr).toBe(
      'hashtriage scan: the index emptied.db holds no known hashes (no lists), so nothing could match: import one first (hashtriage index import FILE --list NAME --db emptied.db), or give --no-index to deduplicate without known lists; nothing was scanned\n',
    );
    expect(existsSync(path.join(dir, 'out-media'))).toBe(false);
    expect(existsSync(path.join(dir, 'emptied.sightings.db'))).toBe(false);
  });

  it('an index whose only list holds no hash is the same usage error', async () => {
    // an earlier version kept a new list whose rows were all rejected; build that state directly
    expect((await runCli(['index', 'import', 'list.csv', '--list', 'hollow', '--db', 'hollow.db'], { cwd: dir })).status).toBe(0);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path.join(dir, 'hollow.db'));
    for (const t of db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%entries%'`).all() as Array<{ name: string }>)
      db.exec(`DELETE FROM "${t.name}"`);
    db.close();
    const res = await scan(['media', '--out', 'out-hollow', '--db', 'hollow.db']);
    expect(res.stderr).toContain('hashtriage scan: the index hollow.db holds no known hashes (list hollow is empty), so nothing could match');
    expect(res.status).toBe(2);
    expect(existsSync(path.join(dir, 'out-hollow'))).toBe(false);
  });

  it('no --db and no index at the default path: exit 2, and neither an index nor anything else is created', async () => {
    const bare = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-scan-default-'));
    try {
      mkdirSync(path.join(bare, 'media'));
      copyFileSync(path.join(IMAGES, 'rose-210x138.png'), path.join(bare, 'media', 'rose.png'));
      const env = { ...process.env };
      delete env.HASHTRIAGE_DB;
      const res = await runCli(['scan', 'media', '--out', 'out'], { cwd: bare, env });
      expect(res.status).toBe(2);
      expect(res.stderr).toContain('no index at hashtriage.db: import a known list first (hashtriage index import)');
      expect(res.stderr).toContain('give --no-index to deduplicate without known lists');
      expect(readdirSync(bare)).toEqual(['media']);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it('--no-index deduplicates without known lists, without the warning', async () => {
    const res = await scan(['media', '--out', 'out-dedup', '--no-index']);
    expect(res.status).toBe(1); // the two broken files
    expect(res.stderr).not.toContain('holds no known hashes');
    expect(res.stdout).toContain('known matches: 0 files (no index: --no-index)');
    expect(res.stdout).toContain('files: 3 (2 failed)');
    expect((await scan(['media', '--out', 'out-both', '--no-index', '--db', 'emptied.db'])).status).toBe(2);
  });

  it('a missing input path, or both --sightings and --no-sightings: exit 2 and no case folder', async () => {
    const missing = await scan(['media', 'no-such-dir', '--out', 'out-typo', '--no-index']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('hashtriage scan: no such file or directory: no-such-dir; nothing was scanned\n');
    const both = await scan(['media', '--out', 'out-typo', '--no-index', '--no-sightings', '--sightings', 's.db']);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('give --sightings PATH or --no-sightings, not both');
    expect(existsSync(path.join(dir, 'out-typo'))).toBe(false);
    expect(existsSync(path.join(dir, 's.db'))).toBe(false);
  });

  it('names from the evidence reach the terminal with their control characters shown, not obeyed', async () => {
    mkdirSync(path.join(dir, 'ctl'));
    writeFileSync(path.join(dir, 'ctl', 'n\u001b[2Jbad.jpg'), 'x');
    const res = await scan(['ctl', '--out', 'out-ctl', '--no-index', '--no-sightings']);
    expect(res.status).toBe(1);
    expect(res.stderr).not.toContain('\u001b');
    expect(res.stderr).toContain('n<U+001B>[2Jbad.jpg: UNSUPPORTED_FORMAT');
  });

  it('a manifest inside the scanned folder is read as reports, not hashed as evidence', async () => {
    mkdirSync(path.join(dir, 'with-manifest'));
    copyFileSync(path.join(IMAGES, 'rose-210x138.png'), path.join(dir, 'with-manifest', 'rose.png'));
    writeFileSync(path.join(dir, 'with-manifest', 'reports.csv'), 'report_id,file\nR1,rose.png\n');
    const res = await scan(['with-manifest', '--manifest', 'with-manifest/reports.csv', '--out', 'out-manifest', '--no-index', '--json']);
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ files: 1, reports: 1 });
  });

  it('inputs with nothing to scan are reported, not just an empty case', async () => {
    const res = await scan(['empty', '--out', 'out-empty', '--no-index']);
    expect(res.status).toBe(0);
    expect(res.stderr).toContain('hashtriage scan: no files or reports found in the given paths and manifests\n');
    expect(res.stdout).toContain('files: 0 (0 failed)');
  });
});
