/**
 * The one code path from "a row of named values" (a CSV record, an NDJSON object, a VICS Media entry, a
 * text line) to an ImportItem: the lists' column vocabulary (synonyms, compared as tabular/header.ts
 * says), strict hash validation per signal type, boolean and number parsing, and the category → severity
 * mapping. Pure functions.
 */
import { escapeJsonControls } from '../../tabular/controls.js';
import type { SignalName, SignalType } from '../../hashing/signal-type.js';
import { SIGNAL_TYPES } from '../../hashing/signals.js';
import { PHOTODNA_SYNONYMS, signalOf, SIGNAL_SYNONYMS } from '../../hashing/signal-names.js';
import { severityOf, storedSchemeOf, UNMAPPED_SCHEME, type SeverityPolicy } from '../../policy/severity.js';
import { parseBoolean } from '../../tabular/boolean.js';
import { fieldLookup, type FieldLookup } from '../../tabular/header.js';
import type { EntryMeta, ImportHash, ImportItem, RowError } from '../types.js';

const TYPE_BY_NAME = new Map<SignalName, SignalType>(SIGNAL_TYPES.map((t) => [t.name, t]));

/** Width in bits of each signal type's value, from the signal-type registry. */
export const SIGNAL_BITS: Readonly<Record<SignalName, number>> = Object.fromEntries(SIGNAL_TYPES.map((t) => [t.name, t.bits])) as Record<SignalName, number>;

/** Every signal name, in registry order (the order used in messages). */
export const SIGNAL_NAMES: readonly SignalName[] = SIGNAL_TYPES.map((t) => t.name);

/** Canonical names of the values a list row may carry. */
export type FieldName =
  | SignalName
  | 'photodna'
  | 'hash'
  | 'type'
  | 'category'
  | 'scheme'
  | 'source'
  | 'series'
  | 'victimIdentified'
  | 'addedAt'
  | 'note'
  | 'quality'
  | 'externalId';

/** A row with canonical field names; values as the format gave them (text, number, boolean, null, arrays). */
export type RawRow = { [K in FieldName]?: unknown };

/** Per-list settings that shape how rows become items. */
export interface RowContext {
  readonly policy: SeverityPolicy;
  /**
   * Category scheme of every row, over any `scheme` cell: a name from the policy, undefined = the row's
   * `scheme` cell, else inferred per label; null = do not map (severity stays null).
   */
  readonly scheme?: string | null;
  /** Type of values whose type the row does not say and their length does not settle (64 hex digits). */
  readonly defaultType?: SignalName;
}

const FIELD_SYNONYMS: Record<Exclude<FieldName, SignalName>, readonly string[]> = {
  photodna: PHOTODNA_SYNONYMS,
  hash: ['hash', 'hashvalue', 'value', 'signal', 'signalvalue', 'digest', 'fingerprint'],
  type: ['type', 'hashtype', 'algorithm', 'hashalgorithm', 'signaltype', 'kind', 'hashname'],
  category: ['category', 'cat', 'categorylabel', 'classification', 'grade', 'label'],
  scheme: ['scheme', 'categoryscheme', 'schemename', 'classificationscheme'],
  source: ['source', 'sourcelist', 'origin', 'provider'],
  series: ['series', 'seriesname', 'seriesid'],
  victimIdentified: ['victimidentified', 'identifiedvictim', 'isvictimidentified', 'victimidentification', 'victimknown', 'knownvictim'],
  addedAt: ['addedat', 'dateadded', 'added', 'addedon', 'addeddate', 'firstseen'],
  note: ['note', 'notes', 'comment', 'comments', 'description', 'remark', 'remarks'],
  quality: ['quality', 'pdqquality', 'hashquality'],
  externalId: ['id', 'externalid', 'mediaid', 'entryid', 'hashid', 'recordid', 'reference', 'ref'],
};

/** Canonical field for a column or key name (compared with normalizeName, synonyms); null if unknown. */
export const fieldOf: FieldLookup<FieldName> = fieldLookup<FieldName>({ ...SIGNAL_SYNONYMS, ...FIELD_SYNONYMS });

/** Signal type named by a type word such as "MD5", "sha-1", "PDQ hash"; 'photodna' for PhotoDNA; null if unknown. */
export { signalOf };

/** Signal types whose values have exactly `digits` hex digits (e.g. 64 → sha256, pdq, blockhash). */
export function signalsWithDigits(digits: number): SignalName[] {
  return SIGNAL_NAMES.filter((s) => SIGNAL_BITS[s] >>> 2 === digits);
}

