/**
 * The NDJSON reader of every tabular input: one JSON object per line, blank lines skipped, each object or
 * problem with its line number. A line nested deeper than MAX_JSON_DEPTH is an error, found before parsing. Streams with bounded memory, or reads a text already in memory.
 */
import { depthExceededAt, tooDeepMessage } from './json-depth.js';
import { DEFAULT_MAX_LINE_BYTES, readLines, splitLines, tooLongMessage, type Line } from './lines.js';

/** One line of an NDJSON input: an object, or why the line is not one. */
export type ObjectEvent =
  | { readonly kind: 'object'; readonly line: number; readonly value: Record<string, unknown> }
  | { readonly kind: 'error'; readonly line: number; readonly message: string };

/** The objects of `chunks` in line order; a line over `maxLineBytes` (default 1 MiB) is an error, not held. */
export async function* readNdjson(chunks: AsyncIterable<Buffer>, maxLineBytes?: number): AsyncGenerator<ObjectEvent> {
  for await (const batch of readLines(chunks, maxLineBytes)) {
    for (const l of batch) {
      const event = eventOf(l, maxLineBytes);
      if (event !== null) yield event;
    }
  }
}

/** The objects of a text already in memory, with the rules of readNdjson (a line over `maxLineBytes` is an error). */
export function ndjsonOfText(text: string, maxLineBytes = DEFAULT_MAX_LINE_BYTES): ObjectEvent[] {
  const out: ObjectEvent[] = [];
  for (const l of splitLines(text)) {
    const bytes = 'text' in l && l.text.length > maxLineBytes / 3 ? Buffer.byteLength(l.text) : 0;
    const event = bytes > maxLineBytes ? eventOf({ line: l.line, tooLong: bytes }, maxLineBytes) : eventOf(l, maxLineBytes);
    if (event !== null) out.push(event);
  }
  return out;
}

function eventOf(l: Line, maxLineBytes?: number): ObjectEvent | null {
  if ('tooLong' in l) return { kind: 'error', line: l.line, message: tooLongMessage(l.tooLong, maxLineBytes) };
  const text = l.text.trim();
  if (text === '') return null;
  if (depthExceededAt(text) >= 0) return { kind: 'error', line: l.line, message: tooDeepMessage() };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { kind: 'error', line: l.line, message: `not valid JSON: ${(err as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { kind: 'error', line: l.line, message: `expected a JSON object, got ${Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value}` };
  return { kind: 'object', line: l.line, value: value as Record<string, unknown> };
}
