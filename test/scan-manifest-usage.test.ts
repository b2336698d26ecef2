import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';


let work: string;

function cli(args: string[]) {
  return runCli(args, { cwd: work });
}

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'ht-manifest-usage-'));
  mkdirSync(path.join(work, 'a-directory.csv'));
  writeFileSync(path.join(work, 'noid.csv'), 'file,notes\nx.jpg,hello\n');
  writeFileSync(path.join(work, 'good.csv'), 'report_id,url\nR1,https://example.com/a\nR2,\n');
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('scan with a manifest that cannot be used', () => {
  it.each([
    ['missing.csv', /missing\.csv.*no such file/],
    ['a-directory.csv', /a-directory\.csv.*directory/],
    ['noid.csv', /noid\.csv:1.*report_id/],
  ])('%s is a usage error naming the file and the reason, and creates nothing', async (manifest, reason) => {
    const run = await cli(['scan', '--manifest', manifest, '--out', 'out', '--db', 'index.db']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(reason);
    expect(existsSync(path.join(work, 'out'))).toBe(false);
    expect(existsSync(path.join(work, 'index.db'))).toBe(false);
    expect(existsSync(path.join(work, 'index.sightings.db'))).toBe(false);
  });

  it('lets the corrected run use the same --out, and bad rows still only make it exit 1', async () => {
    expect((await cli(['scan', '--manifest', 'missing.csv', '--out', 'out', '--db', 'index.db'])).status).toBe(2);
    const corrected = await cli(['scan', '--manifest', 'good.csv', '--out', 'out', '--no-index', '--json']);
    expect(corrected.status, corrected.stderr).toBe(1); // R2 names neither a file nor a url
    expect(corrected.stderr).toMatch(/good\.csv:3/);
    expect(JSON.parse(corrected.stdout)).toMatchObject({ completed: true, reports: 1, inputErrors: 1 });
  });
});
