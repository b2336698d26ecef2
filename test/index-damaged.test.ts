/**
 * An index whose stored rows were damaged outside hashtriage (a value of the wrong length for its type,
 * a text value, a packed chunk whose blobs disagree): `index verify` names every damaged row and exits 1,
 * `match` (one query, and a batch large enough for the in-memory path) stops with a clear message naming
 * the row and `index verify` instead of a buffer error, and `index export` leaves the damaged entry out,
 * says so and exits 1. Also: an unexpected error a command reports shows its stack under HASHTRIAGE_DEBUG.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hex, randomCode, rng } from './support/random-codes.js';
import { runCli } from './support/cli.js';

const COUNT = 80;
const BUFFER_ERROR = /outside buffer bounds|out of range|is not a function/i;

describe('a damaged index', () => {
  let dir: string;
  let pristine: string;
  const pdqs: string[] = [];
  const md5s: string[] = [];
  let n = 0;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-damaged-'));
    const next = rng(4242);
    const lines = ['pdq,md5'];
    for (let i = 0; i < COUNT; i++) {
      pdqs.push(hex(randomCode(next)));
      md5s.push(hex(randomCode(next)).slice(0, 32));
      lines.push(`${pdqs[i]},${md5s[i]}`);
    }
    writeFileSync(path.join(dir, 'list.csv'), `${lines.join('\n')}\n`);
    pristine = path.join(dir, 'pristine.db');
    const res = await runCli(['index', 'import', path.join(dir, 'list.csv'), '--list', 'known', '--db', pristine]);
    expect(res.status).toBe(0);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A fresh copy of the index with `sql` run on it; returns its path. */
  function damaged(sql: string): string {
    const db = path.join(dir, `d${n++}.db`);
    copyFileSync(pristine, db);
    const conn = new Database(db);
    conn.exec(sql);
    conn.close();
    return db;
  }

  /** The id the pristine index gives a value of a table. */
  function idOf(table: string, value: string): number {
    const conn = new Database(pristine, { readonly: true });
    try {
      return conn.prepare(`SELECT id FROM ${table} WHERE value = ?`).pluck().get(Buffer.from(value, 'hex')) as number;
    } finally {
      conn.close();
    }
  }

  it('index verify names each value of the wrong length (table, id, length, expected) and exits 1', async () => {
    const pdqId = idOf('hashes_pdq', pdqs[7]);
    const md5Id = idOf('hashes_md5', md5s[3]);
    const db = damaged(`UPDATE hashes_pdq SET value = x'00' WHERE id = ${pdqId}; UPDATE hashes_md5 SET value = x'0102' WHERE id = ${md5Id};`);
    const res = await runCli(['index', 'verify', '--db', db]);
    expect(res.stderr).not.toMatch(BUFFER_ERROR);
    expect(res.stdout).not.toContain('ok: database intact');
    expect(res.stdout).toContain(`problem: hashes_pdq id ${pdqId} holds a 1-byte value where 32 bytes belong`);
    expect(res.stdout).toContain(`problem: hashes_md5 id ${md5Id} holds a 2-byte value where 16 bytes belong`);
    expect(res.status).toBe(1);
    const json = await runCli(['index', 'verify', '--json', '--db', db]);
    const report = JSON.parse(json.stdout) as { ok: boolean; problems: string[] };
    expect(report.ok).toBe(false);
    expect(json.status).toBe(1);
  });

  it('index verify reports a text value and a packed chunk whose codes do not fit its ids', async () => {
    const pdqId = idOf('hashes_pdq', pdqs[0]);
    const textDb = damaged(`UPDATE hashes_pdq SET value = '${pdqs[0].slice(0, 32)}' WHERE id = ${pdqId};`);
    const text = await runCli(['index', 'verify', '--db', textDb]);
    expect(text.stdout).toContain(`problem: hashes_pdq id ${pdqId} holds a text value where 32 bytes belong`);
    expect(text.status).toBe(1);
    const chunkDb = damaged(`UPDATE chunks_pdq SET codes = x'00' WHERE chunk = 0;`);
    const chunk = await runCli(['index', 'verify', '--db', chunkDb]);
    expect(chunk.stderr).not.toMatch(BUFFER_ERROR);
    expect(chunk.stdout).toContain(`problem: chunks_pdq chunk 0 holds a 1-byte value of codes for ${COUNT} ids, where ${COUNT * 32} bytes belong`);
    expect(chunk.status).toBe(1);
  });

  it('match stops with a message naming the damaged row and index verify, exit 2, on the SQLite and in-memory paths', async () => {
    const pdqId = idOf('hashes_pdq', pdqs[5]);
    const db = damaged(`UPDATE hashes_pdq SET value = x'00' WHERE id = ${pdqId};`);
    const expected = `hashes_pdq id ${pdqId} holds a 1-byte value where 32 bytes belong`;
    // one query: the SQLite band path reads the candidate's value
    const one = await runCli(['match', '--db', db, `pdq:${pdqs[5]}`]);
    expect(one.stderr).not.toMatch(BUFFER_ERROR);
    expect(one.stderr).toContain(`the index ${db} is damaged: ${expected}`);
    expect(one.stderr).toContain(`hashtriage index verify --db ${db}`);
    expect(one.status).toBe(2);
    // every value as a query: a batch that loads the in-memory index, then reads the hits' stored values
    const batch = await runCli(['match', '--db', db, '--stdin'], { input: `${pdqs.map((v) => `pdq:${v}`).join('\n')}\n` });
    expect(batch.stderr).not.toMatch(BUFFER_ERROR);
    expect(batch.stderr).toContain(expected);
    expect(batch.status).toBe(2);
    // a damaged packed chunk: the in-memory load names it
    const chunkDb = damaged(`UPDATE chunks_pdq SET ids = x'010203' WHERE chunk = 0;`);
    const chunk = await runCli(['match', '--db', chunkDb, '--stdin'], { input: `${pdqs.map((v) => `pdq:${v}`).join('\n')}\n` });
    expect(chunk.stderr).not.toMatch(BUFFER_ERROR);
    expect(chunk.stderr).toContain(`the index ${chunkDb} is damaged: chunks_pdq chunk 0 holds a 3-byte value of ids`);
    expect(chunk.status).toBe(2);
  });

  it('an undamaged value still matches on an index with a damaged one elsewhere (exact types)', async () => {
    const md5Id = idOf('hashes_md5', md5s[3]);
    const db = damaged(`UPDATE hashes_md5 SET value = x'0102' WHERE id = ${md5Id};`);
    const res = await runCli(['match', '--db', db, `md5:${md5s[4]}`]);
    expect(res.status).toBe(0);
    expect(JSON.parse(res.stdout).matches).toHaveLength(1);
  });

  it('index import adds to an index holding a value too short to have a prefix (it cannot equal a new value)', async () => {
    const md5Id = idOf('hashes_md5', md5s[3]);
    const db = damaged(`UPDATE hashes_md5 SET value = x'01' WHERE id = ${md5Id};`);
    const more = path.join(dir, 'more.csv');
    writeFileSync(more, `md5\n${'0'.repeat(31)}9\n${md5s[4]}\n`);
    const res = await runCli(['index', 'import', more, '--list', 'more', '--db', db]);
    expect(res.stderr).not.toMatch(BUFFER_ERROR);
    expect(res.stdout).toBe('more (csv): 2 added, 0 duplicate, 0 rejected\n');
    expect(res.status).toBe(0);
  });

  it('index export leaves each damaged entry out, names it on stderr, writes no row without a hash and exits 1', async () => {
    const md5Id = idOf('hashes_md5', md5s[3]);
    const pdqId = idOf('hashes_pdq', pdqs[9]);
    const db = damaged(`UPDATE hashes_md5 SET value = x'0102' WHERE id = ${md5Id}; UPDATE hashes_pdq SET value = x'00' WHERE id = ${pdqId};`);
    const res = await runCli(['index', 'export', '--db', db]);
    expect(res.stderr).toContain(`list known: a md5 entry left out: hashes_md5 id ${md5Id} holds a 2-byte value where 16 bytes belong`);
    expect(res.stderr).toContain(`list known: a pdq entry left out: hashes_pdq id ${pdqId} holds a 1-byte value where 32 bytes belong`);
    expect(res.stderr).toContain('2 entries with a damaged value left out');
    expect(res.status).toBe(1);
    const [header, ...rows] = res.stdout.trim().split('\n');
    const cols = header.split(',');
    const md5Col = cols.indexOf('md5');
    const pdqCol = cols.indexOf('pdq');
    expect(rows).toHaveLength(2 * COUNT - 2);
    for (const row of rows) {
      const cells = row.split(',');
      expect(cells[md5Col] !== '' || cells[pdqCol] !== '').toBe(true);
    }
    expect(rows.some((r) => r.includes(md5s[3]) || r.includes(pdqs[9]))).toBe(false);
  });
});

