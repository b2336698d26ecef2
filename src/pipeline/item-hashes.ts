/**
 * Reading one signal type's value out of a FileHashResult, as words for matching, without naming
 * algorithms: the record keeps each signal under its type's name (see src/hashing/record.ts).
 */
import type { FileHashResult } from '../hashing/record.js';
import { SIGNAL_TYPES } from '../hashing/signals.js';
import { DIHEDRAL_NAMES, LIST_REGION, REGION_NAMES, type DihedralName, type RegionName, type SignalType } from '../hashing/signal-type.js';
import type { SeenItem } from '../sightings/sightings-store.js';
import type { ScanItem } from './types.js';

/** One signal's value for one file: parsed words, quality (null when the type has none) and variants. */
export interface ItemSignal {
  readonly hex: string;
  readonly value: Uint32Array;
  readonly quality: number | null;
  readonly variants: ReadonlyArray<{ readonly name: DihedralName; readonly value: Uint32Array }>;
  /** Region variants the record carries (parsable ones), in REGION_NAMES order. */
  readonly regions: ReadonlyArray<{ readonly name: RegionName; readonly value: Uint32Array }>;
}

/** The forms `texts` carries under `names` that parse as values of `signal`, in the order of `names`. */
function parsedForms<N extends string>(signal: SignalType, names: readonly N[], texts: Partial<Record<N, string>> | undefined): Array<{ name: N; value: Uint32Array }> {
  const out: Array<{ name: N; value: Uint32Array }> = [];
  if (texts === undefined) return out;
  for (const name of names) {
    const text = texts[name];
    const v = text === undefined ? null : signal.parse(text);
    if (v !== null) out.push({ name, value: v });
  }
  return out;
}

/** The value of `signal` in `hash`, or null when the file has none (or an unparsable one). */
export function itemSignal(hash: FileHashResult, signal: SignalType): ItemSignal | null {
  const carried = hash.signals[signal.name];
  if (carried === undefined) return null;
  const value = signal.parse(carried.value);
  if (value === null) return null;
  const variants = parsedForms(signal, DIHEDRAL_NAMES, carried.variants);
  const regions = parsedForms(signal, REGION_NAMES, carried.regions);
  return { hex: carried.value, value, quality: carried.quality ?? null, variants, regions };
}

/**
 * The forms of a value searched against known lists on its behalf: its rotated/flipped variants when
 * `dihedral`, then the content inside its borders when it has one (lists hold the plain picture's hash;
 * crop regions are compared within a batch only).
 */
export function listVariants(s: ItemSignal, dihedral: boolean): Array<{ readonly name: DihedralName | typeof LIST_REGION; readonly value: Uint32Array }> {
  const content = s.regions.filter((r) => r.name === LIST_REGION).map((r) => ({ name: LIST_REGION, value: r.value }));
  return [...(dihedral ? s.variants : []), ...content];
}

/** True when every word is zero: the conventional "could not be hashed" value, never matched. */
export function isAllZero(value: Uint32Array): boolean {
  for (let i = 0; i < value.length; i++) if (value[i] !== 0) return false;
  return true;
}

/**
 * True when this value may be used to match or group: a digest of a non-empty file, or a perceptual hash
 * that is not all zeros and whose quality is at least the type's bar (any quality with includeLowQuality).
 */
export function isMatchable(hash: FileHashResult, signal: SignalType, s: ItemSignal, includeLowQuality = false): boolean {
  if (signal.source === 'bytes') return hash.bytes !== 0;
  if (isAllZero(s.value)) return false;
  return includeLowQuality || s.quality === null || s.quality >= signal.minMatchQuality;
}

/** True when the file has a perceptual hash below its type's quality bar (kept and flagged, not matched). */
export function hasLowQuality(hash: FileHashResult, signals: readonly SignalType[]): boolean {
  for (const signal of signals) {
    if (signal.source !== 'pixels' || signal.minMatchQuality <= 0) continue;
    const s = itemSignal(hash, signal);
    if (s !== null && (s.quality ?? 100) < signal.minMatchQuality) return true;
  }
  return false;
}

/** The widest digest type among `types` (the one that best identifies a file's bytes), or null. */
function widestDigest(types: readonly SignalType[]): SignalType | null {
  return types.filter((t) => t.source === 'bytes').reduce<SignalType | null>((best, t) => (best === null || t.bits > best.bits ? t : best), null);
}

const CONTENT_DIGEST = widestDigest(SIGNAL_TYPES);

/** The file's widest digest as hex, identifying its bytes; null for an empty or unread file. */
export function contentDigest(hash: FileHashResult): string | null {
  if (CONTENT_DIGEST === null || hash.bytes === 0) return null;
  return hash.signals[CONTENT_DIGEST.name]?.value ?? null;
}

/**
 * The signal types a scan records as 'seen': one per source, the widest digest (it identifies the bytes)
 * and the first perceptual type in `signalTypes` order (the primary one, for near-duplicates). Later
 * scans compute every type, so recording the others would only add writes to the index.
 */
export function seenSignalTypes(signalTypes: readonly SignalType[]): SignalType[] {
  const widest = widestDigest(signalTypes);
  const primary = signalTypes.find((t) => t.source === 'pixels') ?? null;
  return signalTypes.filter((t) => t === widest || t === primary);
}

/** The values of the scan's items that later scans should recognise: their matchable values of seenSignalTypes. */
export function seenItemsOf(items: ReadonlyArray<Pick<ScanItem, 'path' | 'hash'>>, at: string, signalTypes: readonly SignalType[]): SeenItem[] {
  const recorded = seenSignalTypes(signalTypes);
  const out: SeenItem[] = [];
  for (const item of items) {
    for (const signal of recorded) {
      const s = itemSignal(item.hash, signal);
      if (s === null || !isMatchable(item.hash, signal, s)) continue;
      out.push({ signal: signal.name, value: s.value, quality: s.quality, path: item.path, seenAt: at });
    }
  }
  return out;
}
