/**
 * Recognising an earlier scan's output folder (src/pipeline/case-db.ts isCaseDatabase, src/files/walk.ts
 * `marked`): without writing into the folder inspected, on raw path bytes, and reported once.
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { walkPaths } from '../src/files/walk.js';
import { isCaseDatabase } from '../src/pipeline/case-db.js';
import { runCli } from './support/cli.js';

let work: string;
beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'ht-earlier-output-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** An SQLite file in WAL mode, closed cleanly (no -wal or -shm left), with a case database's tables or another program's. */
function walDatabase(file: string, caseLike: boolean): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  if (caseLike) {
    db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); CREATE TABLE items (key TEXT PRIMARY KEY);
             INSERT INTO meta VALUES ('params', '{}'), ('scan_label', 'x')`);
  } else db.exec('CREATE TABLE cases (id INTEGER PRIMARY KEY)');
  db.close();
}

/** A finished scan's output folder at `out` (a scan of an empty folder). */
async function earlierScan(out: string): Promise<void> {
  const empty = path.join(work, 'empty');
  mkdirSync(empty, { recursive: true });
  const res = await runCli(['scan', empty, '--out', out, '--no-index']);
  expect(res.status, res.stderr).toBe(0);
}

describe('isCaseDatabase', () => {
  it("writes nothing into the folder it inspects (another program's WAL-mode case.db among evidence)", () => {
    const folder = path.join(work, 'evidence', 'phone');
    mkdirSync(folder, { recursive: true });
    walDatabase(path.join(folder, 'case.db'), false);
    expect(isCaseDatabase(Buffer.from(path.join(folder, 'case.db')))).toBe(false);
    expect(readdirSync(folder)).toEqual(['case.db']);
  });

  it('recognises a scan output in a folder whose name is not UTF-8, reading its bytes and writing nothing', async () => {
    await earlierScan(path.join(work, 'o1'));
    const folder = Buffer.concat([Buffer.from(path.join(work, 'caf')), Buffer.from([0xe9])]);
    renameSync(path.join(work, 'o1'), folder);
    const before = readdirSync(folder).sort();
    expect(isCaseDatabase(Buffer.concat([folder, Buffer.from('/case.db')]))).toBe(true);
    expect(readdirSync(folder).sort()).toEqual(before);
  });

  it('recognises an output folder of a version whose case database had no application id by its manifest.json', () => {
    const folder = path.join(work, 'old-output');
    mkdirSync(folder);
    walDatabase(path.join(folder, 'case.db'), true);
    const file = Buffer.from(path.join(folder, 'case.db'));
    expect(isCaseDatabase(file)).toBe(false); // an interrupted scan of that version (no outputs yet) is not recognised
    writeFileSync(path.join(folder, 'manifest.json'), JSON.stringify({ format: 'hashtriage-scan-output/1' }));
    expect(isCaseDatabase(file)).toBe(true);
    writeFileSync(path.join(folder, 'manifest.json'), JSON.stringify({ format: 'another-tool/1' }));
    expect(isCaseDatabase(file)).toBe(false);
  });
});

describe('walkPaths marked folders', () => {
  it('reports a left-out folder once, and not at all when it is itself one of the inputs', async () => {
    mkdirSync(path.join(work, 'in', 'o1'), { recursive: true });
    writeFileSync(path.join(work, 'in', 'o1', 'case.db'), 'marker');
    const left: string[] = [];
    const skip = { marked: { name: 'case.db', confirm: () => true, onLeftOut: (d: string) => left.push(d) } };
    const cwd = process.cwd();
    process.chdir(work);
    try {
      expect((await walkPaths(['in', 'in'], skip)).map((e) => e.path)).toEqual([]);
      expect(new Set(left)).toEqual(new Set(['in/o1']));
      left.length = 0;
      const walked = await walkPaths(['in', 'in/o1'], skip);
      expect(walked.map((e) => e.path)).toEqual(['in/o1/case.db']);
      expect(left).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('scan of a folder holding earlier output', () => {
  it('names each left-out folder once, even when the same input is given twice', async () => {
    await earlierScan(path.join(work, 'in', 'o1'));
    writeFileSync(path.join(work, 'in', 'note.txt'), 'evidence');
    const res = await runCli(['scan', 'in', 'in', '--out', 'later', '--no-index', '--json'], { cwd: work });
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ files: 1, leftOutFolders: ['in/o1'] });
    expect(res.stderr.match(/left out in\/o1/g)).toHaveLength(1);
  });
});
