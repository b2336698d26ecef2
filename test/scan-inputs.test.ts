import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HashtriageError } from '../src/errors.js';
import { CaseDb, type ScanParams, type StoredItem } from '../src/pipeline/case-db.js';
import { runScan, type ScanOptions } from '../src/pipeline/scan.js';
import { openScanDeps } from '../src/pipeline/scan-deps.js';
import { mergeManifests, normalizeTimestamp, parseFlag, readManifest } from '../src/pipeline/manifest.js';
import { hostOf, normalizeUrl } from '../src/pipeline/url.js';

describe('normalizeUrl', () => {
  it('groups cosmetic variants of one URL', () => {
    const variants = [
      'https://Example.COM/Gallery/Item42?b=2&a=1',
      'HTTPS://example.com:443/Gallery/Item42/?a=1&b=2#comments',
      'https://example.com/Gallery/Item42?utm_source=mail&a=1&utm_campaign=x&b=2&fbclid=abc',
      '  https://user:pw@example.com/Gallery/Item42?a=1&b=2  ',
    ];
    const normalised = new Set(variants.map((v) => normalizeUrl(v)));
    expect([...normalised]).toEqual(['https://example.com/Gallery/Item42?a=1&b=2']);
  });

  it('takes http and https, www. and the bare host, as one page on one host', () => {
    const variants = ['http://www.Example.com/page', 'https://example.com/page/', 'HTTP://WWW.EXAMPLE.COM:80/page#top', 'www.example.com/page'];
    expect([...new Set(variants.map((v) => normalizeUrl(v)))]).toEqual(['https://example.com/page']);
    expect([...new Set(variants.map((v) => hostOf(v)))]).toEqual(['example.com']);
    // only one leading "www." label goes; other subdomains and ports stay
    expect(hostOf('https://www.files.example.com/')).toBe('files.example.com');
    expect(hostOf('https://www2.example.com/')).toBe('www2.example.com');
    expect(normalizeUrl('http://example.com:8080/a')).toBe('https://example.com:8080/a');
    expect(normalizeUrl('ftp://www.example.com/a')).toBe('ftp://www.example.com/a');
  });

  it('keeps the case of paths and the difference between pages', () => {
    expect(normalizeUrl('https://example.com/Gallery/Item42')).not.toBe(normalizeUrl('https://example.com/gallery/item42'));
    expect(normalizeUrl('https://example.com/a?id=1')).not.toBe(normalizeUrl('https://example.com/a?id=2'));
    expect(normalizeUrl('https://example.com:8443/a')).toBe('https://example.com:8443/a');
  });

  it('reads scheme-less URLs as web URLs and leaves non-URLs as trimmed text', () => {
    expect(normalizeUrl('www.example.org/x/')).toBe('https://example.org/x');
    expect(normalizeUrl(' not a url ')).toBe('not a url');
    expect(normalizeUrl('')).toBeNull();
    expect(normalizeUrl(null)).toBeNull();
  });

  it('extracts lowercase hosts', () => {
    expect(hostOf('HTTPS://Files.Example.NET:8443/p?q=1')).toBe('files.example.net');
    expect(hostOf('not a url')).toBeNull();
  });
});

describe('manifest fields', () => {
  it('reads escalation flags in their common spellings and rejects others', () => {
    for (const yes of ['yes', 'Y', 'TRUE', '1', 'x', true]) expect(parseFlag(yes)).toBe(true);
    for (const no of ['no', 'N', 'false', '0', '', undefined, false]) expect(parseFlag(no)).toBe(false);
    expect(parseFlag('maybe')).toBeNull();
  });

  it('normalises ISO-like times to UTC without depending on the local zone', () => {
    expect(normalizeTimestamp('2024-05-01 10:00')).toBe('2024-05-01T10:00:00.000Z');
    expect(normalizeTimestamp('2024-05-01T12:30:00+02:00')).toBe('2024-05-01T10:30:00.000Z');
    expect(normalizeTimestamp('2024-05-01')).toBe('2024-05-01T00:00:00.000Z');
    expect(normalizeTimestamp('last Tuesday')).toBe('last Tuesday');
    expect(normalizeTimestamp('  ')).toBeNull();
  });
});

