/**
 * Splits input into numbered text lines: a byte stream with bounded memory (a line longer than the limit
 * is reported, with its length, instead of being held, so one corrupt multi-gigabyte "line" cannot
 * exhaust memory), or a text already in memory. A UTF-8 byte-order mark at the start and CR before LF
 * are dropped.
 */

/** One physical line: its text (without the line break), or `tooLong` with its byte length. */
export type Line = { readonly line: number; readonly text: string } | { readonly line: number; readonly tooLong: number };

/** Default limit on one line's length in bytes (hash lists have short lines; notes rarely exceed a few KB). */
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

/** The message for a skipped over-long line or record. */
export function tooLongMessage(bytes: number, limit = DEFAULT_MAX_LINE_BYTES): string {
  return `line is ${bytes} bytes long, more than the limit of ${limit} bytes; skipped`;
}

/**
 * Yields the lines of `chunks` in order, in batches (one per input chunk) to keep per-line overhead low.
 * Guarantees: line numbers are 1-based physical lines; memory stays within one chunk plus `maxLineBytes`.
 */
export async function* readLines(chunks: AsyncIterable<Buffer>, maxLineBytes = DEFAULT_MAX_LINE_BYTES): AsyncGenerator<Line[]> {
  let lineNo = 1;
  let parts: Buffer[] = [];
  let partLen = 0;
  let overflow = 0; // >0: the current line is too long; counts its bytes while skipping to the next LF
  const decode = (buf: Buffer, start: number, end: number): string => {
    if (end > start && buf[end - 1] === 0x0d) end--;
    let text = buf.toString('utf8', start, end);
    if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return text;
  };
  for await (const chunk of chunks) {
    const out: Line[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(0x0a, pos);
      const end = nl < 0 ? chunk.length : nl;
      if (overflow > 0) {
        overflow += end - pos;
      } else if (partLen + (end - pos) > maxLineBytes) {
        overflow = partLen + (end - pos);
        parts = [];
        partLen = 0;
      } else if (nl >= 0 && partLen === 0) {
        out.push({ line: lineNo, text: decode(chunk, pos, end) });
      } else {
        parts.push(chunk.subarray(pos, end));
        partLen += end - pos;
        if (nl >= 0) {
          const whole = Buffer.concat(parts, partLen);
          out.push({ line: lineNo, text: decode(whole, 0, whole.length) });
          parts = [];
          partLen = 0;
        }
      }
      if (nl < 0) break;
      if (overflow > 0) {
        out.push({ line: lineNo, tooLong: overflow });
        overflow = 0;
      }
      lineNo++;
      pos = nl + 1;
    }
    // Partial-line pieces may share the chunk's memory: copy them so the chunk can be released.
    if (parts.length && parts[parts.length - 1].buffer === chunk.buffer) parts[parts.length - 1] = Buffer.from(parts[parts.length - 1]);
    if (out.length) yield out;
  }
  if (overflow > 0) yield [{ line: lineNo, tooLong: overflow }];
  else if (partLen > 0) {
    const whole = Buffer.concat(parts, partLen);
    yield [{ line: lineNo, text: decode(whole, 0, whole.length) }];
  }
}

/** The lines of a text already in memory, numbered from 1, without length limit; same rules as readLines. */
export function splitLines(text: string): Line[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const parts = body.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts.map((part, i) => ({ line: i + 1, text: part.endsWith('\r') ? part.slice(0, -1) : part }));
}
