/**
 * The rows of one import written together: each signal type's values resolved to ids in one pass
 * (ValueStore.hashIds, new values in byte order), then the entries written in id order with multi-row
 * statements, so every index of the entries table appends. A row counts as added when at least one of
 * its entries (or opaque values) is new, as a duplicate otherwise: the outcome row-at-a-time INSERT OR
 * IGNORE gave, found without a statement per row.
 */
import type Database from 'better-sqlite3';
import type { SignalType } from '../hashing/signal-type.js';
import type { ValueStore } from './value-store.js';
import { orderByKey } from './value-order.js';
import { sha256Prefix } from './sha256.js';
import type { EntryMeta, ImportRow } from './types.js';

/** Entries written per multi-row statement. */
const ENTRY_ROWS = 32;
const ENTRY_COLUMNS = 'hash_id, list_id, meta_key, category, severity, scheme, series, victim_identified, external_id, added_at, note, quality, imported_at';
/** One entry's values: list and import time are the same for every row of an import, bound once per statement. */
const ENTRY_PLACEHOLDERS = '(?, @list, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, @at)';
const ENTRY_PARAMS = 11;

/** Counts of one written batch. */
export interface BatchOutcome {
  readonly added: number;
  readonly duplicate: number;
}

/** Validated rows of one list gathered until flush writes them (inside the caller's write transaction). */
export class EntryBatch {
  private rows: ImportRow[] = [];
  private metaKeys: Buffer[] = [];
  private readonly insertEntries = new Map<string, { many: Database.Statement; one: Database.Statement; exists: Database.Statement }>();
  private readonly insertOpaque: Database.Statement;

