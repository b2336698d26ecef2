/**
 * `hashtriage index …` and `hashtriage match` as a user runs them: the real CLI in child processes, on
 * lists built from the conformance images' reference hashes. Covers summaries, rejected rows with
 * file:line, exit codes, NDJSON answers sorted by distance, bad hashes answered with positioned error
 * lines, --stdin records with dihedral variants, export/re-import, remove and verify.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hexToWords, popcount32 } from '../src/hashing/bits.js';
import { signalTypeByName } from '../src/hashing/signals.js';
import { defaultSightingsPath } from '../src/index-store/db-path.js';
import { openSightings } from '../src/sightings/sightings-store.js';
import { jsonLines, runCli, type CliOptions } from './support/cli.js';

const PROJECT = path.resolve('.');
const IMAGES = path.join(PROJECT, 'fixtures/conformance/images');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  lines: Array<Record<string, any>>;
}

async function run(args: string[], options: CliOptions = {}): Promise<Run> {
  const res = await runCli(args, options);
  return { ...res, lines: jsonLines(res.stdout) };
}

/** The conformance reference rows: file → column → value. */
function reference(): Map<string, Record<string, string>> {
  const [header, ...rows] = readFileSync(path.join(PROJECT, 'fixtures/conformance/expected.tsv'), 'utf8').trim().split('\n');
  const cols = header.split('\t');
  return new Map(rows.map((r) => r.split('\t')).map((cells) => [cells[0], Object.fromEntries(cols.map((c, i) => [c, cells[i]]))]));
}

function distance(a: string, b: string): number {
  const x = hexToWords(a, 256)!;
  const y = hexToWords(b, 256)!;
  let d = 0;
  for (let i = 0; i < 8; i++) d += popcount32(x[i] ^ y[i]);
  return d;
}

const REF = reference();
const KNOWN = [...REF.keys()].filter((f) => !f.startsWith('mod-'));
const MODS = [...REF.keys()].filter((f) => f.startsWith('mod-'));
const CATEGORIES = ['A1', 'B2', 'Cat A', '1'];

