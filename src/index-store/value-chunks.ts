/**
 * A packed copy of a 256-bit signal type's values, for loading them fast: table chunks_S with one row
 * per 4096-id range (chunk c holds ids c·4096+1 … (c+1)·4096) carrying the present ids (little-endian
 * uint32, ascending) and their codes (8 little-endian uint32 words each, word 0 first: the in-memory
 * layout). Reading a million values is ~250 rows instead of a million. Maintained together with the
 * hashes table inside the same transaction; `index verify` checks that both agree.
 */
import type Database from 'better-sqlite3';
import { damagedIndex, describeStored } from './damaged.js';
import { packIds, unpackIds, type IdCodes } from './id-blobs.js';

/** Ids per chunk row. */
export const CHUNK_IDS = 4096;

/** Name of the chunk table that mirrors a hashes table. */
export function chunkTableOf(hashesTable: string): string {
  return hashesTable.replace(/^hashes_/, 'chunks_');
}

/** SQL creating the chunk table of a hashes table. */
export function chunkTableSql(hashesTable: string): string {
  return `CREATE TABLE IF NOT EXISTS ${chunkTableOf(hashesTable)} (chunk INTEGER PRIMARY KEY, ids BLOB NOT NULL, codes BLOB NOT NULL);`;
}

function chunkOf(id: number): number {
  return Math.floor((id - 1) / CHUNK_IDS);
}

/** Groups of consecutive positions of `entries` (ids ascending) that fall in the same chunk. */
function* chunkGroups(entries: IdCodes): Generator<{ chunk: number; from: number; to: number }> {
  let i = 0;
  while (i < entries.count) {
    const chunk = chunkOf(entries.ids[i]);
    let j = i + 1;
    while (j < entries.count && chunkOf(entries.ids[j]) === chunk) j++;
    yield { chunk, from: i, to: j };
    i = j;
  }
}

function codesBlob(codes: Uint32Array): Buffer {
  return packIds(codes); // same little-endian uint32 packing
}

/**
 * Adds (ids ascending, none present yet) or removes values in the chunk table so that it holds exactly
 * the hashes table's values. Call inside the transaction that changes the hashes table.
 */
export function updateChunks(db: Database.Database, hashesTable: string, entries: IdCodes, change: 'add' | 'remove'): void {
  if (entries.count === 0) return;
  const table = chunkTableOf(hashesTable);
  const get = db.prepare(`SELECT ids, codes FROM ${table} WHERE chunk = ?`).raw();
  const put = db.prepare(`INSERT INTO ${table} (chunk, ids, codes) VALUES (?, ?, ?) ON CONFLICT(chunk) DO UPDATE SET ids = excluded.ids, codes = excluded.codes`);
  const del = db.prepare(`DELETE FROM ${table} WHERE chunk = ?`);
  for (const { chunk, from, to } of chunkGroups(entries)) {
    const row = get.get(chunk) as [Buffer, Buffer] | undefined;
    const oldIds = row ? unpackIds(row[0]) : new Uint32Array(0);
    const oldCodes = row ? unpackIds(row[1]) : new Uint32Array(0);
    const ids: number[] = [];
    const codes: number[] = [];
    let i = 0;
    let j = from;
    // merge the old ids with the changed ones (both ascending)
    while (i < oldIds.length || (change === 'add' && j < to)) {
      const takeOld = change === 'remove' || j >= to || (i < oldIds.length && oldIds[i] < entries.ids[j]);
      if (takeOld) {
        const id = oldIds[i];
        while (change === 'remove' && j < to && entries.ids[j] < id) j++;
        if (change === 'remove' && j < to && entries.ids[j] === id) {
          i++;
          continue;
        }
        ids.push(id);
        for (let w = 0; w < 8; w++) codes.push(oldCodes[i * 8 + w]);
        i++;
      } else {
        if (i < oldIds.length && oldIds[i] === entries.ids[j]) i++; // already present: replace
        ids.push(entries.ids[j]);
        for (let w = 0; w < 8; w++) codes.push(entries.codes[j * 8 + w]);
        j++;
      }
    }
    if (ids.length === 0) {
      if (row) del.run(chunk);
    } else put.run(chunk, packIds(Uint32Array.from(ids)), codesBlob(Uint32Array.from(codes)));
  }
}

/**
 * Ids and codes of every value with id > afterId, ascending, read from the chunk table; a chunk row whose
 * blobs disagree (see chunkRowProblem) throws the damaged-index error naming it.
 */
export function readChunks(db: Database.Database, hashesTable: string, afterId = 0): IdCodes {
  const table = chunkTableOf(hashesTable);
  const first = afterId <= 0 ? 0 : chunkOf(afterId + 1);
  const total = db.prepare(`SELECT coalesce(sum(length(ids)) / 4, 0) FROM ${table} WHERE chunk >= ?`).pluck().get(first) as number;
  const ids = new Uint32Array(total);
  const codes = new Uint32Array(total * 8);
  let n = 0;
  for (const row of db.prepare(`SELECT ids, codes, chunk FROM ${table} WHERE chunk >= ? ORDER BY chunk`).raw().iterate(first)) {
    const [idBlob, codeBlob, chunk] = row as [Buffer, Buffer, number];
    const problem = chunkRowProblem(idBlob, codeBlob);
    if (problem !== null) throw damagedIndex(db, `${table} chunk ${chunk} ${problem}`);
    const chunkIds = unpackIds(idBlob);
    const chunkCodes = unpackIds(codeBlob);
    for (let i = 0; i < chunkIds.length; i++) {
      if (chunkIds[i] <= afterId || n >= total) continue;
      ids[n] = chunkIds[i];
      codes.set(chunkCodes.subarray(i * 8, i * 8 + 8), n * 8);
      n++;
    }
  }
  return { ids: ids.subarray(0, n), codes: codes.subarray(0, n * 8), count: n };
}

/** What is wrong with a chunk row's two blobs (ids a whole number of uint32, 32 bytes of codes per id); null when nothing. */
export function chunkRowProblem(ids: unknown, codes: unknown): string | null {
  if (!(ids instanceof Uint8Array) || ids.byteLength % 4 !== 0) return `holds ${describeStored(ids)} of ids where a multiple of 4 bytes belongs`;
  if (!(codes instanceof Uint8Array) || codes.byteLength !== ids.byteLength * 8)
    return `holds ${describeStored(codes)} of codes for ${ids.byteLength / 4} ids, where ${ids.byteLength * 8} bytes belong`;
  return null;
}

/** Differences between the chunk table and the values read from the hashes table (empty when equal; at most `limit`). */
export function verifyChunks(db: Database.Database, hashesTable: string, fromTable: IdCodes, limit = 100): string[] {
  const fromChunks = readChunks(db, hashesTable);
  const problems: string[] = [];
  const table = chunkTableOf(hashesTable);
  if (fromChunks.count !== fromTable.count) problems.push(`${table} holds ${fromChunks.count} values, ${hashesTable} ${fromTable.count}`);
  const n = Math.min(fromChunks.count, fromTable.count);
  for (let i = 0; i < n && problems.length < limit; i++) {
    if (fromChunks.ids[i] !== fromTable.ids[i]) {
      problems.push(`${table} position ${i}: id ${fromChunks.ids[i]}, ${hashesTable} has id ${fromTable.ids[i]}`);
      break;
    }
    for (let w = 0; w < 8; w++) {
      if (fromChunks.codes[i * 8 + w] !== fromTable.codes[i * 8 + w]) {
        problems.push(`${table} id ${fromTable.ids[i]}: value differs from ${hashesTable}`);
        break;
      }
    }
  }
  return problems;
}
