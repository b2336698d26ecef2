/**
 * Entry point for importing a known-hash list file: checks the file, detects its format from the first
 * bytes (or takes the caller's), and returns a stream of ImportItems read with constant memory.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { HashtriageError, toErrorInfo } from '../../errors.js';
import type { SignalName } from '../../hashing/signal-type.js';
import { storedSchemeOf, UNMAPPED_SCHEME, type SeverityPolicy } from '../../policy/severity.js';
import type { ImportItem } from '../types.js';
import { csvCellsOfLine, sniffDelimiter } from '../../tabular/csv-read.js';
import { notUtf8TextReason } from '../../tabular/encoding.js';
import { mapHeader, readCsvList } from './csv.js';
import { fieldOf, SIGNAL_NAMES, type RowContext } from './fields.js';
import { readNdjsonList } from './ndjson.js';
import { readTextList } from './text.js';
import { readVicsList } from './vics.js';
import { LIST_FORMATS, type ListFormat } from './list-formats.js';

export { LIST_FORMATS, type ListFormat };

/** How to read one list. */
export interface ReadListOptions {
  /** Format of the file; 'auto' (default) detects it from the content. */
  readonly format?: ListFormat | 'auto';
  /** Type of hash values whose type the list does not say and their length does not settle (64 hex digits). */
  readonly type?: SignalName;
  /** Category → severity policy. */
  readonly severity: SeverityPolicy;
  /**
   * Category scheme of the list's rows that name none (a scheme name of the policy, or UNMAPPED_SCHEME_NAME
   * to rate no label); default: inferred per label (VICS: projectvic).
   */
  readonly scheme?: string;
  /** Longest line (text, NDJSON, CSV) or VICS Media entry accepted, in bytes; default 1 MiB. */
  readonly maxLineBytes?: number;
}

/** An opened list: its format and its items in file order. */
export interface ListReader {
  readonly format: ListFormat;
  /** Good rows and reported bad rows. Iterating throws HashtriageError only for file-level problems (read failure). */
  readonly items: AsyncIterable<ImportItem>;
}

const HEAD_BYTES = 64 * 1024;

/**
 * Opens a list file for import. Throws HashtriageError: NOT_FOUND / UNREADABLE (with the path) when the
 * file cannot be read, UNSUPPORTED_FORMAT for compressed, binary or UTF-16 files and JSON arrays,
 * BAD_INPUT for a CSV/TSV header without a hash column, USAGE for bad options. Reads only the first
 * 64 KiB here; the items stream reads the rest lazily.
 */
export async function readList(path: string, opts: ReadListOptions): Promise<ListReader> {
  if (opts.format !== undefined && opts.format !== 'auto' && !(LIST_FORMATS as readonly string[]).includes(opts.format))
    throw new HashtriageError('USAGE', `unknown list format "${opts.format}" (expected auto, ${LIST_FORMATS.join(', ')})`);
  if (opts.type !== undefined && !(SIGNAL_NAMES as readonly string[]).includes(opts.type))
    throw new HashtriageError('USAGE', `unknown hash type "${opts.type}" (expected ${SIGNAL_NAMES.join(', ')})`);
  const scheme = opts.scheme === undefined ? undefined : storedSchemeOf(opts.severity, opts.scheme);

  const head = await readHead(path);
  rejectUnreadable(path, head);
  const text = stripBom(head.toString('utf8'));
  const format: ListFormat = opts.format && opts.format !== 'auto' ? opts.format : detectFormat(text, path);
  const ctx: RowContext = { policy: opts.severity, scheme: scheme === UNMAPPED_SCHEME ? null : scheme, defaultType: opts.type };
  const chunks = (): AsyncIterable<Buffer> => readChunks(path);

  let items: AsyncIterable<ImportItem>;
  switch (format) {
    case 'csv':
    case 'tsv': {
      const first = firstDataLine(text);
      const delimiter = format === 'tsv' ? '\t' : sniffDelimiter(first?.text ?? '', [',', ';']);
      // Check the header now, so a list without a hash column fails before anything is written.
      if (first && first.complete) mapHeader(csvCellsOfLine(first.text, delimiter), `${path}:${first.line}`);
      items = { [Symbol.asyncIterator]: () => readCsvList(chunks(), ctx, { delimiter, maxLineBytes: opts.maxLineBytes, label: path }) };
      break;
    }
    case 'ndjson':
      items = { [Symbol.asyncIterator]: () => readNdjsonList(chunks(), ctx, opts.maxLineBytes) };
      break;
    case 'vics':
      items = { [Symbol.asyncIterator]: () => readVicsList(chunks(), ctx, { maxEntryChars: opts.maxLineBytes }) };
      break;
    default:
      items = { [Symbol.asyncIterator]: () => readTextList(chunks(), ctx, opts.maxLineBytes) };
  }
  return { format, items };
}

