/**
 * The CSV/TSV reader of every tabular input (known-hash lists, report manifests), on csv-parse: a header
 * row, then rows; quoted fields with delimiters, quotes and line breaks; a byte-order mark; CRLF or LF;
 * optional `#` comment lines; cells trimmed; blank rows skipped; formula protection (formula.ts) undone.
 * Every row, and every problem, carries the physical line where its record starts, so messages can say
 * file:line. Streams with bounded memory, or reads a text already in memory, with the same rules.
 */
import { Parser as CsvParser, type CsvError } from 'csv-parse';
import { unprotectFormula } from './formula.js';
import { DEFAULT_MAX_LINE_BYTES, readLines, splitLines, tooLongMessage, type Line } from './lines.js';

/** How one table is written and how strictly it is read. */
export interface CsvDialect {
  /** Field separator: ',', '\t' or ';'. */
  readonly delimiter: string;
  /** Lines starting with `#` are comments. Off where a value may start with `#` (e.g. report ids). */
  readonly comments: boolean;
  /** A row with another number of fields than the header is an error (true) or read as it is (false). */
  readonly strictWidth: boolean;
}

/** One step of reading a table, in file order; `line` is the physical line where the record starts. */
export type TableEvent =
  | { readonly kind: 'header'; readonly line: number; readonly cells: readonly string[] }
  | { readonly kind: 'row'; readonly line: number; readonly cells: readonly string[] }
  | { readonly kind: 'error'; readonly line: number; readonly message: string };

/** Options of a streamed read. */
export interface StreamLimits {
  /** Longest physical line in bytes (longer ones are reported and skipped); a record may be four times as long. Default 1 MiB. */
  readonly maxLineBytes?: number;
}

/**
 * The table in `chunks`, streamed: the header (first non-blank record), then rows and errors in line
 * order. A line over the limit is an error and so is the record containing it; a quoted field that never
 * closes (or a record over four times the line limit) ends the read with one error. Rethrows read errors.
 */
export async function* readCsvTable(chunks: AsyncIterable<Buffer>, dialect: CsvDialect, limits: StreamLimits = {}): AsyncGenerator<TableEvent> {
  for await (const events of readCsvTableBatches(chunks, dialect, limits)) yield* events;
}

/**
 * The events of readCsvTable, a batch of lines' worth at a time (no empty batch): for readers whose
 * per-row work is small next to an asynchronous step per event.
 */
export async function* readCsvTableBatches(chunks: AsyncIterable<Buffer>, dialect: CsvDialect, limits: StreamLimits = {}): AsyncGenerator<TableEvent[]> {
  const maxLine = limits.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const table = new TableParser(dialect, maxLine);
  for await (const batch of readLines(chunks, maxLine)) {
    const events = table.feed(batch);
    if (events.length > 0) yield events;
    if (table.done) return;
  }
  const last = table.finish();
  if (last.length > 0) yield last;
}

/** The table in a text already in memory, with the rules of readCsvTable but without size limits. */
export function csvTableOfText(text: string, dialect: CsvDialect): TableEvent[] {
  const table = new TableParser(dialect, null);
  const events = table.feed(splitLines(text));
  return table.done ? events : events.concat(table.finish());
}

/** The cells of one line (quotes allowed), as the reader would split a header. */
export function csvCellsOfLine(line: string, delimiter: string): string[] {
  const events = csvTableOfText(line, { delimiter, comments: false, strictWidth: false });
  const header = events.find((e) => e.kind === 'header');
  return header ? [...header.cells] : [];
}

/** The candidate that occurs most often in `headerLine` (the first candidate on a tie or when none occurs). */
export function sniffDelimiter(headerLine: string, candidates: readonly string[] = [',', '\t', ';']): string {
  let best = candidates[0];
  let bestCount = 0;
  for (const c of candidates) {
    const count = headerLine.split(c).length - 1;
    if (count > bestCount) {
      best = c;
      bestCount = count;
    }
  }
  return best;
}

/** A parsed record with the line it ends on. */
interface EndedRecord {
  readonly cells: string[];
  readonly end: number;
}

/**
 * csv-parse's Parser used as a synchronous tokenizer: records are collected as they are parsed, with
 * `info.lines` at that moment (their last line); reading it here avoids the per-record context object
 * that csv-parse builds for `on_record` (a fifth of the parse time).
 */
class RecordCollector extends CsvParser {
  readonly records: EndedRecord[] = [];
  lastEnd = 0;
  stopped = false;
  /** Physical lines read before the parser's first line (by the plain-line path): added to its line numbers. */
  lineOffset = 0;