describe('an unexpected error a command reports', () => {
  it('shows its stack under HASHTRIAGE_DEBUG=1 and a hint without it; expected errors stay one line', async () => {
    const { reportFailure } = await import('../src/cli/exit.js');
    const { HashtriageError } = await import('../src/errors.js');
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const saved = process.env.HASHTRIAGE_DEBUG;
    try {
      delete process.env.HASHTRIAGE_DEBUG;
      expect(reportFailure('match', new RangeError('kaboom'))).toBe(1);
      expect(written.join('')).toBe('hashtriage match: kaboom (set HASHTRIAGE_DEBUG=1 for details)\n');
      written.length = 0;
      process.env.HASHTRIAGE_DEBUG = '1';
      expect(reportFailure('match', new RangeError('kaboom'))).toBe(1);
      expect(written.join('')).toMatch(/^hashtriage match: kaboom\nRangeError: kaboom\n\s+at /);
      written.length = 0;
      expect(reportFailure('match', new HashtriageError('BAD_INPUT', 'the index is damaged'))).toBe(2);
      expect(written.join('')).toBe('hashtriage match: the index is damaged\n');
    } finally {
      spy.mockRestore();
      if (saved === undefined) delete process.env.HASHTRIAGE_DEBUG;
      else process.env.HASHTRIAGE_DEBUG = saved;
    }
  });
});
