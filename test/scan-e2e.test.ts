import { importList } from '../src/index-store/list-writer.js';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { readList } from '../src/index-store/import/read-list.js';
import { openIndex } from '../src/index-store/open-index.js';
import { openScanDeps } from '../src/pipeline/scan-deps.js';
import { defaultSightingsPath } from '../src/index-store/db-path.js';
import { loadSeverityPolicy } from '../src/policy/severity.js';
import { runScan, type ScanOptions, type ScanSummary } from '../src/pipeline/scan.js';
import { runCli } from './support/cli.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEMO = 'fixtures/demo';
const MEDIA = `${DEMO}/media`;
/** The scan's clock: the demo complaints were received in the 24 hours before it. */
const NOW = new Date('2026-03-02T12:00:00Z');

interface BundleLine {
  rank: number;
  id: string;
  tier: string;
  score: number;
  reasons: Array<{ signal: string; points: number; detail: string }>;
  escalated: boolean;
  items: number[];
  paths: string[];
  reportIds: string[];
  reporters: string[];
  urls: string[];
  knownMatches: Array<{ list: string; signal: string; distance: number; category: string | null; variant: string | null }>;
  seenMatches: Array<{ scan: string; signal: string; distance: number }>;
  related: Array<{ id: string; reportIds: string[]; urls: string[] }>;
  distinctReporters: number;
  flags: Array<{ flag: string; detail: string }>;
  members: Array<{ index: number; path: string; joined: { kind: string }; reason: string; known: unknown[] }>;
}

interface ItemLine {
  index: number;
  path: string;
  ok: boolean;
  md5: string | null;
  pdqQuality: number | null;
  lowQuality: boolean;
  reportIds: string[];
  known: unknown[];
  seen: unknown[];
  error: { code: string; message: string } | null;
}

let work: string;

function cli(args: string[]) {
  return runCli(args, { cwd: ROOT });
}

function readLines<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T);
}

async function scan(out: string, db: string, extra: Partial<ScanOptions> = {}): Promise<ScanSummary> {
  const options: ScanOptions = {
    inputs: [],
    manifests: [`${DEMO}/complaints.csv`],
    outDir: out,
    resume: false,
    dihedral: false,
    pdqFlavour: 'full',
    concurrency: 4,
    ...extra,
  };
  const deps = openScanDeps(options, { index: db, sightings: defaultSightingsPath(db) }, undefined);
  try {
    return await runScan(options, deps, { now: () => NOW });
  } finally {
    await deps.index.close();
  }
}

const bundleWith = (bundles: BundleLine[], file: string) => {
  const b = bundles.find((x) => x.paths.includes(`${MEDIA}/${file}`));
  if (b === undefined) throw new Error(`no bundle holds ${file}`);
  return b;
};
const signals = (b: BundleLine) => b.reasons.map((r) => r.signal);