  override push(chunk: unknown): boolean {
    if (chunk !== null && !this.stopped) {
      this.lastEnd = this.info.lines + this.lineOffset;
      this.records.push({ cells: chunk as string[], end: this.lastEnd });
    }
    return true;
  }

  /** Parses `text` (whole lines) now; returns the error csv-parse could not skip. */
  parseNow(text: string): Error | undefined {
    let failure: Error | undefined;
    this._transform(Buffer.from(text), 'utf8', (err) => (failure = err ?? undefined));
    return failure;
  }

  /** Ends the input now; returns the error csv-parse could not skip. */
  endNow(): Error | undefined {
    let failure: Error | undefined;
    this._flush((err) => (failure = err ?? undefined));
    return failure;
  }
}

const QUOTE = 0x22;
const HASH = 0x23;
const SPACE = 0x20;

/**
 * The cells of a line that needs no CSV tokenizer: no quote, and no character csv-parse would treat
 * other than as text (CR, form feed, a tab that is not the delimiter, a `#` that may start a comment);
 * cells trimmed of spaces as csv-parse trims them. Null for any other line (or a comment line, see
 * isCommentLine). Pure; gives exactly csv-parse's cells for the lines it accepts.
 */
export function plainLineCells(text: string, delimiter: string, comments: boolean): string[] | null {
  const tabIsText = delimiter !== '\t';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < SPACE) {
      if (c !== 0x09 || tabIsText) return null;
    } else if (c === QUOTE || (c === HASH && comments)) return null;
  }
  const cells = text.split(delimiter);
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (cell.charCodeAt(0) === SPACE || cell.charCodeAt(cell.length - 1) === SPACE) cells[i] = trimSpaces(cell);
  }
  return cells;
}

function trimSpaces(cell: string): string {
  let a = 0;
  let b = cell.length;
  while (a < b && cell.charCodeAt(a) === SPACE) a++;
  while (b > a && cell.charCodeAt(b - 1) === SPACE) b--;
  return cell.slice(a, b);
}

function isBlank(cells: readonly string[]): boolean {
  for (let i = 0; i < cells.length; i++) if (cells[i] !== '') return false;
  return true;
}

function countLF(cells: readonly string[]): number {
  let n = 0;
  for (const cell of cells) {
    let i = -1;
    while ((i = cell.indexOf('\n', i + 1)) >= 0) n++;
  }
  return n;
}

function error(line: number, message: string): TableEvent {
  return { kind: 'error', line, message };
}

/** Turns batches of physical lines into table events; `maxLine` null = no size limits. */
class TableParser {
  private readonly parser: RecordCollector;
  /** Problems found outside the record stream (over-long lines, skipped records), in line order. */
  private readonly problems: TableEvent[] = [];
  private readonly longLines: number[] = [];
  private fatal: TableEvent | null = null;
  private header: { line: number; width: number } | null = null;
  /** True once the read has ended (after a fatal problem, or after finish). */
  done = false;
  /**
   * Lines are split without csv-parse until the first line that needs it (a quote, a comment sign inside
   * the line, …); from there on csv-parse reads the rest, starting at a record boundary.
   */
  private plain = true;
  /** Last line read by the plain path that csv-parse would have returned as a record. */
  private lastRecordLine = 0;

  constructor(
    private readonly dialect: CsvDialect,
    private readonly maxLine: number | null,
  ) {
    this.parser = new RecordCollector({
      delimiter: dialect.delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      trim: true,
      ...(dialect.comments ? { comment: '#', comment_no_infix: true } : {}),
      max_record_size: maxLine === null ? 0 : 4 * maxLine,
      skip_records_with_error: true,
      on_skip: (err: CsvError | undefined) => this.skipped(err),
    });
  }

