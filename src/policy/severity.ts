/**
 * The category → severity policy: maps the category labels of known-hash lists (NCMEC industry scale,
 * UK CAID, Project VIC, or a user's own scheme) to a severity rank, 1 = most severe. Labels are kept as
 * written elsewhere; this module only ranks them. The shipped defaults live in policy/severity.json at
 * the repository root; a user file replaces them as a whole. Format: policy/README.md.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HashtriageError, toErrorInfo } from '../errors.js';

/** What a policy says about one label of a scheme. */
export interface LabelInfo {
  readonly severity: number | null;
  /** The category's name for people (e.g. "known, uncategorised"); null when the policy gives none. */
  readonly name: string | null;
  /** False for labels of known-innocent files (severity always null). */
  readonly pertinent: boolean;
  /** True for labels of known material that nobody has rated yet (e.g. Project VIC 0; severity always null). */
  readonly uncategorised: boolean;
}

/** One category scheme: normalised label → rank (null = known label, deliberately unmapped). */
export interface SeverityScheme {
  readonly name: string;
  readonly description: string;
  /** Words stripped from the start of a normalised label before lookup (e.g. "cat", "category"). */
  readonly prefixes: readonly string[];
  readonly labels: ReadonlyMap<string, number | null>;
  /** Everything the policy says about each normalised label (same keys as `labels`). */
  readonly info: ReadonlyMap<string, LabelInfo>;
  /** Normalised labels marked `"pertinent": false`: lists of known-innocent files (always severity null). */
  readonly nonPertinent: ReadonlySet<string>;
}

/** A validated policy, ready for lookups; immutable. */
export interface SeverityPolicy {
  /** Path of the file it was loaded from. */
  readonly path: string;
  /** How manifests and messages name it: the path as given, or "policy/severity.json (shipped default)". */
  readonly source: string;
  /** SHA-256 (hex) of the file's bytes ('' for a policy compiled from a document). */
  readonly digest: string;
  readonly description: string;
  readonly schemes: ReadonlyMap<string, SeverityScheme>;
  /** Schemes tried, in order, when a list does not say which scheme its labels follow. */
  readonly infer: readonly string[];
}

/** Absolute path of the shipped default policy file. */
export const DEFAULT_POLICY_PATH = fileURLToPath(new URL('../../policy/severity.json', import.meta.url));

/** Label normal form used for matching: case-folded, letters and digits only ("Cat A" → "cata"). */
export function normalizeLabel(label: string): string {
  return label.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * Loads and validates a policy file (default: the shipped one). Throws HashtriageError NOT_FOUND /
 * UNREADABLE when the file cannot be read and BAD_INPUT naming the file and the offending entry when
 * it is not a valid policy; never returns a partially valid policy.
 */
export function loadSeverityPolicy(path: string = DEFAULT_POLICY_PATH): SeverityPolicy {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const info = toErrorInfo(err);
    const code = info.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'UNREADABLE';
    throw new HashtriageError(code, `severity policy ${path}: cannot read: ${info.message}`);
  }
  const text = bytes.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new HashtriageError('BAD_INPUT', `severity policy ${path}: not valid JSON: ${(err as Error).message}`);
  }
  const source = path === DEFAULT_POLICY_PATH ? 'policy/severity.json (shipped default)' : path;
  return { ...compilePolicy(json, path), source, digest: createHash('sha256').update(bytes).digest('hex') };
}

