/**
 * Project VIC VICS JSON (1.3 "odata.metadata", 2.0 "@odata.context"), read as a token stream with
 * stream-json so a multi-gigabyte file never sits in memory. Accepted shapes:
 *   {"value": [ {case…, "Media": [ {MD5, SHA1, PhotoDNA, Category, VictimIdentified, Series, MediaID…} ]} ]}
 *   {"value": [ {MD5, SHA1, Category, …} ]}               (hash sets: Media records directly under value)
 * Alternative hashes ("AlternativeHashes": [{"HashName": "PhotoDNA", "HashValue": …}]) are read too.
 * Each Media entry is reported by the file line of its opening brace; a bad entry is skipped.
 */
import { createRequire } from 'node:module';
import type { Transform } from 'node:stream';
import type { ImportItem } from '../types.js';
import { fieldOf, rowError, rowToItem, signalOf, SIGNAL_NAMES, type FieldName, type RawRow, type RowContext } from './fields.js';
import { normalizeName } from '../../tabular/header.js';
import { DepthClamp, TOO_DEEP, tooDeepMessage } from '../../tabular/json-depth.js';
import { DEFAULT_MAX_LINE_BYTES } from '../../tabular/lines.js';

const require = createRequire(import.meta.url);
const Parser = require('stream-json/Parser.js') as new (options: object) => Transform;

interface Token {
  readonly name: string;
  readonly value?: string;
}

/** How to read one VICS file. */
export interface VicsOptions {
  /** Largest Media entry kept, in characters of its captured values and brackets (default 1 MiB); bigger entries are reported. */
  readonly maxEntryChars?: number;
  /** Called with the document's odata context (it names the VICS version and model, e.g. …/2.0.xml/UK/…). */
  readonly onContext?: (context: string) => void;
}

type Role = 'root' | 'values' | 'record' | 'media' | 'entry';

interface Frame {
  readonly role: Role;
  key: string | null;
}

/** A Media entry being read: its fields so far, where it starts, and whether it outgrew the budget. */
interface Entry {
  readonly line: number;
  ordinal: number;
  readonly row: RawRow;
  /** Key each field came from, to name both sides of a contradiction. */
  readonly from: Partial<Record<FieldName, string>>;
  problem: string | null;
  chars: number;
  tooLarge: boolean;
  tooDeep: boolean;
  isCase: boolean;
}

function newEntry(line: number): Entry {
  return { line, ordinal: 0, row: {}, from: {}, problem: null, chars: 0, tooLarge: false, tooDeep: false, isCase: false };
}

/** Builds one JSON container value from tokens (strings arrive in chunks), charging its size to an entry. */
class Capture {
  private readonly stack: Array<unknown[] | Record<string, unknown>> = [];
  private readonly keys: Array<string | null> = [];
  private text = '';
  private pendingKey: string | null = null;
  value: unknown = undefined;
  done = false;

  constructor(
    private readonly entry: Entry,
    private readonly budget: number,
  ) {}

  private put(v: unknown): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      this.value = v;
      this.done = true;
    } else if (Array.isArray(top)) top.push(v);
    else top[this.pendingKey ?? ''] = v;
  }

  /** Feeds one token of the value; `done` turns true with its last token. */
  feed(t: Token): void {
    switch (t.name) {
      case 'startObject':
      case 'startArray': {
        this.charge(2);
        const c = t.name === 'startObject' ? {} : [];
        this.put(c);
        this.done = false;
        this.stack.push(c);
        this.keys.push(this.pendingKey);
        break;
      }
      case 'endObject':
      case 'endArray':
        this.stack.pop();
        this.pendingKey = this.keys.pop() ?? null;
        if (this.stack.length === 0) this.done = true;
        break;
      case 'startKey':
      case 'startString':
      case 'startNumber':
        this.text = '';
        break;
      case 'stringChunk':
      case 'numberChunk':
        if (this.charge(t.value!.length)) this.text += t.value;
        break;
      case 'endKey':
        this.pendingKey = this.text;
        break;
      case 'endString':
        this.put(this.text);
        break;
      case 'endNumber':
        this.put(Number(this.text));
        break;
      case 'trueValue':
        this.charge(4);
        this.put(true);
        break;
      case 'falseValue':
        this.charge(5);
        this.put(false);
        break;
      case 'nullValue':
        this.charge(4);
        this.put(null);
        break;
    }
  }

  /** Adds `n` characters to the entry; false once it is over budget. */
  private charge(n: number): boolean {
    this.entry.chars += n;
    if (this.entry.chars > this.budget) this.entry.tooLarge = true;
    return !this.entry.tooLarge;
  }
}

