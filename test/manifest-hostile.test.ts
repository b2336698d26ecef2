/**
 * Report manifests as a careless or hostile sender writes them must not corrupt the queue: a reporter
 * type is not a reporter, text that is not UTF-8 is refused before anything is created, a row of the
 * wrong width is not read with shifted columns, a value of the wrong kind is not turned into a path, and
 * every warning says what it does and does it.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../src/pipeline/manifest.js';
import { runCli } from './support/cli.js';

const ROOT = '/case';
const IMAGE = path.resolve('fixtures/conformance/images/gradient-400x300.png');

let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'ht-manifest-hostile-'));
  mkdirSync(path.join(work, 'ev'));
  copyFileSync(IMAGE, path.join(work, 'ev', 'rose.png'));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Scans `ev` with the manifest `text` written as `name`; the run and its bundles. */
async function scan(name: string, text: string | Buffer, out: string) {
  writeFileSync(path.join(work, name), text);
  const run = await runCli(['scan', 'ev', '--manifest', name, '--out', out, '--no-index', '--no-sightings', '--json'], { cwd: work });
  let bundles: Array<Record<string, unknown>> = [];
  try {
    bundles = readFileSync(path.join(work, out, 'bundles.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  } catch {
    // no output
  }
  return { run, bundles };
}

describe('a reporter type is not a reporter', () => {
  it.each(['complainant_type', 'reporter_type', 'Reporter Type'])('%s is not read as the reporter', (column) => {
    const csv = [`report_id,${column},file`, 'R1,parent,ev/a.png', 'R2,parent,ev/a.png'].join('\n');
    const { reports } = parseManifest(csv, 'm.csv', ROOT);
    expect(reports.map((r) => r.reporter)).toEqual([null, null]);
  });

  it('still reads a reporter column beside a type column', () => {
    const csv = ['report_id,complainant_type,complainant,file', 'R1,parent,Ann,ev/a.png'].join('\n');
    expect(parseManifest(csv, 'm.csv', ROOT).reports[0].reporter).toBe('Ann');
  });

  it('counts four reports of one picture whose only reporter column is a type as four anonymous reporters', async () => {
    const rows = ['R1', 'R2', 'R3', 'R4'].map((id) => `${id},parent,ev/rose.png`);
    const { run, bundles } = await scan('types.csv', ['report_id,complainant_type,file', ...rows].join('\n'), 'out-types');
    expect(run.status, run.stderr).toBe(0);
    expect(bundles).toHaveLength(1);
    expect(bundles[0]).toMatchObject({ distinctReporters: 4, reporters: ['(anonymous)'] });
    expect((bundles[0].reasons as Array<{ signal: string }>).map((r) => r.signal)).toContain('new_content_many_reporters');
  });
});

describe('a manifest that is not UTF-8 text', () => {
  const tsv = 'report_id\treporter\tfile\r\nT1\ta\tev/rose.png\r\n';
  it.each([
    ['UTF-16 with a byte-order mark (Excel "Unicode Text")', 'u16.txt', Buffer.from(`\ufeff${tsv}`, 'utf16le'), /manifest u16\.txt: UTF-16 text; save it as UTF-8/],
    ['UTF-16LE without a byte-order mark', 'u16le.txt', Buffer.from(tsv, 'utf16le'), /manifest u16le\.txt: UTF-16 text \(no byte-order mark\); save it as UTF-8/],
    ['UTF-16BE without a byte-order mark', 'u16be.txt', Buffer.from(tsv, 'utf16le').swap16(), /manifest u16be\.txt: UTF-16 text \(no byte-order mark\); save it as UTF-8/],
  ])('%s is refused up front (exit 2) and nothing is created', async (_, name, bytes, message) => {
    const out = `out-${name}`;
    const { run } = await scan(name, bytes, out);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/INTERNAL/);
    expect(existsSync(path.join(work, out))).toBe(false);
  });

  it('a NUL byte in a path cell of a UTF-8 manifest is a row warning with file:line, and the rest is read', async () => {
    const csv = 'report_id,reporter,file\nT1,a,ev/ro\u0000se.png\nT2,b,ev/rose.png\n';
    const parsed = parseManifest(csv, 'nul.csv', ROOT);
    expect(parsed.errors).toEqual([expect.objectContaining({ source: 'nul.csv:2', code: 'BAD_ROW', message: expect.stringMatching(/^report T1: file .* contains a NUL byte/) })]);
    expect(parsed.fileRefs.map((f) => f.reportId)).toEqual(['T2']);

    const { run, bundles } = await scan('nul.csv', csv, 'out-nul');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/nul\.csv:2: BAD_ROW: report T1: file "ev\/ro<U\+0000>se\.png" contains a NUL byte/);
    expect(run.stderr).not.toMatch(/INTERNAL/);
    expect(bundles.some((b) => (b.reportIds as string[]).includes('T2') && (b.paths as string[]).includes('ev/rose.png'))).toBe(true);
  });
});
