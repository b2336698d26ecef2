/**
 * Two things a user meets after a scan: `--resume` of a scan that had finished says so and changes
 * nothing (no output rewritten, nothing appended to the audit log); and reports that give only a URL,
 * written with or without "www." and over http or https, are one page on one host, described as a page
 * to check rather than as files that failed.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from './support/cli.js';

const IMAGES = path.resolve('fixtures/conformance/images');

describe('a finished scan and URL-only reports', () => {
  let dir: string;
  const scan = (args: string[]) => runCli(['scan', ...args], { cwd: dir });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-finished-'));
    mkdirSync(path.join(dir, 'media'));
    copyFileSync(path.join(IMAGES, 'rose-210x138.png'), path.join(dir, 'media', 'rose.png'));
    writeFileSync(path.join(dir, 'media', 'broken.jpg'), 'not a picture\n');
    writeFileSync(
      path.join(dir, 'reports.csv'),
      [
        'report_id,received_at,reporter,url,file',
        'R1,2026-01-02T10:00:00Z,alice,http://www.Example.com/page,',
        'R2,2026-01-02T11:00:00Z,bob,https://example.com/page/,',
        'R3,2026-01-02T12:00:00Z,carol,,media/rose.png',
        'R4,2026-01-02T13:00:00Z,dan,,',
      ].join('\n'),
    );
    // a flat picture has no usable perceptual hash: its bundle is flagged "check by hand"
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toFile(path.join(dir, 'media', 'flat.png'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes http/https and www./bare host as one page on one host, and says a URL-only bundle is a page to check', async () => {
    const res = await scan(['media', '--manifest', 'reports.csv', '--out', 'out-urls', '--no-index', '--no-sightings']);
    expect(res.status).toBe(1); // broken.jpg
    const bundles = jsonLines(readFileSync(path.join(dir, 'out-urls', 'bundles.ndjson'), 'utf8'));
    const page = bundles.find((b) => b.reportIds.includes('R1'))!;
    expect(page.reportIds).toEqual(['R1', 'R2']);
    expect(page.urls).toEqual(['https://example.com/page']);
    expect(page.hosts).toEqual(['example.com']);
    const detail = (signal: string) => page.reasons.find((r: { signal: string }) => r.signal === signal)?.detail;
    expect(detail('hosted_urls')).toBe('reported at 1 URL on 1 host (example.com): may still be online');
    expect(detail('unprocessed_files')).toBe('no file to look at: reported at a URL only (example.com): check the page by hand');
    const html = readFileSync(path.join(dir, 'out-urls', 'report.html'), 'utf8');
    const row = html.match(new RegExp(`<tr class="q[^"]*"[^>]*data-id="${page.id}">.*?</tr>`, 's'))![0];
    expect(row).toContain('<span class="badge warn">URL only</span>');
    expect(row).toContain('URL only, no file');
    expect(row).not.toMatch(/not processed|no files/);
  });

  it('a placeholder url (none, N/A, -) is no URL, and bare text is a row warning, not a host', async () => {
    mkdirSync(path.join(dir, 'media2'));
    copyFileSync(path.join(IMAGES, 'rose-210x138.png'), path.join(dir, 'media2', 'a.png'));
    copyFileSync(path.join(IMAGES, 'checker-1024.png'), path.join(dir, 'media2', 'b.png'));
    writeFileSync(
      path.join(dir, 'placeholders.csv'),
      [
        'report_id,reporter,url,file',
        'P1,dave,none,media2/a.png',
        'P2,erin,None,media2/b.png',
        'P3,fay,N/A,media2/a.png',
        'P4,gus,n/a,media2/b.png',
        'P5,hal,notaurl,media2/a.png',
        'P6,ivy,-,',
      ].join('\n'),
    );
    const res = await scan(['media2', '--manifest', 'placeholders.csv', '--out', 'out-placeholders', '--no-index', '--no-sightings']);
    expect(res.status).toBe(1); // the two bad rows
    expect(res.stderr).toContain('placeholders.csv:6: BAD_ROW: report P5: url "notaurl" is not a URL (no scheme and no dot); not used as a page or host');
    expect(res.stderr).toContain('placeholders.csv:7: BAD_ROW: report P6 names neither a file nor a url');
    const bundles = jsonLines(readFileSync(path.join(dir, 'out-placeholders', 'bundles.ndjson'), 'utf8'));
    expect(bundles).toHaveLength(2);
    for (const b of bundles) {
      expect(b.urls).toEqual([]);
      expect(b.hosts).toEqual([]);
      expect(b.related).toEqual([]); // different pictures are not related through "https://none"
      expect(b.reasons.map((r: { signal: string }) => r.signal)).not.toContain('hosted_urls');
    }
  });

  it('--resume of a finished scan says so, on stderr and in --json, and rewrites nothing', async () => {
    const first = await scan(['media', '--manifest', 'reports.csv', '--out', 'out-done', '--no-index', '--sightings', 'sightings.db', '--json']);
    expect(first.status).toBe(1);
    const firstSummary = JSON.parse(first.stdout);
    expect(firstSummary.bundlesFlagged).toEqual({ perceptual_hash_unusable: 1 });
    expect(firstSummary.inputErrors).toBe(1);
    const outDir = path.join(dir, 'out-done');
    const before = snapshot(outDir);
    const sightingsBefore = digest(path.join(dir, 'sightings.db'));
    await new Promise((r) => setTimeout(r, 20)); // so a rewrite would show in the modification times
    const again = await scan(['media', '--manifest', 'reports.csv', '--out', 'out-done', '--no-index', '--sightings', 'sightings.db', '--resume', '--json']);
    expect(again.status).toBe(1); // the finished scan's result: one file failed
    expect(again.stderr).toMatch(/^hashtriage scan: this scan finished at \d{4}-\d\d-\d\dT[^;]+; --resume changed nothing \(nothing hashed, no output rewritten, nothing logged\)\n/);
    const summary = JSON.parse(again.stdout);
    expect(summary).toMatchObject({ completed: true, files: 3, failedFiles: 1, reports: 3, bundles: 4, hashedThisRun: 0, audit: null });
    // the finished run's summary, not a partial one: flags, problems and counts as that run gave them
    const same = ['files', 'failedFiles', 'inputErrors', 'problems', 'reports', 'knownMatchFiles', 'knownNonPertinentFiles', 'lowQualityFiles', 'bundles', 'bundlesByTier', 'bundlesFlagged'];
    const pick = (o: Record<string, unknown>) => Object.fromEntries(same.map((k) => [k, o[k]]));
    expect(pick(summary)).toEqual(pick(firstSummary));
    expect(summary.problems).toHaveLength(2); // the bad row, then broken.jpg
    expect(again.stderr).toContain('hashtriage scan: reports.csv:5: BAD_ROW: report R4 names neither a file nor a url');
    expect(again.stderr).not.toContain('more problems');
    expect(summary.finishedBefore).toBe(JSON.parse(readFileSync(path.join(outDir, 'manifest.json'), 'utf8')).scan.endedAt);
    expect(snapshot(outDir)).toEqual(before);
    expect(digest(path.join(dir, 'sightings.db'))).toBe(sightingsBefore);
    const human = await scan(['media', '--manifest', 'reports.csv', '--out', 'out-done', '--no-index', '--sightings', 'sightings.db', '--resume']);
    expect(human.stdout).toMatch(/^scan already finished at .*: --resume had nothing to do and changed nothing\n/);
    expect(human.stdout).toContain('check by hand: 1 bundle without a usable perceptual hash');
    expect(snapshot(outDir)).toEqual(before);
    // a file added since is not slipped into the finished case: the user is told to scan anew
    copyFileSync(path.join(IMAGES, 'wizard.jpg'), path.join(dir, 'media', 'wizard.jpg'));
    const added = await scan(['media', '--manifest', 'reports.csv', '--out', 'out-done', '--no-index', '--sightings', 'sightings.db', '--resume', '--json']);
    expect(added.stderr).toContain('; 1 input file is new or changed since: scan the inputs into a new --out to include them');
    expect(JSON.parse(added.stdout)).toMatchObject({ changedSinceFinished: 1, files: 3 });
    expect(snapshot(outDir)).toEqual(before);
  });
});

/** Every output file's SHA-256 and modification time (the case database and its lock are the scan's own). */
function snapshot(outDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(outDir).sort()) {
    if (name.startsWith('case.db')) continue;
    out[name] = `${digest(path.join(outDir, name))} ${statSync(path.join(outDir, name)).mtimeMs}`;
  }
  return out;
}

function digest(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