const enum Mode {
  Normal,
  Key,
  SkipScalar,
  CaptureScalar,
  CaptureTree,
  Context,
  SkipTree,
}

/** Marker for the AlternativeHashes list, which holds more hashes of the same entry. */
const ALT: unique symbol = Symbol('AlternativeHashes');
type Target = FieldName | typeof ALT;

/**
 * Consumes the token stream and produces items. An explicit state machine, so memory is bounded by the
 * nesting depth plus one Media entry's recognised fields.
 */
class VicsWalker {
  readonly out: ImportItem[] = [];
  line = 1;
  sawRoot = false;
  sawValues = false;
  private readonly stack: Frame[] = [];
  private mode = Mode.Normal;
  private text = '';
  private target: Target = 'note';
  private targetKey = '';
  private capture: Capture | null = null;
  /** Open containers of the value being skipped (Mode.SkipTree). */
  private skipDepth = 0;
  private record: Entry | null = null;
  private entry: Entry | null = null;
  private ordinal = 0;
  private readonly targets = new Map<string, Target | null>();

  constructor(
    private readonly ctx: () => RowContext,
    private readonly budget: number,
    private readonly onContext: (context: string) => void,
  ) {}

  /** True when the root object has been closed. */
  get finished(): boolean {
    return this.sawRoot && this.stack.length === 0;
  }

  private targetOf(key: string): Target | null {
    let t = this.targets.get(key);
    if (t === undefined) {
      t = normalizeName(key) === 'alternativehashes' ? ALT : fieldOf(key);
      if (this.targets.size < 1000) this.targets.set(key, t);
    }
    return t;
  }

  /** The document nests deeper than MAX_JSON_DEPTH here; the deeper part reads as null. */
  tooDeep(): void {
    const e = this.entry ?? this.record;
    if (e) e.tooDeep = true;
    else this.out.push(rowError(this.line, `${tooDeepMessage()} (outside any Media entry)`));
  }

  private into(): Entry {
    return this.entry ?? this.record!;
  }

  feed(t: Token): void {
    switch (this.mode) {
      case Mode.Key:
        if (t.name === 'stringChunk') {
          if (this.text.length < 256) this.text += t.value;
        } else if (t.name === 'endKey') {
          this.stack[this.stack.length - 1].key = this.text;
          this.mode = Mode.Normal;
        }
        return;
      case Mode.SkipScalar:
        if (t.name === 'endString' || t.name === 'endNumber') this.mode = Mode.Normal;
        return;
      case Mode.SkipTree:
        if (t.name === 'startObject' || t.name === 'startArray') this.skipDepth++;
        else if ((t.name === 'endObject' || t.name === 'endArray') && --this.skipDepth === 0) this.mode = Mode.Normal;
        return;
      case Mode.CaptureScalar:
      case Mode.Context:
        if (t.name === 'stringChunk' || t.name === 'numberChunk') {
          const e = this.mode === Mode.Context ? null : this.into();
          if (e) {
            e.chars += t.value!.length;
            if (e.chars > this.budget) e.tooLarge = true;
            else this.text += t.value;
          } else if (this.text.length < 4096) this.text += t.value;
        } else if (t.name === 'endString' || t.name === 'endNumber') {
          if (this.mode === Mode.Context) this.onContext(this.text);
          else {
            // Numbers stay as written (a 20-digit MediaID must not be rounded), except where a hash is
            // expected: there the type is kept so the message can say "must be text".
            const isHash = t.name === 'endNumber' && (SIGNAL_NAMES as readonly string[]).includes(this.target as string);
            this.set(this.into(), this.target, this.targetKey, isHash ? Number(this.text) : this.text);
          }
          this.mode = Mode.Normal;
        }
        return;
      case Mode.CaptureTree:
        this.capture!.feed(t);
        if (this.capture!.done) {
          this.set(this.into(), this.target, this.targetKey, this.capture!.value);
          this.capture = null;
          this.mode = Mode.Normal;
        }
        return;
    }
    switch (t.name) {
      case 'startKey':
        this.mode = Mode.Key;
        this.text = '';
        return;
      case 'endObject':
      case 'endArray':
        this.close();
        return;
      case 'startObject':
      case 'startArray':
      case 'startString':
      case 'startNumber':
      case 'trueValue':
      case 'falseValue':
      case 'nullValue':
        this.startValue(t);
    }
  }

  private open(t: Token, role: Role): void {
    this.stack.push({ role, key: null });
  }

