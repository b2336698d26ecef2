/**
 * Report manifests: CSV/TSV (with a header) or NDJSON lists of complaints, one row per report or per
 * (report, file), read with the shared tabular reader (src/tabular/). Rows become Report values; file
 * references are resolved against the manifest's folder and may not leave it. A bad row is reported with
 * manifest:line (the line where its record starts) and skipped; the rest is read.
 */
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { ErrorCode } from '../errors.js';
import { parseBoolean } from '../tabular/boolean.js';
import { csvTableOfText, sniffDelimiter } from '../tabular/csv-read.js';
import { notUtf8TextReason } from '../tabular/encoding.js';
import { fieldLookup } from '../tabular/header.js';
import { ndjsonOfText } from '../tabular/ndjson.js';
import type { Report } from './types.js';
import { normalizeUrl, severalUrls, urlKind } from './url.js';

/** One problem found in a manifest, located as "file:line" (the rest of the manifest is still read). */
export interface ManifestError {
  readonly source: string;
  readonly code: ErrorCode;
  readonly message: string;
}

/** A file named by a report: where it is on disk and how the report wrote it. */
export interface FileRef {
  readonly reportId: string;
  /** Absolute path, inside the manifest's folder (checked lexically and through symlinks). */
  readonly absPath: string;
  /** The same path relative to the manifest's folder, with '/' separators (as stored in Report.files). */
  readonly relPath: string;
  /** The manifest as named when it was read (its folder, as written, locates relPath). */
  readonly manifest: string;
  /** manifest:line of the row that named it. */
  readonly source: string;
}

/** Everything read from one or more manifests. */
export interface ManifestContents {
  /** Reports in order of first appearance; rows with the same report_id are merged. */
  readonly reports: Report[];
  /** Every (report, file) pair, in manifest order, deduplicated per report. */
  readonly fileRefs: FileRef[];
  readonly errors: ManifestError[];
  /**
   * Per manifest, the columns (CSV header cells, NDJSON keys) that no report field reads, in file order;
   * only manifests that have some. A user sees from it that e.g. "Reporter Email" is not the reporter.
   */
  readonly unusedColumns: ReadonlyArray<UnusedColumns>;
}

/** The columns of one manifest that are not read. */
export interface UnusedColumns {
  readonly manifest: string;
  /** At most MAX_UNUSED_NAMED names, in order of first appearance. */
  readonly columns: readonly string[];
  /** How many more there are beyond `columns` (NDJSON keys may differ on every row). */
  readonly more: number;
}

/** Unused column names kept per manifest; the rest are only counted. */
export const MAX_UNUSED_NAMED = 20;

/** Collects unused column names of one manifest (blank names skipped, each once, the first MAX_UNUSED_NAMED kept). */
class UnusedCollector {
  private readonly seen = new Set<string>();
  private readonly names: string[] = [];

  add(name: string): void {
    const shown = name.replace(/^\uFEFF/, '').trim();
    if (shown === '' || this.seen.has(shown)) return;
    this.seen.add(shown);
    if (this.names.length < MAX_UNUSED_NAMED) this.names.push(shown);
  }

  result(manifest: string): UnusedColumns[] {
    return this.seen.size === 0 ? [] : [{ manifest, columns: this.names, more: this.seen.size - this.names.length }];
  }
}

type Field = 'reportId' | 'receivedAt' | 'reporter' | 'channel' | 'url' | 'platform' | 'file' | 'notes' | 'escalate';

