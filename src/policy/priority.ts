/**
 * The priority policy: a user-editable JSON file (defaults in policy/priority.json, documented in
 * policy/README.md) that turns a bundle's priority factors into a score and one of our own tiers. Every
 * factor that contributes is returned with its points and a sentence saying why, so a score can always
 * be explained. Tiers are hashtriage's own work queues, not NCMEC's (unpublished) numeric priority levels.
 * ("Factor", not "signal": a signal is a hash type such as PDQ or MD5.)
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HashtriageError } from '../errors.js';
import { loadSeverityPolicy, nonPertinentLabels, normalizeLabel } from './severity.js';
import { normalizeHost, normalizeUrl } from '../pipeline/url.js';
import type { UnprioritisedBundle } from '../pipeline/bundle.js';
import type { Bundle, KnownMatch, Priority, PriorityReason, ScanItem, SeenMatch } from '../pipeline/types.js';

/** Stable keys of the factors a policy can weigh, in the order they are documented. */
export const FACTOR_KEYS = [
  'known_match',
  'known_severity',
  'victim_not_identified',
  'new_content_many_reporters',
  'distinct_reporters',
  'report_volume',
  'hosted_urls',
  'recency',
  'previously_seen',
  'escalation_requested',
  'unprocessed_files',
  'perceptual_hash_unusable',
  'known_non_pertinent',
] as const;
/** One of FACTOR_KEYS. */
export type FactorKey = (typeof FACTOR_KEYS)[number];

/** Fixed points when the factor applies. */
export interface FlatFactor {
  readonly points: number;
}

/** Points by severity rank of the most severe known match (rank 1 = most severe). */
export interface SeverityFactor {
  /** Rank (as a decimal string key, "1", "2", …) → points. */
  readonly pointsByRank: Readonly<Record<string, number>>;
  /** Points for a rank not listed in pointsByRank. */
  readonly otherRankPoints: number;
  /** Points when no known match has a severity rank (category missing or not in the severity policy). */
  readonly unrankedPoints: number;
  /**
   * Points when no known match has a rank and some are known but uncategorised (a label the severity policy
   * marks `"uncategorised": true`, e.g. Project VIC 0). Policy files without it use unrankedPoints.
   */
  readonly uncategorisedPoints: number;
}

/** Unknown content with many distinct reporters: points, plus more per reporter above the minimum, capped. */
export interface ManyReportersFactor {
  readonly minReporters: number;
  readonly points: number;
  readonly pointsPerExtraReporter: number;
  readonly maxPoints: number;
}

/** Points per counted thing beyond the first (reporters, reports), capped. */
export interface PerExtraFactor {
  readonly pointsPerExtra: number;
  readonly maxPoints: number;
}

/** Points per distinct host the content was reported at, capped. */
export interface PerHostFactor {
  readonly pointsPerHost: number;
  readonly maxPoints: number;
}

/** One recency step: reports at most `withinHours` old earn `points`. */
export interface RecencyStep {
  readonly withinHours: number;
  readonly points: number;
}

/** Age of the newest report → points, first matching step wins (steps ascend by withinHours). */
export interface RecencyFactor {
  readonly steps: readonly RecencyStep[];
}

/** The configuration of every factor; an absent factor is switched off. */
export interface FactorConfigs {
  readonly known_match?: FlatFactor;
  readonly known_severity?: SeverityFactor;
  readonly victim_not_identified?: FlatFactor;
  readonly new_content_many_reporters?: ManyReportersFactor;
  readonly distinct_reporters?: PerExtraFactor;
  readonly report_volume?: PerExtraFactor;
  readonly hosted_urls?: PerHostFactor;
  readonly recency?: RecencyFactor;
  readonly previously_seen?: FlatFactor;
  readonly escalation_requested?: FlatFactor;
  readonly unprocessed_files?: FlatFactor;
  readonly perceptual_hash_unusable?: FlatFactor;
  readonly known_non_pertinent?: FlatFactor;
}