/** One hash read from text: its type and words. */
export interface ParsedHash {
  readonly signal: SignalName;
  readonly value: Uint32Array;
}

/**
 * Reads one hash as a user writes it anywhere hashtriage takes one (import text lists, `match`): bare hex,
 * or typed as `type:value`, `type<TAB>value`, `TYPE value` (type names in any case, with synonyms such as
 * SHA-1). A bare value has `type` when given, else every type with that many hex digits (32 md5, 40 sha1,
 * 64 sha256, pdq and blockhash): all of them are returned. Text after the value (a file name, as `md5sum`
 * prints it) is ignored. Returns the readings, or a message saying what is wrong. Pure.
 */
export function parseHashText(text: string, type?: SignalName): ParsedHash[] | string {
  const row = parseTypedHash(text);
  if (row === null) return 'empty: expected a hash';
  const hashText = typeof row.hash === 'string' ? row.hash : '';
  const typeWord = typeof row.type === 'string' ? row.type : null;
  if (typeWord !== null) {
    const named = signalOf(typeWord);
    if (named === null) return `unknown hash type '${typeWord}' (expected ${SIGNAL_NAMES.join(', ')})`;
    if (named === 'photodna') return 'PhotoDNA values are kept in the index but never compared';
    if (type !== undefined && named !== type) return `the value says ${named} but --algorithm is ${type}`;
    if (hashText === '') return `no ${named} value after the type`;
    const words = parseHashValue(named, hashText);
    return typeof words === 'string' ? words : [{ signal: named, value: words }];
  }
  if (type !== undefined) {
    const words = parseHashValue(type, hashText);
    return typeof words === 'string' ? words : [{ signal: type, value: words }];
  }
  const problem = nonHexProblem('hash', hashText);
  if (problem) return `${problem}; expected ${digitChoices()}, or type:value`;
  const candidates = signalsWithDigits(hashText.length);
  if (candidates.length === 0) return `hash value has ${hashText.length} hex digits; expected ${digitChoices()}`;
  return candidates.map((signal) => ({ signal, value: parseHashValue(signal, hashText) as Uint32Array }));
}

/** "32 (md5), 40 (sha1) or 64 (sha256, pdq, blockhash) hex digits", from the registry. */
function digitChoices(): string {
  const lengths = [...new Set(SIGNAL_NAMES.map((s) => SIGNAL_BITS[s] >>> 2))].map((d) => `${d} (${signalsWithDigits(d).join(', ')})`);
  return `${lengths.slice(0, -1).join(', ')}${lengths.length > 1 ? ' or ' : ''}${lengths[lengths.length - 1]} hex digits`;
}

/** A hash line split as text lists and `match` read it: optional type word, value, and what follows. */
export interface HashLineParts {
  readonly type: string | null;
  readonly hash: string | null;
  /** Text after the value (e.g. the file name in `md5sum` output); '' when none. */
  readonly rest: string;
}

/**
 * Splits a hash line: bare hex (`abc…  name`), or typed as `type:value`, `type<TAB>value`, `type value`
 * (a first word that is not hex counts as a type only with ':' or a tab after it, or when it names a
 * signal type). Null for an empty line.
 */
export function splitHashLine(text: string): HashLineParts | null {
  const t = text.trim();
  if (t === '') return null;
  const m = /^([^\s:]+)(\s*:\s*|\t\s*|\s+|$)(.*)$/.exec(t)!;
  const [, first, sep, rest] = m;
  if (/^[0-9a-fA-F]+$/.test(first)) return { type: null, hash: first, rest };
  const typed = sep.includes(':') || sep.includes('\t') || signalOf(first) !== null;
  if (!typed) return { type: null, hash: first, rest: '' };
  if (rest === '') return { type: first, hash: null, rest: '' };
  const v = /^(\S+)\s*(.*)$/.exec(rest)!;
  return { type: first, hash: v[1], rest: v[2] };
}

/** The `type` and `hash` of a hash line as a row; null for an empty one. */
function parseTypedHash(text: string): RawRow | null {
  const parts = splitHashLine(text);
  if (parts === null) return null;
  return { ...(parts.type !== null ? { type: parts.type } : {}), ...(parts.hash !== null ? { hash: parts.hash } : {}) };
}

/** A problem with one row; caught by rowToItem and turned into a RowError. */
class RowProblem extends Error {}