describe('readManifest', () => {
  let dir: string;
  let outside: string;
  beforeAll(() => {
    const root = mkdtempSync(path.join(tmpdir(), 'ht-manifest-'));
    dir = path.join(root, 'case');
    outside = path.join(root, 'elsewhere');
    mkdirSync(path.join(dir, 'media'), { recursive: true });
    mkdirSync(outside);
    for (const f of ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg']) writeFileSync(path.join(dir, 'media', f), f);
    writeFileSync(path.join(outside, 'secret.jpg'), 'secret');
    symlinkSync(path.join(outside, 'secret.jpg'), path.join(dir, 'media', 'link-out.jpg'));
    symlinkSync('loop-b', path.join(dir, 'media', 'loop-a'));
    symlinkSync('loop-a', path.join(dir, 'media', 'loop-b'));
    symlinkSync('a.jpg', path.join(dir, 'media', 'link-in.jpg'));
  });
  afterAll(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('reads CSV with synonyms, any case, BOM, multi-file cells and repeated report rows', () => {
    const csv =
      '\uFEFFReport ID,Received At,Complainant,Channel,URL,Platform,File Path,Notes,Escalation Requested\n' +
      'R1,2024-05-01 10:00,Ann,web,https://Example.com/x?utm_source=a,SiteA,media/a.jpg;media/b.jpg,"first, with comma",no\n' +
      'R2,2024-05-02 09:00,Bob,phone,https://example.com/x/,SiteA,media/c.jpg | media/d.jpg,,YES\n' +
      'R1,,,,,,media/d.jpg,,\n';
    writeFileSync(path.join(dir, 'complaints.csv'), csv);
    const { reports, fileRefs, errors } = readManifest(path.join(dir, 'complaints.csv'), 'complaints.csv');
    expect(errors).toEqual([]);
    expect(reports.map((r) => r.reportId)).toEqual(['R1', 'R2']);
    const [r1, r2] = reports;
    expect(r1.files).toEqual(['media/a.jpg', 'media/b.jpg', 'media/d.jpg']);
    expect(r1).toMatchObject({ reporter: 'Ann', channel: 'web', platform: 'SiteA', notes: 'first, with comma', escalate: false, source: 'complaints.csv:2' });
    expect(r1.receivedAt).toBe('2024-05-01T10:00:00.000Z');
    expect(r2.files).toEqual(['media/c.jpg', 'media/d.jpg']);
    expect(r2.escalate).toBe(true);
    expect(r1.normalizedUrl).toBe(r2.normalizedUrl);
    expect(fileRefs.filter((f) => f.relPath === 'media/d.jpg').map((f) => f.reportId)).toEqual(['R2', 'R1']);
    expect(fileRefs.every((f) => f.absPath.startsWith(dir))).toBe(true);
  });

  it('reads NDJSON with file arrays and reports bad lines with their line number', () => {
    const lines = [
      JSON.stringify({ report_id: 'N1', reporter: 'hotline', url: 'https://example.org/p', files: ['media/a.jpg', 'media/b.jpg'], escalate: true }),
      '{not json',
      JSON.stringify({ reporter: 'x', file: 'media/a.jpg' }),
      '',
      JSON.stringify({ id: 7, file: 'media/c.jpg', escalation_requested: 'no' }),
    ];
    writeFileSync(path.join(dir, 'reports.ndjson'), lines.join('\n'));
    const { reports, errors } = readManifest(path.join(dir, 'reports.ndjson'), 'reports.ndjson');
    expect(reports.map((r) => [r.reportId, r.files, r.escalate])).toEqual([
      ['N1', ['media/a.jpg', 'media/b.jpg'], true],
      ['7', ['media/c.jpg'], false],
    ]);
    expect(errors.map((e) => e.source)).toEqual(['reports.ndjson:2', 'reports.ndjson:3']);
    expect(errors[1].message).toMatch(/report_id/);
  });

  it('refuses file references that leave the manifest folder, keeping the rest of the row', () => {
    const csv =
      'report_id,file\n' +
      `E1,../elsewhere/secret.jpg;media/a.jpg\n` +
      `E2,${path.join(outside, 'secret.jpg')}\n` +
      'E3,media/link-out.jpg\n' +
      'E4,media/loop-a\n' +
      `E5,media/link-in.jpg;${path.join(dir, 'media', 'b.jpg')}\n` +
      'E6,media/../media/c.jpg\n';
    writeFileSync(path.join(dir, 'escape.csv'), csv);
    const { reports, fileRefs, errors } = readManifest(path.join(dir, 'escape.csv'), 'escape.csv');
    expect(errors.map((e) => e.source)).toEqual(['escape.csv:2', 'escape.csv:3', 'escape.csv:4', 'escape.csv:5', 'escape.csv:6']);
    expect(errors[0].message).toMatch(/outside the manifest's folder/);
    expect(errors[1].message).toMatch(/is an absolute path/);
    expect(errors[4].message).toMatch(/is an absolute path; paths in a manifest are relative to its folder/);
    expect(errors[2].message).toMatch(/links to a place outside/);
    expect(errors[3].message).toMatch(/symlink loop/);
    expect(fileRefs.some((f) => f.absPath.includes('elsewhere'))).toBe(false);
    expect(reports.find((r) => r.reportId === 'E1')?.files).toEqual(['media/a.jpg']);
    expect(reports.find((r) => r.reportId === 'E5')?.files).toEqual(['media/link-in.jpg']);
    expect(reports.find((r) => r.reportId === 'E6')?.files).toEqual(['media/c.jpg']);
  });

  it('accepts files whose names start with two dots inside the manifest folder, and still refuses ".." itself', () => {
    writeFileSync(path.join(dir, '..dotted.jpg'), 'x');
    writeFileSync(path.join(dir, 'media', '..also.jpg'), 'x');
    writeFileSync(path.join(dir, 'dots.csv'), 'report_id,file\nD1,..dotted.jpg\nD2,media/..also.jpg\nD3,..\n');
    const { reports, errors } = readManifest(path.join(dir, 'dots.csv'), 'dots.csv');
    expect(reports.find((r) => r.reportId === 'D1')?.files).toEqual(['..dotted.jpg']);
    expect(reports.find((r) => r.reportId === 'D2')?.files).toEqual(['media/..also.jpg']);
    expect(errors).toEqual([expect.objectContaining({ source: 'dots.csv:4', message: expect.stringMatching(/outside the manifest's folder/) })]);
  });

  it('reports rows without id, without file or url, bad flags and conflicting repeats, and reads the rest', () => {
    const csv =
      'report_id,url,file,escalate\n' +
      ',https://a.example/x,media/a.jpg,\n' +
      'B1,,,\n' +
      'B2,https://a.example/y,media/b.jpg,perhaps\n' +
      'B2,https://a.example/z,media/c.jpg,\n' +
      'B3,https://a.example/w,,\n';
    writeFileSync(path.join(dir, 'bad.csv'), csv);
    const { reports, errors } = readManifest(path.join(dir, 'bad.csv'), 'bad.csv');
    expect(errors.map((e) => e.source)).toEqual(['bad.csv:2', 'bad.csv:3', 'bad.csv:4', 'bad.csv:5']);
    expect(errors[1].message).toMatch(/neither a file nor a url/);
    expect(errors[2].message).toMatch(/perhaps/);
    expect(errors[3].message).toMatch(/differs/);
    expect(reports.map((r) => r.reportId)).toEqual(['B2', 'B3']);
    expect(reports[0].url).toBe('https://a.example/y');
    expect(reports[0].files).toEqual(['media/b.jpg', 'media/c.jpg']);
  });

  it('reports a manifest without the required columns or that cannot be read', () => {
    writeFileSync(path.join(dir, 'nocols.csv'), 'name,size\nx,1\n');
    expect(readManifest(path.join(dir, 'nocols.csv'), 'nocols.csv').errors[0]).toMatchObject({ source: 'nocols.csv:1', code: 'BAD_INPUT' });
    expect(readManifest(path.join(dir, 'missing.csv'), 'missing.csv').errors[0]).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('merges the same report named in two manifests', () => {
    writeFileSync(path.join(dir, 'm1.csv'), 'report_id,reporter,file\nM1,alice,media/a.jpg\n');
    writeFileSync(path.join(dir, 'm2.ndjson'), JSON.stringify({ report_id: 'M1', reporter: 'alice', file: 'media/b.jpg', escalate: 'yes' }) + '\n');
    const merged = mergeManifests([readManifest(path.join(dir, 'm1.csv'), 'm1.csv'), readManifest(path.join(dir, 'm2.ndjson'), 'm2.ndjson')]);
    expect(merged.reports).toHaveLength(1);
    expect(merged.reports[0]).toMatchObject({ files: ['media/a.jpg', 'media/b.jpg'], escalate: true });
    expect(merged.fileRefs).toHaveLength(2);
    expect(merged.errors).toEqual([]);
  });
});

describe('case database', () => {
  const params: ScanParams = {
    inputs: ['/data/in'],
    manifests: [{ path: '/data/m.csv', sha256: 'ab'.repeat(32) }],
    options: { dihedral: false, pdqFlavour: 'full', policy: 'cd'.repeat(32) },
    index: { path: '/data/index.db', digest: 'ef'.repeat(32) },
  };
  const stored: StoredItem = {
    key: '/data/in/a.jpg',
    path: 'in/a.jpg',
    size: 3,
    mtimeMs: 1,
    hash: { path: 'in/a.jpg', ok: false, signals: {}, error: { code: 'DECODE_FAILED', message: 'truncated' } },
    known: [],
    seen: [],
    lowQuality: false,
  };

  it('creates an owner-only case, keeps finished items, and refuses a second scan into the same directory', () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'ht-case-')), 'out');
    const db = CaseDb.create(out, params, 'scan-1', '2024-01-01T00:00:00.000Z');
    db.saveItems([stored]);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(out)) expect(statSync(path.join(out, f)).mode & 0o777).toBe(0o600);
    db.close();
    expect(() => CaseDb.create(out, params, 'scan-2', '2024-01-02T00:00:00.000Z')).toThrow(/already holds a scan.*--resume/);
    const again = CaseDb.resume(out, params);
    expect([...again.finishedItems().values()]).toEqual([stored]);
    expect(again.info()).toMatchObject({ scanLabel: 'scan-1', finishedAt: null });
    again.close();
  });

  it('refuses to resume with other inputs or options, naming what differs, and when there is nothing to resume', () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'ht-case-')), 'out');
    CaseDb.create(out, params, 'scan-1', '2024-01-01T00:00:00.000Z').close();
    expect(() => CaseDb.resume(out, { ...params, inputs: ['/data/other'] })).toThrow(/different inputs/);
    expect(() => CaseDb.resume(out, { ...params, options: { ...params.options, dihedral: true } })).toThrow(/option dihedral/);
    expect(() => CaseDb.resume(out, { ...params, index: { ...params.index, digest: '00' } })).toThrow(/known lists changed/);
    try {
      CaseDb.resume(out, { ...params, inputs: [] });
    } catch (err) {
      expect((err as HashtriageError).code).toBe('USAGE');
    }
    const empty = mkdtempSync(path.join(tmpdir(), 'ht-case-'));
    expect(() => CaseDb.resume(empty, params)).toThrow(/no scan to resume/);
  });

  it('commits saved items durably (synchronous FULL), so a saved batch survives an OS crash or power loss', () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'ht-case-')), 'out');
    for (const db of [CaseDb.create(out, params, 'scan-1', '2024-01-01T00:00:00.000Z'), null]) {
      const open = db ?? CaseDb.resume(out, params);
      // The setting is per connection, so it is read on the case database's own connection.
      const connection = (open as unknown as { db: { pragma(s: string, o: { simple: true }): unknown } }).db;
      expect(connection.pragma('synchronous', { simple: true })).toBe(2); // 2 = FULL
      open.close();
    }
  });

  it('refuses a non-empty directory that is not a scan', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'ht-case-'));
    writeFileSync(path.join(out, 'notes.txt'), 'x');
    expect(() => CaseDb.create(out, params, 's', 't')).toThrow(/not empty/);
  });
});