/** One of our own tiers: a bundle gets the first tier (in policy order) whose minScore its score reaches. */
export interface TierDef {
  readonly name: string;
  readonly minScore: number;
  readonly meaning: string;
}

/** A validated priority policy. */
export interface PriorityPolicy {
  /** Where it was loaded from (as given, or "policy/priority.json" for the shipped default). */
  readonly source: string;
  /** SHA-256 (hex) of the policy file's bytes, recorded in the scan manifest. */
  readonly digest: string;
  readonly factors: FactorConfigs;
  /** Most urgent first; minScore strictly descending. Scores below every minScore get the last tier. */
  readonly tiers: readonly TierDef[];
  /**
   * Category labels (normalised with normalizeLabel) that the severity policy marks `"pertinent": false`
   * (e.g. Project VIC 4 exemplar, 5 non-pertinent): matches against them never count as known material.
   */
  readonly nonPertinentLabels: ReadonlySet<string>;
}

/** The policy file's key for the factors. */
const FACTORS_KEY = 'factors';
/** Its name in policy files written before the factors were called factors; still read, with the same validation. */
const LEGACY_FACTORS_KEY = 'signals';

/** Path of the shipped default policy file. */
export const DEFAULT_PRIORITY_POLICY_PATH = fileURLToPath(new URL('../../policy/priority.json', import.meta.url));

// ---------------------------------------------------------------------------------------------------
// Loading and validation

let shippedNonPertinent: ReadonlySet<string> | undefined;

/** Non-pertinent labels of the shipped severity policy (policy/severity.json), loaded once. */
export function defaultNonPertinentLabels(): ReadonlySet<string> {
  shippedNonPertinent ??= nonPertinentLabels(loadSeverityPolicy());
  return shippedNonPertinent;
}

/**
 * Loads and validates a policy file (default: the shipped one); any problem throws BAD_INPUT/NOT_FOUND
 * naming the path and field. Non-pertinent labels come from `nonPertinent` (default: the shipped
 * severity policy's).
 */