/** Accepted column names, compared as src/tabular/header.ts says (case, spaces, dashes, underscores ignored). */
const COLUMN_SYNONYMS: Record<Field, readonly string[]> = {
  reportId: ['report_id', 'reportid', 'report', 'id', 'complaint_id', 'complaint', 'case_id', 'ticket', 'ticket_id', 'reference', 'ref'],
  receivedAt: ['received_at', 'received', 'receivedat', 'date_received', 'received_date', 'received_on', 'report_date', 'reported_on', 'date', 'datetime', 'timestamp', 'reported_at', 'submitted_at', 'created_at', 'time'],
  // Who reported, never what kind of reporter: a type column (complainant_type, reporter_type: "parent",
  // "police") names many people alike and would fold their reports into one reporter.
  reporter: ['reporter', 'complainant', 'reporter_id', 'reporter_name', 'complainant_id', 'complainant_name', 'submitter', 'reported_by'],
  channel: ['channel', 'intake', 'via', 'source_channel'],
  url: ['url', 'link', 'uri', 'reported_url', 'content_url'],
  platform: ['platform', 'site', 'service', 'website'],
  file: ['file', 'files', 'path', 'paths', 'file_path', 'filepath', 'filename', 'media', 'attachment', 'attachments'],
  notes: ['notes', 'note', 'comment', 'comments', 'description', 'remarks'],
  escalate: ['escalate', 'escalation', 'escalation_requested', 'escalate_requested', 'escalated', 'urgent', 'priority_flag'],
};

/** The report field a column header (or NDJSON key) stands for, or null when the column is not one we read. */
export const fieldForColumn = fieldLookup<Field>(COLUMN_SYNONYMS);

/** What an escalation column may say besides the shared yes/no spellings (src/tabular/boolean.ts). */
const ESCALATION_WORDS = new Map<string, boolean>([
  ['escalate', true],
  ['escalated', true],
  ['requested', true],
  ['none', false],
]);

/** Reads an escalation cell: the shared yes/no spellings or an escalation word; empty is no; null when it is neither (the caller reports it). */
export function parseFlag(value: unknown): boolean | null {
  const flag = parseBoolean(value);
  if (flag === null) return false;
  if (flag !== undefined) return flag;
  return typeof value === 'string' ? (ESCALATION_WORDS.get(value.trim().toLowerCase()) ?? null) : null;
}

const ISO_LIKE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** True when the parts name a real calendar day and time of day (Date.parse would roll 2026-02-30 on to March 2). */
function realDateTime(y: number, mo: number, d: number, h: number, mi: number, s: number, zone: string | undefined): boolean {
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return false;
  if (h > 23 || mi > 59 || s > 59) return false;
  if (zone === undefined || zone.toUpperCase() === 'Z') return true;
  const digits = zone.replace(':', '');
  return Number(digits.slice(1, 3)) <= 14 && Number(digits.slice(3)) <= 59;
}

/**
 * A received-at value as ISO 8601 UTC when it is an ISO-like date/time of a real day and time (no offset
 * means UTC, so the result never depends on the machine's time zone); otherwise the text as given (e.g.
 * 2026-13-45, 2026-02-30, 02/03/2026); empty gives null.
 */
