/**
 * What `index stats`, `index verify` and `index export` report: lists with their counts, band bucket
 * sizes, integrity checks, and the entries written out as CSV or NDJSON. Read-only.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { bytesToWords } from '../hashing/bits.js';
import { readIdCodes, SQLITE_LAYOUT, verifyBands } from './band-tables.js';
import type { EntryRow } from './entry-reads.js';
import { indexExists, storedSchemeSql } from './schema.js';
import { schemeWordOf } from '../policy/severity.js';
import type { IndexStore } from './store.js';
import { describeStored, wrongLengthText } from './damaged.js';
import { chunkTableOf, chunkRowProblem, verifyChunks } from './value-chunks.js';
import { csvCell } from '../tabular/csv-write.js';

/** One list as stats and the CLI show it. */
export interface ListInfo {
  readonly name: string;
  readonly kind: 'known';
  readonly importedAt: string;
  readonly sourcePath: string | null;
  readonly fileSha256: string | null;
  readonly format: string | null;
  /** Rows added over all imports of the list (since the last --replace). */
  readonly rowsAdded: number;
  /** Rows rejected by the last import. */
  readonly rowsRejected: number;
  /** Entries per signal type. */
  readonly entries: Readonly<Record<string, number>>;
  readonly opaque: number;
}

/** Counts for one signal type. */
export interface SignalStats {
  readonly signal: string;
  readonly comparison: 'hamming' | 'exact';
  /** Distinct values stored. */
  readonly values: number;
  readonly entries: number;
  /** Values whose quality is below the type's minMatchQuality (kept, not matched by default). */
  readonly lowQuality: number;
  /** Band layout and bucket sizes (banded types only). */
  readonly bands?: {
    readonly count: number;
    readonly widths: readonly number[];
    readonly rows: number;
    readonly bucketMax: number;
    readonly bucketP50: number;
    readonly bucketP90: number;
    readonly bucketP99: number;
  };
}

/** Everything `index stats` reports. */
export interface IndexStats {
  readonly path: string;
  readonly schemaVersion: number;
  /** Bytes of the database file plus its WAL. */
  readonly bytesOnDisk: number;
  readonly lists: readonly ListInfo[];
  readonly signals: readonly SignalStats[];
  readonly opaque: number;
}

/** Result of `verify`: empty `problems` means consistent. */
export interface VerifyReport {
  readonly ok: boolean;
  readonly problems: readonly string[];
  /** Per banded signal type, the number of values checked. */
  readonly checked: Readonly<Record<string, number>>;
}

/** Formats `index export` writes. */
export type ExportFormat = 'csv' | 'ndjson';

/** Columns of the export, after the signal-type columns (CSV header order). */
export const EXPORT_META_COLUMNS = [
  'quality',
  'category',
  'severity',
  'series',
  'victim_identified',
  'external_id',
  'added_at',
  'note',
  'list',
  'scheme',
] as const;


/** All lists with their counts, by name. */
export function listInfos(store: IndexStore): ListInfo[] {
  const rows = store.db
    .prepare(`SELECT id, name, kind, imported_at, source_path, file_sha256, format, rows_added, rows_rejected FROM lists ORDER BY name`)
    .all() as Array<{
    id: number;
    name: string;
    kind: 'known';
    imported_at: string;
    source_path: string | null;
    file_sha256: string | null;
    format: string | null;
    rows_added: number;
    rows_rejected: number;
  }>;
  const perList = new Map<number, Record<string, number>>();
  for (const s of store.signals) {
    const t = store.tablesOf(s);
    for (const r of store.db.prepare(`SELECT list_id, count(*) AS n FROM ${t.entries} GROUP BY list_id`).all() as Array<{ list_id: number; n: number }>) {
      const rec = perList.get(r.list_id) ?? {};
      rec[s.name] = r.n;
      perList.set(r.list_id, rec);
    }
  }
  const opaque = new Map<number, number>();
  for (const r of store.db.prepare(`SELECT list_id, count(*) AS n FROM opaque GROUP BY list_id`).all() as Array<{ list_id: number; n: number }>)
    opaque.set(r.list_id, r.n);
  return rows.map((r) => ({
    name: r.name,
    kind: r.kind,
    importedAt: r.imported_at,
    sourcePath: r.source_path,
    fileSha256: r.file_sha256,
    format: r.format,
    rowsAdded: r.rows_added,
    rowsRejected: r.rows_rejected,
    entries: perList.get(r.id) ?? {},
    opaque: opaque.get(r.id) ?? 0,
  }));
}

/**
 * A digest of the known lists (name, kind, file digest, entry counts): equal digests mean the
 * same list contents were imported. Used to record which index a scan matched against.
 */