export function loadPriorityPolicy(path?: string, nonPertinent: ReadonlySet<string> = defaultNonPertinentLabels()): PriorityPolicy {
  const file = path ?? DEFAULT_PRIORITY_POLICY_PATH;
  const shown = path ?? 'policy/priority.json (shipped default)';
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new HashtriageError(
      code === 'ENOENT' ? 'NOT_FOUND' : 'UNREADABLE',
      `${shown}: cannot read priority policy (${code ?? (err as Error).message})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new HashtriageError('BAD_INPUT', `${shown}: priority policy is not valid JSON (${(err as Error).message})`);
  }
  return parsePriorityPolicy(json, shown, createHash('sha256').update(bytes).digest('hex'), nonPertinent);
}

/** Validates a parsed policy document; throws BAD_INPUT "<source>: <field path> …" on the first problem. */
export function parsePriorityPolicy(
  json: unknown,
  source: string,
  digest = '',
  nonPertinent: ReadonlySet<string> = defaultNonPertinentLabels(),
): PriorityPolicy {
  const fail = (field: string, problem: string): never => {
    throw new HashtriageError('BAD_INPUT', `${source}: ${field} ${problem}`);
  };
  const obj = (v: unknown, field: string, allowed: readonly string[]): Record<string, unknown> => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(field, `must be an object (got ${describe(v)})`);
    const rec = v as Record<string, unknown>;
    for (const key of Object.keys(rec)) {
      if (key !== 'about' && !allowed.includes(key))
        fail(field === '(top level)' ? key : `${field}.${key}`, `is not a known field (expected one of: ${allowed.join(', ')}, about)`);
    }
    if ('about' in rec && typeof rec.about !== 'string') fail(`${field}.about`, 'must be a string');
    return rec;
  };
  const int = (rec: Record<string, unknown>, key: string, field: string, min = -1_000_000): number => {
    const v = rec[key];
    if (v === undefined) return fail(`${field}.${key}`, 'is missing');
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 1_000_000)
      return fail(`${field}.${key}`, `must be a whole number${min >= 0 ? ` ≥ ${min}` : ''} (got ${describe(v)})`);
    return v;
  };

  // Older policy files call the factors "signals"; messages name the key the file uses.
  const isLegacy = isRecord(json) && LEGACY_FACTORS_KEY in json && !(FACTORS_KEY in json);
  const key = isLegacy ? LEGACY_FACTORS_KEY : FACTORS_KEY;
  const top = obj(json, '(top level)', ['version', key, 'tiers']);
  if (top.version !== 1) fail('version', `must be 1 (got ${describe(top.version)})`);
  const fac = obj(top[key], key, FACTOR_KEYS);
  const factors: { -readonly [K in FactorKey]?: FactorConfigs[K] } = {};
  const flat = (
    name: 'known_match' | 'victim_not_identified' | 'previously_seen' | 'escalation_requested' | 'unprocessed_files' | 'perceptual_hash_unusable' | 'known_non_pertinent',
  ): void => {
    if (fac[name] === undefined) return;
    const f = `${key}.${name}`;
    factors[name] = { points: int(obj(fac[name], f, ['points']), 'points', f) };
  };
  flat('known_match');
  flat('victim_not_identified');
  flat('previously_seen');
  flat('escalation_requested');
  flat('unprocessed_files');
  flat('perceptual_hash_unusable');
  flat('known_non_pertinent');

  if (fac.known_severity !== undefined) {
    const f = `${key}.known_severity`;
    const rec = obj(fac.known_severity, f, ['pointsByRank', 'otherRankPoints', 'unrankedPoints', 'uncategorisedPoints']);
    const unrankedPoints = int(rec, 'unrankedPoints', f);
    factors.known_severity = {
      pointsByRank: parseRankTable(rec.pointsByRank, `${f}.pointsByRank`, fail),
      otherRankPoints: int(rec, 'otherRankPoints', f),
      unrankedPoints,
      uncategorisedPoints: rec.uncategorisedPoints === undefined ? unrankedPoints : int(rec, 'uncategorisedPoints', f),
    };
  }
  if (fac.new_content_many_reporters !== undefined) {
    const f = `${key}.new_content_many_reporters`;
    const rec = obj(fac.new_content_many_reporters, f, ['minReporters', 'points', 'pointsPerExtraReporter', 'maxPoints']);
    const minReporters = int(rec, 'minReporters', f, 1);
    const points = int(rec, 'points', f);
    const pointsPerExtraReporter = int(rec, 'pointsPerExtraReporter', f);
    const maxPoints = int(rec, 'maxPoints', f);
    factors.new_content_many_reporters = { minReporters, points, pointsPerExtraReporter, maxPoints };
  }
  for (const name of ['distinct_reporters', 'report_volume'] as const) {
    if (fac[name] === undefined) continue;
    const f = `${key}.${name}`;
    const rec = obj(fac[name], f, ['pointsPerExtra', 'maxPoints']);
    factors[name] = { pointsPerExtra: int(rec, 'pointsPerExtra', f), maxPoints: int(rec, 'maxPoints', f) };
  }
  if (fac.hosted_urls !== undefined) {
    const f = `${key}.hosted_urls`;
    const rec = obj(fac.hosted_urls, f, ['pointsPerHost', 'maxPoints']);
    factors.hosted_urls = { pointsPerHost: int(rec, 'pointsPerHost', f), maxPoints: int(rec, 'maxPoints', f) };
  }
  if (fac.recency !== undefined) {
    const f = `${key}.recency`;
    const rec = obj(fac.recency, f, ['steps']);
    if (!Array.isArray(rec.steps) || rec.steps.length === 0) fail(`${f}.steps`, `must be a non-empty array (got ${describe(rec.steps)})`);
    const steps: RecencyStep[] = [];
    (rec.steps as unknown[]).forEach((s, i) => {
      const sf = `${f}.steps[${i}]`;
      const srec = obj(s, sf, ['withinHours', 'points']);
      const w = srec.withinHours;
      if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0) fail(`${sf}.withinHours`, `must be a positive number (got ${describe(w)})`);
      const prev = steps[steps.length - 1];
      if (prev && (w as number) <= prev.withinHours)
        fail(`${sf}.withinHours`, `must be greater than the previous step's ${prev.withinHours} (steps ascend; got ${describe(w)})`);
      steps.push({ withinHours: w as number, points: int(srec, 'points', sf) });
    });
    factors.recency = { steps };
  }

  if (!Array.isArray(top.tiers) || top.tiers.length === 0) fail('tiers', `must be a non-empty array (got ${describe(top.tiers)})`);
  const tiers: TierDef[] = [];
  (top.tiers as unknown[]).forEach((t, i) => {
    const f = `tiers[${i}]`;
    const rec = obj(t, f, ['name', 'minScore', 'meaning']);
    if (typeof rec.name !== 'string' || rec.name.trim() === '') fail(`${f}.name`, `must be a non-empty string (got ${describe(rec.name)})`);
    if (tiers.some((x) => x.name === rec.name)) fail(`${f}.name`, `repeats tier "${rec.name as string}"`);
    const minScore = int(rec, 'minScore', f);
    const prev = tiers[tiers.length - 1];
    if (prev && minScore >= prev.minScore)
      fail(`${f}.minScore`, `must be lower than the previous tier's ${prev.minScore} (tiers go most urgent first; got ${minScore})`);
    if (rec.meaning !== undefined && typeof rec.meaning !== 'string') fail(`${f}.meaning`, 'must be a string');
    tiers.push({ name: rec.name as string, minScore, meaning: (rec.meaning as string | undefined) ?? '' });
  });
  return { source, digest, factors, tiers, nonPertinentLabels: nonPertinent };
}