const NOT_HEX = /[^0-9a-fA-F]/;

/** Describes why `text` is not hex, or null when it is all hex digits. */
function nonHexProblem(what: string, text: string): string | null {
  const m = NOT_HEX.exec(text);
  if (!m) return null;
  const ch = m[0];
  const shown = /^[\x21-\x7e]$/.test(ch) ? `'${ch}'` : escapeJsonControls(JSON.stringify(ch));
  return `${what} value has non-hex character ${shown} at position ${m.index + 1}`;
}

/**
 * Parses a hex value of `signal` strictly: exactly bits/4 hex digits (either case), no prefix, no spaces.
 * Returns the words or a message such as "pdq value has 63 hex digits, expected 64".
 */
export function parseHashValue(signal: SignalName, text: string): Uint32Array | string {
  const bits = SIGNAL_BITS[signal];
  const words = TYPE_BY_NAME.get(signal)!.parse(text);
  if (words) return words;
  return nonHexProblem(signal, text) ?? `${signal} value has ${text.length} hex digits, expected ${bits >>> 2}`;
}

/** Text of a scalar value, trimmed; null for absent/empty; throws RowProblem for objects and booleans. */
function textOf(field: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') {
    const t = value.trim();
    return t === '' ? null : t;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new RowProblem(`${field} must be text or a number, got ${describe(value)}`);
}

