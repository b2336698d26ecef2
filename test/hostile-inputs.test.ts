/** Hostile and odd evidence: every input is accounted for, nothing is followed out, no input aborts a run. */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MEDIA = path.join(ROOT, 'fixtures', 'demo', 'media');

let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'hashtriage-hostile-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function readLines(file: string): Array<Record<string, any>> {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, any>);
}

const SCAN_FLAGS = ['--no-index', '--no-sightings'];

describe('manifests written on Windows', () => {
  it('reads backslash paths and refuses drive-letter, UNC and rooted paths with manifest:line', async () => {
    const dir = path.join(work, 'windows');
    mkdirSync(path.join(dir, 'uploads', 'sub'), { recursive: true });
    copyFileSync(path.join(MEDIA, 'rose.png'), path.join(dir, 'uploads', 'a.png'));
    copyFileSync(path.join(MEDIA, 'logo.png'), path.join(dir, 'uploads', 'sub', 'b.png'));
    writeFileSync(
      path.join(dir, 'reports.csv'),
      'report_id,file\r\n' +
        'W1,uploads\\a.png\r\n' +
        'W2,uploads\\sub\\b.png\r\n' +
        'W3,C:\\Users\\officer\\Desktop\\c.png\r\n' +
        'W4,\\\\server\\share\\d.png\r\n' +
        'W5,/etc/passwd\r\n' +
        'W6,uploads\\..\\..\\outside.png\r\n',
    );
    const out = path.join(dir, 'out');
    const run = await runCli(['scan', '--manifest', path.join(dir, 'reports.csv'), '--out', out, ...SCAN_FLAGS, '--json']);
    expect(run.status).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ completed: true, files: 2, failedFiles: 0, inputErrors: 4, reports: 6 });
    expect(run.stderr).toMatch(/reports\.csv:4: BAD_ROW: report W3: file "C:\\Users\\officer\\Desktop\\c\.png" is an absolute path; paths in a manifest are relative to its folder and may not leave it; not read/);
    expect(run.stderr).toMatch(/reports\.csv:5: BAD_ROW: report W4: file "\\\\server\\share\\d\.png" is an absolute path/);
    expect(run.stderr).toMatch(/reports\.csv:6: BAD_ROW: report W5: file "\/etc\/passwd" is an absolute path/);
    expect(run.stderr).toMatch(/reports\.csv:7: BAD_ROW: report W6: file "uploads\\\.\.\\\.\.\\outside\.png" is outside the manifest's folder/);
    const items = readLines(path.join(out, 'items.ndjson'));
    expect(items.map((i) => [path.basename(i.path), i.ok, i.reportIds])).toEqual([
      ['a.png', true, ['W1']],
      ['b.png', true, ['W2']],
    ]);
  });
});
