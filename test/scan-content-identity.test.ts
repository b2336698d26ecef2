/**
 * What a bundle means, end to end on real pictures: content identity comes from hashes only (reports and
 * page URLs link bundles, they never merge different pictures), reporters are counted as people
 * (anonymous ones once per report), each file says why it is in its bundle, and a bundle whose files
 * have no usable perceptual hash says "check by hand". The expected bundles are written out by hand.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importList } from '../src/index-store/list-writer.js';
import { readList } from '../src/index-store/import/read-list.js';
import { openIndex } from '../src/index-store/open-index.js';
import { openScanDeps } from '../src/pipeline/scan-deps.js';
import { runScan, type ScanOptions } from '../src/pipeline/scan.js';
import { loadSeverityPolicy } from '../src/policy/severity.js';
import { runCli } from './support/cli.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MEDIA = path.join(ROOT, 'fixtures/demo/media');
const NOW = new Date('2026-03-02T12:00:00Z');

interface BundleLine {
  rank: number;
  id: string;
  tier: string;
  reasons: Array<{ signal: string; points: number; detail: string }>;
  items: number[];
  paths: string[];
  reportIds: string[];
  reporters: string[];
  distinctReporters: number;
  urls: string[];
  knownMatches: Array<{ list: string; signal: string; category: string | null }>;
  flags: Array<{ flag: string; detail: string }>;
  members: Array<{ path: string; joined: { kind: string; to?: number; reportIds?: string[] }; reason: string; known: Array<{ category: string | null }> }>;
  related: Array<{ id: string; reportIds: string[]; urls: string[] }>;
}

let work: string;
const readBundles = (out: string): BundleLine[] =>
  readFileSync(path.join(out, 'bundles.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as BundleLine);

/** Writes a manifest CSV (header of the demo's) into `dir`; rows are [id, reporter, url, files]. */
function manifest(dir: string, rows: ReadonlyArray<readonly [string, string, string, string]>): string {
  const file = path.join(dir, 'complaints.csv');
  const lines = ['report_id,received_at,reporter,channel,url,platform,file,notes,escalate'];
  for (const [id, reporter, url, files] of rows) lines.push(`${id},2026-03-02T08:00:00Z,${reporter},web form,${url},,${files},,no`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function buildIndex(db: string, listFile: string): Promise<void> {
  const store = openIndex(db);
  try {
    const list = await readList(listFile, { severity: loadSeverityPolicy() });
    await importList(store, { name: 'test-known', sourcePath: path.basename(listFile), fileSha256: null, format: list.format }, list.items);
  } finally {
    store.close();
  }
}

async function scan(options: Partial<ScanOptions> & Pick<ScanOptions, 'outDir'>, db: string | null): Promise<BundleLine[]> {
  const full: ScanOptions = { inputs: [], manifests: [], resume: false, dihedral: false, pdqFlavour: 'full', concurrency: 2, ...options };
  const deps = openScanDeps(full, { index: db, sightings: null }, undefined);
  try {
    await runScan(full, deps, { now: () => NOW });
  } finally {
    await deps.index.close();
  }
  return readBundles(full.outDir);
}

const names = (b: BundleLine) => b.paths.map((p) => path.basename(p));
const byFile = (bundles: readonly BundleLine[], file: string): BundleLine => {
  const b = bundles.find((x) => names(x).includes(file));
  if (b === undefined) throw new Error(`no bundle holds ${file}`);
  return b;
};
const relatedNames = (bundles: readonly BundleLine[], b: BundleLine) =>
  b.related.map((r) => {
    const other = bundles.find((x) => x.id === r.id)!;
    return { files: names(other), reportIds: r.reportIds, urls: r.urls };
  });

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ht-identity-'));
  // The demo known list: the PDQ of upload-1041.jpg's picture (A1) and the MD5 of rose.png (B2).
  await buildIndex(path.join(work, 'demo.db'), path.join(ROOT, 'fixtures/demo/known-list.csv'));
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('four different pictures chained by reports and a page URL', () => {
  let bundles: BundleLine[];

  beforeAll(async () => {
    const dir = path.join(work, 'chain');
    mkdirSync(dir);
    // a is listed (A1); b, c, d are different, unlisted pictures.
    copyFileSync(path.join(MEDIA, 'upload-1041.jpg'), path.join(dir, 'a.jpg'));
    copyFileSync(path.join(MEDIA, 'plasma.jpg'), path.join(dir, 'b.jpg'));
    await sharp(path.join(MEDIA, 'logo.png')).jpeg().toFile(path.join(dir, 'c.jpg'));
    await sharp(path.join(MEDIA, 'text.png')).jpeg().toFile(path.join(dir, 'd.jpg'));
    const page = 'https://forum.example.org/t/77';
    const m = manifest(dir, [
      ['X-1', 'alice', '', 'a.jpg;b.jpg'],
      ['X-2', 'bob', '', 'b.jpg;c.jpg'],
      ['X-3', 'carol', page, 'c.jpg'],
      ['X-4', 'dave', '', 'c.jpg'],
      ['X-5', 'erin', `${page}?utm_source=share`, 'd.jpg'],
    ]);
    bundles = await scan({ manifests: [m], outDir: path.join(work, 'out-chain') }, path.join(work, 'demo.db'));
  }, 60_000);

  it('gives four bundles, one per picture, each with the reports that name it', () => {
    expect(bundles).toHaveLength(4);
    expect(bundles.map((b) => [names(b), b.reportIds]).sort()).toEqual([
      [['a.jpg'], ['X-1']],
      [['b.jpg'], ['X-1', 'X-2']],
      [['c.jpg'], ['X-2', 'X-3', 'X-4']],
      [['d.jpg'], ['X-5']],
    ]);
  });

  it('keeps the known A1 match on the listed picture only; the others stay unknown', () => {
    expect(byFile(bundles, 'a.jpg').knownMatches.map((k) => k.category)).toEqual(['A1']);
    expect(byFile(bundles, 'a.jpg').tier).toBe('P1 immediate');
    for (const f of ['b.jpg', 'c.jpg', 'd.jpg']) {
      expect(byFile(bundles, f).knownMatches, f).toEqual([]);
      expect(byFile(bundles, f).tier, f).not.toBe('P1 immediate');
    }
    expect(byFile(bundles, 'a.jpg').distinctReporters).toBe(1);
    expect(byFile(bundles, 'c.jpg').distinctReporters).toBe(3);
  });

  it('links the bundles to each other by the shared report or page URL, both ways', () => {
    const page = 'https://forum.example.org/t/77';
    expect(relatedNames(bundles, byFile(bundles, 'a.jpg'))).toEqual([{ files: ['b.jpg'], reportIds: ['X-1'], urls: [] }]);
    expect(relatedNames(bundles, byFile(bundles, 'b.jpg')).sort((x, y) => x.files[0].localeCompare(y.files[0]))).toEqual([
      { files: ['a.jpg'], reportIds: ['X-1'], urls: [] },
      { files: ['c.jpg'], reportIds: ['X-2'], urls: [] },
    ]);
    expect(relatedNames(bundles, byFile(bundles, 'c.jpg')).sort((x, y) => x.files[0].localeCompare(y.files[0]))).toEqual([
      { files: ['b.jpg'], reportIds: ['X-2'], urls: [] },
      { files: ['d.jpg'], reportIds: [], urls: [page] },
    ]);
    expect(relatedNames(bundles, byFile(bundles, 'd.jpg'))).toEqual([{ files: ['c.jpg'], reportIds: [], urls: [page] }]);
  });

  it('says for each file that it is in its bundle because reports name it, not because of a hash link', () => {
    const a = byFile(bundles, 'a.jpg').members[0];
    expect(a.joined).toEqual({ kind: 'report_only', reportIds: ['X-1'] });
    expect(a.reason).toContain('named by report X-1 only');
    expect(a.known.map((k) => k.category)).toEqual(['A1']);
  });
});

describe('five anonymous reports', () => {
  it('count as five distinct reporters, so unknown content reported by many people is flagged', async () => {
    const dir = path.join(work, 'anon');
    mkdirSync(dir);
    copyFileSync(path.join(MEDIA, 'plasma.jpg'), path.join(dir, 'p.jpg'));
    const m = manifest(dir, [
      ['A-1', 'anonymous', '', 'p.jpg'],
      ['A-2', 'Anonymous', '', 'p.jpg'],
      ['A-3', ' anonymous ', '', 'p.jpg'],
      ['A-4', '', '', 'p.jpg'],
      ['A-5', '', '', 'p.jpg'],
    ]);
    const [b] = await scan({ manifests: [m], outDir: path.join(work, 'out-anon') }, path.join(work, 'demo.db'));
    expect(b.reportIds).toEqual(['A-1', 'A-2', 'A-3', 'A-4', 'A-5']);
    expect(b.distinctReporters).toBe(5);
    const many = b.reasons.find((r) => r.signal === 'new_content_many_reporters');
    expect(many?.detail).toContain('reported by 5 distinct reporters');
    // named reporters are one person however they are spelt
    const dir2 = path.join(work, 'named');
    mkdirSync(dir2);
    copyFileSync(path.join(MEDIA, 'plasma.jpg'), path.join(dir2, 'p.jpg'));
    const m2 = manifest(dir2, [
      ['N-1', 'Jane  Doe', '', 'p.jpg'],
      ['N-2', 'jane doe', '', 'p.jpg'],
      ['N-3', ' JANE DOE ', '', 'p.jpg'],
      ['N-4', 'n/a', '', 'p.jpg'],
    ]);
    const [named] = await scan({ manifests: [m2], outDir: path.join(work, 'out-named') }, path.join(work, 'demo.db'));
    expect(named.distinctReporters).toBe(2);
    expect(named.reasons.map((r) => r.signal)).not.toContain('new_content_many_reporters');
  }, 60_000);
});

describe('a photo copy whose perceptual hash is below the quality bar', () => {
  let dir: string;
  let db: string;
  let quality: number;

  beforeAll(async () => {
    dir = path.join(work, 'lowq');
    mkdirSync(dir);
    // A washed-out photo (low-contrast, so PDQ quality is low) is on the known list by its PDQ; the
    // case holds a JPEG re-encoding of it: different bytes, near-identical PDQ.
    const original = path.join(dir, 'original.png');
    await sharp(path.join(MEDIA, 'upload-1041.jpg')).blur(6).linear(0.28, 128 * 0.72).png().toFile(original);
    await sharp(original).jpeg({ quality: 85 }).toFile(path.join(dir, 'copy.jpg'));
    const hashed = await runCli(['hash', '--algorithms', 'pdq', original], { cwd: ROOT });
    const rec = JSON.parse(hashed.stdout) as { pdq: string; pdqQuality: number };
    quality = rec.pdqQuality;
    writeFileSync(path.join(dir, 'list.csv'), `pdq,category\n${rec.pdq},A1\n`);
    db = path.join(dir, 'known.db');
    await buildIndex(db, path.join(dir, 'list.csv'));
  }, 60_000);

  it('is flagged perceptual_hash_unusable (check by hand) and not matched by default', async () => {
    expect(quality).toBeGreaterThan(0);
    expect(quality).toBeLessThan(50);
    const out = path.join(dir, 'out-default');
    const run = await runCli(['scan', path.join(dir, 'copy.jpg'), '--db', db, '--no-sightings', '--out', out], { cwd: ROOT });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^check by hand: 1 bundle without a usable perceptual hash/m);
    const [b] = readBundles(out);
    expect(b.knownMatches).toEqual([]);
    expect(b.flags.map((f) => f.flag)).toEqual(['perceptual_hash_unusable']);
    expect(b.flags[0].detail).toContain(`no file has a usable pdq hash (pdq quality ${quality}, below 50)`);
    const csv = readFileSync(path.join(out, 'bundles.csv'), 'utf8');
    expect(csv).toContain('CHECK BY HAND: perceptual_hash_unusable');
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<span class="badge warn">check by hand</span>');
  }, 60_000);

  it('matches the known copy with --include-low-quality, recorded in the manifest', async () => {
    const out = path.join(dir, 'out-low');
    const run = await runCli(['scan', path.join(dir, 'copy.jpg'), '--db', db, '--no-sightings', '--include-low-quality', '--out', out], { cwd: ROOT });
    expect(run.status).toBe(0);
    expect(run.stdout).not.toContain('check by hand');
    const [b] = readBundles(out);
    expect(b.knownMatches).toEqual([expect.objectContaining({ signal: 'pdq', category: 'A1' })]);
    expect(b.flags).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')).inputs.options.includeLowQuality).toBe(true);
  }, 60_000);
});

describe('a crop that came in only through a report', () => {
  it('is its own bundle that says it was named by the report only, linked to the picture it came with', async () => {
    const dir = path.join(work, 'crop');
    mkdirSync(dir);
    copyFileSync(path.join(MEDIA, 'upload-1041.jpg'), path.join(dir, 'full.jpg'));
    copyFileSync(path.join(MEDIA, 'upload-1041-copy.jpg'), path.join(dir, 'full-copy.jpg'));
    await sharp(path.join(MEDIA, 'upload-1041.jpg')).extract({ left: 300, top: 350, width: 600, height: 350 }).jpeg().toFile(path.join(dir, 'crop.jpg'));
    const m = manifest(dir, [['K-1', 'parent', '', 'full.jpg;crop.jpg']]);
    const bundles = await scan({ inputs: [path.join(dir, 'full-copy.jpg')], manifests: [m], outDir: path.join(work, 'out-crop') }, path.join(work, 'demo.db'));
    expect(bundles).toHaveLength(2);
    const full = byFile(bundles, 'full.jpg');
    const crop = byFile(bundles, 'crop.jpg');
    expect(names(full)).toEqual(['full-copy.jpg', 'full.jpg']);
    expect(names(crop)).toEqual(['crop.jpg']);
    expect(crop.knownMatches).toEqual([]);
    expect(crop.members[0].joined).toEqual({ kind: 'report_only', reportIds: ['K-1'] });
    expect(crop.members[0].reason).toMatch(/^named by report K-1 only: no hash link to another file/);
    expect(crop.related).toEqual([{ id: full.id, reportIds: ['K-1'], urls: [] }]);
    // the listed picture's own members say how they joined, and carry their own matches
    expect(full.members.map((x) => x.joined.kind)).toEqual(['seed', expect.stringMatching(/^(exact|perceptual)$/)]);
    expect(full.members[1].reason).toMatch(/ (equal|distance \d+) to .*full-copy\.jpg/);
    expect(full.members.every((x) => x.known.some((k) => k.category === 'A1'))).toBe(true);
  }, 60_000);
});

describe('a case with real-world shape', () => {
  // Several reports per file, several files per report, page URLs shared across reports (one spelt three
  // ways), URL-only reports, anonymous and blank reporters, one named reporter spelt two ways.
  let bundles: BundleLine[];
  const T1 = 'https://board.example/t/1';
  const P9 = 'https://other.example/p/9';

  beforeAll(async () => {
    const dir = path.join(work, 'shape');
    mkdirSync(dir);
    for (const f of ['upload-1041.jpg', 'upload-1041-copy.jpg', 'thumb-77.jpg', 'rose.png', 'plasma.jpg', 'logo.png', 'text.png']) copyFileSync(path.join(MEDIA, f), path.join(dir, f));
    const m = manifest(dir, [
      ['R-01', 'anonymous', 'https://board.example/t/1', 'upload-1041.jpg;rose.png'],
      ['R-02', 'Parent ', '', 'thumb-77.jpg'],
      ['R-03', 'parent', 'https://board.example/t/1?utm_source=x', 'plasma.jpg'],
      ['R-04', '', 'https://other.example/p/9', 'plasma.jpg;logo.png'],
      ['R-05', 'anon', 'https://BOARD.example/t/1#c3', ''],
      ['R-06', 'n/a', '', 'upload-1041-copy.jpg;text.png'],
      ['R-07', 'N/A', 'https://board.example/t/1/', ''],
      ['R-08', 'hotline-b', 'https://elsewhere.example/x', ''],
    ]);
    bundles = await scan({ manifests: [m], outDir: path.join(work, 'out-shape') }, path.join(work, 'demo.db'));
  }, 60_000);

  it('forms one bundle per picture and one per page that only URL-only reports name', () => {
    const shape = bundles.map((b) => ({ files: names(b).sort(), reportIds: b.reportIds, distinctReporters: b.distinctReporters })).sort((x, y) =>
      (x.files[0] ?? `~${x.reportIds[0]}`) < (y.files[0] ?? `~${y.reportIds[0]}`) ? -1 : 1,
    );
    expect(shape).toEqual([
      { files: ['logo.png'], reportIds: ['R-04'], distinctReporters: 1 },
      { files: ['plasma.jpg'], reportIds: ['R-03', 'R-04'], distinctReporters: 2 }, // parent + a blank reporter
      { files: ['rose.png'], reportIds: ['R-01'], distinctReporters: 1 },
      { files: ['text.png'], reportIds: ['R-06'], distinctReporters: 1 },
      // "anonymous", "Parent " and "n/a": three people
      { files: ['thumb-77.jpg', 'upload-1041-copy.jpg', 'upload-1041.jpg'], reportIds: ['R-01', 'R-02', 'R-06'], distinctReporters: 3 },
      { files: [], reportIds: ['R-05', 'R-07'], distinctReporters: 2 }, // two anonymous reports of one page
      { files: [], reportIds: ['R-08'], distinctReporters: 1 },
    ]);
  });

  it('links bundles that share a report or a page, with which one', () => {
    const key = (b: BundleLine) => (b.paths.length > 0 ? names(b).sort()[0] : b.reportIds.join('+'));
    const links = new Map(
      bundles.map((b) => [
        key(b),
        b.related
          .map((r) => {
            const other = bundles.find((x) => x.id === r.id)!;
            return `${key(other)} via ${[...r.reportIds, ...r.urls].join(', ')}`;
          })
          .sort(),
      ]),
    );
    expect(Object.fromEntries(links)).toEqual({
      'thumb-77.jpg': [`R-05+R-07 via ${T1}`, `plasma.jpg via ${T1}`, `rose.png via R-01, ${T1}`, 'text.png via R-06'],
      'rose.png': [`R-05+R-07 via ${T1}`, `plasma.jpg via ${T1}`, `thumb-77.jpg via R-01, ${T1}`],
      'plasma.jpg': [`R-05+R-07 via ${T1}`, `logo.png via R-04, ${P9}`, `rose.png via ${T1}`, `thumb-77.jpg via ${T1}`],
      'logo.png': [`plasma.jpg via R-04, ${P9}`],
      'text.png': ['thumb-77.jpg via R-06'],
      'R-05+R-07': [`plasma.jpg via ${T1}`, `rose.png via ${T1}`, `thumb-77.jpg via ${T1}`],
      'R-08': [],
    });
  });

  it('lists each member of the picture bundle with how it joined, and the known match it has itself', () => {
    const b = byFile(bundles, 'upload-1041.jpg');
    expect(b.knownMatches.map((k) => k.category)).toEqual(['A1']);
    expect(b.members.map((x) => x.joined.kind)).toEqual(['seed', expect.stringMatching(/^(exact|perceptual)$/), expect.stringMatching(/^(exact|perceptual)$/)]);
    for (const x of b.members.slice(1)) expect(x.reason).toMatch(/^(sha256|md5|sha1|pdq|blockhash) (equal|distance \d+) to /);
    expect(b.members.every((x) => x.known.length > 0)).toBe(true);
    const urlOnly = bundles.find((x) => x.reportIds.join() === 'R-05,R-07')!;
    expect(urlOnly.members).toEqual([]);
    expect(urlOnly.urls).toEqual([T1]);
  });
});