function parseRankTable(v: unknown, field: string, fail: (field: string, problem: string) => never): Record<string, number> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(field, `must be an object of rank → points (got ${describe(v)})`);
  const out: Record<string, number> = {};
  const keys = Object.keys(v).filter((k) => k !== 'about');
  for (const key of keys) {
    if (!/^[1-9][0-9]{0,3}$/.test(key)) fail(`${field}."${key}"`, 'is not a severity rank (ranks are whole numbers ≥ 1, 1 = most severe)');
    const p = (v as Record<string, unknown>)[key];
    if (typeof p !== 'number' || !Number.isInteger(p) || Math.abs(p) > 1_000_000)
      fail(`${field}."${key}"`, `must be a whole number (got ${describe(p)})`);
    out[String(Number(key))] = p as number;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return JSON.stringify(v);
}

// ---------------------------------------------------------------------------------------------------
// Scoring

/**
 * Scores one bundle. Pure and deterministic for the same inputs and `now`: reasons are the factors that
 * contributed non-zero points, sorted by points (descending, then policy order), and their points sum to
 * the score exactly (all points are whole numbers). `items` is any list containing the bundle's members
 * (looked up by ScanItem.index); it only refines the wording of the reasons.
 */
export function prioritise(bundle: UnprioritisedBundle, items: readonly ScanItem[], policy: PriorityPolicy, now: Date): Priority {
  const s = policy.factors;
  const reasons: PriorityReason[] = [];
  const add = (factor: FactorKey, points: number, detail: string): void => {
    if (points !== 0) reasons.push({ factor, points, detail });
  };
  // A match rated through the severity policy in force says so itself; an unrated one is judged by its label.
  const isNonPertinent = (k: KnownMatch): boolean =>
    k.pertinent !== undefined ? !k.pertinent : k.severity === null && k.category !== null && policy.nonPertinentLabels.has(normalizeLabel(k.category));
  const allKnown = [...bundle.known].sort(compareKnown);
  const known = allKnown.filter((k) => !isNonPertinent(k));
  const nonPertinent = allKnown.filter(isNonPertinent);
  const memberSet = new Set(bundle.items);
  const members = items.filter((it) => memberSet.has(it.index));
  // Named reporters by normalised name, anonymous ones once per report (src/pipeline/reporters.ts).
  const reporterCount = bundle.distinctReporters;
  const reports = distinct(bundle.reportIds);

  if (s.known_match && known.length > 0) {
    const matchedFiles = members.filter((it) => it.known.some((k) => !isNonPertinent(k))).length;
    const lists = distinct(known.map((k) => k.list));
    const closest = [...known].sort((a, b) => a.distance - b.distance || compareKnown(a, b))[0];
    const on = matchedFiles > 0 ? ` on ${matchedFiles} of ${bundle.items.length} file${plural(bundle.items.length)}` : '';
    add(
      'known_match',
      s.known_match.points,
      `${known.length} known-list match${known.length === 1 ? '' : 'es'} (list${plural(lists.length)} ${lists.join(', ')})${on}; ` +
        `closest: ${closest.signal} distance ${closest.distance} in ${closest.list}`,
    );
  }

  if (s.known_severity && known.length > 0) {
    const ranked = known.filter((k) => k.severity !== null);
    if (ranked.length > 0) {
      const top = ranked[0]; // known is sorted most severe first
      const rank = top.severity as number;
      const listed = s.known_severity.pointsByRank[String(rank)];
      add(
        'known_severity',
        listed ?? s.known_severity.otherRankPoints,
        `most severe known category: ${categoryText(top)} (severity rank ${rank}, 1 = most severe) in list ${top.list}` +
          (top.series ? `, series ${top.series}` : ''),
      );
    } else if (known.some((k) => k.uncategorised === true)) {
      const labels = distinct(known.filter((k) => k.uncategorised === true).map((k) => categoryText(k)));
      const lists = distinct(known.filter((k) => k.uncategorised === true).map((k) => k.list));
      add(
        'known_severity',
        s.known_severity.uncategorisedPoints,
        `known but uncategorised: ${labels.join(', ')} in list${plural(lists.length)} ${lists.join(', ')} (not rated yet: check and categorise by hand)`,
      );
    } else {
      const cats = distinct(known.map((k) => k.category).filter((c): c is string => c !== null));
      add(
        'known_severity',
        s.known_severity.unrankedPoints,
        cats.length > 0
          ? `known categor${cats.length === 1 ? 'y' : 'ies'} ${cats.join(', ')} without a severity rank in the severity policy`
          : 'known match without a category',
      );
    }
  }

  if (s.victim_not_identified) {
    const notId = known.filter((k) => k.victimIdentified === false);
    if (notId.length > 0) {
      const lists = distinct(notId.map((k) => k.list));
      const series = distinct(notId.map((k) => k.series).filter((x): x is string => x !== null));
      add(
        'victim_not_identified',
        s.victim_not_identified.points,
        `victim not identified according to list${plural(lists.length)} ${lists.join(', ')}` +
          (series.length > 0 ? ` (series ${series.join(', ')})` : ''),
      );
    }
  }

  if (s.known_non_pertinent && known.length === 0 && nonPertinent.length > 0) {
    const cats = distinct(nonPertinent.map((k) => k.category as string));
    const lists = distinct(nonPertinent.map((k) => k.list));
    add(
      'known_non_pertinent',
      s.known_non_pertinent.points,
      `only matches lists of known non-pertinent files (categor${cats.length === 1 ? 'y' : 'ies'} ${cats.join(', ')} in list${plural(lists.length)} ${lists.join(', ')}): not counted as known material`,
    );
  }

  if (s.unprocessed_files) {
    const failed = members.filter((it) => !it.hash.ok);
    const web = webUrls(bundle.urls);
    if (bundle.items.length === 0 && web.length > 0) {
      const hosts = distinct(web.map((w) => w.host));
      add('unprocessed_files', s.unprocessed_files.points, `no file to look at: reported at a URL only (${hosts.join(', ')}): check the page by hand`);
    } else if (bundle.items.length === 0) {
      add('unprocessed_files', s.unprocessed_files.points, 'no file of this bundle could be processed (the reports name no file that could be read): check by hand');
    } else if (failed.length > 0) {
      const codes = distinct(failed.map((it) => (it.hash.ok ? '' : it.hash.error.code)));
      const first = failed[0].hash;
      const example = first.ok ? '' : `: ${first.error.message}`;
      add(
        'unprocessed_files',
        s.unprocessed_files.points,
        `${failed.length} of ${bundle.items.length} file${plural(bundle.items.length)} could not be hashed (${codes.join(', ')}${example}): check by hand`,
      );
    }
  }

  if (s.perceptual_hash_unusable) {
    // the flag's detail already says which hash, why, and what to do
    const flag = bundle.flags.find((f) => f.flag === 'perceptual_hash_unusable');
    if (flag !== undefined) add('perceptual_hash_unusable', s.perceptual_hash_unusable.points, flag.detail);
  }

  const mr = s.new_content_many_reporters;
  if (mr && allKnown.length === 0 && reporterCount >= mr.minReporters) {
    const pts = Math.min(mr.maxPoints, mr.points + mr.pointsPerExtraReporter * (reporterCount - mr.minReporters));
    add(
      'new_content_many_reporters',
      pts,
      `no known match, reported by ${reporterCount} distinct reporters (threshold ${mr.minReporters}): possibly new material, check whether this series has been seen before`,
    );
  }

  if (s.distinct_reporters && reporterCount > 1) {
    const p = s.distinct_reporters;
    add('distinct_reporters', Math.min(p.maxPoints, p.pointsPerExtra * (reporterCount - 1)), `${reporterCount} distinct reporters`);
  }

  if (s.report_volume && reports.length > 1) {
    const p = s.report_volume;
    add('report_volume', Math.min(p.maxPoints, p.pointsPerExtra * (reports.length - 1)), `${reports.length} reports name this content`);
  }

  if (s.hosted_urls) {
    const web = webUrls(bundle.urls);
    const urls = distinct(web.map((w) => w.url));
    const hosts = distinct(web.map((w) => w.host));
    const hostCount = hosts.length;
    if (hostCount > 0) {
      const shown = hosts.slice(0, 3).join(', ') + (hosts.length > 3 ? `, +${hosts.length - 3} more` : '');
      add(
        'hosted_urls',
        Math.min(s.hosted_urls.maxPoints, s.hosted_urls.pointsPerHost * hostCount),
        `reported at ${urls.length} URL${plural(urls.length)} on ${hostCount} host${plural(hostCount)}${shown ? ` (${shown})` : ''}: may still be online`,
      );
    }
  }

  if (s.recency && bundle.lastSeen !== null) {
    const t = Date.parse(bundle.lastSeen);
    if (!Number.isNaN(t)) {
      const ageMs = now.getTime() - t;
      const ageHours = Math.max(0, ageMs) / 3_600_000;
      const step = s.recency.steps.find((st) => ageHours <= st.withinHours);
      if (step) {
        const when = ageMs < 0 ? 'dated in the future (clock skew?), counted as new' : `${formatAge(ageMs)} ago`;
        add('recency', step.points, `newest report ${when} (within ${formatHours(step.withinHours)})`);
      }
    }
  }

  if (s.previously_seen && bundle.seen.length > 0) {
    const seen = [...bundle.seen].sort(compareSeen);
    const first = seen[0];
    const scans = distinct(seen.map((x) => x.scan));
    add(
      'previously_seen',
      s.previously_seen.points,
      `seen before: first by scan ${first.scan} at ${first.firstSeenAt} (${first.signal} distance ${first.distance}` +
        (first.path ? `, ${first.path}` : '') +
        `)` +
        (scans.length > 1 ? `; in ${scans.length} earlier scans` : ''),
    );
  }

  if (s.escalation_requested && bundle.escalated) {
    add('escalation_requested', s.escalation_requested.points, 'a reporter requested escalation');
  }

  reasons.sort((a, b) => b.points - a.points || FACTOR_KEYS.indexOf(a.factor as FactorKey) - FACTOR_KEYS.indexOf(b.factor as FactorKey));
  const score = reasons.reduce((sum, r) => sum + r.points, 0);
  return { score, tier: tierFor(score, policy), reasons };
}

