/**
 * `index export` without --list writes the known lists only. The '@seen' record (hashes and paths of
 * every file earlier scans looked at) leaves the index only when asked for by name: shared by accident
 * it would disclose case content, and imported elsewhere it would turn ordinary files into "known" matches.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

const IMAGES = path.resolve('fixtures/conformance/images');

const run = (args: string[]) => runCli(args);

describe('index export and the @seen record', () => {
  let dir: string;
  let db: string;
  const known = 'b71fc037a13b8837040e6abd0ff6dbc0';

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-export-seen-'));
    db = path.join(dir, 'index.db');
    const list = path.join(dir, 'known.csv');
    writeFileSync(list, `md5,category\n${known},A1\n`);
    expect((await run(['index', 'import', list, '--list', 'known', '--db', db])).status).toBe(0);
    mkdirSync(path.join(dir, 'case-media'));
    copyFileSync(path.join(IMAGES, 'plasma-a-300x200.jpg'), path.join(dir, 'case-media', 'suspect-file.jpg'));
    const scan = await run(['scan', path.join(dir, 'case-media'), '--out', path.join(dir, 'out'), '--db', db]);
    expect(scan.status).toBe(0);
    expect((await run(['index', 'stats', '--json', '--db', db])).stdout).toContain('"@seen"');
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['csv', 'ndjson'])('without --list (%s): the known lists, nothing from earlier scans', async (format) => {
    const res = await run(['index', 'export', '--format', format, '--db', db]);
    expect(res.status).toBe(0);
    expect(res.stdout).toContain(known);
    expect(res.stdout).not.toContain('@seen');
    expect(res.stdout).not.toContain('suspect-file.jpg');
  });

  it('with --list @seen: the record of earlier scans, as asked', async () => {
    const res = await run(['index', 'export', '--list', '@seen', '--format', 'ndjson', '--db', db]);
    expect(res.status).toBe(0);
    const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.list === '@seen')).toBe(true);
    expect(res.stdout).toContain('suspect-file.jpg');
  });
});
