/**
 * Severity is decided when a scan (or match) runs, from the label the index keeps and the severity policy
 * in force: an edited policy changes the queue without importing the lists again, the manifest records
 * the policy's SHA-256, a resume with another policy is refused saying what changed, and an index written
 * before schemes were stored is upgraded and still rated from its labels.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knownMatcher } from '../src/index-store/entry-reads.js';
import { openIndex } from '../src/index-store/open-index.js';
import { openIndexConnection } from '../src/index-store/store.js';
import { loadSeverityPolicy, rateCategory } from '../src/policy/severity.js';
import { SCHEMA_VERSION } from '../src/index-store/schema.js';
import { signalTypeByName } from '../src/hashing/signals.js';
import { jsonLines, runCli } from './support/cli.js';

const IMAGES = path.resolve('fixtures/conformance/images');
const REF = new Map(
  readFileSync('fixtures/conformance/expected.tsv', 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'))
    .map((c) => [c[0], { md5: c[8], pdq: c[3] }] as const),
);
const SHIPPED = JSON.parse(readFileSync('policy/severity.json', 'utf8')) as { schemes: Record<string, { labels: Record<string, unknown> }> };

describe('severity from the policy in force at scan time', () => {
  let dir: string;
  const cli = (args: string[]) => runCli(args, { cwd: dir });
  const bundlesOf = (out: string) => jsonLines(readFileSync(path.join(dir, out, 'bundles.ndjson'), 'utf8'));
  const bundleOf = (out: string, file: string) => bundlesOf(out).find((b) => b.paths.some((p: string) => p.endsWith(file)))!;
  const points = (b: Record<string, any>) => Object.fromEntries(b.reasons.map((r: { signal: string; points: number }) => [r.signal, r.points]));
  const writePolicy = (name: string, edit: (doc: typeof SHIPPED) => void): string => {
    const doc = structuredClone(SHIPPED);
    edit(doc);
    writeFileSync(path.join(dir, name), JSON.stringify(doc, null, 2));
    return name;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-severity-'));
    mkdirSync(path.join(dir, 'media'));
    copyFileSync(path.join(IMAGES, 'rose-210x138.png'), path.join(dir, 'media', 'rose.png'));
    copyFileSync(path.join(IMAGES, 'wizard.jpg'), path.join(dir, 'media', 'wizard.jpg'));
    // no scheme given: A1 is inferred as NCMEC, 0 as Project VIC
    writeFileSync(path.join(dir, 'list.csv'), `md5,category\n${REF.get('rose-210x138.png')!.md5},A1\n${REF.get('wizard.jpg')!.md5},0\n`);
    const imported = await cli(['index', 'import', 'list.csv', '--list', 'national', '--db', 'index.db']);
    expect(imported.status).toBe(0);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('with the shipped policy: category names next to the label, Project VIC 0 weighed as known but uncategorised', async () => {
    const res = await cli(['scan', 'media', '--out', 'out-shipped', '--db', 'index.db', '--no-sightings']);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const rose = bundleOf('out-shipped', 'rose.png');
    expect(rose.knownMatches[0]).toMatchObject({ category: 'A1', categoryName: 'prepubescent minor, sex act', scheme: 'ncmec', severity: 1 });
    expect(points(rose)).toEqual({ known_match: 30, known_severity: 40 });
    const wizard = bundleOf('out-shipped', 'wizard.jpg');
    expect(wizard.knownMatches[0]).toMatchObject({ category: '0', categoryName: 'known, uncategorised', scheme: 'projectvic', severity: null });
    expect(points(wizard)).toEqual({ known_match: 30, known_severity: 5 }); // its own weight, not the 10 of an unranked label
    expect(wizard.reasons.find((r: { signal: string }) => r.signal === 'known_severity').detail).toMatch(/^known but uncategorised: 0 \(known, uncategorised\) in list national/);
    const csv = readFileSync(path.join(dir, 'out-shipped', 'bundles.csv'), 'utf8');
    expect(csv).toContain('national: A1 (prepubescent minor, sex act; severity 1)');
    expect(csv).toContain('national: 0 (known, uncategorised; not rated yet)');
    const html = readFileSync(path.join(dir, 'out-shipped', 'report.html'), 'utf8');
    expect(html).toContain('national: A1 (prepubescent minor, sex act; severity 1)');
    const manifest = JSON.parse(readFileSync(path.join(dir, 'out-shipped', 'manifest.json'), 'utf8'));
    expect(manifest.severityPolicy).toEqual({ source: 'policy/severity.json (shipped default)', sha256: sha256('policy/severity.json') });
  });

  it('an edited severity policy changes the queue without importing the list again', async () => {
    const edited = writePolicy('edited.json', (doc) => {
      doc.schemes.ncmec.labels.A1 = { severity: 3, name: 'A1 as our unit rates it' };
    });
    const res = await cli(['scan', 'media', '--out', 'out-edited', '--db', 'index.db', '--no-sightings', '--severity-policy', edited]);
    expect(res.status).toBe(0);
    const rose = bundleOf('out-edited', 'rose.png');
    expect(rose.knownMatches[0]).toMatchObject({ category: 'A1', categoryName: 'A1 as our unit rates it', severity: 3 });
    expect(points(rose)).toEqual({ known_match: 30, known_severity: 15 });
    const manifest = JSON.parse(readFileSync(path.join(dir, 'out-edited', 'manifest.json'), 'utf8'));
    expect(manifest.severityPolicy).toEqual({ source: edited, sha256: sha256(path.join(dir, edited)) });
    // the queue follows the policy in force: 30 + 15 for the re-rated A1, 30 + 5 for the uncategorised file
    expect(bundlesOf('out-edited').map((b) => b.score)).toEqual([45, 35]);
  });

  it('non-pertinent labels come from the policy in force', async () => {
    const innocent = writePolicy('innocent.json', (doc) => {
      doc.schemes.ncmec.labels.A1 = { severity: null, pertinent: false, name: 'cleared by our unit' };
    });
    const res = await cli(['scan', 'media', '--out', 'out-innocent', '--db', 'index.db', '--no-sightings', '--severity-policy', innocent]);
    expect(res.status).toBe(0);
    const rose = bundleOf('out-innocent', 'rose.png');
    expect(points(rose)).toEqual({ known_non_pertinent: -10 });
    expect(rose.tier).toBe('P4 backlog');
    // a known-innocent match alone is not "known" content: its own status, apart in every count
    expect(rose.status).toBe('known_non_pertinent');
    expect(bundleOf('out-innocent', 'wizard.jpg').status).toBe('known');
    expect(res.stdout).toContain('known matches: 1 file (and 1 known non-pertinent only)');
    const csv = readFileSync(path.join(dir, 'out-innocent', 'bundles.csv'), 'utf8');
    expect(csv.split('\n').find((l) => l.includes(rose.id))).toContain(',"known_non_pertinent",');
    const html = readFileSync(path.join(dir, 'out-innocent', 'report.html'), 'utf8');
    expect(html).toContain('<option value="known_non_pertinent">known non-pertinent only</option>');
    const manifest = JSON.parse(readFileSync(path.join(dir, 'out-innocent', 'manifest.json'), 'utf8'));
    expect(manifest.counts).toMatchObject({ filesWithKnownMatch: 1, filesWithNonPertinentMatchOnly: 1, bundlesKnown: 1, bundlesKnownNonPertinent: 1, bundlesUnknown: 0 });
    const audit = jsonLines(readFileSync(path.join(dir, 'out-innocent', 'audit.ndjson'), 'utf8'));
    expect(audit.find((e) => e.event === 'files_processed')!.data).toMatchObject({ withKnownMatch: 1, withNonPertinentMatchOnly: 1 });
    // the severity policy used is named where the priority policy is
    expect(audit.find((e) => e.event === 'severity_policy_used')!.data).toEqual({ source: innocent, sha256: sha256(path.join(dir, innocent)) });
    expect(html).toContain(`severity policy ${innocent} <span class="mono">${sha256(path.join(dir, innocent)).slice(0, 16)}</span>`);
  });

  it('a resume with another severity policy is a usage error that says which policy changed', async () => {
    const res = await cli(['scan', 'media', '--out', 'out-shipped', '--db', 'index.db', '--no-sightings', '--resume', '--severity-policy', 'edited.json']);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/started with different option severityPolicy: the severity policy \(--severity-policy\) changed \(started with SHA-256 [0-9a-f]{12}…, now SHA-256 [0-9a-f]{12}…\)/);
  });

  it('an unusable severity policy is a usage error naming the file, and nothing is created', async () => {
    writeFileSync(path.join(dir, 'broken.json'), '{"schemes": {"x": {"labels": {"A": 0}}}}');
    for (const [file, message] of [
      ['broken.json', /severity policy broken\.json: schemes\.x\.labels\.A: must be an integer rank/],
      ['missing.json', /severity policy missing\.json: cannot read/],
    ] as const) {
      const res = await cli(['scan', 'media', '--out', 'out-bad-policy', '--db', 'index.db', '--severity-policy', file]);
      expect(res.status).toBe(2);
      expect(res.stderr).toMatch(message);
      expect(existsSync(path.join(dir, 'out-bad-policy'))).toBe(false);
      expect((await cli(['match', '--db', 'index.db', '--severity-policy', file, 'md5:' + '0'.repeat(32)])).status).toBe(2);
    }
    expect(existsSync(path.join(dir, 'index.sightings.db'))).toBe(false);
  });

  it('match rates entries with --severity-policy too', async () => {
    const md5 = REF.get('rose-210x138.png')!.md5;
    const shipped = jsonLines((await cli(['match', '--db', 'index.db', `md5:${md5}`])).stdout)[0];
    expect(shipped.matches[0].entries[0]).toMatchObject({ category: 'A1', categoryName: 'prepubescent minor, sex act', scheme: 'ncmec', severity: 1 });
    const edited = jsonLines((await cli(['match', '--db', 'index.db', '--severity-policy', 'edited.json', `md5:${md5}`])).stdout)[0];
    expect(edited.matches[0].entries[0]).toMatchObject({ category: 'A1', severity: 3 });
  });

  it('a list imported with a scheme the policy in force lacks: unranked, and the scan says so', async () => {
    writeFileSync(path.join(dir, 'explicit.csv'), `md5,category\n${REF.get('rose-210x138.png')!.md5},A1\n`);
    expect((await cli(['index', 'import', 'explicit.csv', '--list', 'ours', '--scheme', 'ncmec', '--db', 'explicit.db'])).status).toBe(0);
    const without = writePolicy('no-ncmec.json', (doc) => {
      delete doc.schemes.ncmec;
      (doc as { infer?: string[] }).infer = ['caid', 'projectvic'];
    });
    const res = await cli(['scan', 'media', '--out', 'out-no-ncmec', '--db', 'explicit.db', '--no-sightings', '--severity-policy', without, '--json']);
    expect(res.status).toBe(0);
    expect(res.stderr).toBe(
      'hashtriage scan: list ours was imported with category scheme "ncmec", which the severity policy in force does not define: their categories are unranked (add the scheme to the policy, or give --severity-policy)\n',
    );
    expect(JSON.parse(res.stdout).unknownSchemes).toEqual([{ scheme: 'ncmec', lists: ['ours'] }]);
    expect(bundleOf('out-no-ncmec', 'rose.png').knownMatches[0]).toMatchObject({ category: 'A1', scheme: null, severity: null, categoryName: null });
  });

  it('an index written before schemes were stored is read as it is on read-only storage, else upgraded, and rated from its labels, not its stored ranks', async () => {
    const file = path.join(dir, 'old.db');
    writeFileSync(path.join(dir, 'old.csv'), `md5,category\n${REF.get('rose-210x138.png')!.md5},A1\n`);
    writeFileSync(path.join(dir, 'old.json'), JSON.stringify({ value: [{ Media: [{ MD5: REF.get('wizard.jpg')!.md5, Category: 2 }] }] }));
    expect((await cli(['index', 'import', 'old.csv', '--list', 'csvlist', '--db', 'old.db'])).status).toBe(0);
    expect((await cli(['index', 'import', 'old.json', '--list', 'vicslist', '--db', 'old.db'])).status).toBe(0);
    // as the earlier version left it: no scheme column, ranks of an older policy in the rows
    const raw = new Database(file);
    for (const t of ['entries_md5', 'entries_sha1', 'entries_sha256', 'entries_pdq', 'entries_blockhash', 'opaque']) raw.exec(`ALTER TABLE ${t} DROP COLUMN scheme`);
    raw.exec(`UPDATE entries_md5 SET severity = 9; PRAGMA user_version = 2;`);
    raw.close();
    // on read-only storage it cannot be upgraded: it is read as it is, VICS rows as Project VIC
    const md5 = signalTypeByName('md5')!;
    const asIs = openIndexConnection(file, true);
    try {
      const hits = knownMatcher(asIs).matchValues(md5, [md5.parse(REF.get('rose-210x138.png')!.md5)!, md5.parse(REF.get('wizard.jpg')!.md5)!]);
      expect(hits.map((h) => h.matches[0].entries[0])).toMatchObject([
        { list: 'csvlist', category: 'A1', severity: 9, scheme: null },
        { list: 'vicslist', category: '2', scheme: 'projectvic' },
      ]);
      expect(rateCategory(loadSeverityPolicy(), 'A1', null)).toMatchObject({ severity: 1, scheme: 'ncmec' }); // the stored 9 is not used
    } finally {
      asIs.close();
    }
    const res = await cli(['scan', 'media', '--out', 'out-old', '--db', 'old.db', '--no-sightings']);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(bundleOf('out-old', 'rose.png').knownMatches[0]).toMatchObject({ list: 'csvlist', scheme: 'ncmec', severity: 1 });
    expect(bundleOf('out-old', 'wizard.jpg').knownMatches[0]).toMatchObject({ list: 'vicslist', category: '2', scheme: 'projectvic', severity: 4 });
    const store = openIndex(file, { readonly: true });
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const hits = knownMatcher(store).matchValues(md5, [md5.parse(REF.get('wizard.jpg')!.md5)!]);
      expect(hits[0].matches[0].entries[0]).toMatchObject({ list: 'vicslist', scheme: 'projectvic' }); // VICS rows were always Project VIC
    } finally {
      store.close();
    }
  });
});

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