describe('scan inputs on disk', () => {
  it('reports symlink loops, dangling links, empty files and unreadable inputs as failed items and scans the rest', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ht-scan-walk-'));
    const media = path.join(root, 'media');
    mkdirSync(path.join(media, 'sub'), { recursive: true });
    copyFileSync('fixtures/conformance/images/rose-210x138.png', path.join(media, 'rose.png'));
    copyFileSync('fixtures/conformance/images/rose-210x138.png', path.join(media, 'sub', 'rose-copy.png'));
    writeFileSync(path.join(media, 'empty.jpg'), '');
    symlinkSync('..', path.join(media, 'sub', 'back-up')); // a directory loop
    symlinkSync('nowhere.jpg', path.join(media, 'dangling.jpg'));
    const options: ScanOptions = {
      inputs: [media, path.join(root, 'missing-dir')],
      manifests: [],
      outDir: path.join(root, 'out'),
      resume: false,
      dihedral: false,
      pdqFlavour: 'full',
      concurrency: 2,
    };
    const deps = openScanDeps(options, { index: null, sightings: path.join(root, 'sightings.db') }, undefined, true);
    let summary;
    try {
      summary = await runScan(options, deps);
    } finally {
      await deps.index.close();
    }
    const items = readFileSync(path.join(root, 'out', 'items.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { path: string; ok: boolean; error: { code: string; message: string } | null });
    const failed = Object.fromEntries(items.filter((i) => !i.ok).map((i) => [path.relative(root, i.path), i.error?.code]));
    expect(failed).toEqual({
      'media/dangling.jpg': 'NOT_FOUND',
      'media/empty.jpg': 'DECODE_FAILED',
      'media/sub/back-up': 'UNREADABLE',
      'missing-dir': 'NOT_FOUND',
    });
    expect(items.find((i) => i.path.endsWith('sub/back-up'))?.error?.message).toMatch(/loop/);
    expect(summary).toMatchObject({ completed: true, files: 6, failedFiles: 4 });
    // The two copies are one bundle; every failed item still has its own bundle in the queue.
    const bundles = readFileSync(path.join(root, 'out', 'bundles.ndjson'), 'utf8').trim().split('\n');
    expect(bundles).toHaveLength(5);
  }, 60_000);
});