  private skip(t: Token): void {
    if (t.name === 'startObject' || t.name === 'startArray') {
      this.mode = Mode.SkipTree;
      this.skipDepth = 1;
    }
    else if (t.name === 'startString' || t.name === 'startNumber') this.mode = Mode.SkipScalar;
  }

  private startValue(t: Token): void {
    const parent = this.stack[this.stack.length - 1];
    const isObject = t.name === 'startObject';
    const isArray = t.name === 'startArray';
    if (!parent) {
      this.sawRoot = true;
      if (!isObject) throw new VicsStructureError('the document is not a JSON object with a "value" list');
      this.open(t, 'root');
      return;
    }
    const key = parent.key ?? '';
    switch (parent.role) {
      case 'root': {
        const k = key.toLowerCase();
        if (k === 'value') {
          if (!isArray) throw new VicsStructureError('"value" is not a list');
          this.sawValues = true;
          this.open(t, 'values');
        } else if ((k === 'odata.metadata' || k === '@odata.context') && t.name === 'startString') {
          this.mode = Mode.Context;
          this.text = '';
        } else this.skip(t);
        return;
      }
      case 'values':
        if (!isObject) {
          this.out.push(rowError(this.line, 'an element of "value" is not an object; skipped'));
          this.skip(t);
          return;
        }
        this.record = newEntry(this.line);
        this.open(t, 'record');
        return;
      case 'record':
        if (isArray && normalizeName(key) === 'media') {
          this.record!.isCase = true;
          this.open(t, 'media');
          return;
        }
        if (this.record!.isCase) this.skip(t);
        else this.readField(t, key, this.record!);
        return;
      case 'media':
        if (!isObject) {
          this.out.push(rowError(this.line, `Media entry ${++this.ordinal}: not an object; skipped`));
          this.skip(t);
          return;
        }
        this.entry = newEntry(this.line);
        this.entry.ordinal = ++this.ordinal;
        this.open(t, 'entry');
        return;
      case 'entry':
        this.readField(t, key, this.entry!);
        return;
      default:
        this.skip(t);
    }
  }

  /** Starts reading the value of `key` into `e` if it is a recognised field, else skips it. */
  private readField(t: Token, key: string, e: Entry): void {
    const target = this.targetOf(key);
    if (target === null || e.tooLarge) return this.skip(t);
    this.target = target;
    this.targetKey = key;
    switch (t.name) {
      case 'startString':
      case 'startNumber':
        this.mode = Mode.CaptureScalar;
        this.text = '';
        return;
      case 'trueValue':
      case 'falseValue':
      case 'nullValue':
        this.set(e, target, key, t.name === 'trueValue' ? true : t.name === 'falseValue' ? false : null);
        return;
      default:
        this.capture = new Capture(e, this.budget);
        this.capture.feed(t);
        this.mode = Mode.CaptureTree;
    }
  }

  private set(e: Entry, target: Target, key: string, value: unknown): void {
    if (e.tooLarge) return;
    if (target === ALT) {
      if (!Array.isArray(value)) return;
      for (const alt of value) {
        if (typeof alt !== 'object' || alt === null) continue;
        const a = alt as Record<string, unknown>;
        const name = a.HashName ?? a.hashName;
        const hv = a.HashValue ?? a.hashValue;
        const signal = typeof name === 'string' ? signalOf(name) : null;
        if (signal !== null && hv !== undefined && hv !== null && hv !== '') this.set(e, signal, `AlternativeHashes ${String(name)}`, hv);
      }
      return;
    }
    const prev = e.from[target];
    if (prev !== undefined) {
      // Two different values of one hash type contradict each other; repeated metadata keeps the first.
      if ((SIGNAL_NAMES as readonly string[]).includes(target) && e.row[target] !== value)
        e.problem ??= `fields '${prev}' and '${key}' give different ${target} values`;
      return;
    }
    e.from[target] = key;
    e.row[target] = value;
  }

  private close(): void {
    const frame = this.stack.pop();
    if (!frame) return;
    if (frame.role === 'entry') {
      this.emit(this.entry!);
      this.entry = null;
    } else if (frame.role === 'record') {
      const rec = this.record!;
      this.record = null;
      // A record directly under "value" with fields of its own is a Media entry (hash-set shape).
      if (!rec.isCase && (rec.tooLarge || rec.tooDeep || Object.keys(rec.from).length > 0)) {
        rec.ordinal = ++this.ordinal;
        this.emit(rec);
      }
    }
  }