export function listsDigest(store: IndexStore): string {
  const parts = listInfos(store)
    .map((l) => [l.name, l.kind, l.fileSha256, l.entries, l.opaque]);
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Lists, counts per signal type, band layout and bucket sizes, size on disk. */
export function indexStats(store: IndexStore): IndexStats {
  const signals: SignalStats[] = [];
  for (const s of store.signals) {
    const t = store.tablesOf(s);
    const values = store.db.prepare(`SELECT count(*) FROM ${t.hashes}`).pluck().get() as number;
    const entries = store.db.prepare(`SELECT count(*) FROM ${t.entries}`).pluck().get() as number;
    const minQ = s.source === 'pixels' ? s.minMatchQuality : 0;
    const lowQuality = minQ > 0 ? (store.db.prepare(`SELECT count(*) FROM ${t.hashes} WHERE quality < ?`).pluck().get(minQ) as number) : 0;
    let bands: SignalStats['bands'];
    if (t.bands) {
      const sizes = Uint32Array.from(
        store.db.prepare(`SELECT length(ids) / 4 FROM ${t.bands}`).pluck().all() as number[],
      ).sort();
      const pct = (p: number) => (sizes.length === 0 ? 0 : sizes[Math.min(sizes.length - 1, Math.floor(p * sizes.length))]);
      bands = {
        count: SQLITE_LAYOUT.count,
        widths: Array.from(SQLITE_LAYOUT.widths),
        rows: sizes.length,
        bucketMax: sizes.length === 0 ? 0 : sizes[sizes.length - 1],
        bucketP50: pct(0.5),
        bucketP90: pct(0.9),
        bucketP99: pct(0.99),
      };
    }
    signals.push({ signal: s.name, comparison: s.comparison, values, entries, lowQuality, ...(bands ? { bands } : {}) });
  }
  const fileBytes = (p: string) => (existsSync(p) ? statSync(p).size : 0);
  return {
    path: store.path,
    schemaVersion: store.db.pragma('user_version', { simple: true }) as number,
    bytesOnDisk: fileBytes(store.path) + fileBytes(`${store.path}-wal`),
    lists: listInfos(store),
    signals,
    opaque: store.db.prepare(`SELECT count(*) FROM opaque`).pluck().get() as number,
  };
}

/** True when a list of that name exists. */
export function hasList(store: IndexStore, name: string): boolean {
  return store.db.prepare(`SELECT 1 FROM lists WHERE name = ?`).get(name) !== undefined;
}

/**
 * The entries (one line per entry, opaque values included) of one list or of every list, as CSV (header
 * first: one column per signal type and opaque kind, then EXPORT_META_COLUMNS) or NDJSON. Lines end in
 * "\n". Re-importing the output gives the same entries. An opaque value (PhotoDNA, source) is written on
 * the lines of the entries it came with (same list and metadata), where it is the only value of its kind
 * for them, so such a line imports again (a line with only an opaque value would be refused); any other
 * opaque value gets a line of its own. Streams from the database; memory grows only by one bit per
 * opaque value. An entry whose stored value is damaged (wrong length for its type) is left out and
 * described to `onDamaged`.
 */
export function* exportLines(
  store: IndexStore,
  format: ExportFormat,
  listName?: string,
  onDamaged: (problem: string) => void = () => {},
): Generator<string> {
  const listFilter = listName === undefined ? '' : 'WHERE l.name = ?';
  const params = listName === undefined ? [] : [listName];
  const opaqueKinds = (
    store.db.prepare(`SELECT DISTINCT o.kind FROM opaque o JOIN lists l ON l.id = o.list_id ${listFilter} ORDER BY o.kind`).pluck().all(...params) as string[]
  ).filter((k) => !store.signal(k));
  const valueColumns = [...store.signals.map((s) => s.name), ...opaqueKinds];
  if (format === 'csv') yield `${[...valueColumns, ...EXPORT_META_COLUMNS].join(',')}\n`;
  const emit = (values: ReadonlyMap<string, string>, r: EntryRow & { quality: number | null }): string => {
    const meta = {
      quality: r.quality,
      category: r.category,
      severity: r.severity,
      series: r.series,
      victim_identified: r.victim_identified === null ? null : r.victim_identified === 1,
      external_id: r.external_id,
      added_at: r.added_at,
      note: r.note,
      list: r.list,
      scheme: schemeWordOf(r.scheme),
    };
    if (format === 'ndjson') {
      const obj: Record<string, unknown> = Object.fromEntries(values);
      for (const [k, v] of Object.entries(meta)) if (v !== null) obj[k] = v;
      return `${JSON.stringify(obj)}\n`;
    }
    const cells = valueColumns.map((c) => csvCell(values.get(c) ?? ''));
    for (const k of EXPORT_META_COLUMNS) cells.push(csvCell(meta[k]));
    return `${cells.join(',')}\n`;
  };
  // Opaque values written with an entry, by id (skipped when the opaque table is listed after the entries).
  const maxOpaqueId = (store.db.prepare(`SELECT max(id) FROM opaque`).pluck().get() as number | null) ?? 0;
  const attached = new Uint8Array((maxOpaqueId >> 3) + 1);
  // Per kind, the first GROUP_VALUES opaque values (id, value) of the entry's list and metadata key,
  // through the index of schema 4 (a seek per line; the planner would otherwise take the (list, kind)
  // index and read every opaque value of the list for each line). The k-th line of a group carries its
  // k-th value; an older index on read-only media lists them on lines of their own instead.
  const kindsOnLine = indexExists(store.db, 'opaque_entry') ? opaqueKinds : [];
  const opaqueOfEntry = kindsOnLine.map(
    (_, k) =>
      `(SELECT json_group_array(json_array(id, value)) FROM (SELECT o.id, o.value FROM opaque o INDEXED BY opaque_entry
          WHERE o.list_id = e.list_id AND o.meta_key = e.meta_key AND o.kind = @kind${k} ORDER BY o.id LIMIT ${GROUP_VALUES})) AS opaque${k}`,
  );
  const kindParams = Object.fromEntries(kindsOnLine.map((kind, k) => [`kind${k}`, kind]));
  for (const s of store.signals) {
    const t = store.tablesOf(s);
    const bytes = s.bits / 8;
    const stmt = store.db.prepare(
      `SELECT l.name AS list, e.hash_id AS hashId, e.meta_key AS metaKey, h.value AS value, e.quality AS quality, e.category, e.severity, ${storedSchemeSql(store.db, t.entries, 'e', 'l')} AS scheme, e.series,
              e.victim_identified, e.external_id, e.added_at, e.note${opaqueOfEntry.map((q) => `, ${q}`).join('')}
       FROM ${t.entries} e JOIN ${t.hashes} h ON h.id = e.hash_id JOIN lists l ON l.id = e.list_id ${listFilter.replace('?', '@list')}
       ORDER BY l.name, e.id`,
    );
    const bound = listName === undefined ? kindParams : { ...kindParams, list: listName };
    // lines of this signal type met so far per group that has several values of a kind
    const linesOfGroup = new Map<string, number>();
    for (const r of stmt.iterate(bound) as IterableIterator<EntryRow & { hashId: number; metaKey: Buffer; value: Buffer; quality: number | null } & Record<string, unknown>>) {
      if (r.value.byteLength !== bytes) {
        onDamaged(`list ${r.list}: a ${s.name} entry left out: ${wrongLengthText(t.hashes, r.hashId, describeStored(r.value), bytes)}`);
        continue;
      }
      const values = new Map<string, string>([[s.name, s.format(bytesToWords(r.value))]]);
      kindsOnLine.forEach((kind, k) => {
        const group = JSON.parse(r[`opaque${k}`] as string) as Array<[number, string]>;
        if (group.length === 0) return;
        let line = 0;
        if (group.length > 1) {
          const key = `${k}\u0000${r.list}\u0000${r.metaKey.toString('hex')}`;
          line = linesOfGroup.get(key) ?? 0;
          linesOfGroup.set(key, line + 1);
        }
        if (line >= group.length) return;
        const [id, value] = group[line];
        attached[id >> 3] |= 1 << (id & 7);
        values.set(kind, value);
      });
      yield emit(values, r);
    }
  }
  // The rest (more values than lines in a group, or no entry to go with): with a value of an entry of the
  // same list and metadata when there is one, so that the line imports again; else alone.
  const siblings = store.signals.map((s) => {
    const t = store.tablesOf(s);
    return { signal: s, stmt: store.db.prepare(`SELECT h.value FROM ${t.entries} e JOIN ${t.hashes} h ON h.id = e.hash_id WHERE e.list_id = ? AND e.meta_key = ? AND length(h.value) = ? LIMIT 1`).pluck() };
  });
  const stmt = store.db.prepare(
    `SELECT o.id AS oid, o.list_id AS listId, o.meta_key AS metaKey, l.name AS list, o.kind AS okind, o.value AS value, NULL AS quality, o.category, o.severity, ${storedSchemeSql(store.db, 'opaque', 'o', 'l')} AS scheme, o.series,
            o.victim_identified, o.external_id, o.added_at, o.note
     FROM opaque o JOIN lists l ON l.id = o.list_id ${listFilter} ORDER BY l.name, o.id`,
  );
  for (const r of stmt.iterate(...params) as IterableIterator<EntryRow & { oid: number; listId: number; metaKey: Buffer; okind: string; value: string; quality: null }>) {
    if ((attached[r.oid >> 3] & (1 << (r.oid & 7))) !== 0) continue;
    const values = new Map([[r.okind, r.value]]);
    for (const { signal, stmt: sibling } of siblings) {
      const v = sibling.get(r.listId, r.metaKey, signal.bits / 8) as Buffer | undefined;
      if (v === undefined) continue;
      values.set(signal.name, signal.format(bytesToWords(v)));
      break;
    }
    yield emit(values, r);
  }
}

/** Opaque values of one kind, list and metadata key read per entry line; a larger group's rest gets lines of their own. */
const GROUP_VALUES = 64;

/** Most damaged rows listed per table (the rest are counted). */
const DAMAGED_LISTED = 100;

/** The damaged values of one hashes table (not a blob of `expected` bytes): one problem per row, then a count of the rest. */
function damagedValues(store: IndexStore, hashesTable: string, expected: number): string[] {
  const bad = `typeof(value) != 'blob' OR length(value) != ?`;
  const rows = store.db
    .prepare(`SELECT id, typeof(value) AS type, length(value) AS len FROM ${hashesTable} WHERE ${bad} ORDER BY id LIMIT ${DAMAGED_LISTED}`)
    .all(expected) as Array<{ id: number; type: string; len: number | null }>;
  const problems = rows.map((r) => wrongLengthText(hashesTable, r.id, r.type === 'blob' ? `a ${r.len}-byte value` : `a ${r.type} value`, expected));
  if (rows.length === DAMAGED_LISTED) {
    const total = store.db.prepare(`SELECT count(*) FROM ${hashesTable} WHERE ${bad}`).pluck().get(expected) as number;
    if (total > DAMAGED_LISTED) problems.push(`${hashesTable}: ${total - DAMAGED_LISTED} more damaged values`);
  }
  return problems;
}

/** The chunk rows of a hashes table's packed copy whose blobs disagree (see chunkRowProblem), at most DAMAGED_LISTED. */
function damagedChunks(store: IndexStore, hashesTable: string): string[] {
  const table = chunkTableOf(hashesTable);
  const problems: string[] = [];
  const rows = store.db
    .prepare(
      `SELECT chunk, ids, codes FROM ${table} WHERE typeof(ids) != 'blob' OR typeof(codes) != 'blob' OR length(ids) % 4 != 0 OR length(codes) != 8 * length(ids) ORDER BY chunk LIMIT ${DAMAGED_LISTED}`,
    )
    .raw()
    .all() as Array<[number, unknown, unknown]>;
  for (const [chunk, ids, codes] of rows) problems.push(`${table} chunk ${chunk} ${chunkRowProblem(ids, codes) ?? 'is damaged'}`);
  return problems;
}

/**
 * Checks integrity: SQLite quick_check, foreign keys, every stored value's length for its type (each
 * damaged row named), the packed chunk rows, and every band and chunk table against its hashes table
 * (those comparisons are skipped for a type whose values or chunks are damaged: they would read them).
 */
export function verifyIndex(store: IndexStore): VerifyReport {
  const problems: string[] = [];
  const quick = store.db.pragma('quick_check') as Array<{ quick_check: string }>;
  for (const r of quick) if (r.quick_check !== 'ok') problems.push(`sqlite: ${r.quick_check}`);
  const fk = store.db.pragma('foreign_key_check') as Array<{ table: string; rowid: number; parent: string }>;
  for (const r of fk.slice(0, 100)) problems.push(`${r.table} row ${r.rowid} refers to a missing ${r.parent} row`);
  const checked: Record<string, number> = {};
  store.db.transaction(() => {
    for (const s of store.signals) {
      const t = store.tablesOf(s);
      const orphans = store.db
        .prepare(`SELECT count(*) FROM ${t.hashes} h WHERE NOT EXISTS (SELECT 1 FROM ${t.entries} e WHERE e.hash_id = h.id)`)
        .pluck()
        .get() as number;
      if (orphans > 0) problems.push(`${t.hashes}: ${orphans} values without any entry`);
      const damaged = damagedValues(store, t.hashes, s.bits / 8);
      problems.push(...damaged);
      if (!t.bands) continue;
      checked[s.name] = store.valueCount(s);
      const damagedChunkRows = damagedChunks(store, t.hashes);
      problems.push(...damagedChunkRows);
      if (damaged.length > 0) {
        problems.push(`${t.bands}, ${chunkTableOf(t.hashes)}: not compared with ${t.hashes} while its values are damaged`);
        continue;
      }
      for (const p of verifyBands(store.db, t.hashes, t.bands)) problems.push(`${t.bands} band ${p.band} key ${p.key}: ${p.message}`);
      if (damagedChunkRows.length === 0) problems.push(...verifyChunks(store.db, t.hashes, readIdCodes(store.db, t.hashes)));
    }
  })();
  return { ok: problems.length === 0, problems, checked };
}
