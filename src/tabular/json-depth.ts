/**
 * Nesting depth of JSON text, measured before parsing: a row nested thousands of levels deep parses
 * fine but overflows the stack of whatever walks the value next (JSON.stringify, structured clone).
 */

/** Deepest nesting accepted in one row or entry: real rows nest two or three levels. */
export const MAX_JSON_DEPTH = 64;

/**
 * The first position where `text` nests deeper than `limit` brackets, or -1 if it never does. Brackets
 * inside strings (escapes included) do not count; runs in one pass without allocating.
 */
export function depthExceededAt(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

/** The message for a row or entry nested too deeply. */
export function tooDeepMessage(limit = MAX_JSON_DEPTH): string {
  return `nested more than ${limit} levels deep; skipped`;
}

/** Marks where DepthClamp cut out a value nested too deeply. */
export const TOO_DEEP: unique symbol = Symbol('too deep');

const NULL = Buffer.from('null');
const NEWLINE = 0x0a;

/**
 * Rewrites a JSON byte stream so that no value nests deeper than `limit`: each too-deep value becomes
 * `null` (its line breaks kept, so later line numbers hold), announced by TOO_DEEP just before it.
 * Keeps only a few counters between chunks, whatever the input's depth.
 */
export class DepthClamp {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Open containers of the value being cut out (0: not cutting). */
  private cutting = 0;

  constructor(private readonly limit = MAX_JSON_DEPTH) {}

  /** The pieces of `chunk` to pass on, in order. */
  push(chunk: Buffer): Array<Buffer | typeof TOO_DEEP> {
    const out: Array<Buffer | typeof TOO_DEEP> = [];
    let from = 0;
    let newlines = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.cutting > 0 && c === NEWLINE) newlines++;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
        continue;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x5b || c === 0x7b) {
        if (this.cutting > 0) this.cutting++;
        else if (this.depth === this.limit) {
          if (i > from) out.push(chunk.subarray(from, i));
          out.push(TOO_DEEP, NULL);
          this.cutting = 1;
        } else this.depth++;
      } else if (c === 0x5d || c === 0x7d) {
        if (this.cutting === 0) this.depth--;
        else if (--this.cutting === 0) {
          if (newlines > 0) out.push(Buffer.alloc(newlines, NEWLINE));
          newlines = 0;
          from = i + 1;
        }
      }
    }
    if (this.cutting > 0) {
      if (newlines > 0) out.push(Buffer.alloc(newlines, NEWLINE));
    } else if (from < chunk.length) out.push(from === 0 ? chunk : chunk.subarray(from));
    return out;
  }
}
