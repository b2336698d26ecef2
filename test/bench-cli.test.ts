/**
 * `hashtriage bench` as an analyst runs it (the real CLI in child processes, tiny sizes so it is quick):
 * the table and the "expect N lookups per second" sentences, the JSON report's fields, measuring the
 * user's own index read-only, and exit codes. No timing assertions: rates are only checked to be rates.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomCodes } from '../src/bench/hamming-workload.js';
import { wordsToHex } from '../src/hashing/bits.js';
import { runCli } from './support/cli.js';

function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return runCli(['bench', ...args], { env });
}

const QUICK = ['--rounds', '2', '--queries', '30'];

describe('hashtriage bench', () => {
  let dir: string;
  let db: string;
  const known = 1500;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-bench-cli-'));
    // the user's index, built the way users build one: a PDQ list imported with `index import`
    const codes = randomCodes(known, 11);
    const lines = Array.from({ length: known }, (_, i) => wordsToHex(codes.subarray(i * 8, i * 8 + 8), 256));
    const list = path.join(dir, 'known.txt');
    writeFileSync(list, `${lines.map((h) => `pdq:${h}`).join('\n')}\n`);
    db = path.join(dir, 'index.db');
    const res = await runCli(['index', 'import', list, '--list', 'known', '--db', db]);
    expect(res.status).toBe(0);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a table and, per size, what to expect in lookups per second', async () => {
    const res = await run(['--sizes', '1000,3000', ...QUICK]);
    expect(res.stderr).toBe(''); // progress only on a terminal
    expect(res.status).toBe(0);
    const rows = res.stdout.split('\n').filter((l) => /^\| [\d,]+ /.test(l));
    expect(rows.map((r) => r.split('|')[1].trim())).toEqual(['1,000', '3,000']);
    for (const r of rows) {
      const cells = r.split('|').slice(1, -1).map((c) => c.trim());
      expect(cells).toHaveLength(7);
      expect(cells.slice(1, 4).every((c) => /^[\d,]+$/.test(c) && c !== '0')).toBe(true); // lookups per second
      expect(cells.slice(4, 6).every((c) => /^\d+(\.\d+)?×$/.test(c))).toBe(true); // × brute force
      expect(cells[6]).toMatch(/^\d+\.\d+ s$/);
    }
    expect(res.stdout).toMatch(/^At 1,000 hashes, expect about [\d,]+ lookups per second in memory \([\d.]+× brute force\) and [\d,]+ per second through SQLite/m);
    expect(res.stdout).toMatch(/^At 3,000 hashes, expect about/m);
    expect(res.stdout).toMatch(/^Every answer was identical to the brute-force scan \([\d,]+ queries compared\)\.$/m);
  });

  it('--json prints one document with the machine, parameters and per-size rates', async () => {
    const res = await run(['--sizes', '2000', '--radius', '16', '--mix', 'hit-heavy', '--json', ...QUICK]);
    expect(res.status).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const r = JSON.parse(lines[0]);
    expect(r.machine).toMatchObject({ cores: expect.any(Number), node: process.version, cpu: expect.any(String) });
    expect(r.parameters).toMatchObject({ radius: 16, mix: 'hit-heavy', rounds: 2, maxQueriesPerRound: 30 });
    expect(r.exact).toBe(true);
    expect(r.sizes).toHaveLength(1);
    const s = r.sizes[0];
    expect(s).toMatchObject({ count: 2000, source: 'generated', exact: true, mismatches: [] });
    for (const p of [s.memory, s.sqlite, s.bruteForce]) {
      expect(p.lookupsPerSecond).toBeGreaterThan(0);
      expect(p.cpuLookupsPerSecond).toBeGreaterThan(0);
      expect(p.min).toBeLessThanOrEqual(p.max);
      expect(p.queriesPerRound).toBeGreaterThanOrEqual(1);
      expect(p.queriesPerRound).toBeLessThanOrEqual(30);
    }
    expect(s.bruteForce.speedup).toBe(1);
    expect(s.importSeconds).toBeGreaterThan(0);
    expect(s.loadSeconds).toBeGreaterThan(0);
    expect(s.comparedQueries).toBeGreaterThan(0);
  });

  it('--db measures the user index without writing to it', async () => {
    const before = readFileSync(db);
    const mtime = statSync(db).mtimeMs;
    const res = await run(['--db', db, '--json', ...QUICK]);
    expect(res.status).toBe(0);
    const r = JSON.parse(res.stdout);
    expect(r.sizes).toHaveLength(1);
    expect(r.sizes[0]).toMatchObject({ count: known, source: 'db', importSeconds: null, exact: true });
    expect(readFileSync(db).equals(before)).toBe(true);
    expect(statSync(db).mtimeMs).toBe(mtime);
    const text = await run(['--db', db, ...QUICK]);
    expect(text.stdout).toMatch(/\| 1,500 \(your index\) \|/);
  });

  it('exits 2 for bad usage and for an index it cannot use, saying why on stderr', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['--sizes', '0'], 2, /--sizes/],
      [['--sizes', '1000,abc'], 2, /--sizes/],
      [['--radius', '257'], 2, /--radius/],
      [['--radius', ''], 2, /--radius/],
      [['--queries', '0x10'], 2, /--queries/],
      [['--mix', 'random'], 2, /--mix/],
      [['--sizes', '1000', '--db', db], 2, /not both/],
      [['--db', path.join(dir, 'missing.db')], 2, /no index at .*missing\.db/],
    ];
    for (const [args, status, message] of cases) {
      const res = await run(args);
      expect(res.status, args.join(' ')).toBe(status);
      expect(res.stderr).toMatch(message);
      expect(res.stdout).toBe('');
    }
    const notIndex = path.join(dir, 'not-an-index.db');
    writeFileSync(notIndex, 'hello');
    const res = await run(['--db', notIndex]);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/not-an-index\.db/);
  });

  it('exits 2 for an index without PDQ values', async () => {
    const list = path.join(dir, 'md5.txt');
    writeFileSync(list, 'md5:0123456789abcdef0123456789abcdef\n');
    const md5Only = path.join(dir, 'md5.db');
    expect((await runCli(['index', 'import', list, '--list', 'md5', '--db', md5Only])).status).toBe(0);
    const res = await run(['--db', md5Only]);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/holds no PDQ values/);
  });

  it('--accuracy measures recall of transformed copies of the pictures in a folder, per method, and says which it left out', async () => {
    const pictures = path.join(dir, 'pictures');
    mkdirSync(pictures);
    const images = path.resolve('fixtures/conformance/images');
    for (const f of ['base-900x700.jpg', 'plasma-a-300x200.jpg', 'wizard.jpg', 'solid-grey-200.png']) copyFileSync(path.join(images, f), path.join(pictures, f));
    writeFileSync(path.join(pictures, 'broken.png'), 'not a picture');
    const res = await run(['--accuracy', pictures, '--json']);
    // the flat grey picture (quality too low for PDQ) and the broken file are left out, and said so
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/skipped broken\.png/);
    expect(res.stderr).toMatch(/skipped solid-grey-200\.png: PDQ quality/);
    const report = JSON.parse(res.stdout);
    expect(report.originals.map((o: { name: string }) => o.name).sort()).toEqual(['base-900x700.jpg', 'plasma-a-300x200.jpg', 'wizard.jpg']);
    const parts = report.results as Array<{ pictures: number; methods: Record<string, { recallAtDefault: Record<string, number> }> }>;
    expect(parts.reduce((n, p) => n + p.pictures, 0)).toBe(3);
    for (const part of parts.filter((p) => p.pictures > 0)) {
      // a re-encoded copy is found by plain PDQ; a turned one only through the dihedral variants; a letterboxed one through its content
      expect(part.methods.pdq.recallAtDefault.jpeg40).toBe(1);
      expect(part.methods.pdq.recallAtDefault.rot180).toBe(0);
      expect(part.methods['pdq-dihedral'].recallAtDefault.rot180).toBe(1);
      expect(part.methods['pdq-content'].recallAtDefault.letterbox).toBe(1);
    }
    const usage = await run(['--accuracy', path.join(dir, 'nowhere')]);
    expect(usage.status).toBe(2);
    expect((await run(['--accuracy', pictures, '--sizes', '1000'])).status).toBe(2);
  }, 120_000);
});
