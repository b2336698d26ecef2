/**
 * The hostile corpus (scripts/make-hostile-corpus.ts) through the real CLI: no run crashes or aborts,
 * every file, row and entry comes out once, as a result or as an error with its code and file:line.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHostileCorpus, type HostileCorpus } from '../scripts/make-hostile-corpus.js';
import { runCli } from './support/cli.js';

let work: string;
let corpus: HostileCorpus;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ht-hostile-'));
  corpus = await makeHostileCorpus(work);
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const cli = (args: string[]) => runCli(args, { cwd: work });

function expectNoCrash(stderr: string): void {
  expect(stderr).not.toMatch(/INTERNAL|Maximum call stack|heap out of memory|\n\s+at /);
}

function lines(text: string): Array<Record<string, any>> {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, any>);
}

describe('hostile corpus', () => {
  it('hash: every file has one line, with the expected outcome, and the run exits 1', async () => {
    const run = await cli(['hash', 'images']);
    expectNoCrash(run.stderr);
    expect(run.status).toBe(1);
    const out = lines(run.stdout);
    const got = Object.fromEntries(out.map((l) => [l.path, l.ok ? 'ok' : l.error.code]));
    expect(out).toHaveLength(corpus.hash.length);
    expect(got).toEqual(Object.fromEntries(corpus.hash.map((c) => [c.file, c.outcome])));
    for (const l of out) expect(l.md5, l.path).toMatch(/^[0-9a-f]{32}$/);
  }, 120_000);

  it('scan: each manifest completes, its bad rows are file:line problems, its files are items', async () => {
    for (const c of corpus.manifests) {
      const out = path.join('out', path.basename(c.manifest));
      const run = await cli(['scan', '--manifest', c.manifest, '--out', out, '--no-index', '--no-sightings', '--json']);
      expectNoCrash(run.stderr);
      const summary = JSON.parse(run.stdout) as Record<string, any>;
      const items = lines(readFileSync(path.join(work, out, 'items.ndjson'), 'utf8'));
      const failed = items.some((i) => !i.ok);
      expect(run.status, c.manifest).toBe(Object.keys(c.problems).length > 0 || failed ? 1 : 0);
      expect(summary.completed).toBe(true);
      expect(summary.reports, c.manifest).toBe(c.reports);
      const rows = (summary.problems as Array<{ source: string; code: string }>).filter((p) => /:\d+$/.test(p.source));
      const problems = Object.fromEntries(rows.map((p) => [p.source.replace(/^manifests\//, ''), p.code]));
      expect(problems, c.manifest).toEqual(c.problems);
      const outcomes = Object.fromEntries(items.map((i) => [i.path.replace(/^manifests\//, ''), i.ok ? 'ok' : i.error.code]));
      expect(outcomes, c.manifest).toEqual(c.items);
      for (const file of ['report.html', 'bundles.csv', 'bundles.ndjson', 'items.ndjson']) {
        const text = readFileSync(path.join(work, out, file), 'utf8');
        for (const raw of c.mustNotContainRaw ?? []) expect(text.includes(raw), `${c.manifest} ${file} ${JSON.stringify(raw)}`).toBe(false);
      }
    }
  }, 300_000);

  it('index import: each list imports its good rows and rejects the bad ones by file:line, or is refused whole with the reason', async () => {
    for (const c of corpus.lists) {
      const name = path.basename(c.list);
      const run = await cli(['index', 'import', c.list, '--list', name, '--db', 'lists.db', '--json']);
      expectNoCrash(run.stderr);
      expect(run.status, c.list).toBe(c.status);
      if (c.refused !== undefined) {
        expect(run.stderr).toContain(c.refused);
        continue;
      }
      const summary = JSON.parse(run.stdout) as Record<string, any>;
      expect(summary.added, c.list).toBe(c.added);
      expect(summary.rejected, c.list).toBe(Object.keys(c.rejected).length);
      const rejected = run.stderr.split('\n').filter((l) => l.startsWith('lists/'));
      expect(rejected).toHaveLength(Object.keys(c.rejected).length);
      for (const [where, message] of Object.entries(c.rejected)) expect(rejected.find((l) => l.startsWith(`lists/${where}: `)), `${c.list} ${where}`).toContain(message);
    }
    expect(existsSync(path.join(work, 'lists.db'))).toBe(true);
  }, 300_000);
});