  private skipped(err: CsvError | undefined): undefined {
    if (!err || this.fatal) return undefined;
    const lastEnd = this.parser.lastEnd;
    const from = lastEnd + 1;
    if (err.code === 'CSV_MAX_RECORD_SIZE') {
      this.stop(error(from, `the record starting after line ${lastEnd} is longer than ${4 * (this.maxLine ?? 0)} bytes (a quoted field that never closes?); the rest of the file was not read`));
    } else if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
      this.stop(error(from, `a quoted field in the record starting after line ${lastEnd} is not closed before the end of the file`));
    } else {
      const line = typeof (err as { lines?: unknown }).lines === 'number' ? (err as unknown as { lines: number }).lines + this.parser.lineOffset : from;
      this.problems.push(error(line, `CSV: ${err.message.replace(/ at line \d+/, '')}`));
    }
    return undefined;
  }

  private stop(problem: TableEvent): void {
    this.fatal = problem;
    this.parser.stopped = true;
  }

  /** Events of the records completed by `lines`; after a fatal problem, the remaining problems and it. */
  feed(lines: readonly Line[]): TableEvent[] {
    if (this.done) return [];
    const out: TableEvent[] = [];
    let prime = false;
    let k = 0;
    for (; this.plain && k < lines.length; k++) {
      const l = lines[k];
      if ('tooLong' in l) {
        out.push(error(l.line, tooLongMessage(l.tooLong, this.maxLine ?? DEFAULT_MAX_LINE_BYTES)));
        continue;
      }
      if (this.dialect.comments && l.text.charCodeAt(0) === HASH) continue;
      const cells = plainLineCells(l.text, this.dialect.delimiter, this.dialect.comments);
      if (cells === null) {
        this.plain = false;
        // As if csv-parse had read the lines before: it fixes its record delimiter at the first line end
        // it meets, which was a LF (a line with a lone CR is never plain), so it is given one blank line.
        prime = l.line > 1;
        this.parser.lineOffset = l.line - 1 - (prime ? 1 : 0);
        this.parser.lastEnd = this.lastRecordLine;
        break;
      }
      if (cells.length > 1 || cells[0] !== '') this.lastRecordLine = l.line; // csv-parse skips the others as empty
      this.record(cells, l.line, l.line, out);
    }
    if (k === lines.length) return out;
    let text = prime ? '\n' : '';
    for (const l of lines.slice(k)) {
      if ('tooLong' in l) {
        this.problems.push(error(l.line, tooLongMessage(l.tooLong, this.maxLine ?? DEFAULT_MAX_LINE_BYTES)));
        this.longLines.push(l.line);
        text += '\n'; // keeps csv-parse's line count right without holding the line
      } else text += `${l.text}\n`;
    }
    const failure = this.parser.parseNow(text);
    if (failure && !this.fatal) this.stop(error(this.parser.lastEnd + 1, `CSV: ${this.relined(failure.message)}; the rest of the file was not read`));
    out.push(...this.drain());
    return this.fatal ? this.close(out) : out;
  }

  /** Events of the last record, the remaining problems and the fatal one, if any. */
  finish(): TableEvent[] {
    if (this.done) return [];
    if (!this.fatal) {
      const failure = this.parser.endNow();
      if (failure) this.stop(error(this.parser.lastEnd + 1, `CSV: ${this.relined(failure.message)}`));
    }
    return this.close(this.drain());
  }

  private close(events: TableEvent[]): TableEvent[] {
    this.done = true;
    events.push(...this.problems.splice(0));
    if (this.fatal) events.push(this.fatal);
    return events;
  }

  /** csv-parse's message with its line numbers made file line numbers. */
  private relined(message: string): string {
    const offset = this.parser.lineOffset;
    return offset === 0 ? message : message.replace(/ at line (\d+)/g, (_, n: string) => ` at line ${Number(n) + offset}`);
  }

  private drain(): TableEvent[] {
    const out: TableEvent[] = [];
    for (const { cells, end } of this.parser.records.splice(0)) {
      const start = end - countLF(cells);
      while (this.problems.length > 0 && this.problems[0].line < start) out.push(this.problems.shift()!);
      this.record(cells, start, end, out);
    }
    return out;
  }

  /** The event of one record spanning lines start…end (none for a blank record). */
  private record(cells: string[], start: number, end: number, out: TableEvent[]): void {
    if (isBlank(cells)) return;
    if (this.header === null) {
      this.header = { line: start, width: cells.length };
      out.push({ kind: 'header', line: start, cells });
      return;
    }
    const problem = this.rowProblem(cells, start, end);
    if (problem !== null) {
      out.push(error(start, problem));
      return;
    }
    for (let i = 0; i < cells.length; i++) cells[i] = unprotectFormula(cells[i]);
    out.push({ kind: 'row', line: start, cells });
  }

  private rowProblem(cells: readonly string[], start: number, end: number): string | null {
    if (this.longLines.length > 0) {
      const spansLong = this.longLines.find((l) => l >= start && l <= end);
      if (spansLong !== undefined) return `record includes line ${spansLong}, which is over the size limit; skipped`;
      if (this.longLines.length > 64) this.longLines.splice(0, this.longLines.findIndex((l) => l >= start) >>> 0);
    }
    const header = this.header!;
    if (this.dialect.strictWidth && cells.length !== header.width && !(cells.length > header.width && isBlank(cells.slice(header.width))))
      return `row has ${cells.length} field${cells.length === 1 ? '' : 's'}, the header (line ${header.line}) has ${header.width}`;
    return null;
  }
}