/** Validates a parsed policy document; `path` only names it in error messages (BAD_INPUT). */
export function compilePolicy(doc: unknown, path: string): SeverityPolicy {
  const fail = (where: string, what: string): never => {
    throw new HashtriageError('BAD_INPUT', `severity policy ${path}: ${where}: ${what}`);
  };
  if (!isPlainObject(doc)) return fail('top level', 'must be a JSON object');
  const onlyKeys = (obj: Record<string, unknown>, where: string, allowed: readonly string[]): void => {
    for (const k of Object.keys(obj)) if (!allowed.includes(k)) fail(where, `unknown key "${k}" (allowed: ${allowed.join(', ')})`);
  };
  onlyKeys(doc, 'top level', ['format', 'version', 'description', 'about', 'ranks', 'infer', 'schemes']);
  if (doc.format !== undefined && doc.format !== 'hashtriage-severity-policy')
    fail('format', `must be "hashtriage-severity-policy", got ${JSON.stringify(doc.format)}`);
  if (doc.version !== undefined && doc.version !== 1) fail('version', `unsupported version ${JSON.stringify(doc.version)} (this hashtriage reads version 1)`);
  if (!isPlainObject(doc.schemes)) return fail('schemes', 'must be an object of schemes');

  const schemes = new Map<string, SeverityScheme>();
  for (const [name, raw] of Object.entries(doc.schemes)) {
    const where = `schemes.${name}`;
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) fail(where, 'scheme names are lowercase letters, digits, "-" and "_"');
    if (name === UNMAPPED_SCHEME_NAME) fail(where, `"${UNMAPPED_SCHEME_NAME}" is reserved: it names labels left unmapped (see index import --scheme)`);
    if (!isPlainObject(raw)) return fail(where, 'must be an object');
    onlyKeys(raw, where, ['description', 'about', 'prefixes', 'labels']);
    if (raw.description !== undefined && typeof raw.description !== 'string') fail(`${where}.description`, 'must be text');
    const prefixes: string[] = [];
    if (raw.prefixes !== undefined) {
      if (!Array.isArray(raw.prefixes) || raw.prefixes.some((p) => typeof p !== 'string' || normalizeLabel(p) === ''))
        fail(`${where}.prefixes`, 'must be a list of non-empty words');
      // Longest first, so "category" is stripped before "cat".
      for (const p of raw.prefixes as string[]) prefixes.push(normalizeLabel(p));
      prefixes.sort((a, b) => b.length - a.length);
    }
    if (!isPlainObject(raw.labels)) return fail(`${where}.labels`, 'must be an object of label → severity');
    const labels = new Map<string, number | null>();
    const info = new Map<string, LabelInfo>();
    const nonPertinent = new Set<string>();
    const addLabel = (label: string, severity: number | null, at: string, pertinent: boolean, name: string | null, uncategorised: boolean): void => {
      const key = normalizeLabel(label);
      if (key === '') fail(at, 'label has no letters or digits');
      if (labels.has(key) && labels.get(key) !== severity) fail(at, `label "${label}" is given twice with different severities`);
      if (labels.has(key) && nonPertinent.has(key) === pertinent) fail(at, `label "${label}" is given twice with different pertinence`);
      if (info.has(key) && info.get(key)!.uncategorised !== uncategorised) fail(at, `label "${label}" is given twice, once as uncategorised`);
      labels.set(key, severity);
      if (!info.has(key) || info.get(key)!.name === null) info.set(key, { severity, name, pertinent, uncategorised });
      if (!pertinent) nonPertinent.add(key);
    };
    for (const [label, entry] of Object.entries(raw.labels)) {
      const at = `${where}.labels.${label}`;
      if (isPlainObject(entry)) onlyKeys(entry, at, ['severity', 'pertinent', 'uncategorised', 'name', 'description', 'about', 'aliases']);
      const rank = isPlainObject(entry) ? entry.severity : entry;
      if (!(rank === null || (typeof rank === 'number' && Number.isInteger(rank) && rank >= 1 && rank <= 1000)))
        fail(isPlainObject(entry) ? `${at}.severity` : at, `must be an integer rank from 1 (most severe) to 1000, or null; got ${JSON.stringify(rank)}`);
      const pertinent = isPlainObject(entry) && entry.pertinent !== undefined ? entry.pertinent : true;
      if (typeof pertinent !== 'boolean') fail(`${at}.pertinent`, `must be true or false; got ${JSON.stringify(pertinent)}`);
      if (pertinent === false && rank !== null) fail(`${at}.pertinent`, 'a non-pertinent label (known-innocent files) must have severity null');
      const uncategorised = isPlainObject(entry) && entry.uncategorised !== undefined ? entry.uncategorised : false;
      if (typeof uncategorised !== 'boolean') fail(`${at}.uncategorised`, `must be true or false; got ${JSON.stringify(uncategorised)}`);
      if (uncategorised === true && (rank !== null || pertinent === false))
        fail(`${at}.uncategorised`, 'an uncategorised label (known material nobody has rated yet) must have severity null and be pertinent');
      const shownName = isPlainObject(entry) ? entry.name : undefined;
      if (shownName !== undefined && (typeof shownName !== 'string' || shownName.trim() === '')) fail(`${at}.name`, 'must be non-empty text');
      const labelName = typeof shownName === 'string' ? shownName.trim() : null;
      addLabel(label, rank as number | null, at, pertinent as boolean, labelName, uncategorised as boolean);
      if (isPlainObject(entry) && entry.aliases !== undefined) {
        if (!Array.isArray(entry.aliases) || entry.aliases.some((a) => typeof a !== 'string')) fail(`${at}.aliases`, 'must be a list of labels');
        for (const alias of entry.aliases as string[]) addLabel(alias, rank as number | null, `${at}.aliases`, pertinent as boolean, labelName, uncategorised as boolean);
      }
    }
    schemes.set(name, { name, description: (raw.description as string | undefined) ?? '', prefixes, labels, info, nonPertinent });
  }

  let infer: string[] = [...schemes.keys()];
  if (doc.infer !== undefined) {
    if (!Array.isArray(doc.infer) || doc.infer.some((s) => typeof s !== 'string')) return fail('infer', 'must be a list of scheme names');
    for (const s of doc.infer as string[]) if (!schemes.has(s)) fail('infer', `names unknown scheme "${s}"`);
    infer = doc.infer as string[];
  }
  return { path, source: path, digest: '', description: typeof doc.description === 'string' ? doc.description : '', schemes, infer };
}