  constructor(
    private readonly store: ValueStore,
    private readonly listId: number,
    private readonly importedAt: string,
  ) {
    this.insertOpaque = store.db.prepare(
      `INSERT OR IGNORE INTO opaque (list_id, kind, value, meta_key, category, severity, scheme, series, victim_identified, external_id, added_at, note, imported_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Rows gathered since the last flush. */
  get size(): number {
    return this.rows.length;
  }

  /** Gathers one row that rowProblem found valid. */
  add(row: ImportRow): void {
    this.rows.push(row);
    this.metaKeys.push(entryMetaKey(row.meta));
  }

  /** Writes the gathered rows and forgets them. */
  flush(): BatchOutcome {
    const rows = this.rows;
    const rowAdded = new Uint8Array(rows.length);
    for (const signal of this.store.signals) this.writeEntries(signal, rows, rowAdded);
    for (let r = 0; r < rows.length; r++) {
      const opaque = rows[r].opaque;
      if (!opaque) continue;
      const m = rows[r].meta;
      for (const [kind, value] of Object.entries(opaque)) {
        const res = this.insertOpaque.run(this.listId, kind, value, this.metaKeys[r], m.category ?? null, m.severity ?? null, m.scheme ?? null, m.series ?? null, boolToInt(m.victimIdentified), m.externalId ?? null, m.addedAt ?? null, m.note ?? null, this.importedAt);
        if (res.changes > 0) rowAdded[r] = 1;
      }
    }
    let added = 0;
    for (let r = 0; r < rows.length; r++) added += rowAdded[r];
    this.rows = [];
    this.metaKeys = [];
    return { added, duplicate: rows.length - added };
  }

  /** Writes the entries of one signal type's values in `rows`, marking the rows that gained one. */
  private writeEntries(signal: SignalType, rows: readonly ImportRow[], rowAdded: Uint8Array): void {
    const words = signal.bits / 32;
    let count = 0;
    for (const row of rows) for (const h of row.hashes) if (h.signal === signal.name) count++;
    if (count === 0) return;
    const values = new Uint32Array(count * words);
    const qualities = new Int32Array(count);
    const rowOf = new Uint32Array(count);
    let k = 0;
    for (let r = 0; r < rows.length; r++) {
      for (const h of rows[r].hashes) {
        if (h.signal !== signal.name) continue;
        values.set(h.value, k * words);
        const q = signal.source === 'pixels' ? rows[r].meta.quality : null;
        qualities[k] = q === null || q === undefined ? -1 : q;
        rowOf[k] = r;
        k++;
      }
    }
    const { ids, existed } = this.store.hashIds(signal, values, qualities, count);
    const st = this.entryStatements(signal);
    // in id order (file order among entries of one value): the entries' indexes append
    const order = orderByKey(count, (i) => ids[i]);
    // OR FAIL (no ON CONFLICT IGNORE): an entry this batch believed new but the table holds fails the import
    // (nothing lands); FAIL rather than the default ABORT, which would need a statement journal
    const params: unknown[] = [];
    const named = { list: this.listId, at: this.importedAt };
    // metadata keys of the entries met so far for the current value, once it repeats (a list may give one
    // value in thousands of rows: comparing each with all before it would be quadratic)
    let keysOfValue: Set<string> | null = null;
    for (let i = 0; i < count; i++) {
      const e = order[i];
      const r = rowOf[e];
      const key = this.metaKeys[r];
      // an entry exists already when an earlier position of this batch has the same value and metadata, or
      // (for a value stored before this batch) when the table has it
      let duplicate = false;
      if (i > 0 && ids[order[i - 1]] === ids[e]) {
        keysOfValue ??= new Set([this.metaKeys[rowOf[order[i - 1]]].toString('latin1')]);
        const text = key.toString('latin1');
        duplicate = keysOfValue.has(text);
        keysOfValue.add(text);
      } else keysOfValue = null;
      if (!duplicate && existed[e] === 1) duplicate = st.exists.get(ids[e], this.listId, key) !== undefined;
      if (duplicate) continue;
      rowAdded[r] = 1;
      const m = rows[r].meta;
      params.push(ids[e], key, m.category ?? null, m.severity ?? null, m.scheme ?? null, m.series ?? null, boolToInt(m.victimIdentified), m.externalId ?? null, m.addedAt ?? null, m.note ?? null, qualities[e] >= 0 ? qualities[e] : null);
      if (params.length === ENTRY_PARAMS * ENTRY_ROWS) {
        st.many.run(params, named);
        params.length = 0;
      }
    }
    for (let p = 0; p < params.length; p += ENTRY_PARAMS) st.one.run(params.slice(p, p + ENTRY_PARAMS), named);
  }

  private entryStatements(signal: SignalType): { many: Database.Statement; one: Database.Statement; exists: Database.Statement } {
    let st = this.insertEntries.get(signal.name);
    if (!st) {
      const table = this.store.tablesOf(signal).entries;
      st = {
        many: this.store.db.prepare(`INSERT OR FAIL INTO ${table} (${ENTRY_COLUMNS}) VALUES ${new Array(ENTRY_ROWS).fill(ENTRY_PLACEHOLDERS).join(', ')}`),
        one: this.store.db.prepare(`INSERT INTO ${table} (${ENTRY_COLUMNS}) VALUES ${ENTRY_PLACEHOLDERS}`),
        exists: this.store.db.prepare(`SELECT 1 FROM ${table} WHERE hash_id = ? AND list_id = ? AND meta_key = ?`).pluck(),
      };
      this.insertEntries.set(signal.name, st);
    }
    return st;
  }
}

/**
 * Digest of an entry's metadata: two rows of one list with the same value and the same digest are the
 * same entry. Severity is left out (it is derived from the category by policy), so is the row's set of
 * other values (an exported row per value re-imports as duplicates).
 */
export function entryMetaKey(meta: EntryMeta): Buffer {
  const text = `${field(meta.category)}${field(meta.series)}${field(meta.victimIdentified)}${field(meta.externalId)}${field(meta.addedAt)}${field(meta.note)}${field(meta.quality)}`;
  // lists repeat a few metadata combinations: a small memo is enough; an external id makes a row's
  // metadata unique (a lookup would always miss)
  if (meta.externalId !== null && meta.externalId !== undefined) return sha256Prefix(text, 16);
  let key = META_KEYS.get(text);
  if (!key) {
    key = sha256Prefix(text, 16);
    if (META_KEYS.size >= 4096) META_KEYS.clear();
    META_KEYS.set(text, key);
  }
  return key;
}

const META_KEYS = new Map<string, Buffer>();

/** One metadata field in the meta-key text: type tag, length, value (unambiguous for any content). */
function field(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return 'n;';
  if (typeof v === 'string') return `s${v.length}:${v};`;
  return `${typeof v === 'number' ? 'i' : 'b'}${String(v)};`;
}

function boolToInt(v: boolean | null | undefined): number | null {
  return v === true ? 1 : v === false ? 0 : null;
}