async function readHead(path: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
    const st = await handle.stat();
    if (st.isDirectory()) throw new HashtriageError('UNREADABLE', `${path}: is a directory, not a list file`);
    const buf = Buffer.alloc(Math.min(HEAD_BYTES, Math.max(st.size, 0)) || HEAD_BYTES);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } catch (err) {
    if (err instanceof HashtriageError) throw err;
    const info = toErrorInfo(err);
    throw new HashtriageError(info.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'UNREADABLE', `${path}: ${describeFsError(err, info.message)}`);
  } finally {
    await handle?.close();
  }
}

function describeFsError(err: unknown, fallback: string): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, not a list file';
  return fallback;
}

async function* readChunks(path: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: HEAD_BYTES })) yield chunk as Buffer;
  } catch (err) {
    const info = toErrorInfo(err);
    throw new HashtriageError(info.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'UNREADABLE', `${path}: ${describeFsError(err, info.message)}`);
  }
}

function rejectUnreadable(path: string, head: Buffer): void {
  const reason = notUtf8TextReason(head);
  if (reason !== null) throw new HashtriageError('UNSUPPORTED_FORMAT', `${path}: ${reason}`);
  if (head.includes(0)) throw new HashtriageError('UNSUPPORTED_FORMAT', `${path}: binary data (NUL bytes), not a text hash list`);
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** First line that is neither blank nor a `#` comment, with its 1-based number; complete = ends within the head. */
function firstDataLine(text: string): { text: string; line: number; complete: boolean } | null {
  let start = 0;
  for (let line = 1; start < text.length; line++) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const t = text.slice(start, end).replace(/\r$/, '');
    if (t.trim() !== '' && !t.trimStart().startsWith('#')) return { text: t, line, complete: nl >= 0 };
    if (nl < 0) break;
    start = nl + 1;
  }
  return null;
}

const VICS_KEY = /"(odata\.metadata|@odata\.context)"\s*:/;
const HASH_LIKE = /^[0-9a-fA-F]{16,}$/;

/**
 * Format of a list from its first bytes (BOM already removed): VICS for a JSON object with odata/"value"
 * keys, NDJSON when lines are JSON objects, CSV/TSV when the first line is a header naming a hash column,
 * else text. Throws UNSUPPORTED_FORMAT for a JSON array. Pure.
 */
export function detectFormat(head: string, path = 'input'): ListFormat {
  const trimmed = head.trimStart();
  if (trimmed.startsWith('[')) {
    throw new HashtriageError('UNSUPPORTED_FORMAT', `${path}: a JSON array; hashtriage reads NDJSON (one object per line) or VICS JSON ({"value": [...]})`);
  }
  if (trimmed.startsWith('{')) {
    const lines = trimmed.split('\n', 6).map((l) => l.trim()).filter((l) => l !== '');
    const parsed = lines.slice(0, 5).map(parseObject);
    const firstObj = parsed[0];
    if (firstObj) return isVicsRoot(firstObj) ? 'vics' : 'ndjson';
    if (VICS_KEY.test(head) || /^\{\s*"value"\s*:/.test(trimmed)) return 'vics';
    if (parsed.some((p) => p !== null)) return 'ndjson';
    // One line longer than the head without VICS keys: an NDJSON record too big to sniff. Otherwise a
    // multi-line JSON document: the VICS reader says clearly when it is not VICS.
    return trimmed.includes('\n') ? 'vics' : 'ndjson';
  }
  const first = firstDataLine(head);
  if (first) {
    for (const [delimiter, format] of [['\t', 'tsv'], [',', 'csv'], [';', 'csv']] as const) {
      const cells = first.text.includes(delimiter) ? first.text.split(delimiter) : null;
      if (cells && looksLikeHeader(cells)) return format;
    }
    if (looksLikeHeader([first.text])) return 'csv';
  }
  return 'text';
}

function looksLikeHeader(cells: string[]): boolean {
  const clean = cells.map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  if (clean.some((c) => HASH_LIKE.test(c))) return false;
  return clean.some((c) => {
    const f = fieldOf(c);
    return f === 'hash' || (f !== null && (SIGNAL_NAMES as readonly string[]).includes(f));
  });
}

function parseObject(line: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(line) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function isVicsRoot(obj: Record<string, unknown>): boolean {
  return 'odata.metadata' in obj || '@odata.context' in obj || Array.isArray(obj.value);
}
