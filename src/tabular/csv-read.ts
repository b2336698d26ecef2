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
  /** With strictWidth, a row with fewer fields than the header is read, its missing last fields empty (they cannot shift the others). */
  readonly shortRows?: boolean;
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
 * order. A line over the limit is an error and so is the record containing it. A record that cannot be
 * read (text after a closing quote; a quoted field that never closes or makes the record over four times
 * the line limit) is one error at its first line, and the lines after that one are read as new records:
 * every line is in a row, a skipped blank or comment line, or an error. Rethrows read errors.
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

/** A parsed record with the line it ends on. */
interface EndedRecord {
  readonly cells: string[];
  readonly end: number;
}

/**
 * csv-parse's Parser used as a synchronous tokenizer: records are collected as they are parsed, with
 * `info.lines` at that moment (their last line); reading it here avoids the per-record context object
 * that csv-parse builds for `on_record` (a fifth of the parse time). The first error stops it for good.
 */
class RecordCollector extends CsvParser {
  readonly records: EndedRecord[] = [];
  lastEnd = 0;
  /** Physical lines before the parser's first line (read by the plain-line path): added to its line numbers. */
  lineOffset = 0;

  override push(chunk: unknown): boolean {
    if (chunk !== null) {
      this.lastEnd = this.info.lines + this.lineOffset;
      this.records.push({ cells: chunk as string[], end: this.lastEnd });
    }
    return true;
  }

  /** Parses `text` (whole lines) now, up to its first error, which it returns. */
  parseNow(text: string): CsvError | undefined {
    let failure: CsvError | undefined;
    this._transform(Buffer.from(text), 'utf8', (err) => (failure = (err as CsvError | null | undefined) ?? undefined));
    return failure;
  }

  /** Ends the input now; returns the error of the last record, if any. */
  endNow(): CsvError | undefined {
    let failure: CsvError | undefined;
    this._flush((err) => (failure = (err as CsvError | null | undefined) ?? undefined));
    return failure;
  }
}

/**
 * Text given to csv-parse in one call: from the first size on a new parser, doubling up to the last.
 * csv-parse stops at a bad record and the lines after it are read again, so this bounds the work a bad
 * record wastes, and a file with many bad records is not read in large pieces.
 */
const FIRST_PIECE_CHARS = 256;
const PIECE_CHARS = 64 * 1024;

/** A list of lines and how far it has been read. */
interface LineCursor {
  readonly lines: readonly Line[];
  at: number;
}

const BLANK = /^[ \t]*$/;

/**
 * Turns batches of physical lines into table events; `maxLine` null = no size limits.
 *
 * Lines are split without csv-parse until the first line that needs it (a quote, a comment sign inside
 * the line, …); from there on csv-parse reads on, starting at a record boundary. A record csv-parse
 * cannot read (a quote closed before other text, a quoted field that runs to the end of the file or
 * over the record size limit) is one error at its first line, and reading starts again at the line
 * after that one, on the plain-line path: a broken record costs its own first line, and each later line
 * is read as a row or reported, never dropped unseen.
 */
class TableParser {
  private parser: RecordCollector;
  /** Problems found outside the record stream (over-long lines), in line order. */
  private readonly problems: TableEvent[] = [];
  private longLines: number[] = [];
  private header: { line: number; width: number } | null = null;
  /** True once the read has ended (after finish). */
  done = false;
  private plain = true;
  /** The next text given to csv-parse starts with one blank line (see splitPlain). */
  private prime = false;
  /** Last line csv-parse would have returned as a record (or the last bad record's first line). */
  private lastRecordLine = 0;
  /** Lines given to csv-parse after its last complete record: what is read again after a bad record. */
  private pending: Line[] = [];
  private pieceChars = FIRST_PIECE_CHARS;

  constructor(
    private readonly dialect: CsvDialect,
    private readonly maxLine: number | null,
  ) {
    this.parser = this.newParser();
  }

  private newParser(): RecordCollector {
    return new RecordCollector({
      delimiter: this.dialect.delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      trim: true,
      ...(this.dialect.comments ? { comment: '#', comment_no_infix: true } : {}),
      max_record_size: this.maxLine === null ? 0 : 4 * this.maxLine,
    });
  }

  /** Events of the records completed by `lines` (and of bad records among them), in line order. */
  feed(lines: readonly Line[]): TableEvent[] {
    const out: TableEvent[] = [];
    if (!this.done) this.consume(lines, out);
    return out;
  }

  /** Events of the last record (and of the lines read again after it if it is bad) and the remaining problems. */
  finish(): TableEvent[] {
    const out: TableEvent[] = [];
    if (this.done) return out;
    while (!this.plain) {
      const failure = this.parser.endNow();
      this.drain(out);
      if (failure === undefined) break;
      this.consume(this.resync(failure, out), out);
    }
    this.done = true;
    for (const problem of this.problems.splice(0)) out.push(problem);
    return out;
  }

  private consume(input: readonly Line[], out: TableEvent[]): void {
    // Lines to read again after a bad record go on top, before the rest of what was below.
    const stack: LineCursor[] = [{ lines: input, at: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.at >= top.lines.length) {
        stack.pop();
        continue;
      }
      if (this.plain) this.splitPlain(top, out);
      else {
        const again = this.parsePiece(top, out);
        if (again.length > 0) stack.push({ lines: again, at: 0 });
      }
    }
  }

