/**
 * What `hashtriage scan` tells a user whose scan could not do its job: an index with no known lists (a
 * mistyped --db creates a new, empty one) is said last on stderr, after any list of file problems, and
 * in the summary itself; inputs that hold nothing to scan are said too, rather than a silent empty case.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

const IMAGES = path.resolve('fixtures/conformance/images');

function scan(cwd: string, args: string[]) {
  return runCli(['scan', ...args], { cwd });
}

describe('scan warnings a user must not miss', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-scan-warn-'));
    mkdirSync(path.join(dir, 'empty'));
    mkdirSync(path.join(dir, 'media'));
    copyFileSync(path.join(IMAGES, 'rose-210x138.png'), path.join(dir, 'media', 'rose.png'));
    writeFileSync(path.join(dir, 'media', 'empty.jpg'), '');
    writeFileSync(path.join(dir, 'media', 'text.jpg'), 'not a picture\n');
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('an index without known lists: the last stderr line, after the file problems, and in the summary', async () => {
    const res = await scan(dir, ['media', '--out', 'out-media', '--db', 'mistyped.db']);
    expect(res.status).toBe(1);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('empty.jpg');
    expect(lines[1]).toContain('text.jpg');
    expect(lines[2]).toBe(
      'hashtriage scan: the index mistyped.db holds no known lists, so nothing could match (import one with hashtriage index import, or check --db / HASHTRIAGE_DB)',
    );
    expect(res.stdout).toContain('known matches: 0 files (the index holds no known lists); seen in earlier scans: 0');
  });

  it('inputs with nothing to scan are reported, not just an empty case', async () => {
    const res = await scan(dir, ['empty', '--out', 'out-empty', '--db', 'other.db']);
    expect(res.status).toBe(0);
    expect(res.stderr).toContain('hashtriage scan: no files or reports found in the given paths and manifests\n');
    expect(res.stdout).toContain('files: 0 (0 failed)');
  });
});