/** Text of a hash value: only strings count (a number would lose leading zeros). */
function hashText(field: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new RowProblem(`${field} value must be text, got ${describe(value)}`);
  const t = value.trim();
  return t === '' ? null : t;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Which signal a `hash` value without a named column belongs to: the row's type, --type, or its length. */
function untypedSignal(text: string, typeWord: string | null, ctx: RowContext): SignalName | 'photodna' {
  if (typeWord !== null) {
    const s = signalOf(typeWord);
    if (s === null) throw new RowProblem(`unknown hash type '${typeWord}' (expected ${SIGNAL_NAMES.join(', ')})`);
    return s;
  }
  const problem = nonHexProblem('hash', text);
  if (problem) throw new RowProblem(problem);
  const def = ctx.defaultType;
  if (def && SIGNAL_BITS[def] >>> 2 === text.length) return def;
  const candidates = signalsWithDigits(text.length);
  if (candidates.length === 1) return candidates[0];
  if (candidates.length > 1) {
    throw new RowProblem(
      def
        ? `hash value has ${text.length} hex digits but the list's type ${def} expects ${SIGNAL_BITS[def] >>> 2}`
        : `hash value has ${text.length} hex digits, which could be ${candidates.join(', ')}: give the type (--type, a type column, or a 'type:value' line)`,
    );
  }
  const lengths = [...new Set(SIGNAL_NAMES.map((s) => SIGNAL_BITS[s] >>> 2))]
    .map((d) => `${d} (${signalsWithDigits(d).join(', ')})`)
    .join(', ');
  throw new RowProblem(`hash value has ${text.length} hex digits; expected one of ${lengths}`);
}

function qualityOf(value: unknown): number | null {
  const t = textOf('quality', value);
  if (t === null) return null;
  const n = Number(t);
  if (!/^\d{1,3}$/.test(t) || n > 100) throw new RowProblem(`quality '${t}' is not an integer from 0 to 100`);
  return n;
}

function seriesOf(value: unknown): string | null {
  if (Array.isArray(value)) {
    const parts = value.map((v) => textOf('series', v)).filter((v): v is string => v !== null);
    return parts.length ? parts.join(', ') : null;
  }
  return textOf('series', value);
}

/** Caches label → severity per context and scheme: lists repeat a handful of labels millions of times. */
const severityCache = new WeakMap<RowContext, Map<string | undefined, Map<string, number | null>>>();

/** Severity of `label` under `scheme` (a policy name, undefined = inferred, null = unmapped). */
function severityFor(label: string | null, scheme: string | null | undefined, ctx: RowContext): number | null {
  if (label === null || scheme === null) return null;
  let bySchemes = severityCache.get(ctx);
  if (!bySchemes) severityCache.set(ctx, (bySchemes = new Map()));
  let cache = bySchemes.get(scheme);
  if (!cache) bySchemes.set(scheme, (cache = new Map()));
  let rank = cache.get(label);
  if (rank === undefined) {
    rank = severityOf(ctx.policy, label, scheme);
    if (cache.size < 10_000) cache.set(label, rank);
  }
  return rank;
}

/**
 * The scheme of a row: the list's when one was given (--scheme wins, so a list whose `scheme` column means
 * something else can still be read), else the one its own `scheme` cell names (null: unmapped), else
 * undefined (inferred per label).
 */
function rowSchemeOf(value: unknown, ctx: RowContext): string | null | undefined {
  if (ctx.scheme !== undefined) return ctx.scheme;
  const word = textOf('scheme', value);
  if (word === null) return undefined;
  try {
    const stored = storedSchemeOf(ctx.policy, word.toLowerCase());
    return stored === UNMAPPED_SCHEME ? null : stored;
  } catch {
    throw new RowProblem(`category scheme '${word}' is not defined by the severity policy (it defines ${[...ctx.policy.schemes.keys()].join(', ')}; 'none' leaves labels unmapped)`);
  }
}

/**
 * Turns one row into an ImportItem: a 'row' with every hash validated and the metadata normalised, or an
 * 'error' whose message says what is wrong (the line is the caller's). Never throws for bad data.
 * A row needs at least one comparable hash; PhotoDNA and `source` are kept in `opaque`.
 */
export function rowToItem(raw: RawRow, line: number, ctx: RowContext): ImportItem {
  try {
    const hashes: ImportHash[] = [];
    for (let i = 0; i < SIGNAL_NAMES.length; i++) {
      const signal = SIGNAL_NAMES[i];
      const text = hashText(signal, raw[signal]);
      if (text !== null) addHash(hashes, signal, text);
    }
    let opaque: Record<string, string> | null = null;
    const photodna = hashText('photodna', raw.photodna);
    if (photodna !== null) opaque = { photodna };
    const untyped = hashText('hash', raw.hash);
    const typeWord = textOf('type', raw.type);
    if (untyped !== null) {
      const signal = untypedSignal(untyped, typeWord, ctx);
      if (signal === 'photodna') opaque = { ...opaque, photodna: untyped };
      else addHash(hashes, signal, untyped);
    } else if (typeWord !== null && signalOf(typeWord) === null)
      throw new RowProblem(`unknown hash type '${typeWord}' (expected ${SIGNAL_NAMES.join(', ')})`);
    if (hashes.length === 0) {
      throw new RowProblem(
        opaque
          ? `only a PhotoDNA value, which is kept but never compared: the row needs one of ${SIGNAL_NAMES.join(', ')}`
          : `no hash value (expected one of ${SIGNAL_NAMES.join(', ')})`,
      );
    }

    const source = textOf('source', raw.source);
    if (source !== null) opaque = { ...opaque, source };
    const victim = parseBoolean(raw.victimIdentified);
    if (victim === undefined)
      throw new RowProblem(`victim_identified value ${JSON.stringify(raw.victimIdentified)} is not a boolean (true/false, yes/no, 1/0)`);
    const category = textOf('category', raw.category);
    const scheme = rowSchemeOf(raw.scheme, ctx);
    const meta: EntryMeta = {
      category,
      severity: severityFor(category, scheme, ctx),
      scheme: scheme === null ? UNMAPPED_SCHEME : (scheme ?? null),
      series: seriesOf(raw.series),
      victimIdentified: victim,
      externalId: textOf('id', raw.externalId),
      addedAt: textOf('added_at', raw.addedAt),
      note: textOf('note', raw.note),
      quality: qualityOf(raw.quality),
    };
    return { kind: 'row', row: opaque ? { line, hashes, meta, opaque } : { line, hashes, meta } };
  } catch (err) {
    if (err instanceof RowProblem) return rowError(line, err.message);
    throw err;
  }
}

/** Validates one hash and appends it; throws RowProblem for a bad value or a second value of the same type. */
function addHash(hashes: ImportHash[], signal: SignalName, text: string): void {
  const words = parseHashValue(signal, text);
  if (typeof words === 'string') throw new RowProblem(words);
  for (let i = 0; i < hashes.length; i++) if (hashes[i].signal === signal) throw new RowProblem(`two ${signal} values in one row`);
  hashes.push({ signal, value: words });
}

/** An 'error' item for `line`. */
export function rowError(line: number, message: string): ImportItem {
  return { kind: 'error', error: { line, message } };
}

/** The one-line form of a row error for people: "path:line: message". */
export function formatRowError(path: string, error: RowError): string {
  return `${path}:${error.line}: ${error.message}`;
}