describe('hashtriage index and match (CLI)', () => {
  let dir: string;
  let db: string;
  let listFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-match-'));
    db = path.join(dir, 'index.db');
    listFile = path.join(dir, 'known.csv');
    const lines = ['pdq,md5,blockhash,category,series,victim_identified,note'];
    KNOWN.forEach((f, i) => {
      const r = REF.get(f)!;
      lines.push(`${r.pdq},${r.md5},${r.blockhash16},${CATEGORIES[i % 4]},series-${i},${i % 2 === 0 ? 'yes' : 'no'},${f}`);
    });
    writeFileSync(listFile, `${lines.join('\n')}\n`);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports a list, reports it unchanged the second time, and takes the path from HASHTRIAGE_DB', async () => {
    const first = await run(['index', 'import', listFile, '--list', 'known', '--db', db]);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toBe(`known (csv): ${KNOWN.length} added, 0 duplicate, 0 rejected\n`);
    const again = await run(['index', 'import', listFile, '--list', 'known', '--json'], { env: { ...process.env, HASHTRIAGE_DB: db } });
    expect(again.status).toBe(0);
    expect(again.lines[0]).toMatchObject({ list: 'known', unchanged: true, added: 0 });
  });

  it('imports the good rows of a list with bad ones, reporting each as file:line, and exits 1', async () => {
    const base = REF.get('base-900x700.jpg')!;
    const file = path.join(dir, 'mixed.csv');
    writeFileSync(file, ['pdq,category', `${base.pdq},B1`, 'not-a-hash,A1', `${base.pdq.slice(0, 60)},A1`, `${REF.get('wizard.jpg')!.pdq},A2`].join('\n'));
    const res = await run(['index', 'import', file, '--list', 'mixed', '--db', db]);
    expect(res.status).toBe(1);
    expect(res.stdout).toBe('mixed (csv): 2 added, 0 duplicate, 2 rejected\n');
    const errs = res.stderr.trim().split('\n');
    expect(errs).toHaveLength(2);
    expect(errs[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: `));
    expect(errs[1]).toMatch(/:4: /);
  });

  it('refuses bad usage with exit code 2 and writes nothing', async () => {
    expect((await run(['index', 'import', listFile, '--db', db])).status).toBe(2); // no --list
    const reserved = await run(['index', 'import', listFile, '--list', '@seen', '--db', db]);
    expect(reserved.status).toBe(2);
    expect(reserved.stderr).toMatch(/reserved/);
    expect((await run(['index', 'import', listFile, '--list', 'x', '--format', 'xml', '--db', db])).status).toBe(2);
    const missing = await run(['index', 'import', path.join(dir, 'nope.csv'), '--list', 'x', '--db', db]);
    expect(missing.status).toBe(2); // a missing input path is a usage error, as for scan
    expect(missing.stderr).toMatch(/nope\.csv/);
    const stats = await run(['index', 'stats', '--json', '--db', db]);
    expect(stats.lines[0].lists.map((l: { name: string }) => l.name)).toEqual(['known', 'mixed']);
  });

  it('answers PDQ queries with matches sorted by distance, entries in the documented shape', async () => {
    const base = REF.get('base-900x700.jpg')!.pdq;
    const queries = MODS.map((m) => REF.get(m)!.pdq);
    const res = await run(['match', '--db', db, ...queries]);
    expect(res.status).toBe(0);
    expect(res.lines).toHaveLength(MODS.length);
    res.lines.forEach((line, i) => {
      expect(line.query).toBe(queries[i]);
      const expected = KNOWN.map((f) => ({ f, d: distance(queries[i], REF.get(f)!.pdq) }))
        .filter((x) => x.d <= 31)
        .sort((a, b) => a.d - b.d);
      expect(line.matches.map((m: { distance: number }) => m.distance)).toEqual(expected.map((x) => x.d));
      // a bare 64-digit value is looked up as every type of that length: only its PDQ reading matches here
      expect(line.checked).toEqual(['sha256', 'pdq', 'blockhash']);
      for (const m of line.matches) {
        expect(Object.keys(m)).toEqual(['algorithm', 'hash', 'distance', 'entries']);
        expect(m.algorithm).toBe('pdq');
        for (const e of m.entries) expect(Object.keys(e)).toEqual(['list', 'category', 'categoryName', 'scheme', 'severity', 'series', 'victimIdentified']);
      }
    });
    // the base image itself: in two lists, both entries, with severity from the default policy
    const exact = await run(['match', '--db', db, '--threshold', '0', base]);
    const entries = exact.lines[0].matches[0].entries;
    expect(entries.map((e: { list: string }) => e.list)).toEqual(['known', 'mixed']);
    expect(entries[1]).toEqual({ list: 'mixed', category: 'B1', categoryName: 'pubescent minor, sex act', scheme: 'ncmec', severity: 2, series: null, victimIdentified: null });
  });

  it('answers the good hashes and gives each bad one an error line with its position, exit 1', async () => {
    const good = REF.get('mod-jpeg40.jpg')!.pdq;
    const res = await run(['match', '--db', db, good, 'xyz', good.toUpperCase(), `${good}00`]);
    expect(res.status).toBe(1);
    expect(res.lines).toHaveLength(4);
    expect(res.lines[0].matches.length).toBeGreaterThan(0);
    expect(res.lines[1]).toEqual({ position: 2, input: 'xyz', error: { code: 'BAD_HASH', message: expect.stringMatching(/non-hex character 'x'.*expected 32 \(md5\), 40 \(sha1\) or 64 \(sha256, pdq, blockhash\) hex digits/) } });
    expect(res.lines[2]).toEqual(res.lines[0]); // case does not matter
    expect(res.lines[3]).toMatchObject({ position: 4, error: { code: 'BAD_HASH' } });
    expect(res.stderr).toMatch(/argument 2/);
  });

  it('reads --stdin: hex lines and `hash` records, skipping blank and comment lines', async () => {
    const q = REF.get('mod-bright.jpg')!.pdq;
    const input = ['# queries', q, '', JSON.stringify({ path: 'a/b.jpg', ok: true, pdq: q, pdqQuality: 100 }), JSON.stringify({ path: 'c.txt', ok: true }), 'zz'].join('\n');
    const res = await run(['match', '--db', db, '--stdin'], { input });
    expect(res.status).toBe(1);
    expect(res.lines.map((l) => l.position ?? l.query ?? l.path)).toEqual([q, 'a/b.jpg', 5, 6]);
    expect(res.lines[1].checked).toEqual(['pdq']);
    expect(res.lines[1].matches).toEqual(res.lines[0].matches);
    expect(res.lines[2].error.message).toMatch(/c\.txt has no hash value/);
  });

  it('checks every digest and perceptual hash a `hash` record carries, as scan does: a listed MD5 is found', async () => {
    const ref = REF.get('wizard.jpg')!;
    const other = REF.get('base-900x700.jpg')!;
    // the PDQ is not the listed picture's: only the MD5 can find it
    const record = JSON.stringify({ path: 'w.jpg', ok: true, bytes: 10, md5: ref.md5, pdq: '0f'.repeat(32), pdqQuality: 100 });
    const empty = JSON.stringify({ path: 'e.jpg', ok: false, bytes: 0, md5: ref.md5, sha1: other.sha1 });
    const res = await run(['match', '--db', db, '--stdin'], { input: `${record}\n${empty}\n` });
    expect(res.status).toBe(0);
    expect(res.stderr).toBe('');
    expect(res.lines[0].checked).toEqual(['md5', 'pdq']);
    expect(res.lines[0].matches).toEqual([expect.objectContaining({ algorithm: 'md5', hash: ref.md5, distance: 0 })]);
    // the digests of an empty file say nothing about a picture: not looked up, as in a scan
    expect(res.lines[1]).toMatchObject({ path: 'e.jpg', checked: [], matches: [] });
    // --algorithm narrows the lookup to one type
    const pdqOnly = await run(['match', '--db', db, '--stdin', '--algorithm', 'PDQ'], { input: `${record}\n` });
    expect(pdqOnly.lines[0]).toMatchObject({ checked: ['pdq'] });
    expect(pdqOnly.lines[0].matches.some((m: { algorithm: string }) => m.algorithm === 'md5')).toBe(false);
  });

  it('a low-quality or all-zero perceptual hash of a record is listed under "skipped" with why, not under "checked"', async () => {
    const known = REF.get(KNOWN[0])!.pdq;
    const flip = (c: string, mask: number) => (parseInt(c, 16) ^ mask).toString(16);
    const near = `${flip(known[0], 0xf)}${flip(known[1], 0x3)}${known.slice(2)}`; // 6 bits away
    expect(distance(near, known)).toBe(6);
    const record = JSON.stringify({ path: 'lq.jpg', ok: true, bytes: 10, pdq: near, pdqQuality: 18, blockhash: '0'.repeat(64) });
    const res = await run(['match', '--db', db, '--stdin'], { input: `${record}\n` });
    expect(res.status).toBe(0);
    expect(res.lines[0]).toMatchObject({ path: 'lq.jpg', checked: [], lowQuality: true, matches: [] });
    expect(res.lines[0].skipped).toEqual([
      { algorithm: 'pdq', reason: 'low quality (18, below 50): not looked up; --include-low-quality looks it up' },
      { algorithm: 'blockhash', reason: 'all zeros: the picture has no detail to compare, check it by hand' },
    ]);
    const low = await run(['match', '--db', db, '--stdin', '--include-low-quality'], { input: `${record}\n` });
    expect(low.lines[0]).toMatchObject({ checked: ['pdq'], lowQuality: true });
    expect(low.lines[0].skipped).toEqual([{ algorithm: 'blockhash', reason: 'all zeros: the picture has no detail to compare, check it by hand' }]);
    expect(low.lines[0].matches).toEqual([expect.objectContaining({ algorithm: 'pdq', hash: known, distance: 6 })]);
  });

  it('a file whose MD5 is on a VICS list is found by `hash FILE | match --stdin`', async () => {
    const file = path.join(IMAGES, 'plasma-c-64x64.png');
    const md5 = REF.get('plasma-c-64x64.png')!.md5;
    const vics = path.join(dir, 'vics.json');
    writeFileSync(vics, JSON.stringify({ '@odata.context': 'http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases', value: [{ Media: [{ MD5: md5.toUpperCase(), Category: 1, MediaID: 7 }] }] }));
    const vdb = path.join(dir, 'vics.db');
    expect((await run(['index', 'import', vics, '--list', 'vics', '--db', vdb])).status).toBe(0);
    const hashed = await run(['hash', file]);
    expect(hashed.status).toBe(0);
    const res = await run(['match', '--db', vdb, '--stdin'], { input: hashed.stdout });
    expect(res.status).toBe(0);
    expect(res.lines[0].checked).toEqual(['md5', 'sha1', 'sha256', 'pdq', 'blockhash']);
    expect(res.lines[0].matches).toEqual([
      { algorithm: 'md5', hash: md5, distance: 0, entries: [{ list: 'vics', category: '1', categoryName: 'child abuse material (CAM)', scheme: 'projectvic', severity: 1, series: null, victimIdentified: null }] },
    ]);
  });

  it('reads hashes as index import does: type prefixes, any case, length detection', async () => {
    const ref = REF.get('wizard.jpg')!;
    const res = await run(['match', '--db', db, `pdq:${ref.pdq}`, `MD5:${ref.md5.toUpperCase()}`, `SHA-1 ${ref.sha1}`, ref.md5, `md5:${ref.pdq}`, `photodna:abc`, `nohash:${ref.md5}`]);
    expect(res.status).toBe(1);
    expect(res.lines[0]).toMatchObject({ query: ref.pdq, checked: ['pdq'] });
    expect(res.lines[0].matches[0]).toMatchObject({ algorithm: 'pdq', hash: ref.pdq, distance: 0 });
    expect(res.lines[1]).toMatchObject({ query: ref.md5, checked: ['md5'], matches: [expect.objectContaining({ algorithm: 'md5', hash: ref.md5 })] });
    expect(res.lines[2]).toMatchObject({ query: ref.sha1, checked: ['sha1'], matches: [] }); // the list has no SHA-1 values
    expect(res.lines[3]).toMatchObject({ checked: ['md5'], matches: [expect.objectContaining({ hash: ref.md5 })] }); // 32 digits: MD5
    expect(res.lines[4].error.message).toMatch(/md5 value has 64 hex digits, expected 32/);
    expect(res.lines[5].error.message).toMatch(/PhotoDNA/);
    expect(res.lines[6].error.message).toMatch(/unknown hash type 'nohash'/);
    // --algorithm takes any case and the synonyms import knows; a value of another type is an error line
    const typed = await run(['match', '--db', db, '--algorithm', 'MD5', ref.md5, `pdq:${ref.pdq}`]);
    expect(typed.lines[0].matches[0]).toMatchObject({ algorithm: 'md5' });
    expect(typed.lines[1].error.message).toMatch(/says pdq but --algorithm is md5/);
    expect((await run(['match', '--db', db, '--algorithm', 'crc32', ref.md5])).status).toBe(2);
  });

  it('matches MD5 by equality and refuses a threshold for it', async () => {
    const md5 = REF.get('wizard.jpg')!.md5;
    const res = await run(['match', '--db', db, '--algorithm', 'md5', md5, 'd41d8cd98f00b204e9800998ecf8427e']);
    expect(res.status).toBe(0);
    expect(res.lines[0].matches).toEqual([expect.objectContaining({ hash: md5, distance: 0 })]);
    expect(res.lines[1].matches).toEqual([]);
    expect((await run(['match', '--db', db, '--algorithm', 'md5', '--threshold', '3', md5])).status).toBe(2);
  });

  it("uses blockhash's default threshold: blockhash-surviving edits of the base match it, unrelated good-quality images never match each other", async () => {
    const blockhash = signalTypeByName('blockhash')!;
    const all = [...REF.keys()];
    const res = await run(['match', '--db', db, '--algorithm', 'blockhash', ...all.map((f) => REF.get(f)!.blockhash16)]);
    expect(res.status).toBe(0);
    const base = REF.get('base-900x700.jpg')!.blockhash16;
    all.forEach((f, i) => {
      const hits: string[] = res.lines[i].matches.map((m: { hash: string }) => m.hash);
      const d = distance(REF.get(f)!.blockhash16, base);
      if (f.startsWith('mod-') && d <= blockhash.defaultThreshold) expect(hits).toContain(base);
      // every hit is the image itself, the base of a modification, or a flat (quality 0) image's twin
      for (const h of hits) {
        const owner = KNOWN.find((k) => REF.get(k)!.blockhash16 === h)!;
        const related = owner === f || (f.startsWith('mod-') && owner === 'base-900x700.jpg');
        const flat = Number(REF.get(f)!.pdq_quality) < 50 && Number(REF.get(owner)!.pdq_quality) < 50;
        expect(related || flat, `${f} matched ${owner}`).toBe(true);
      }
    });
    // the edits blockhash is meant to survive are within the default threshold
    for (const m of ['mod-jpeg40.jpg', 'mod-resize50.jpg', 'mod-bright.jpg', 'mod-watermark.jpg', 'mod-crop5.jpg']) {
      expect(distance(REF.get(m)!.blockhash16, base)).toBeLessThanOrEqual(blockhash.defaultThreshold);
    }
  });

  it('matches rotated and mirrored copies through the variants `hash --dihedral` records carry, with or without --dihedral', async () => {
    const files = [path.join(IMAGES, 'mod-rot90.jpg'), path.join(IMAGES, 'mod-mirror.jpg')];
    const base = REF.get('base-900x700.jpg')!.pdq;
    const withoutVariants = await run(['hash', '--algorithms', 'pdq', ...files]);
    const plain = await run(['match', '--db', db, '--stdin'], { input: withoutVariants.stdout });
    expect(plain.lines).toHaveLength(2);
    for (const line of plain.lines) expect(line.matches.map((m: { hash: string }) => m.hash)).not.toContain(base);
    const hashed = await run(['hash', '--dihedral', '--algorithms', 'pdq', ...files]);
    expect(hashed.status).toBe(0);
    for (const flags of [[], ['--dihedral']]) {
      const res = await run(['match', '--db', db, '--stdin', ...flags], { input: hashed.stdout });
      expect(res.status).toBe(0);
      expect(res.lines).toHaveLength(2);
      for (const line of res.lines) {
        const hit = line.matches.find((m: { hash: string }) => m.hash === base);
        expect(hit, `${line.path} ${flags.join(' ')}`).toBeDefined();
        expect(['rot90', 'rot270', 'flipX', 'flipY']).toContain(hit.variant);
      }
    }
    // --dihedral insists on variants: a record without them is an error line
    const missing = await run(['match', '--db', db, '--stdin', '--dihedral'], { input: withoutVariants.stdout });
    expect(missing.status).toBe(1);
    expect(missing.lines[0].error.message).toMatch(/variants/);
    // variants cannot come from a bare hash
    expect((await run(['match', '--db', db, '--dihedral', base])).status).toBe(2);
    const bare = await run(['match', '--db', db, '--stdin', '--dihedral'], { input: `${base}\n` });
    expect(bare.status).toBe(1);
    expect(bare.lines[0].error.message).toMatch(/no dihedral variants/);
  });

  it('matches a pillarboxed copy through the content inside its borders carried by `hash --regions` records', async () => {
    const image = path.join(IMAGES, 'mod-letterbox.jpg');
    const base = REF.get('base-900x700.jpg')!.pdq;
    const plainHash = await run(['hash', '--algorithms', 'pdq', image]);
    expect(Object.keys(plainHash.lines[0])).not.toContain('pdqRegions');
    const plain = await run(['match', '--db', db, '--stdin'], { input: plainHash.stdout });
    expect(plain.lines[0].matches.map((m: { hash: string }) => m.hash)).not.toContain(base);
    const hashed = await run(['hash', '--regions', '--algorithms', 'pdq', image]);
    expect(hashed.status).toBe(0);
    // the reference value is unchanged; the regions are an extra field
    expect(hashed.lines[0].pdq).toBe(plainHash.lines[0].pdq);
    expect(Object.keys(hashed.lines[0].pdqRegions)).toContain('content');
    const res = await run(['match', '--db', db, '--stdin'], { input: hashed.stdout });
    expect(res.status).toBe(0);
    const hit = res.lines[0].matches.find((m: { hash: string }) => m.hash === base);
    expect(hit).toMatchObject({ variant: 'content' });
    expect(hit.distance).toBeLessThanOrEqual(31);
    // a record whose content region is not a hash is an error line, the rest goes on
    const broken = JSON.stringify({ ...hashed.lines[0], pdqRegions: { content: 'xyz' } });
    const mixed = await run(['match', '--db', db, '--stdin'], { input: `${broken}\n${hashed.stdout}` });
    expect(mixed.status).toBe(1);
    expect(mixed.lines[0].error.message).toMatch(/region content is not a pdq hash/);
    expect(mixed.lines[1].matches.some((m: { hash: string }) => m.hash === base)).toBe(true);
    expect((await run(['hash', '--regions', '--algorithms', 'md5', image])).status).toBe(2);
  });

  it('exports a list that re-imports into a fresh index identically', async () => {
    for (const format of ['csv', 'ndjson']) {
      const exported = await run(['index', 'export', '--list', 'known', '--format', format, '--db', db]);
      expect(exported.status).toBe(0);
      const file = path.join(dir, `export.${format}`);
      writeFileSync(file, exported.stdout);
      const other = path.join(dir, `other-${format}.db`);
      const imported = await run(['index', 'import', file, '--list', 'known', '--db', other]);
      expect(imported.stderr).toBe('');
      expect(imported.status).toBe(0);
      expect((await run(['index', 'export', '--list', 'known', '--format', format, '--db', other])).stdout).toBe(exported.stdout);
    }
    expect((await run(['index', 'export', '--list', 'nope', '--db', db])).status).toBe(2);
  });

  it('verifies a clean index, reports a damaged one, removes lists', async () => {
    const ok = await run(['index', 'verify', '--db', db]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ok/);
    const damaged = path.join(dir, 'damaged.db');
    expect((await run(['index', 'import', listFile, '--list', 'k', '--db', damaged])).status).toBe(0);
    const raw = new Database(damaged);
    raw.prepare('DELETE FROM bands_pdq WHERE bk = (SELECT min(bk) FROM bands_pdq)').run();
    raw.close();
    const bad = await run(['index', 'verify', '--json', '--db', damaged]);
    expect(bad.status).toBe(1);
    expect(bad.lines[0].ok).toBe(false);
    expect(bad.lines[0].problems.join('\n')).toMatch(/missing from band 0/);

    const removed = await run(['index', 'remove', '--list', 'mixed', '--db', db]);
    expect(removed.status).toBe(0);
    expect((await run(['index', 'remove', '--list', 'mixed', '--db', db])).status).toBe(2);
    const stats = (await run(['index', 'stats', '--json', '--db', db])).lines[0];
    expect(stats.lists.map((l: { name: string }) => l.name)).toEqual(['known']);
    expect((await run(['index', 'verify', '--db', db])).status).toBe(0);
  });

  it('says where the index is missing', async () => {
    const res = await run(['match', '--db', path.join(dir, 'absent.db'), REF.get('base-900x700.jpg')!.pdq]);
    expect(res.status).toBe(2); // nothing could be looked up: a usage error, as for every command
    expect(res.stderr).toMatch(/no index at/);
    expect((await run(['match', '--db', db])).status).toBe(2); // no query at all
  });
});

describe('hashtriage match and the sightings of earlier scans', () => {
  let dir: string;
  let db: string;
  const known = REF.get('base-900x700.jpg')!.pdq;
  // a value no list knows: every bit of the known hash flipped
  const unknown = hexToWords(known, 256)!.map((w) => ~w >>> 0);
  const unknownHex = signalTypeByName('pdq')!.format(unknown);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-seen-'));
    db = path.join(dir, 'index.db');
    const list = path.join(dir, 'known.csv');
    writeFileSync(list, `pdq,category\n${known},A1\n`);
    expect((await run(['index', 'import', list, '--list', 'known', '--db', db])).status).toBe(0);
    const store = openSightings(defaultSightingsPath(db))!;
    try {
      const seenAt = new Date(0).toISOString();
      store.record('scan-1', [
        { signal: 'pdq', value: hexToWords(known, 256)!, quality: 100, path: 'case/a.jpg', seenAt },
        { signal: 'pdq', value: unknown, quality: 100, path: 'case/b.jpg', seenAt },
      ]);
    } finally {
      store.close();
    }
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const lists = (line: Record<string, any>): string[][] => line.matches.map((m: any) => m.entries.map((e: any) => e.list));

  it('reports known lists only: what earlier scans saw is not a match', async () => {
    const res = await run(['match', '--db', db, known, unknownHex]);
    expect(res.status).toBe(0);
    expect(res.lines).toHaveLength(2);
    expect(res.lines[0].matches.map((m: any) => m.hash)).toEqual([known]);
    expect(lists(res.lines[0])).toEqual([['known']]);
    expect(res.lines[1].matches).toEqual([]);
    expect(res.lines[0].seen).toBeUndefined();
  });

  it('reports sightings of earlier scans apart, as "seen", with --include-seen', async () => {
    const res = await run(['match', '--include-seen', '--db', db, known, unknownHex]);
    expect(res.status).toBe(0);
    expect(lists(res.lines[0])).toEqual([['known']]);
    expect(res.lines[0].seen).toEqual([{ algorithm: 'pdq', hash: known, distance: 0, scan: 'scan-1', path: 'case/a.jpg', firstSeenAt: new Date(0).toISOString() }]);
    expect(res.lines[1].matches).toEqual([]);
    expect(res.lines[1].seen).toEqual([{ algorithm: 'pdq', hash: unknownHex, distance: 0, scan: 'scan-1', path: 'case/b.jpg', firstSeenAt: new Date(0).toISOString() }]);
  });

  it('--include-seen without a sightings store beside the index gives empty "seen" arrays; a named one that is missing is exit 2', async () => {
    const alone = path.join(dir, 'alone.db');
    copyFileSync(db, alone);
    const res = await run(['match', '--include-seen', '--db', alone, known]);
    expect(res.status).toBe(0);
    expect(res.lines[0].seen).toEqual([]);
    const misspelt = await run(['match', '--include-seen', '--sightings', path.join(dir, 'none.db'), '--db', db, known]);
    expect(misspelt.status).toBe(2);
    expect(misspelt.stderr).toMatch(/no sightings store at .*none\.db/);
  });
});
