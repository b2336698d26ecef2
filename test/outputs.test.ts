import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { appendAuditEvents, OUTPUT_FILES, scanStartedEvent, verifyAuditChain, writeScanOutputs } from '../src/pipeline/outputs/index.js';
import { auditLines, GENESIS, lineHash } from '../src/pipeline/outputs/audit.js';
import { writeFileAtomic } from '../src/pipeline/outputs/atomic-file.js';
import { BUNDLE_CSV_COLUMNS } from '../src/pipeline/outputs/csv.js';
import { csvText } from '../src/tabular/csv-write.js';
import { escapeHtml, jsonForScript, REPORT_CSP, reportHtml } from '../src/pipeline/outputs/html.js';
import { joinText } from '../src/pipeline/outputs/records.js';
import { compareBundles } from '../src/policy/priority.js';
import type { ScanData } from '../src/pipeline/outputs/types.js';
import { FORMULA_PATH, HOSTILE_NOTE, HOSTILE_PATH, sampleScanData } from './support/sample-scan-data.js';

const root = mkdtempSync(join(tmpdir(), 'ht-out-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = () => join(root, `out-${++dirCount}`);
const fixedClock = () => new Date('2025-03-10T03:05:00.000Z');

const data = sampleScanData();
const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const readJsonLines = (file: string) => lines(readFileSync(file, 'utf8')).map((l) => JSON.parse(l) as Record<string, any>);

function written(d: ScanData = data): string {
  const dir = freshDir();
  writeScanOutputs(dir, d, { now: fixedClock });
  return dir;
}

describe('output directory', () => {
  it('writes every output file, owner-only, and leaves no temporary files', () => {
    const dir = written();
    expect(readdirSync(dir).sort()).toEqual([...OUTPUT_FILES].sort());
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of OUTPUT_FILES) expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
  });

  it('narrows an existing, wider output directory to 0o700 and replaces wider files with 0o600 ones', () => {
    const dir = freshDir();
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'bundles.csv'), 'old', { mode: 0o644 });
    chmodSync(join(dir, 'bundles.csv'), 0o644);
    writeScanOutputs(dir, data, { now: fixedClock });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'bundles.csv')).mode & 0o777).toBe(0o600);
  });

  it('returns each file size and SHA-256, and the audit head', () => {
    const dir = freshDir();
    const out = writeScanOutputs(dir, data, { now: fixedClock });
    for (const f of OUTPUT_FILES) {
      const bytes = readFileSync(join(dir, f));
      expect(out.files[f]).toEqual({ bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    }
    expect(out.auditHead).toBe(verifyAuditChain(readFileSync(join(dir, 'audit.ndjson'), 'utf8')).head);
  });

  it('is deterministic: same data in another order gives byte-identical files (audit too, with the same clock)', () => {
    const a = written();
    const shuffled: ScanData = { ...data, bundles: [...data.bundles].reverse(), items: [...data.items].sort((x, y) => (x.path < y.path ? -1 : 1)) };
    const b = written(shuffled);
    for (const f of OUTPUT_FILES) expect(readFileSync(join(b, f), 'utf8'), f).toBe(readFileSync(join(a, f), 'utf8'));
  });
});

