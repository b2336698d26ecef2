/**
 * The audit log as an examiner checks it: a scan prints the log's head; `audit verify` confirms an
 * intact chain, names the first altered line, with the kept head detects lines cut off the end, and
 * finds output files changed since they were written; a resumed scan over an altered log says so and
 * exits 1.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

let dir: string;
let out: string;
let head: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-audit-'));
  mkdirSync(path.join(dir, 'media'));
  copyFileSync(path.resolve('fixtures/conformance/images/rose-210x138.png'), path.join(dir, 'media', 'rose.png'));
  out = path.join(dir, 'out');
  const scan = await runCli(['scan', path.join(dir, 'media'), '--out', out, '--no-index', '--no-sightings']);
  expect(scan.status, scan.stderr).toBe(0);
  head = /audit log head: ([0-9a-f]{64})/.exec(scan.stdout)![1];
  const json = await runCli(['scan', path.join(dir, 'media'), '--out', path.join(dir, 'out-json'), '--no-index', '--no-sightings', '--json']);
  expect(JSON.parse(json.stdout).audit).toEqual({ auditHead: expect.stringMatching(/^[0-9a-f]{64}$/), auditBroken: null });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const log = () => path.join(out, 'audit.ndjson');

describe('hashtriage audit verify', () => {
  it('confirms an intact log and the head the scan printed', async () => {
    const res = await runCli(['audit', 'verify', out, '--head', head]);
    expect(res.status).toBe(0);
    expect(res.stdout).toBe(`ok: ${readFileSync(log(), 'utf8').trim().split('\n').length} entries, chain intact; head ${head}\n`);
    const json = JSON.parse((await runCli(['audit', 'verify', log(), '--json'])).stdout);
    expect(json).toMatchObject({ ok: true, head, problem: null });
  });

  it('names the first altered line, and a resumed scan over it says so and exits 1', async () => {
    const copy = path.join(dir, 'tampered');
    mkdirSync(copy);
    for (const f of ['audit.ndjson', 'case.db']) copyFileSync(path.join(out, f), path.join(copy, f));
    const lines = readFileSync(path.join(copy, 'audit.ndjson'), 'utf8').split('\n');
    lines[2] = lines[2].replace('"event":"', '"event":"x');
    writeFileSync(path.join(copy, 'audit.ndjson'), lines.join('\n'));
    const res = await runCli(['audit', 'verify', copy]);
    expect(res.status).toBe(1);
    expect(res.stdout).toMatch(/^BROKEN: .*audit\.ndjson line 4: prev does not match the hash of line 3/);
  });

  it('with the kept head, detects lines cut off the end', async () => {
    const cut = path.join(dir, 'cut.ndjson');
    const lines = readFileSync(log(), 'utf8').trim().split('\n');
    writeFileSync(cut, `${lines.slice(0, -2).join('\n')}\n`);
    // the chain alone cannot show it, but a finished scan's log ends with scan_ended
    const alone = await runCli(['audit', 'verify', cut]);
    expect(alone.status).toBe(1);
    expect(alone.stdout).toMatch(/line \d+: the log ends with errors, not scan_ended: the scan did not finish .*or lines were cut off the end of the log/);
    const res = await runCli(['audit', 'verify', cut, '--head', head]);
    expect(res.status).toBe(1);
    expect(res.stdout).toMatch(/lines were cut off its end/);
  });

  it('given the output folder, finds an output file changed or removed since the scan wrote it', async () => {
    const copy = path.join(dir, 'edited');
    mkdirSync(copy);
    for (const f of ['audit.ndjson', 'bundles.csv', 'bundles.ndjson', 'items.ndjson', 'manifest.json', 'report.html']) copyFileSync(path.join(out, f), path.join(copy, f));
    expect((await runCli(['audit', 'verify', copy])).status).toBe(0);
    writeFileSync(path.join(copy, 'bundles.csv'), `${readFileSync(path.join(copy, 'bundles.csv'), 'utf8')}"extra","row"\r\n`);
    rmSync(path.join(copy, 'report.html'));
    const res = await runCli(['audit', 'verify', copy]);
    expect(res.status).toBe(1);
    expect(res.stdout).toMatch(/bundles\.csv changed since the scan wrote it.*report\.html is missing/);
  });

  it('a missing log or a malformed head is a usage error', async () => {
    expect((await runCli(['audit', 'verify', path.join(dir, 'nowhere')])).status).toBe(2);
    expect((await runCli(['audit', 'verify', out, '--head', 'XYZ'])).status).toBe(2);
  });

  it('a scan that was killed before it finished is not reported as intact', async () => {
    const killed = path.join(dir, 'killed.ndjson');
    writeFileSync(killed, `${readFileSync(log(), 'utf8').trim().split('\n')[0]}\n`);
    const res = await runCli(['audit', 'verify', killed, '--json']);
    expect(res.status).toBe(1);
    expect(JSON.parse(res.stdout)).toMatchObject({ ok: false, entries: 1, problem: { line: 1, message: expect.stringMatching(/^the log ends with scan_started, not scan_ended/) } });
  });
});