/** The tier a score falls in: the first tier whose minScore it reaches, else the last (least urgent) tier. */
export function tierFor(score: number, policy: PriorityPolicy): string {
  for (const t of policy.tiers) if (score >= t.minScore) return t.name;
  return policy.tiers[policy.tiers.length - 1].name;
}

/**
 * Queue order (most urgent first): score descending, then tier in policy order (unknown tier names
 * last, by name), then earliest first-seen (missing last), then id. A total order: sorting with it is
 * deterministic whatever the input order, as long as bundle ids are unique.
 */
export function compareBundles(a: Bundle, b: Bundle, policy: PriorityPolicy): number {
  return (
    b.priority.score - a.priority.score ||
    tierRank(a.priority.tier, policy) - tierRank(b.priority.tier, policy) ||
    compareStrings(a.priority.tier, b.priority.tier) ||
    compareTimes(a.firstSeen, b.firstSeen) ||
    compareStrings(a.id, b.id)
  );
}

/** A comparator for Array.prototype.sort with the policy bound: `bundles.sort(queueOrder(policy))`. */
export function queueOrder(policy: PriorityPolicy): (a: Bundle, b: Bundle) => number {
  return (a, b) => compareBundles(a, b, policy);
}

function tierRank(tier: string, policy: PriorityPolicy): number {
  const i = policy.tiers.findIndex((t) => t.name === tier);
  return i < 0 ? policy.tiers.length : i;
}

