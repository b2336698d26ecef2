/**
 * The one conversion between hashing records (signals by type name, record.ts) and their flat output
 * form: what `hash` prints, items.ndjson carries and the case database stores. After the file's facts
 * (bytes, format, width, height) each signal type in SIGNAL_TYPES order gives its value under its name,
 * its quality under `<name>Quality` (types with a quality) and its variants under `<name>Dihedral`
 * (types with variants) and its region variants under `<name>Regions` (types with regions).
 */
import type { ErrorCode } from '../errors.js';
import { NO_SIGNALS, type FileHashResult, type SignalValue, type SignalValues } from './record.js';
import { SIGNAL_TYPES } from './signals.js';
import { DIHEDRAL_NAMES, REGION_NAMES, type DihedralName, type RegionName, type SignalName, type SignalType } from './signal-type.js';

/** Output field names of one signal type; null where the type has no such field. */
export interface SignalFieldNames {
  readonly value: string;
  readonly quality: string | null;
  readonly variants: string | null;
  readonly regions: string | null;
}

/** The output field names of `type`. */
export function signalFieldNames(type: SignalType): SignalFieldNames {
  const perceptual = type.source === 'pixels';
  return {
    value: type.name,
    quality: perceptual && type.hasQuality ? `${type.name}Quality` : null,
    variants: perceptual && type.supportsDihedral ? `${type.name}Dihedral` : null,
    regions: perceptual && type.supportsRegions ? `${type.name}Regions` : null,
  };
}

/** A flat output record. */
export type OutputFields = Record<string, unknown>;

const FIELDS: ReadonlyArray<{ readonly name: SignalName; readonly names: SignalFieldNames }> = SIGNAL_TYPES.map((t) => ({
  name: t.name,
  names: signalFieldNames(t),
}));

/**
 * Writes the file's facts and signals onto `out` in output order. Not complete: only what the record
 * has (format, width and height only for a hashed file), as `hash` prints it. Complete: every field of
 * every signal type, null where the record has none, as items.ndjson carries it.
 */
export function putHashFields(out: OutputFields, result: FileHashResult, complete: boolean): void {
  if (result.bytes !== undefined || complete) out.bytes = result.bytes ?? null;
  if (result.ok) {
    out.format = result.format;
    out.width = result.width;
    out.height = result.height;
  } else if (complete) {
    out.format = null;
    out.width = null;
    out.height = null;
  }
  for (const { name, names } of FIELDS) {
    const s = result.signals[name];
    if (s === undefined && !complete) continue;
    out[names.value] = s?.value ?? null;
    if (names.quality !== null && (complete || s?.quality !== undefined)) out[names.quality] = s?.quality ?? null;
    if (names.variants !== null && (complete || s?.variants !== undefined)) out[names.variants] = s?.variants ?? null;
    if (names.regions !== null && (complete || s?.regions !== undefined)) out[names.regions] = s?.regions ?? null;
  }
}

/** The output record of one file: path (and pathBytes when present), ok, its facts and signals, then the error of a failed file. */
export function hashRecordToFields(result: FileHashResult): OutputFields {
  const out: OutputFields = { path: result.path };
  if (result.pathBytes !== undefined) out.pathBytes = result.pathBytes;
  out.ok = result.ok;
  putHashFields(out, result, false);
  if (!result.ok) out.error = result.error;
  return out;
}

function variantsFrom<N extends string>(field: unknown, names: readonly N[]): Partial<Record<N, string>> | undefined {
  if (field === null || typeof field !== 'object') return undefined;
  const out: Partial<Record<N, string>> = {};
  for (const variant of names) {
    const text = (field as Record<string, unknown>)[variant];
    if (typeof text === 'string') out[variant] = text;
  }
  return out;
}

/**
 * The signals carried by an output record: each signal type whose value field is text, with its quality
 * when a number and its variants and regions (those that are text) when objects. Values are kept as read: callers
 * parse them with the signal type, which rejects malformed ones.
 */
export function signalsFromFields(fields: OutputFields): SignalValues {
  let out: Partial<Record<SignalName, SignalValue>> | null = null;
  for (const { name, names } of FIELDS) {
    const value = fields[names.value];
    if (typeof value !== 'string') continue;
    const quality = names.quality === null ? undefined : fields[names.quality];
    const variants = names.variants === null ? undefined : variantsFrom<DihedralName>(fields[names.variants], DIHEDRAL_NAMES);
    const regions = names.regions === null ? undefined : variantsFrom<RegionName>(fields[names.regions], REGION_NAMES);
    out ??= {};
    out[name] = {
      value,
      ...(typeof quality === 'number' ? { quality } : {}),
      ...(variants !== undefined ? { variants } : {}),
      ...(regions !== undefined ? { regions } : {}),
    };
  }
  return out ?? NO_SIGNALS;
}

const textOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const numberOrNull = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/**
 * The record an output record was written from (inverse of hashRecordToFields for records it wrote).
 * Lenient: a missing fact reads as null (bytes as 0 for a hashed file), a failed file without an error
 * code as INTERNAL.
 */
export function hashRecordFromFields(fields: OutputFields): FileHashResult {
  const path = textOrNull(fields.path) ?? '';
  const pathBytes = textOrNull(fields.pathBytes);
  const raw = pathBytes === null ? {} : { pathBytes };
  const bytes = numberOrNull(fields.bytes);
  const signals = signalsFromFields(fields);
  if (fields.ok === true) {
    return { path, ...raw, ok: true, bytes: bytes ?? 0, format: textOrNull(fields.format), width: numberOrNull(fields.width), height: numberOrNull(fields.height), signals };
  }
  const error = (fields.error ?? {}) as { code?: unknown; message?: unknown };
  return {
    path,
    ...raw,
    ok: false,
    ...(bytes !== null ? { bytes } : {}),
    signals,
    error: { code: (textOrNull(error.code) ?? 'INTERNAL') as ErrorCode, message: textOrNull(error.message) ?? '' },
  };
}