export function normalizeTimestamp(raw: string | null): string | null {
  const text = (raw ?? '').trim();
  if (text === '') return null;
  const m = ISO_LIKE.exec(text);
  if (!m) return text;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  if (!realDateTime(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), zone)) return text;
  let offset = 'Z';
  if (zone && zone.toUpperCase() !== 'Z') offset = zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac.slice(0, 4)}${offset}`);
  if (Number.isNaN(ms)) return text;
  return new Date(ms).toISOString();
}

/** The form normalizeTimestamp gives a value it read as a date; anything else is kept as text only. */
const NORMALIZED_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * True when `value` (from normalizeTimestamp) is a date/time the scan orders by and scores recency on:
 * UTC in normalizeTimestamp's form, naming a real instant (a text that only looks so, such as
 * 2026-13-45T99:00:00.000Z, is not).
 */
export function isNormalizedTimestamp(value: string): boolean {
  if (!NORMALIZED_TIMESTAMP.test(value)) return false;
  const ms = Date.parse(value);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === value;
}

/** Column names of the merged report fields as users write them, for messages. */
const FIELD_COLUMN: Readonly<Record<(typeof MERGED_FIELDS)[number], string>> = {
  receivedAt: 'received_at',
  reporter: 'reporter',
  channel: 'channel',
  url: 'url',
  platform: 'platform',
  notes: 'notes',
};

/** Splits a file cell that lists several files with ';' or '|'. */
export function splitFileCell(cell: string): string[] {
  return cell
    .split(/[;|]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  // '..foo' is a name inside root; only '..' itself or a '../' prefix leaves it.
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** Drive letters (C:\x, C:x), UNC and device paths (\\server\share, //server/share) and a leading separator. */
const ABSOLUTE_REF = /^(?:[A-Za-z]:|[\\/])/;

/**
 * A file reference as written in a manifest, with Windows separators turned into '/'. Throws a message
 * saying why when it is absolute (drive letter, UNC, leading separator; manifest paths are relative) or
 * holds a NUL byte (no file system can open it).
 */
export function normalizeFileRef(ref: string): string {
  if (ref.includes('\u0000')) throw new Error(`file "${ref}" contains a NUL byte, which no file name can hold`);
  if (ABSOLUTE_REF.test(ref))
    throw new Error(`file "${ref}" is an absolute path; paths in a manifest are relative to its folder and may not leave it`);
  return ref.replace(/\\/g, '/');
}

/**
 * Resolves a file reference against the manifest's folder. Guarantees the result is inside that folder
 * both as written and after following symlinks (a missing file passes the lexical check and is reported
 * later by hashing), that backslashes are read as separators and that absolute references are refused;
 * throws a message otherwise.
 */
export function resolveInside(rootReal: string, written: string): { absPath: string; relPath: string } {
  const ref = normalizeFileRef(written);
  const absPath = path.resolve(rootReal, ref);
  if (!isInside(rootReal, absPath)) throw new Error(`file "${written}" is outside the manifest's folder`);
  let real: string;
  try {
    real = realpathSync(absPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new Error(`file "${written}" is a symlink loop`);
    return { absPath, relPath: path.relative(rootReal, absPath).split(path.sep).join('/') };
  }
  if (!isInside(rootReal, real)) throw new Error(`file "${written}" links to a place outside the manifest's folder`);
  return { absPath, relPath: path.relative(rootReal, absPath).split(path.sep).join('/') };
}

/** One row in field form, before merging by report id. */
interface RawRow {
  readonly line: number;
  readonly values: Partial<Record<Field, unknown>>;
}