describe('manifest.json', () => {
  it('records tool, decode policy, inputs, index, policy, times and counts', () => {
    const m = JSON.parse(readFileSync(join(written(), 'manifest.json'), 'utf8'));
    expect(m.tool).toEqual({ name: 'hashtriage', version: data.toolVersion });
    expect(m.decodePolicy).toEqual(data.decodePolicy);
    expect(m.inputs.paths).toEqual(data.inputs.paths);
    expect(m.inputs.manifests).toEqual(data.inputs.manifests);
    expect(m.index).toEqual({ path: data.index.path, digest: data.index.digest, counts: { lists: 2, md5: 800, pdq: 1200 } });
    expect(m.priorityPolicy.sha256).toBe(data.priorityPolicy.digest);
    expect(m.scan).toEqual({ label: data.scanLabel, startedAt: data.startedAt, endedAt: data.endedAt });
    expect(m.counts.files).toBe(data.items.length);
    expect(m.counts.filesFailed).toBe(data.items.filter((i) => !i.hash.ok).length);
    expect(m.counts.inputErrors).toBe(data.errors.length);
    expect(m.counts.filesWithKnownMatch).toBe(data.items.filter((i) => i.known.length > 0).length);
    expect(Object.keys(m.counts.bundlesByTier)).toEqual(data.priorityPolicy.tiers.map((t) => t.name));
    expect(Object.values(m.counts.bundlesByTier as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(data.bundles.length);
  });
});

describe('items.ndjson', () => {
  const items = readJsonLines(join(written(), 'items.ndjson'));

  it('has one line per input file in index order, with every hash field', () => {
    expect(items.map((i) => i.index)).toEqual(data.items.map((i) => i.index).sort((a, b) => a - b));
    for (const rec of items) {
      for (const k of ['path', 'bytes', 'md5', 'sha1', 'sha256', 'pdq', 'pdqQuality', 'blockhash', 'lowQuality', 'reportIds', 'known', 'seen', 'error']) expect(rec, k).toHaveProperty(k);
    }
    const src = data.items.find((i) => i.index === 0)!;
    expect(items[0].path).toBe(src.path);
    expect(items[0].sha256).toBe(src.hash.signals.sha256?.value);
    expect(items[0].pdqQuality).toBe(src.hash.signals.pdq?.quality);
  });

  it('lists known matches (most severe, closest first) with list, distance, category, series, victim status', () => {
    const k = items[0].known;
    expect(k.length).toBe(2);
    expect(k[0]).toEqual({
      list: 'vics-export',
      signal: 'md5',
      hash: expect.any(String),
      distance: 0,
      variant: null,
      category: 'Cat A',
      categoryName: null,
      scheme: null,
      severity: 1,
      series: 'Series-Blue',
      victimIdentified: false,
    });
    expect(k[1].distance).toBeGreaterThan(0);
  });

  it('keeps a failed file with its digests and error, and marks earlier-scan sightings', () => {
    const failed = items.find((i) => i.error !== null)!;
    expect(failed.error).toEqual({ code: 'DECODE_FAILED', message: expect.stringContaining('truncated') });
    expect(failed.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(failed.pdq).toBeNull();
    const seen = items.find((i) => i.seen.length > 0)!;
    expect(seen.seen[0]).toEqual({ scan: 'case-2025-014', firstSeenAt: '2025-02-11T09:30:00Z', signal: 'pdq', distance: 2, path: 'old/case14/img_0031.jpg' });
  });
});

describe('bundles.ndjson', () => {
  const bundles = readJsonLines(join(written(), 'bundles.ndjson'));

  it('is in queue order with ranks 1..n, whatever order the bundles came in', () => {
    const expected = [...data.bundles].sort((a, b) => compareBundles(a, b, data.priorityPolicy)).map((b) => b.id);
    expect(bundles.map((b) => b.id)).toEqual(expected);
    expect(bundles.map((b) => b.rank)).toEqual(expected.map((_, i) => i + 1));
    for (let i = 1; i < bundles.length; i++) expect(bundles[i - 1].score).toBeGreaterThanOrEqual(bundles[i].score);
    expect(bundles[0].tier).toBe('P1 immediate');
  });

  it('carries members, reports, reporters, URLs, span, known matches and explained score', () => {
    for (const b of bundles) {
      for (const k of ['tier', 'score', 'reasons', 'status', 'paths', 'reportIds', 'reporters', 'distinctReporters', 'urls', 'hosts', 'firstSeen', 'lastSeen', 'knownMatches', 'seenMatches', 'escalated'])
        expect(b, k).toHaveProperty(k);
      expect(b.reasons.reduce((s: number, r: { points: number }) => s + r.points, 0)).toBe(b.score);
      expect(b.status).toBe(b.knownMatches.length > 0 ? 'known' : 'unknown');
    }
    const many = bundles.find((b) => b.reportIds.length === 3)!;
    expect(many.distinctReporters).toBe(3);
    expect(many.hosts).toEqual(['img.example.net', 'mirror.example.org']);
    expect(many.reasons.map((r: { signal: string }) => r.signal)).toContain('new_content_many_reporters');
  });
});

describe('why each file is in its bundle, flags and related bundles', () => {
  const dir = written();
  const bundles = readJsonLines(join(dir, 'bundles.ndjson'));
  const csv = parseCsv(readFileSync(join(dir, 'bundles.csv'), 'utf8'), { bom: true }) as string[][];
  const col = (name: string) => csv[0].indexOf(name);
  const csvRow = (id: string) => csv.find((r) => r[col('bundle_id')] === id)!;
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  const htmlRow = (id: string) => html.match(new RegExp(`<tr class="q[^"]*"[^>]*data-id="${id}">.*?</tr>`, 's'))![0];
  const drift = 'b-1c2d3e4f5a6b7c8d';

  it('bundles.ndjson lists every member with how it joined, in words, and its own known matches', () => {
    const b = bundles.find((x) => x.id === drift)!;
    expect(b.members.map((m: { path: string; reason: string }) => [m.path, m.reason])).toEqual([
      ['complaints/c101.jpg', 'first file of the bundle'],
      ['complaints/c102.jpg', 'md5 equal to complaints/c101.jpg'],
      ['complaints/c103-resized.jpg', 'pdq distance 22 to complaints/c102.jpg'],
    ]);
    const known = bundles.find((x) => x.id === 'b-0a1b2c3d4e5f6a7b')!;
    expect(known.members[0].known.map((k: { list: string; category: string; distance: number }) => [k.list, k.category, k.distance])).toEqual([
      ['vics-export', 'Cat A', 0],
      ['national-list', 'A1', 4],
    ]);
    const alone = bundles.find((x) => x.id === 'b-9e8d7c6b5a4f3e2d')!;
    expect(alone.members[0].reason).toBe('named by report R-104 only: no hash link to another file, so its own bundle');
    const failed = bundles.find((x) => x.items.includes(8))!;
    expect(failed.members[0].reason).toBe('could not be hashed (DECODE_FAILED), so no hash can link it to another file');
    const linked = bundles.find((x) => x.id === 'b-5a5a5a5a5a5a5a5a')!;
    expect(linked.members[0].reason).toBe('named by report R-106 only: no hash link to another file, so its own bundle (the report’s other pictures are under related bundles)');
  });

  it('a report-only member points to related bundles only through what relates them: its report, else a URL', () => {
    const join = { kind: 'report_only', reportIds: ['R-1'] } as const;
    const base = 'named by report R-1 only: no hash link to another file, so its own bundle';
    const viaReport = [{ id: 'b-1', reportIds: ['R-1'], urls: [] }];
    const viaUrl = [{ id: 'b-2', reportIds: [], urls: ['https://example.com/p'] }];
    expect(joinText(join, 0, new Map(), true, viaReport)).toBe(`${base} (the report’s other pictures are under related bundles)`);
    expect(joinText(join, 0, new Map(), true, viaUrl)).toBe(`${base} (pictures reported at the same URL are under related bundles)`);
    expect(joinText(join, 0, new Map(), true, [])).toBe(base);
  });

  it('carries flags, spread and related bundles in bundles.ndjson, bundles.csv and report.html', () => {
    const b = bundles.find((x) => x.id === drift)!;
    expect(b.flags.map((f: { flag: string }) => f.flag)).toEqual(['perceptual_drift']);
    expect(b.spread).toEqual([{ signal: 'pdq', maxDistance: 40, threshold: 31, between: [3, 5] }]);
    expect(csvRow(drift)[col('flags')]).toMatch(/^perceptual_drift: files 40 apart by pdq \(threshold 31\)/);
    expect(csvRow(drift)[col('member_reasons')]).toContain('complaints/c103-resized.jpg: pdq distance 22 to complaints/c102.jpg');
    expect(htmlRow(drift)).toContain('files far apart</span> <span class="sig">perceptual_drift</span>');
    expect(htmlRow(drift)).toContain('pdq distance 22 to complaints/c102.jpg');

    const low = 'b-7f3a0c11d2e4f5a6';
    expect(csvRow(low)[col('flags')]).toMatch(/^CHECK BY HAND: perceptual_hash_unusable: no file has a usable pdq hash/);
    expect(htmlRow(low)).toContain('<span class="badge warn">check by hand</span>');

    const a = bundles.find((x) => x.id === 'b-0a1b2c3d4e5f6a7b')!;
    expect(a.related).toEqual([{ id: 'b-5a5a5a5a5a5a5a5a', reportIds: ['R-106'], urls: [] }]);
    expect(csvRow('b-0a1b2c3d4e5f6a7b')[col('related_bundles')]).toBe('b-5a5a5a5a5a5a5a5a (report R-106)');
    const rank = bundles.find((x) => x.id === 'b-5a5a5a5a5a5a5a5a')!.rank;
    expect(htmlRow('b-0a1b2c3d4e5f6a7b')).toContain(`<a href="#b-5a5a5a5a5a5a5a5a">#${rank} <span class="mono">b-5a5a5a5a5a5a5a5a</span></a> <span class="why">same report R-106</span>`);
  });

  it('names a related bundle that is beyond the rendered rows without linking to it', () => {
    const capped = reportHtml(data, { maxRows: 1 });
    expect(capped).not.toContain('<a href=');
    expect(capped).toContain('<span class="mono">b-5a5a5a5a5a5a5a5a</span> (not shown here: see bundles.ndjson)');
  });
});

describe('files that could not be processed, and known-innocent matches', () => {
  const dir = written();
  const bundles = readJsonLines(join(dir, 'bundles.ndjson'));
  const failedId = data.bundles.find((b) => b.items.includes(8))!.id;
  const emptyId = data.bundles.find((b) => b.items.length === 0)!.id;
  const innocentId = data.bundles.find((b) => b.items.includes(10))!.id;
  const failedPath = data.items.find((i) => i.index === 8)!.path;

  it('bundles.ndjson lists failed members with their error code; every other bundle has none', () => {
    for (const b of bundles) {
      if (b.id === failedId)
        expect(b.failedFiles).toEqual([{ index: 8, path: failedPath, code: 'DECODE_FAILED', message: expect.stringContaining('truncated') }]);
      else expect(b.failedFiles, b.id).toEqual([]);
    }
  });

  it('a bundle with a failed or no file is not left in the backlog with "no signal fired"', () => {
    for (const id of [failedId, emptyId]) {
      const b = bundles.find((x) => x.id === id)!;
      expect(b.reasons.map((r: { signal: string }) => r.signal), id).toContain('unprocessed_files');
      expect(b.tier, id).not.toBe('P4 backlog');
    }
    expect(bundles.find((x) => x.id === failedId)!.reasons[0].detail).toMatch(/^1 of 1 file could not be hashed \(DECODE_FAILED: truncated/);
  });

  it('a non-web URL (javascript:) does not count as hosted content', () => {
    const b = bundles.find((x) => x.urls.includes('javascript:alert(4)'))!;
    expect(b.reasons.map((r: { signal: string }) => r.signal)).not.toContain('hosted_urls');
  });

  it('a bundle matching only a non-pertinent list says so and scores no known-material points', () => {
    const b = bundles.find((x) => x.id === innocentId)!;
    expect(b.reasons.map((r: { signal: string }) => r.signal)).toEqual(['known_non_pertinent']);
    expect(b.score).toBeLessThanOrEqual(0);
  });

  it('bundles.csv names failed members with their code in failed_files', () => {
    const rows = parseCsv(readFileSync(join(dir, 'bundles.csv'), 'utf8'), { bom: true }) as string[][];
    const col = (name: string) => BUNDLE_CSV_COLUMNS.indexOf(name as (typeof BUNDLE_CSV_COLUMNS)[number]);
    for (const r of rows.slice(1)) expect(r[col('failed_files')], r[col('bundle_id')]).toBe(r[col('bundle_id')] === failedId ? `${failedPath} (DECODE_FAILED)` : '');
  });

  it('report.html marks a failed member, a bundle without files and a non-pertinent-only match', () => {
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const row = (id: string) => html.match(new RegExp(`<tr class="q[^"]*"[^>]*data-id="${id}">.*?</tr>`, 's'))![0];
    expect(row(failedId)).toContain('<span class="badge warn">1 of 1 not processed</span>');
    expect(row(failedId)).toContain('DECODE_FAILED');
    expect(row(emptyId)).toContain('<span class="badge warn">no files</span>');
    expect(row(innocentId)).toContain('>known non-pertinent</span>');
    expect(row(innocentId)).not.toContain('badge known');
    for (const b of data.bundles.filter((x) => ![failedId, emptyId].includes(x.id))) expect(row(b.id), b.id).not.toMatch(/not processed|no files/);
  });
});

describe('bundles.csv', () => {
  const dir = written();
  const text = readFileSync(join(dir, 'bundles.csv'), 'utf8');
  const rows = parseCsv(text, { bom: true, relax_column_count: false }) as string[][];
  const ndjson = readJsonLines(join(dir, 'bundles.ndjson'));

  it('parses back with a standard CSV parser: header, one row per bundle, same order as the NDJSON', () => {
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(rows[0]).toEqual([...BUNDLE_CSV_COLUMNS]);
    expect(rows.length).toBe(ndjson.length + 1);
    const col = (name: string) => BUNDLE_CSV_COLUMNS.indexOf(name as (typeof BUNDLE_CSV_COLUMNS)[number]);
    rows.slice(1).forEach((r, i) => {
      expect(r[col('bundle_id')]).toBe(ndjson[i].id);
      expect(Number(r[col('rank')])).toBe(i + 1);
      expect(Number(r[col('score')])).toBe(ndjson[i].score);
      expect(r[col('reasons')].split(' | ').length).toBe(ndjson[i].reasons.length || 1);
    });
  });

  it('round-trips quotes, commas and newlines inside a cell', () => {
    const col = BUNDLE_CSV_COLUMNS.indexOf('paths');
    const hostile = data.items.find((i) => i.path.includes('\n'))!.path;
    expect(rows.some((r) => r[col] === hostile)).toBe(true);
  });

  it('neutralises formulas: no parsed text cell starts with = + - @, the hostile values keep their text after an apostrophe', () => {
    const numeric = new Set(['rank', 'score', 'files', 'reports', 'distinct_reporters']);
    for (const r of rows.slice(1))
      r.forEach((cell, i) => {
        if (!numeric.has(BUNDLE_CSV_COLUMNS[i])) expect(cell, `${BUNDLE_CSV_COLUMNS[i]}: ${cell}`).not.toMatch(/^[=+\-@\t\r]/);
      });
    const flat = rows.flat();
    expect(flat).toContain(`'${FORMULA_PATH}`);
    expect(flat).toContain("'+cmd|calc");
    expect(flat).toContain("'@SUM(1+1)");
  });

  it('csvText quotes every text cell and doubles quotes', () => {
    expect(csvText('a"b,c')).toBe('"a""b,c"');
    expect(csvText('-1+2')).toBe('"\'-1+2"');
    expect(csvText(null)).toBe('""');
  });
});

describe('report.html', () => {
  const html = readFileSync(join(written(), 'report.html'), 'utf8');

  it('a bundle of more than three files shows three and an expander that holds exactly the others, so nothing is hidden', () => {
    const big = { ...data, bundles: data.bundles.map((b) => (b.id === 'b-1c2d3e4f5a6b7c8d' ? { ...b, items: [3, 4, 5, 9, 10], paths: [3, 4, 5, 9, 10].map((i) => data.items.find((it) => it.index === i)!.path), joins: [...b.joins, { kind: 'exact' as const, signal: 'md5' as const, to: 3 }, { kind: 'exact' as const, signal: 'md5' as const, to: 3 }] } : b)) };
    const row = reportHtml(big).match(/<tr class="q[^"]*"[^>]*data-id="b-1c2d3e4f5a6b7c8d">.*?<\/tr>/s)![0];
    const details = row.match(/<details><summary>([^<]*)<\/summary><ul class="members">(.*?)<\/ul><\/details>/s)!;
    expect(details[1]).toBe('2 more files');
    expect(details[2]).toContain('case/seen/again.jpg');
    expect(details[2]).toContain('case/reference/exemplar.jpg');
    expect(details[2]).not.toContain('<div class="path">complaints/c101.jpg</div>'); // shown above it
  });

  it('escapes hostile paths and notes: they appear as text, never as markup', () => {
    expect(html).toContain(escapeHtml(HOSTILE_PATH));
    expect(html).toContain(escapeHtml(HOSTILE_NOTE));
    expect(html).not.toContain('<script>alert');
    expect(html).not.toMatch(/<img/i);
  });

  // Every raw "<" in the page is markup the writer made (all scan text is escaped), so the tags can be listed.
  const tags = [...html.matchAll(/<\/?([a-zA-Z!][a-zA-Z0-9]*)([^>]*)>/g)];

  it('uses only a fixed set of elements, none of them loading anything, links only to rows of the page, no event-handler attributes', () => {
    const allowed = new Set(
      '!DOCTYPE html head meta title style body header h1 h2 p b span div main section noscript form label input select option table colgroup col thead tbody tr th td ul li details summary dl dt dd footer script br a'.split(' '),
    );
    expect(tags.length).toBeGreaterThan(50);
    const rowIds = new Set([...html.matchAll(/<tr class="q[^"]*" id="([^"]+)"/g)].map((m) => m[1]));
    let anchors = 0;
    for (const [, name, attrs] of tags) {
      expect(allowed.has(name), name).toBe(true);
      if (name === 'a' && !attrs.startsWith('/') && attrs !== '') {
        // the only links: in-page anchors to another bundle's row
        const m = /^ href="#(b-[0-9a-f]{16})"$/.exec(attrs);
        expect(m, `<a${attrs}>`).not.toBeNull();
        expect(rowIds.has(m![1])).toBe(true);
        anchors++;
        continue;
      }
      expect(attrs, `<${name}${attrs}>`).not.toMatch(/\s(src|href|srcset|action|formaction|background|poster|on[a-z]+)\s*=/i);
    }
    expect(anchors).toBe(2); // the two bundles that share report R-106 link to each other
  });

  it('loads nothing from anywhere: a strict CSP', () => {
    expect(html).toContain('http-equiv="Content-Security-Policy"');
    expect(REPORT_CSP).toContain("default-src 'none'");
    expect(REPORT_CSP).not.toContain('unsafe-inline');
    expect(REPORT_CSP).toContain("img-src 'none'");
  });

  it('the CSP hashes match the page’s own inline style and script', () => {
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts.length).toBe(1);
    const h = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
    expect(REPORT_CSP).toContain(`style-src ${h(style)}`);
    expect(REPORT_CSP).toContain(`script-src ${h(scripts[0])}`);
  });

  it('embeds the data as JSON without a raw "<" and with one row per rendered bundle', () => {
    const m = /<script type="application\/json" id="scan-data">([\s\S]*?)<\/script>/.exec(html)!;
    expect(m[1]).not.toContain('<');
    const parsed = JSON.parse(m[1]);
    expect(parsed.rows.length).toBe(data.bundles.length);
    expect(parsed.rows.some((r: { text: string }) => r.text.includes('<script>alert(1)</script>.jpg'))).toBe(true);
  });

  it('jsonForScript round-trips and never closes a script element', () => {
    const v = { s: '</script><!-- \u2028 & >' };
    const j = jsonForScript(v);
    expect(j).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(j)).toEqual(v);
  });

  it('shows counts and caps the rendered queue, pointing to the full files', () => {
    const capped = reportHtml(data, { maxRows: 2 });
    expect((capped.match(/<tr class="q /g) ?? []).length).toBe(2);
    expect(capped).toContain(`Showing the 2 most urgent of ${data.bundles.length} bundles`);
    expect(html).toContain('files scanned');
    expect(html).toContain('not NCMEC priority levels');
  });
});

describe('audit.ndjson', () => {
  it('is a valid chain starting from zeros, with the scan’s events in order', () => {
    const text = readFileSync(join(written(), 'audit.ndjson'), 'utf8');
    const v = verifyAuditChain(text);
    expect(v.ok).toBe(true);
    const entries = lines(text).map((l) => JSON.parse(l));
    expect(entries[0].prev).toBe(GENESIS);
    expect(entries.map((e) => e.event)).toEqual(['scan_started', 'index_used', 'priority_policy_used', 'files_processed', 'errors', 'outputs_written', 'scan_ended']);
    expect(entries[0].at).toBe(data.startedAt);
    expect(entries.find((e) => e.event === 'errors').data.total).toBe(2);
    expect(Object.keys(entries.find((e) => e.event === 'outputs_written').data.files)).toEqual(OUTPUT_FILES.filter((f) => f !== 'audit.ndjson'));
    for (let i = 1; i < entries.length; i++) expect(entries[i].prev).toBe(lineHash(lines(text)[i - 1]));
  });

  const tamperings: Array<[string, (ls: string[]) => string[], number]> = [
    ['a changed value', (ls) => ls.map((l, i) => (i === 3 ? l.replace(`"files":${data.items.length}`, `"files":${data.items.length - 1}`) : l)), 5],
    ['a removed line', (ls) => ls.filter((_, i) => i !== 1), 2],
    ['swapped lines', (ls) => [ls[0], ls[2], ls[1], ...ls.slice(3)], 2],
    ['an inserted line', (ls) => [ls[0], ls[1], ls[1], ...ls.slice(2)], 3],
    ['a rewritten first line', (ls) => [ls[0].replace('scan_started', 'scan_startee'), ...ls.slice(1)], 2],
  ];
  for (const [name, tamper, line] of tamperings) {
    it(`detects ${name} and says where`, () => {
      const text = readFileSync(join(written(), 'audit.ndjson'), 'utf8');
      expect(text).toContain(`"files":${data.items.length}`);
      const v = verifyAuditChain(`${tamper(lines(text)).join('\n')}\n`);
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.line).toBe(line);
    });
  }

  it('rejects a log whose last line is cut off', () => {
    const text = readFileSync(join(written(), 'audit.ndjson'), 'utf8');
    expect(verifyAuditChain(text.slice(0, -20)).ok).toBe(false);
  });

  it('on resume appends and continues the chain (seq and prev), with a single scan_started', () => {
    const dir = freshDir();
    appendAuditEvents(dir, [scanStartedEvent(data)], fixedClock);
    appendAuditEvents(dir, [scanStartedEvent(data, true)], fixedClock);
    const first = readFileSync(join(dir, 'audit.ndjson'), 'utf8');
    writeScanOutputs(dir, data, { now: fixedClock });
    const text = readFileSync(join(dir, 'audit.ndjson'), 'utf8');
    expect(text.startsWith(first)).toBe(true);
    const v = verifyAuditChain(text);
    expect(v).toMatchObject({ ok: true, entries: 8 });
    const events = lines(text).map((l) => JSON.parse(l));
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events.filter((e) => e.event === 'scan_started').length).toBe(1);
    expect(events[1].event).toBe('scan_resumed');
    expect(statSync(join(dir, 'audit.ndjson')).mode & 0o777).toBe(0o600);
  });

  it('appending to a broken log records the break and leaves it detectable', () => {
    const good = auditLines('', [{ event: 'a' }, { event: 'b' }, { event: 'c' }], fixedClock);
    const broken = good.replace('"event":"b"', '"event":"B"');
    const next = broken + auditLines(broken, [{ event: 'd' }], fixedClock);
    const events = lines(next).map((l) => JSON.parse(l));
    expect(events.slice(3).map((e) => e.event)).toEqual(['audit_chain_broken', 'd']);
    expect(events[3].data.line).toBe(3);
    expect(verifyAuditChain(next)).toMatchObject({ ok: false, line: 3 });
  });
});

describe('atomic writes', () => {
  it('a failure mid-write leaves the previous file intact and no temporary file', () => {
    const dir = freshDir();
    mkdirSync(dir);
    const file = join(dir, 'items.ndjson');
    writeFileAtomic(file, 'previous complete content\n');
    function* failing() {
      yield 'x'.repeat(2 << 20);
      throw new Error('disk full (simulated)');
    }
    expect(() => writeFileAtomic(file, failing())).toThrow('disk full');
    expect(readFileSync(file, 'utf8')).toBe('previous complete content\n');
    expect(readdirSync(dir)).toEqual(['items.ndjson']);
  });

  it('replaces a planted symlink instead of writing through it', () => {
    const dir = freshDir();
    mkdirSync(dir);
    const victim = join(root, `victim-${dirCount}.txt`);
    writeFileSync(victim, 'do not touch');
    symlinkSync(victim, join(dir, 'report.html'));
    expect(readlinkSync(join(dir, 'report.html'))).toBe(victim);
    writeScanOutputs(dir, data, { now: fixedClock });
    expect(readFileSync(victim, 'utf8')).toBe('do not touch');
    expect(lstatSync(join(dir, 'report.html')).isSymbolicLink()).toBe(false);
  });
});

describe('control characters from manifests', () => {
  const hostile = 'a\u0000b\u001b[2Jc\u202Egpj.exe\u2066d\u0085e';

  it('are visible markers in report.html text and attributes and in bundles.csv cells', () => {
    expect(escapeHtml(hostile)).toBe('a&lt;U+0000&gt;b&lt;U+001B&gt;[2Jc&lt;U+202E&gt;gpj.exe&lt;U+2066&gt;d&lt;U+0085&gt;e');
    expect(csvText(hostile)).toBe('"a<U+0000>b<U+001B>[2Jc<U+202E>gpj.exe<U+2066>d<U+0085>e"');
    expect(csvText('\u202E=cmd')).toBe('"<U+202E>=cmd"');
    expect(csvText('tab\there\r\nline')).toBe('"tab\there\r\nline"');
  });

  it('are \\u escapes in JSON outputs, which still parse to the original text', () => {
    const json = jsonForScript({ note: hostile });
    expect(json).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(JSON.parse(json).note).toBe(hostile);
  });
});

describe('bundles.csv cells a spreadsheet can hold', () => {
  it('a list longer than a cell keeps whole values and says how many more are in bundles.ndjson', async () => {
    const { bundlesCsv, LIST_CELL_MAX, LIST_SEPARATOR } = await import('../src/pipeline/outputs/csv.js');
    const data = sampleScanData();
    const ids = Array.from({ length: 20_000 }, (_, i) => `B${i}`);
    const big = { ...data.bundles[0], reportIds: ids };
    const text = [...bundlesCsv({ ...data, bundles: [big, ...data.bundles.slice(1)] })].join('');
    const rows = parseCsv(text.replace(/^\uFEFF/, ''), { columns: true }) as Array<Record<string, string>>;
    const row = rows.find((r) => r.bundle_id === big.id)!;
    expect(row.reports).toBe('20000');
    expect(row.report_ids.length).toBeLessThanOrEqual(LIST_CELL_MAX);
    const parts = row.report_ids.split(LIST_SEPARATOR);
    const tail = /^… and (\d+) more \(all in bundles\.ndjson\)$/.exec(parts.at(-1)!);
    expect(tail).not.toBeNull();
    expect(parts.slice(0, -1)).toEqual(ids.slice(0, parts.length - 1));
    expect(parts.length - 1 + Number(tail![1])).toBe(20_000);
    for (const r of rows) for (const cell of Object.values(r)) expect(cell.length).toBeLessThan(32_767);
    // measured as written: control characters in paths are shown, and take more room
    const { csvText } = await import('../src/tabular/csv-write.js');
    const controls = Array.from({ length: 3000 }, (_, i) => `p/\u0001\u0002\u0003\u0004${i}.png`);
    const { listCell } = await import('../src/pipeline/outputs/csv.js');
    expect(csvText(listCell(controls)).length).toBeLessThanOrEqual(32_767);
    // short lists are written whole
    expect(rows.find((r) => r.bundle_id !== big.id)!.report_ids).not.toContain('more (all in');
  });
});