function compareTimes(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(ta) !== Number.isNaN(tb)) return Number.isNaN(ta) ? 1 : -1;
  if (!Number.isNaN(ta) && ta !== tb) return ta - tb;
  return compareStrings(a, b);
}

/** Code-unit string order (locale-independent, so the same on every machine). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Known matches most severe first (unranked last), then closest, then list, signal, hash. */
export function compareKnown(a: KnownMatch, b: KnownMatch): number {
  const sa = a.severity ?? Number.POSITIVE_INFINITY;
  const sb = b.severity ?? Number.POSITIVE_INFINITY;
  return (
    (sa === sb ? 0 : sa < sb ? -1 : 1) ||
    a.distance - b.distance ||
    compareStrings(a.list, b.list) ||
    compareStrings(a.signal, b.signal) ||
    compareStrings(a.hash, b.hash) ||
    compareStrings(a.variant ?? '', b.variant ?? '')
  );
}

/** Earlier-scan matches earliest first-seen first, then closest, then scan label, path. */
export function compareSeen(a: SeenMatch, b: SeenMatch): number {
  return (
    compareTimes(a.firstSeenAt, b.firstSeenAt) ||
    a.distance - b.distance ||
    compareStrings(a.scan, b.scan) ||
    compareStrings(a.signal, b.signal) ||
    compareStrings(a.path ?? '', b.path ?? '')
  );
}

/**
 * The http(s) URLs among `urls` that name a host, each as its normalised form (normalizeUrl: http and
 * https, "www." or not, are one page) with its host (normalizeHost); anything else (javascript:, mailto:,
 * bare text) is dropped.
 */
function webUrls(urls: readonly string[]): Array<{ url: string; host: string }> {
  const out: Array<{ url: string; host: string }> = [];
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url.trim());
    } catch {
      continue;
    }
    if ((parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '') out.push({ url: normalizeUrl(url) ?? url, host: normalizeHost(parsed.hostname) });
  }
  return out;
}

/** A category as people read it: the label as written, with its scheme's name for it when known ("0 (known, uncategorised)"). */
export function categoryText(k: Pick<KnownMatch, 'category' | 'categoryName'>): string {
  if (k.category === null) return '(no label)';
  return k.categoryName ? `${k.category} (${k.categoryName})` : k.category;
}

function distinct<T extends string>(values: readonly T[]): T[] {
  return [...new Set(values)].sort(compareStrings);
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}

function formatAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} days`;
}

function formatHours(h: number): string {
  return h % 24 === 0 && h >= 48 ? `${h / 24} days` : `${h} h`;
}