  /** Reads plain lines from `src` until one needs csv-parse (switching to it) or none is left. */
  private splitPlain(src: LineCursor, out: TableEvent[]): void {
    const lines = src.lines;
    let k = src.at;
    for (; k < lines.length; k++) {
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
        this.prime = l.line > 1;
        this.parser.lineOffset = l.line - 1 - (this.prime ? 1 : 0);
        this.parser.lastEnd = this.lastRecordLine;
        break;
      }
      if (cells.length > 1 || cells[0] !== '') this.lastRecordLine = l.line; // csv-parse skips the others as empty
      this.record(cells, l.line, l.line, out);
    }
    src.at = k;
  }

  /** Gives csv-parse the next piece of `src`; returns the lines to read again after a bad record (or none). */
  private parsePiece(src: LineCursor, out: TableEvent[]): Line[] {
    let text = this.prime ? '\n' : '';
    this.prime = false;
    const lines = src.lines;
    let k = src.at;
    while (k < lines.length && text.length < this.pieceChars) {
      const l = lines[k++];
      this.pending.push(l);
      if ('tooLong' in l) {
        this.problems.push(error(l.line, tooLongMessage(l.tooLong, this.maxLine ?? DEFAULT_MAX_LINE_BYTES)));
        this.longLines.push(l.line);
        text += '\n'; // keeps csv-parse's line count right without holding the line
      } else text += `${l.text}\n`;
    }
    src.at = k;
    const failure = this.parser.parseNow(text);
    this.drain(out);
    if (failure !== undefined) return this.resync(failure, out);
    if (this.pieceChars < PIECE_CHARS) this.pieceChars *= 2;
    const end = this.parser.lastEnd;
    let done = 0;
    while (done < this.pending.length && this.pending[done].line <= end) done++;
    if (done === this.pending.length) this.pending = [];
    else if (done > 0) this.pending.splice(0, done);
    return [];
  }

  /**
   * Reports the bad record csv-parse stopped at, at its first line, and starts reading afresh after that
   * line: returns the lines already given to csv-parse that follow it, to be read again.
   */
  private resync(failure: CsvError, out: TableEvent[]): Line[] {
    const lastEnd = this.parser.lastEnd;
    const start = this.recordStart(lastEnd);
    const at = typeof failure.lines === 'number' ? failure.lines + this.parser.lineOffset : start;
    while (this.problems.length > 0 && this.problems[0].line < start) out.push(this.problems.shift()!);
    out.push(error(start, this.badRecordMessage(failure, start, at)));
    // The lines after `start` are read again, with their over-long lines found again.
    this.problems.length = 0;
    this.longLines = [];
    const again = this.pending.filter((l) => l.line > start);
    this.pending = [];
    this.parser = this.newParser();
    this.pieceChars = FIRST_PIECE_CHARS;
    this.plain = true;
    this.prime = false;
    this.lastRecordLine = start;
    return again;
  }

  /** The first line after `lastEnd` that can start a record (not blank, not a comment). */
  private recordStart(lastEnd: number): number {
    for (const l of this.pending) {
      if (l.line <= lastEnd || 'tooLong' in l || BLANK.test(l.text)) continue;
      if (this.dialect.comments && l.text.charCodeAt(0) === HASH) continue;
      return l.line;
    }
    return lastEnd + 1;
  }

  private badRecordMessage(failure: CsvError, start: number, at: number): string {
    const readOn = '; this line is skipped and the lines after it are read as new records';
    if (failure.code === 'CSV_QUOTE_NOT_CLOSED') return `a quoted field is not closed before the end of the file${readOn}`;
    if (failure.code === 'CSV_MAX_RECORD_SIZE')
      return `the record is longer than ${4 * (this.maxLine ?? 0)} bytes (a quoted field that never closes?)${readOn}`;
    if (failure.code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE') {
      const hint = 'a quote inside a quoted cell is written twice: ""';
      return at > start
        ? `CSV: a quoted cell opened here closes at line ${at} with other text after it: a quote not closed here, or ${hint}${readOn}`
        : `CSV: a quoted cell is followed by other text before the next delimiter (${hint})`;
    }
    const message = `CSV: ${failure.message.replace(/ at line \d+/, '')}`;
    return at > start ? `${message} (at line ${at})${readOn}` : message;
  }

  private drain(out: TableEvent[]): void {
    for (const { cells, end } of this.parser.records.splice(0)) {
      const start = end - countLF(cells);
      while (this.problems.length > 0 && this.problems[0].line < start) out.push(this.problems.shift()!);
      this.record(cells, start, end, out);
    }
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
    const tooFew = cells.length < header.width && this.dialect.shortRows !== true;
    const tooMany = cells.length > header.width && !isBlank(cells.slice(header.width));
    if (this.dialect.strictWidth && (tooFew || tooMany))
      return `row has ${cells.length} field${cells.length === 1 ? '' : 's'}, the header (line ${header.line}) has ${header.width}`;
    return null;
  }
}