/** True for a value read as text: a string, or a number (an NDJSON id written without quotes). */
function isText(value: unknown): value is string | number {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** A text value trimmed; null when missing, empty, or not text (the caller reports that, see notText). */
function text(value: unknown): string | null {
  if (!isText(value)) return null;
  const s = String(value).trim();
  return s === '' ? null : s;
}

/** Why an NDJSON value that should be text is not, e.g. `{"a":1} is an object`; null when it is text or missing. */
function notText(value: unknown): string | null {
  if (value === undefined || value === null || isText(value)) return null;
  let shown = JSON.stringify(value) ?? String(value);
  if (shown.length > 60) shown = `${shown.slice(0, 59)}…`;
  const kind = Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : typeof value === 'boolean' ? 'true/false' : typeof value;
  return `${shown} is ${kind}`;
}

/** The file references in a file cell or NDJSON value (a text or a list of texts), and the values that are not text. */
function fileList(value: unknown): { files: string[]; bad: string[] } {
  const files: string[] = [];
  const bad: string[] = [];
  for (const v of Array.isArray(value) ? value : [value]) {
    if (isText(v)) files.push(...splitFileCell(String(v)));
    else {
      const why = notText(v);
      if (why !== null) bad.push(why);
    }
  }
  return { files, bad };
}

function headerProblem(header: ReadonlyArray<Field | null>): string | null {
  if (!header.includes('reportId')) return 'header has no report_id column';
  if (!header.includes('file') && !header.includes('url')) return 'header has neither a file nor a url column';
  return null;
}

/** The table reader's message for a row of another width than the header (csv-read.ts, strictWidth). */
const WIDTH_PROBLEM = /^row has (\d+) fields?, the header \(line \d+\) has (\d+)$/;

/** The table reader's message for a table error, with what the manifest does about a row with a cell too many (shorter rows are read). */
function tableProblem(message: string): string {
  if (!WIDTH_PROBLEM.test(message)) return message;
  return `${message}; row not read, since its values cannot be matched to their columns (quote a value that holds the delimiter)`;
}

function readCsvRows(content: string, name: string, errors: ManifestError[], unused: UnusedCollector): RawRow[] {
  const firstLine = content.replace(/^\uFEFF/, '').trimStart().split(/\r?\n/, 1)[0] ?? '';
  // No `#` comments: a report id may start with '#'. Strict width: a row with a cell too many (an unquoted
  // comma in "Doe, Jane") would be read with every later column shifted into the wrong field; a row
  // that leaves out its last empty cells is read as it is.
  const dialect = { delimiter: sniffDelimiter(firstLine), comments: false, strictWidth: true, shortRows: true };
  let header: Array<Field | null> | null = null;
  const rows: RawRow[] = [];
  for (const event of csvTableOfText(content, dialect)) {
    if (event.kind === 'error') {
      errors.push({ source: `${name}:${event.line}`, code: 'BAD_ROW', message: tableProblem(event.message) });
    } else if (event.kind === 'header') {
      header = event.cells.map((h) => fieldForColumn(h));
      event.cells.forEach((h, i) => {
        if (header![i] === null) unused.add(h);
      });
      const problem = headerProblem(header);
      if (problem !== null) {
        errors.push({ source: `${name}:${event.line}`, code: 'BAD_INPUT', message: problem });
        return [];
      }
    } else {
      const values: Partial<Record<Field, unknown>> = {};
      header!.forEach((field, i) => {
        const cell = event.cells[i];
        if (field === null || cell === undefined) return;
        if (field === 'file' && values.file !== undefined) values.file = `${String(values.file)};${cell}`;
        else if (values[field] === undefined || text(values[field]) === null) values[field] = cell;
      });
      rows.push({ line: event.line, values });
    }
  }
  if (header === null) errors.push({ source: `${name}:1`, code: 'BAD_INPUT', message: 'empty manifest (no header row)' });
  return rows;
}

function readNdjsonRows(content: string, name: string, errors: ManifestError[], unused: UnusedCollector): RawRow[] {
  const rows: RawRow[] = [];
  for (const event of ndjsonOfText(content)) {
    if (event.kind === 'error') {
      errors.push({ source: `${name}:${event.line}`, code: 'BAD_ROW', message: event.message });
      continue;
    }
    const values: Partial<Record<Field, unknown>> = {};
    for (const [key, value] of Object.entries(event.value)) {
      const field = fieldForColumn(key);
      if (field === null) unused.add(key);
      else if (values[field] === undefined) values[field] = value;
    }
    rows.push({ line: event.line, values });
  }
  return rows;
}

/** True when the content is NDJSON rather than CSV (by extension, else by the first character). */
export function looksLikeNdjson(fileName: string, content: string): boolean {
  const ext = path.extname(fileName).toLowerCase();
  if (ext === '.ndjson' || ext === '.jsonl' || ext === '.json') return true;
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return false;
  return content.replace(/^\uFEFF/, '').trimStart().startsWith('{');
}

interface MutableReport {
  reportId: string;
  receivedAt: string | null;
  reporter: string | null;
  channel: string | null;
  url: string | null;
  platform: string | null;
  files: string[];
  notes: string | null;
  escalate: boolean;
  source: string;
}

const MERGED_FIELDS = ['receivedAt', 'reporter', 'channel', 'url', 'platform', 'notes'] as const;

/**
 * Parses one manifest's text; `name` locates errors ("name:line") and `rootReal` is the real path of the
 * manifest's folder. Never throws for bad content: problems come back in `errors` with name:line.
 */
export function parseManifest(content: string, name: string, rootReal: string): ManifestContents {
  const errors: ManifestError[] = [];
  const unused = new UnusedCollector();
  const rows = looksLikeNdjson(name, content) ? readNdjsonRows(content, name, errors, unused) : readCsvRows(content, name, errors, unused);
  const byId = new Map<string, MutableReport>();
  const fileRefs: FileRef[] = [];
  const seenRefs = new Set<string>();
  for (const { line, values } of rows) {
    const source = `${name}:${line}`;
    const badId = notText(values.reportId);
    if (badId !== null) {
      errors.push({ source, code: 'BAD_ROW', message: `report_id ${badId}, not text; row not read` });
      continue;
    }
    const reportId = text(values.reportId);
    if (reportId === null) {
      errors.push({ source, code: 'BAD_ROW', message: 'missing report_id' });
      continue;
    }
    // A value of another JSON type than text (an object, a list, true/false) is never turned into text
    // ("[object Object]" as a path, "a;b" as one reporter): the field is reported and left empty.
    const textField = (key: (typeof MERGED_FIELDS)[number]): string | null => {
      const why = notText(values[key]);
      if (why !== null) errors.push({ source, code: 'BAD_ROW', message: `report ${reportId}: ${FIELD_COLUMN[key]} ${why}, not text; not used` });
      return text(values[key]);
    };
    const { files, bad: badFiles } = fileList(values.file);
    const cell = textField('url');
    // one page per report: of a cell naming several, the first is the report's, and the rest is said
    const several = severalUrls(cell);
    const given = several.length > 0 ? several[0] : cell;
    if (several.length > 0)
      errors.push({
        source,
        code: 'BAD_ROW',
        message: `report ${reportId}: the url cell names ${several.length} URLs; only the first (${several[0]}) is read as its page, not ${several.slice(1).join(', ')}: give each page a report of its own`,
      });
    const kind = urlKind(given);
    const url = kind === 'url' ? given : null;
    const existing = byId.get(reportId);
    if (files.length === 0 && url === null && existing === undefined) {
      const why = [...(kind === 'not-url' ? [`url "${given}" is not a URL: no scheme and no dot`] : []), ...badFiles.map((b) => `file ${b}, not a path`)];
      errors.push({ source, code: 'BAD_ROW', message: `report ${reportId} names neither a file nor a url${why.length > 0 ? ` (${why.join('; ')})` : ''}` });
      continue;
    }
    for (const b of badFiles) errors.push({ source, code: 'BAD_ROW', message: `report ${reportId}: file ${b}, not a path; not read` });
    if (kind === 'not-url')
      errors.push({ source, code: 'BAD_ROW', message: `report ${reportId}: url "${given}" is not a URL (no scheme and no dot); not used as a page or host` });
    let escalate = parseFlag(values.escalate);
    if (escalate === null) {
      const shown = typeof values.escalate === 'string' ? `"${values.escalate}"` : (JSON.stringify(values.escalate) ?? String(values.escalate)).slice(0, 60);
      errors.push({ source, code: 'BAD_ROW', message: `report ${reportId}: escalation flag ${shown} is not yes/no; read as no` });
      escalate = false;
    }
    const receivedAt = normalizeTimestamp(textField('receivedAt'));
    if (receivedAt !== null && !isNormalizedTimestamp(receivedAt))
      errors.push({
        source,
        code: 'BAD_ROW',
        message: `report ${reportId}: received_at "${receivedAt}" is not a date/time hashtriage reads (ISO 8601, e.g. 2026-03-02T08:15:00Z or 2026-03-02 08:15); kept as text, not used for first/last seen or recency`,
      });
    const fields = {
      receivedAt,
      reporter: textField('reporter'),
      channel: textField('channel'),
      url,
      platform: textField('platform'),
      notes: textField('notes'),
    };
    let report = existing;
    if (report === undefined) {
      report = { reportId, ...fields, files: [], escalate, source };
      byId.set(reportId, report);
    } else {
      for (const key of MERGED_FIELDS) {
        const value = fields[key];
        if (value === null) continue;
        if (report[key] === null) report[key] = value;
        else if (report[key] !== value)
          errors.push({ source, code: 'BAD_ROW', message: `report ${reportId}: ${FIELD_COLUMN[key]} "${value}" differs from "${report[key]}" at ${report.source}; kept the first` });
      }
      report.escalate ||= escalate;
    }
    for (const ref of files) {
      let resolved: { absPath: string; relPath: string };
      try {
        resolved = resolveInside(rootReal, ref);
      } catch (err) {
        errors.push({ source, code: 'BAD_ROW', message: `report ${reportId}: ${(err as Error).message}; not read` });
        continue;
      }
      const key = `${reportId}\u0000${resolved.absPath}`;
      if (seenRefs.has(key)) continue;
      seenRefs.add(key);
      report.files.push(resolved.relPath);
      fileRefs.push({ reportId, ...resolved, manifest: name, source });
    }
  }
  const reports: Report[] = [...byId.values()].map((r) => ({ ...r, normalizedUrl: normalizeUrl(r.url) }));
  return { reports, fileRefs, errors, unusedColumns: unused.result(name) };
}

/**
 * Reads a manifest file (CSV/TSV or NDJSON). `displayName` locates errors (e.g. the path as the user gave
 * it). Unreadable files, and files that are not UTF-8 text (UTF-16, compressed), come back as one error,
 * not an exception.
 */
export function readManifest(file: string, displayName = file): ManifestContents {
  let bytes: Buffer;
  let rootReal: string;
  try {
    bytes = readFileSync(file);
    rootReal = realpathSync(path.dirname(path.resolve(file)));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const code: ErrorCode = e.code === 'ENOENT' ? 'NOT_FOUND' : 'UNREADABLE';
    const reason = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a directory, not a file' : e.message;
    return { reports: [], fileRefs: [], errors: [{ source: displayName, code, message: `cannot read manifest: ${reason}` }], unusedColumns: [] };
  }
  const notText = notUtf8TextReason(bytes);
  if (notText !== null) return { reports: [], fileRefs: [], errors: [{ source: displayName, code: 'UNSUPPORTED_FORMAT', message: notText }], unusedColumns: [] };
  return parseManifest(bytes.toString('utf8'), displayName, rootReal);
}

/**
 * The problem that makes a whole manifest unusable (cannot be opened, is a directory, not UTF-8 text, no usable
 * header), or null when only rows (or none) are bad. Such a problem is the user's to fix before a scan.
 */
export function manifestFileProblem(contents: ManifestContents): ManifestError | null {
  return contents.errors.find((e) => e.code !== 'BAD_ROW') ?? null;
}

/**
 * Merges the contents of several manifests: reports with the same id become one (first value of each
 * field wins, files and escalation are combined); conflicts are reported, nothing is dropped silently.
 */
export function mergeManifests(parts: readonly ManifestContents[]): ManifestContents {
  if (parts.length === 1) return parts[0];
  const byId = new Map<string, MutableReport>();
  const errors: ManifestError[] = [];
  const fileRefs: FileRef[] = [];
  const unusedColumns: UnusedColumns[] = [];
  for (const part of parts) {
    errors.push(...part.errors);
    unusedColumns.push(...part.unusedColumns);
    fileRefs.push(...part.fileRefs);
    for (const r of part.reports) {
      const existing = byId.get(r.reportId);
      if (existing === undefined) {
        byId.set(r.reportId, { ...r, files: [...r.files] });
        continue;
      }
      for (const key of MERGED_FIELDS) {
        const value = r[key];
        if (value === null) continue;
        if (existing[key] === null) existing[key] = value;
        else if (existing[key] !== value)
          errors.push({ source: r.source, code: 'BAD_ROW', message: `report ${r.reportId}: ${FIELD_COLUMN[key]} "${value}" differs from "${existing[key]}" at ${existing.source}; kept the first` });
      }
      existing.escalate ||= r.escalate;
      for (const f of r.files) if (!existing.files.includes(f)) existing.files.push(f);
    }
  }
  const reports: Report[] = [...byId.values()].map((r) => ({ ...r, normalizedUrl: normalizeUrl(r.url) }));
  return { reports, fileRefs, errors, unusedColumns };
}