/** Throws HashtriageError USAGE unless the policy defines `scheme`; the message lists the known ones. */
export function checkScheme(policy: SeverityPolicy, scheme: string): void {
  if (!policy.schemes.has(scheme))
    throw new HashtriageError('USAGE', `unknown category scheme "${scheme}" (the severity policy ${policy.path} defines: ${[...policy.schemes.keys()].join(', ')}; "${UNMAPPED_SCHEME_NAME}" leaves labels unmapped)`);
}

/** Rank of `label` within one scheme; undefined when the scheme does not know the label. */
function lookup(scheme: SeverityScheme, key: string): number | null | undefined {
  return lookupInfo(scheme, key)?.severity;
}

/** What one scheme says about a normalised label (directly or without a prefix); undefined when it does not know it. */
function lookupInfo(scheme: SeverityScheme, key: string): LabelInfo | undefined {
  const direct = scheme.info.get(key);
  if (direct !== undefined) return direct;
  for (const prefix of scheme.prefixes) {
    if (key.length > prefix.length && key.startsWith(prefix)) {
      const hit = scheme.info.get(key.slice(prefix.length));
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

/** How a list entry's category reads under a policy: its rank, the scheme that knows it, its name, its kind. */
export interface CategoryRating {
  readonly severity: number | null;
  /** The scheme that rated the label (given for the list, or the first inferred one that knows it); null when none does. */
  readonly scheme: string | null;
  readonly name: string | null;
  readonly pertinent: boolean;
  readonly uncategorised: boolean;
}

/** Stored scheme of entries whose categories are deliberately left unmapped (e.g. VICS files of the UK model). */
export const UNMAPPED_SCHEME = '';

/** The word for UNMAPPED_SCHEME in options and files (`--scheme none`, an exported `scheme` cell); no policy may name a scheme so. */
export const UNMAPPED_SCHEME_NAME = 'none';

/**
 * The stored scheme a scheme word stands for: UNMAPPED_SCHEME for UNMAPPED_SCHEME_NAME, the name itself
 * for a scheme the policy defines; throws HashtriageError USAGE (listing the known ones) for any other.
 */
export function storedSchemeOf(policy: SeverityPolicy, word: string): string {
  if (word === UNMAPPED_SCHEME_NAME) return UNMAPPED_SCHEME;
  checkScheme(policy, word);
  return word;
}

/** The word a stored scheme is written as (UNMAPPED_SCHEME_NAME for UNMAPPED_SCHEME); null for an inferred one. */
export function schemeWordOf(stored: string | null): string | null {
  return stored === UNMAPPED_SCHEME ? UNMAPPED_SCHEME_NAME : stored;
}

const UNRATED: CategoryRating = { severity: null, scheme: null, name: null, pertinent: true, uncategorised: false };

/**
 * Reads a stored category label under the policy in force. `scheme` is what the list's import recorded:
 * a scheme name (only that scheme is consulted; a scheme the policy does not define rates nothing),
 * UNMAPPED_SCHEME (nothing is rated), or null/undefined (the policy's `infer` schemes in order, first
 * that knows the label wins). Never throws; an empty or unknown label is unrated and pertinent.
 */
export function rateCategory(policy: SeverityPolicy, label: string | null | undefined, scheme?: string | null): CategoryRating {
  if (label === null || label === undefined || scheme === UNMAPPED_SCHEME) return UNRATED;
  const key = normalizeLabel(label);
  if (key === '') return UNRATED;
  const names = scheme === null || scheme === undefined ? policy.infer : [scheme];
  for (const name of names) {
    const s = policy.schemes.get(name);
    const hit = s === undefined ? undefined : lookupInfo(s, key);
    if (hit !== undefined) return { severity: hit.severity, scheme: name, name: hit.name, pertinent: hit.pertinent, uncategorised: hit.uncategorised };
  }
  return UNRATED;
}

/**
 * Severity rank of a category label (case-, space- and punctuation-insensitive), 1 = most severe; null when
 * the label is empty, unknown, or mapped to null. With `scheme` only that scheme is consulted (throws
 * USAGE for an unknown scheme); without it, the policy's `infer` schemes in order, first match wins.
 */
export function severityOf(policy: SeverityPolicy, label: string | null | undefined, scheme?: string): number | null {
  if (label === null || label === undefined) return null;
  const key = normalizeLabel(label);
  if (key === '') return null;
  if (scheme !== undefined) {
    const s = policy.schemes.get(scheme);
    if (!s) checkScheme(policy, scheme);
    return lookup(s!, key) ?? null;
  }
  for (const name of policy.infer) {
    const hit = lookup(policy.schemes.get(name)!, key);
    if (hit !== undefined) return hit;
  }
  return null;
}

/**
 * Normalised category labels (as normalizeLabel gives them, with and without each scheme prefix, e.g.
 * "5", "cat5", "category5") that the policy marks `"pertinent": false`, skipping any label an inferred
 * scheme tried earlier ranks: a match carrying one of these labels is a known-innocent file, not known material.
 */
export function nonPertinentLabels(policy: SeverityPolicy): ReadonlySet<string> {
  const out = new Set<string>();
  const order = [...policy.infer, ...[...policy.schemes.keys()].filter((n) => !policy.infer.includes(n))];
  for (const name of order) {
    const scheme = policy.schemes.get(name)!;
    for (const key of scheme.nonPertinent) {
      for (const form of [key, ...scheme.prefixes.map((p) => p + key)]) {
        if (severityOf(policy, form) === null) out.add(form);
      }
    }
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
