/** Reading a table as a stream of small chunks, for comparing streamed reads with reads from memory. */
import { readCsvTable, type CsvDialect, type TableEvent } from '../../src/tabular/csv-read.js';

/** The text as a stream of `size`-byte chunks (splitting lines, quoted fields and UTF-8 sequences). */
export async function* chunked(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Every event of reading `text` through readCsvTable in `size`-byte chunks. */
export async function streamed(text: string, dialect: CsvDialect, size: number, maxLineBytes?: number): Promise<TableEvent[]> {
  const out: TableEvent[] = [];
  for await (const e of readCsvTable(chunked(text, size), dialect, { maxLineBytes })) out.push(e);
  return out;
}