  private emit(e: Entry): void {
    const where = `Media entry ${e.ordinal}`;
    if (e.tooLarge) {
      this.out.push(rowError(e.line, `${where}: larger than ${this.budget} characters; skipped`));
      return;
    }
    if (e.tooDeep) {
      this.out.push(rowError(e.line, `${where}: ${tooDeepMessage()}`));
      return;
    }
    if (e.problem) {
      this.out.push(rowError(e.line, `${where}: ${e.problem}`));
      return;
    }
    const item = rowToItem(e.row, e.line, this.ctx());
    this.out.push(item.kind === 'error' ? rowError(e.line, `${where}: ${item.error.message}`) : item);
  }
}

/** A problem with the document's structure (not with one entry): the read stops there. */
class VicsStructureError extends Error {}

/**
 * Items of a VICS JSON file in file order. Entries with bad values are error items (line = the line of
 * the entry's opening brace, message names its ordinal). Invalid JSON or a wrong document shape ends the
 * read with one error item saying where; earlier entries stay valid. Rethrows read errors.
 */
export async function* readVicsList(chunks: AsyncIterable<Buffer>, ctx: RowContext, opts: VicsOptions = {}): AsyncGenerator<ImportItem> {
  let rowCtx: RowContext = ctx;
  const explicit = ctx.scheme !== undefined;
  const walker = new VicsWalker(() => rowCtx, opts.maxEntryChars ?? DEFAULT_MAX_LINE_BYTES, (context) => {
    opts.onContext?.(context);
    // The UK model numbers its categories its own way: without an explicit scheme, leave them unmapped.
    if (!explicit && /\/UK\//i.test(context)) rowCtx = { ...ctx, scheme: null };
  });
  // VICS categories are Project VIC's unless the caller says otherwise (or the policy lacks that scheme).
  if (!explicit) rowCtx = { ...ctx, scheme: ctx.policy.schemes.has('projectvic') ? 'projectvic' : undefined };

  const parser = new Parser({ packValues: false, streamValues: true });
  parser.on('error', () => {
    /* seen synchronously through parser.errored after each write */
  });
  let failure: string | null = null;
  const drain = (): void => {
    let t: Token | null;
    while ((t = parser.read() as Token | null) !== null) {
      try {
        walker.feed(t);
      } catch (err) {
        if (err instanceof VicsStructureError) {
          failure = err.message;
          return;
        }
        throw err;
      }
    }
  };
  const clamp = new DepthClamp();
  let line = 1;
  let failureAt = '';
  let failureLine = 1;
  // Writes up to and including each '{', so the parser emits an object's start while walker.line is the
  // line of its brace (the only position entries need), at a fraction of the cost of per-line writes.
  const write = (chunk: Buffer): void => {
    let pos = 0;
    while (pos < chunk.length && failure === null) {
      const brace = chunk.indexOf(0x7b, pos);
      const end = brace < 0 ? chunk.length : brace + 1;
      const fromLine = line;
      for (let i = chunk.indexOf(0x0a, pos); i >= 0 && i < end; i = chunk.indexOf(0x0a, i + 1)) line++;
      walker.line = line;
      parser.write(chunk.subarray(pos, end));
      drain();
      const err = (parser as unknown as { errored: Error | null }).errored;
      if (err && failure === null) failure = `not valid JSON (${err.message.replace(/^Parser /, '')})`;
      if (failure !== null) {
        failureLine = fromLine;
        failureAt = fromLine === line ? `line ${line}` : `lines ${fromLine}–${line}`;
      }
      pos = end;
    }
  };
  let first = true;
  try {
    for await (let chunk of chunks) {
      if (first) {
        first = false;
        if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      }
      // Anything nested deeper than the clamp allows reaches the parser as null, so neither the parser's
      // stack nor the walker's grows with a hostile document's depth.
      for (const piece of clamp.push(chunk)) {
        if (piece === TOO_DEEP) walker.tooDeep();
        else write(piece);
        if (walker.out.length) yield* walker.out.splice(0);
        if (failure !== null || walker.finished) break;
      }
      if (failure !== null || walker.finished) break;
    }
  } finally {
    parser.destroy();
  }
  if (walker.out.length) yield* walker.out.splice(0);
  if (failure !== null) yield rowError(failureLine, `${failure} in ${failureAt}; the rest of the file was not read`);
  else if (!walker.sawRoot) yield rowError(walker.line, 'empty document: expected a VICS JSON object with a "value" list');
  else if (!walker.finished) yield rowError(walker.line, 'the file ends inside the JSON document (truncated?)');
  else if (!walker.sawValues) yield rowError(1, 'no "value" list: not a VICS JSON document');
}