/** A sample index: the demo known list (a PDQ of the base picture, category A1; an MD5 of rose.png, B2). */
async function buildIndex(db: string): Promise<void> {
  const store = openIndex(db);
  try {
    const list = await readList(`${DEMO}/known-list.csv`, { severity: loadSeverityPolicy() });
    const summary = await importList(store, { name: 'demo-known', sourcePath: 'known-list.csv', fileSha256: null, format: list.format }, list.items);
    expect(summary).toMatchObject({ added: 2, rejected: 0 });
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ht-scan-e2e-'));
  await buildIndex(path.join(work, 'index.db'));
  // A copy of the index (with no sightings beside it yet): the first scan records its content in index.sightings.db.
  copyFileSync(path.join(work, 'index.db'), path.join(work, 'index-copy.db'));
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('scan of the demo complaints against a sample index', () => {
  let summary: ScanSummary;
  let bundles: BundleLine[];
  let items: ItemLine[];
  const out = () => path.join(work, 'out1');

  beforeAll(async () => {
    summary = await scan(out(), path.join(work, 'index.db'));
    bundles = readLines<BundleLine>(path.join(out(), 'bundles.ndjson'));
    items = readLines<ItemLine>(path.join(out(), 'items.ndjson'));
  }, 60_000);

  it('hashes every named file once and reports broken ones with their error, digests kept', () => {
    expect(summary).toMatchObject({ completed: true, files: 14, failedFiles: 4, reports: 16, inputErrors: 1, lowQualityFiles: 1 });
    const byName = new Map(items.map((i) => [path.basename(i.path), i]));
    expect(byName.get('broken.jpg')?.error?.code).toBe('DECODE_FAILED');
    expect(byName.get('broken.jpg')?.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(byName.get('empty.jpg')?.ok).toBe(false);
    expect(byName.get('notes.jpg')?.error?.code).toBe('UNSUPPORTED_FORMAT');
    expect(byName.get('notes.jpg')?.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(byName.get('missing.jpg')?.error?.code).toBe('NOT_FOUND');
    expect(byName.get('flat.png')).toMatchObject({ ok: true, lowQuality: true, known: [] });
    expect(byName.get('upload-1041-copy.jpg')?.reportIds).toEqual(['C-1002']);
  });

  it('bundles exact copies, re-encodings, resized, brightened and watermarked versions with every report naming them', () => {
    const b = bundleWith(bundles, 'upload-1041.jpg');
    expect(b.paths.map((p) => path.basename(p)).sort()).toEqual(['brighter.jpg', 'marked.jpg', 'thumb-77.jpg', 'upload-1041-copy.jpg', 'upload-1041.jpg']);
    expect(b.reportIds).toEqual(['C-1001', 'C-1002', 'C-1003', 'C-1004']);
    expect(b.reporters).toEqual(['anonymous', 'hotline-partner', 'parent', 'teacher']);
    expect(b.urls).toEqual(['https://img.example.net/p/8841']);
  });

  it('finds the known series by PDQ within the threshold and puts it first in the queue with its reasons', () => {
    const b = bundleWith(bundles, 'upload-1041.jpg');
    const pdq = b.knownMatches.filter((k) => k.signal === 'pdq');
    expect(pdq.length).toBeGreaterThan(0);
    expect(pdq.every((k) => k.list === 'demo-known' && k.category === 'A1' && k.distance <= 31)).toBe(true);
    expect(b.rank).toBe(1);
    expect(b.tier).toBe('P1 immediate');
    expect(signals(b)).toEqual(expect.arrayContaining(['known_match', 'known_severity', 'victim_not_identified']));
    const reFiles = items.filter((i) => b.items.includes(i.index));
    expect(reFiles.every((i) => i.known.length > 0)).toBe(true);
  });

  it('matches an exact copy of a listed file by MD5 with its category', () => {
    const b = bundleWith(bundles, 'rose.png');
    expect(b.knownMatches).toEqual([expect.objectContaining({ list: 'demo-known', signal: 'md5', distance: 0, category: 'B2' })]);
    expect(signals(b)).toContain('known_match');
    expect(b.tier).not.toBe('P1 immediate');
  });

  it('flags unknown content sent by several distinct reporters, escalation requests, and joins reports naming one URL', () => {
    const plasma = bundleWith(bundles, 'plasma.jpg');
    expect(plasma.reportIds).toEqual(['C-1006', 'C-1007', 'C-1008']);
    expect(plasma.knownMatches).toEqual([]);
    expect(signals(plasma)).toContain('new_content_many_reporters');

    const text = bundleWith(bundles, 'text.png');
    expect(text.escalated).toBe(true);
    expect(signals(text)).toContain('escalation_requested');
    expect(text.rank).toBeLessThan(bundleWith(bundles, 'logo.png').rank);

    // C-1010 gives the URL of logo.png's page but no file: its own report-only bundle, linked by the URL
    const logo = bundleWith(bundles, 'logo.png');
    expect(logo.reportIds).toEqual(['C-1009']);
    expect(logo.urls).toEqual(['https://forum.example.org/t/123']);
    const urlOnly = bundles.find((b) => b.reportIds.includes('C-1010'))!;
    expect(urlOnly).toMatchObject({ items: [], reportIds: ['C-1010'], urls: ['https://forum.example.org/t/123'] });
    expect(logo.related).toEqual([{ id: urlOnly.id, reportIds: [], urls: ['https://forum.example.org/t/123'] }]);
    expect(urlOnly.related).toEqual([{ id: logo.id, reportIds: [], urls: ['https://forum.example.org/t/123'] }]);
  });

  it('writes every output file owner-only, with the manifest problem located and the queue in rank order', () => {
    const files = readdirSync(out()).sort();
    expect(files).toEqual(expect.arrayContaining(['audit.ndjson', 'bundles.csv', 'bundles.ndjson', 'case.db', 'items.ndjson', 'manifest.json', 'report.html']));
    expect(statSync(out()).mode & 0o777).toBe(0o700);
    for (const f of files) expect(statSync(path.join(out(), f)).mode & 0o777).toBe(0o600);
    expect(bundles.map((b) => b.rank)).toEqual(bundles.map((_, i) => i + 1));
    const csv = readFileSync(path.join(out(), 'bundles.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(bundles.length + 1);
    const all = readFileSync(path.join(out(), 'manifest.json'), 'utf8') + readFileSync(path.join(out(), 'audit.ndjson'), 'utf8');
    expect(all).toContain('complaints.csv:17');
    expect(summary.bundles).toBe(bundles.length);
    expect(Object.values(summary.bundlesByTier).reduce((a, b) => a + b, 0)).toBe(bundles.length);
  });

  it('gives the same outputs for the same inputs and index, apart from timestamps', async () => {
    await scan(path.join(work, 'out-again'), path.join(work, 'index-copy.db'));
    for (const f of ['bundles.ndjson', 'items.ndjson', 'bundles.csv']) {
      expect(readFileSync(path.join(work, 'out-again', f), 'utf8')).toBe(readFileSync(path.join(out(), f), 'utf8'));
    }
  }, 60_000);

  it('marks content as previously seen in a later scan (never in the scan that recorded it)', async () => {
    expect(items.every((i) => i.seen.length === 0)).toBe(true);
    const later = await scan(path.join(work, 'out2'), path.join(work, 'index.db'));
    expect(later.previouslySeenFiles).toBeGreaterThan(0);
    const again = readLines<BundleLine>(path.join(work, 'out2', 'bundles.ndjson'));
    const plasma = bundleWith(again, 'plasma.jpg');
    expect(plasma.seenMatches.length).toBeGreaterThan(0);
    expect(signals(plasma)).toContain('previously_seen');
  }, 60_000);
});

describe('scan --dihedral', () => {
  it('matches a mirrored copy of listed content through the rotated/flipped PDQ variants only when asked', async () => {
    const db = path.join(work, 'index-dihedral.db');
    await buildIndex(db);
    const mirror = 'fixtures/conformance/images/mod-mirror.jpg';
    const plain = await scan(path.join(work, 'mirror-plain'), db, { inputs: [mirror], manifests: [] });
    expect(plain.knownMatchFiles).toBe(0);
    const withVariants = await scan(path.join(work, 'mirror-dihedral'), db, { inputs: [mirror], manifests: [], dihedral: true });
    expect(withVariants.knownMatchFiles).toBe(1);
    const [item] = readLines<{ known: Array<{ variant: string | null; distance: number }> }>(path.join(work, 'mirror-dihedral', 'items.ndjson'));
    expect(item.known.some((k) => k.variant !== null && k.distance <= 31)).toBe(true);
  }, 60_000);
});

describe('scan CLI defaults', () => {
  it('matches a mirrored copy through the dihedral variants unless --no-dihedral is given, and records the choice', async () => {
    const db = path.join(work, 'index-cli-dihedral.db');
    await buildIndex(db);
    const mirror = 'fixtures/conformance/images/mod-mirror.jpg';
    const on = path.join(work, 'cli-dihedral-default');
    const res = await cli(['scan', mirror, '--out', on, '--db', db, '--no-sightings', '--json']);
    expect(res.status).toBe(0);
    const [item] = readLines<{ known: Array<{ variant: string | null }>; pdqDihedral: unknown; pdqRegions: unknown }>(path.join(on, 'items.ndjson'));
    expect(item.known.some((k) => k.variant === 'flipX')).toBe(true);
    expect(item.pdqRegions).not.toBeNull();
    const off = path.join(work, 'cli-no-dihedral');
    expect((await cli(['scan', mirror, '--out', off, '--db', db, '--no-sightings', '--no-dihedral', '--no-regions'])).status).toBe(0);
    const [plain] = readLines<{ known: unknown[]; pdqDihedral: unknown; pdqRegions: unknown }>(path.join(off, 'items.ndjson'));
    expect(plain).toMatchObject({ known: [], pdqDihedral: null, pdqRegions: null });
    // resuming needs the same choice
    const resumed = await cli(['scan', mirror, '--out', off, '--db', db, '--no-sightings', '--resume']);
    expect(resumed.status).toBe(2);
    expect(resumed.stderr).toMatch(/different option dihedral/);
  }, 60_000);
});

describe('scan with region variants', () => {
  it('matches a pillarboxed copy of listed content through its content region, and groups a crop with its original', async () => {
    const db = path.join(work, 'index-regions.db');
    await buildIndex(db);
    const boxed = 'fixtures/conformance/images/mod-letterbox.jpg';
    const base = 'fixtures/conformance/images/base-900x700.jpg';
    // 10% cut off the left: too far for PDQ (and blockhash) on their own
    const crop = path.join(work, 'base-trimmed-left.png');
    await sharp(base).extract({ left: 90, top: 0, width: 810, height: 700 }).png().toFile(crop);
    // an opaque caption band over the bottom 10%
    const banded = path.join(work, 'base-banded.png');
    const band = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="900" height="70"><rect width="900" height="70" fill="#f0f0f0"/><rect x="100" y="20" width="500" height="30" fill="#202020"/></svg>');
    await sharp(base).composite([{ input: band, top: 630, left: 0 }]).png().toFile(banded);
    const plain = await scan(path.join(work, 'regions-off'), db, { inputs: [boxed, crop, banded, base], manifests: [] });
    expect(plain.knownMatchFiles).toBe(1); // only the base itself
    const offBundles = readLines<BundleLine>(path.join(work, 'regions-off', 'bundles.ndjson'));
    const offBase = offBundles.find((b) => b.paths.some((p) => p.endsWith('base-900x700.jpg')))!;
    expect(offBase.paths.some((p) => p.endsWith('base-trimmed-left.png') || p.endsWith('base-banded.png'))).toBe(false);

    const on = await scan(path.join(work, 'regions-on'), db, { inputs: [boxed, crop, banded, base], manifests: [], regions: true });
    expect(on.knownMatchFiles).toBe(2); // the base and the pillarboxed copy; the crop joins through the batch, not the list
    const items = readLines<{ path: string; pdq: string; pdqRegions: Record<string, string> | null; known: Array<{ variant: string | null; distance: number }> }>(path.join(work, 'regions-on', 'items.ndjson'));
    const boxedItem = items.find((i) => i.path.endsWith('mod-letterbox.jpg'))!;
    expect(boxedItem.known.some((k) => k.variant === 'content' && k.distance <= 31)).toBe(true);
    expect(boxedItem.pdqRegions).toHaveProperty('content');
    // the reference value is what a scan without variants records
    const offItems = readLines<{ path: string; pdq: string }>(path.join(work, 'regions-off', 'items.ndjson'));
    for (const i of items) expect(i.pdq).toBe(offItems.find((o) => o.path === i.path)!.pdq);
    const bundles = readLines<BundleLine>(path.join(work, 'regions-on', 'bundles.ndjson'));
    const withBase = bundles.find((b) => b.paths.some((p) => p.endsWith('base-900x700.jpg')))!;
    expect(withBase.paths.some((p) => p.endsWith('base-trimmed-left.png'))).toBe(true);
    // the banded copy meets the original through the same region of both (both without their bottom 10%)
    expect(withBase.paths.some((p) => p.endsWith('base-banded.png'))).toBe(true);
  }, 60_000);
});

describe('scan of files that are not images', () => {
  it('still digests them and matches them exactly against known lists', async () => {
    const dir = mkdtempSync(path.join(work, 'docs-'));
    const doc = path.join(dir, 'statement.txt');
    writeFileSync(doc, 'a synthetic document that a known list names by its digest\n');
    writeFileSync(path.join(dir, 'other.txt'), 'unrelated\n');
    const list = path.join(dir, 'list.txt');
    writeFileSync(list, `md5:${createHash('md5').update(readFileSync(doc)).digest('hex')}\n`);
    const db = path.join(dir, 'index.db');
    const store = openIndex(db);
    try {
      const reader = await readList(list, { severity: loadSeverityPolicy() });
      await importList(store, { name: 'docs', sourcePath: 'list.txt', fileSha256: null, format: reader.format }, reader.items);
    } finally {
      store.close();
    }
    const summary = await scan(path.join(dir, 'out'), db, { inputs: [doc, path.join(dir, 'other.txt')], manifests: [] });
    expect(summary).toMatchObject({ completed: true, files: 2, failedFiles: 0, knownMatchFiles: 1 });
    const items = readLines<ItemLine & { format: string | null }>(path.join(dir, 'out', 'items.ndjson'));
    expect(items.map((i) => [path.basename(i.path), i.format, i.known.length])).toEqual([
      ['other.txt', null, 0],
      ['statement.txt', null, 1],
    ]);
  }, 60_000);
});

describe('hashtriage scan (command line)', () => {
  it('prints a summary, exits 1 when some inputs failed, and refuses to reuse an output directory', async () => {
    const out = path.join(work, 'out-cli');
    const first = await cli(['scan', '--manifest', `${DEMO}/complaints.csv`, '--out', out, '--no-index', '--no-sightings']);
    expect(first.status).toBe(1);
    expect(first.stdout).toMatch(/^files: 14 \(4 failed/m);
    expect(first.stdout).toMatch(/^bundles: \d+ \(/m);
    expect(first.stdout).toContain(out);
    expect(first.stderr).toMatch(/complaints\.csv:17: BAD_ROW: .*outside the manifest's folder/);
    expect(first.stderr).toMatch(/media\/missing\.jpg: NOT_FOUND/);
    const json = await cli(['scan', `${MEDIA}/rose.png`, '--out', path.join(work, 'out-json'), '--no-index', '--no-sightings', '--json']);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ completed: true, files: 1, failedFiles: 0, bundles: 1 });
    const again = await cli(['scan', '--manifest', `${DEMO}/complaints.csv`, '--out', out, '--no-index', '--no-sightings']);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already holds a scan.*--resume/);
    const nothing = await cli(['scan', '--out', path.join(work, 'out-none')]);
    expect(nothing.status).toBe(2);
  }, 120_000);
});
