/**
 * Reads of a value store's tables that the matchers need: ids of given values, values and qualities of
 * given ids, and the packed codes of a 256-bit type for loading into memory. Read-only.
 */
import { HashtriageError } from '../errors.js';
import { bytesToWords, wordsToBytes } from '../hashing/bits.js';
import type { SignalType } from '../hashing/signal-type.js';
import { wrongValueLength } from './damaged.js';
import type { IdCodes } from './id-blobs.js';
import { readChunks } from './value-chunks.js';
import type { ValueStore } from './value-store.js';

/** A hit id's stored value and quality. */
export interface StoredValue {
  readonly value: Uint32Array;
  readonly quality: number | null;
}

/** Ids of stored values equal to the given ones (same order; null when absent). */
export function idsOfValues(store: ValueStore, signal: SignalType, values: readonly Uint32Array[]): Array<number | null> {
  const stmt = store.stmt(`SELECT id FROM ${store.tablesOf(signal).hashes} WHERE value = ?`).pluck();
  return values.map((v) => (stmt.get(wordsToBytes(v)) as number | undefined) ?? null);
}

/** Values and qualities of the given ids (missing ids are absent from the map); a damaged value throws the damaged-index error. */
export function valuesOf(store: ValueStore, signal: SignalType, ids: readonly number[]): Map<number, StoredValue> {
  const out = new Map<number, StoredValue>();
  if (ids.length === 0) return out;
  const table = store.tablesOf(signal).hashes;
  const bytes = signal.bits / 8;
  const stmt = store.stmt(`SELECT id, value, quality FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`);
  for (const r of stmt.all(JSON.stringify(ids)) as Array<{ id: number; value: Buffer; quality: number | null }>) {
    if (r.value.byteLength !== bytes) throw wrongValueLength(store.db, table, r.id, r.value, bytes);
    out.set(r.id, { value: bytesToWords(r.value), quality: r.quality });
  }
  return out;
}

/**
 * Ids and codes of a 256-bit signal type's values with id > afterId, ascending (read from the packed
 * chunk table in one read transaction), and the ids whose quality is below the type's minMatchQuality.
 */
export function loadCodes(store: ValueStore, signal: SignalType, afterId = 0): IdCodes & { lowQualityIds: Uint32Array } {
  const t = store.tablesOf(signal);
  if (!t.bands) throw new HashtriageError('USAGE', `${signal.name} is not a 256-bit Hamming signal type`);
  const db = store.db;
  const read = db.transaction(() => {
    const base = readChunks(db, t.hashes, afterId);
    const minQ = signal.source === 'pixels' ? signal.minMatchQuality : 0;
    const low = minQ > 0 ? (store.stmt(`SELECT id FROM ${t.hashes} WHERE id > ? AND quality < ? ORDER BY id`).pluck().all(afterId, minQ) as number[]) : [];
    return { ...base, lowQualityIds: Uint32Array.from(low) };
  });
  return read();
}
