/**
 * The CI guard's rules, apart from the measuring: the committed thresholds file (read strictly: a
 * misspelt key is an error, not a silently skipped check) and the verdict on a run's measurements.
 * Every check compares a RATIO measured in one run (CPU time, median over rounds) with its threshold.
 */
import { readFileSync } from 'node:fs';
import { isQueryMix, type QueryMixName } from '../../src/bench/hamming-workload.js';
import type { MatchPath } from '../../src/bench/matching-bench.js';
import type { Spread } from '../../src/bench/measure.js';
import { fmtRatio, markdownTable } from './results.js';

/** Speed-up checks: a matching path against the brute-force scan measured in the same rounds. */
const SPEEDUP_PATHS: readonly MatchPath[] = ['memory-index', 'matcher-memory', 'matcher-sqlite', 'sqlite-bands-cached'];
/** Stage-ratio checks: a hashing stage's CPU time per image over decoding's. */
const STAGE_NAMES = ['pdq', 'blockhash'] as const;
export type GuardStage = (typeof STAGE_NAMES)[number];

/** Wide-radius checks: the in-memory index's batch search at the `wide` radius against brute force. */
const WIDE_PATHS = ['memory-batch'] as const;
export type WidePath = (typeof WIDE_PATHS)[number];

/**
 * One threshold: a path must be at least `atLeast` × brute force (at the matching radius, or for a wide
 * check at the wide radius), or a stage at most `atMost` × decode.
 */
export type GuardCheck =
  | { readonly kind: 'speedup'; readonly path: MatchPath; readonly atLeast: number; readonly note?: string }
  | { readonly kind: 'wide'; readonly wide: WidePath; readonly atLeast: number; readonly note?: string }
  | { readonly kind: 'stage-ratio'; readonly stage: GuardStage; readonly atMost: number; readonly note?: string };

/** The thresholds file, validated. */
export interface GuardConfig {
  readonly matching: {
    readonly codes: number;
    readonly radius: number;
    readonly mix: QueryMixName;
    readonly rounds: number;
    readonly exactRadii: readonly number[];
    /** Most queries compared with brute force at `radius`. */
    readonly exactLimit: number;
    /** Each path answers at most this many seconds' worth of queries per round (a slowed path does not stall CI). */
    readonly roundSeconds: number;
    readonly seed: number;
  };
  readonly hashing: { readonly images: number; readonly rounds: number };
  /** The wide-radius measurement (present whenever a wide check is). */
  readonly wide: { readonly codes: number; readonly radius: number; readonly batch: number; readonly rounds: number } | null;
  readonly checks: readonly GuardCheck[];
}

/** A problem with the thresholds file, naming the file and the key. */
export class GuardConfigError extends Error {}

type Json = Record<string, unknown>;

function object(v: unknown, where: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new GuardConfigError(`${where}: expected an object`);
  return v as Json;
}

function onlyKeys(o: Json, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new GuardConfigError(`${where}: unknown key "${k}" (allowed: ${allowed.join(', ')})`);
}

function int(o: Json, key: string, where: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new GuardConfigError(`${where}.${key}: expected an integer from ${min} to ${max}`);
  return v;
}

function positive(o: Json, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new GuardConfigError(`${where}.${key}: expected a positive number`);
  return v;
}

/**
 * Parses and validates the thresholds JSON text (`file` names it in messages). Throws GuardConfigError
 * for malformed JSON, unknown or missing keys, values out of range, or duplicate checks.
 */
export function parseGuardConfig(text: string, file: string): GuardConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new GuardConfigError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  const top = object(raw, file);
  onlyKeys(top, ['about', 'matching', 'hashing', 'wide', 'checks'], file);
  const m = object(top.matching, `${file}: matching`);
  onlyKeys(m, ['codes', 'radius', 'mix', 'rounds', 'exactRadii', 'exactLimit', 'roundSeconds', 'seed'], `${file}: matching`);
  const mix = m.mix;
  if (typeof mix !== 'string' || !isQueryMix(mix)) throw new GuardConfigError(`${file}: matching.mix: expected hit-heavy, mixed or miss-heavy`);
  const exactRadii = m.exactRadii ?? [];
  if (!Array.isArray(exactRadii) || exactRadii.some((r) => !Number.isInteger(r) || r < 0 || r > 256))
    throw new GuardConfigError(`${file}: matching.exactRadii: expected a list of integers from 0 to 256`);
  const h = object(top.hashing, `${file}: hashing`);
  onlyKeys(h, ['images', 'rounds'], `${file}: hashing`);
  if (!Array.isArray(top.checks) || top.checks.length === 0) throw new GuardConfigError(`${file}: checks: expected a non-empty list`);
  const seen = new Set<string>();
  const checks = top.checks.map((c, i): GuardCheck => {
    const where = `${file}: checks[${i}]`;
    const o = object(c, where);
    const note = o.note;
    if (note !== undefined && typeof note !== 'string') throw new GuardConfigError(`${where}.note: expected text`);
    let check: GuardCheck;
    if ('path' in o) {
      onlyKeys(o, ['path', 'atLeast', 'note'], where);
      const path = o.path;
      if (typeof path !== 'string' || !SPEEDUP_PATHS.includes(path as MatchPath)) throw new GuardConfigError(`${where}.path: expected one of ${SPEEDUP_PATHS.join(', ')}`);
      check = { kind: 'speedup', path: path as MatchPath, atLeast: positive(o, 'atLeast', where), ...(note ? { note } : {}) };
    } else if ('wide' in o) {
      onlyKeys(o, ['wide', 'atLeast', 'note'], where);
      const wide = o.wide;
      if (typeof wide !== 'string' || !(WIDE_PATHS as readonly string[]).includes(wide)) throw new GuardConfigError(`${where}.wide: expected one of ${WIDE_PATHS.join(', ')}`);
      check = { kind: 'wide', wide: wide as WidePath, atLeast: positive(o, 'atLeast', where), ...(note ? { note } : {}) };
    } else if ('stage' in o) {
      onlyKeys(o, ['stage', 'atMost', 'note'], where);
      const stage = o.stage;
      if (typeof stage !== 'string' || !(STAGE_NAMES as readonly string[]).includes(stage)) throw new GuardConfigError(`${where}.stage: expected one of ${STAGE_NAMES.join(', ')}`);
      check = { kind: 'stage-ratio', stage: stage as GuardStage, atMost: positive(o, 'atMost', where), ...(note ? { note } : {}) };
    } else {
      throw new GuardConfigError(`${where}: expected "path" or "wide" (speed-up over brute force) or "stage" (time over decode)`);
    }
    const id = checkName(check);
    if (seen.has(id)) throw new GuardConfigError(`${where}: "${id}" is checked twice`);
    seen.add(id);
    return check;
  });
  let wide: GuardConfig['wide'] = null;
  if (top.wide !== undefined) {
    const w = object(top.wide, `${file}: wide`);
    onlyKeys(w, ['codes', 'radius', 'batch', 'rounds'], `${file}: wide`);
    wide = {
      codes: int(w, 'codes', `${file}: wide`, 1000, 100_000_000),
      radius: int(w, 'radius', `${file}: wide`, 0, 256),
      batch: int(w, 'batch', `${file}: wide`, 1, 100_000),
      rounds: int(w, 'rounds', `${file}: wide`, 1, 100),
    };
  } else if (checks.some((c) => c.kind === 'wide')) {
    throw new GuardConfigError(`${file}: wide: a wide check needs the "wide" section (codes, radius, batch, rounds)`);
  }
  return {
    wide,
    matching: {
      codes: int(m, 'codes', `${file}: matching`, 1000, 100_000_000),
      radius: int(m, 'radius', `${file}: matching`, 0, 256),
      mix,
      rounds: int(m, 'rounds', `${file}: matching`, 1, 100),
      exactRadii: exactRadii as number[],
      exactLimit: int(m, 'exactLimit', `${file}: matching`, 1, 100_000),
      roundSeconds: positive(m, 'roundSeconds', `${file}: matching`),
      seed: m.seed === undefined ? 1 : int(m, 'seed', `${file}: matching`, 0, 2 ** 31),
    },
    hashing: { images: int(h, 'images', `${file}: hashing`, 1, 1000), rounds: int(h, 'rounds', `${file}: hashing`, 1, 100) },
    checks,
  };
}

/** Reads and validates the thresholds file; throws GuardConfigError (or the read error) naming it. */
export function loadGuardConfig(file: string): GuardConfig {
  return parseGuardConfig(readFileSync(file, 'utf8'), file);
}

/** What a check is called in tables and messages. */
export function checkName(c: GuardCheck): string {
  if (c.kind === 'speedup') return `${c.path} vs brute force`;
  if (c.kind === 'wide') return `${c.wide} at the wide radius vs brute force`;
  return `${c.stage} time / decode time`;
}

/** A run's measurements, as the verdict needs them. */
export interface GuardMeasurements {
  /** Per matching path: per-round CPU-time speed-ups over brute force. */
  readonly speedups: Partial<Record<MatchPath, Spread>>;
  /** Per wide path: per-round CPU-time speed-ups over brute force at the wide radius (absent: not measured). */
  readonly wide?: Partial<Record<WidePath, Spread>>;
  /** Per stage: per-round CPU time of the stage / CPU time of decoding. */
  readonly stageRatios: Partial<Record<GuardStage, Spread>>;
  /** Answers that differed from brute force (any one fails the guard). */
  readonly mismatches: readonly string[];
  /** Queries and radii compared, for the report. */
  readonly exactness: { readonly queries: number; readonly radii: readonly number[] };
}

/** The verdict on one check. */
export interface CheckVerdict {
  readonly name: string;
  /** The median ratio measured (NaN when it was not measured: that fails). */
  readonly measured: number;
  readonly spread: Spread | null;
  /** "≥ 20×" or "≤ 3.5×". */
  readonly threshold: string;
  readonly ok: boolean;
}

/** The verdict on a run: one entry per check plus exactness; `failures` says in words what fell short. */
export interface GuardVerdict {
  readonly checks: readonly CheckVerdict[];
  readonly exact: boolean;
  readonly failures: readonly string[];
  readonly ok: boolean;
}

/**
 * Judges the measurements against the checks. Guarantees: ok is true only when every check was measured
 * and met, and no answer differed from brute force; each failure names the check, the measured median and
 * the threshold (or the first differing answers).
 */
export function judge(config: GuardConfig, m: GuardMeasurements): GuardVerdict {
  const failures: string[] = [];
  const checks = config.checks.map((c): CheckVerdict => {
    const s = c.kind === 'speedup' ? m.speedups[c.path] : c.kind === 'wide' ? m.wide?.[c.wide] : m.stageRatios[c.stage];
    const measured = s?.median ?? Number.NaN;
    const ok = c.kind === 'stage-ratio' ? measured <= c.atMost : measured >= c.atLeast;
    const threshold = c.kind === 'stage-ratio' ? `≤ ${c.atMost}×` : `≥ ${c.atLeast}×`;
    const name = checkName(c);
    if (!ok) {
      failures.push(
        Number.isNaN(measured)
          ? `${name}: not measured (threshold ${threshold})`
          : `${name}: measured ${fmtRatio(measured)} (median of ${s!.runs.length} rounds, CPU time; rounds ${fmtRatio(s!.min)}–${fmtRatio(s!.max)}), threshold ${threshold}`,
      );
    }
    return { name, measured, spread: s ?? null, threshold, ok };
  });
  const exact = m.mismatches.length === 0;
  if (!exact) {
    failures.push(
      `exactness: ${m.mismatches.length} answer(s) differ from brute force: ${m.mismatches.slice(0, 3).join('; ')}${m.mismatches.length > 3 ? '; …' : ''}`,
    );
  }
  return { checks, exact, failures, ok: failures.length === 0 };
}

/** The verdict as a Markdown table (one row per check, then exactness). */
export function verdictTable(v: GuardVerdict, m: GuardMeasurements): string {
  const rows = v.checks.map((c) => [
    c.name,
    Number.isNaN(c.measured) ? 'not measured' : fmtRatio(c.measured),
    c.spread ? `${fmtRatio(c.spread.min)}–${fmtRatio(c.spread.max)}` : '',
    c.threshold,
    c.ok ? 'ok' : 'FAIL',
  ]);
  rows.push([
    `exactness: every path = brute force (${m.exactness.queries} queries at radius ${m.exactness.radii[0]}, more at ${m.exactness.radii.slice(1).join(', ') || '—'})`,
    v.exact ? 'identical' : `${m.mismatches.length} differ`,
    '',
    'identical',
    v.exact ? 'ok' : 'FAIL',
  ]);
  return markdownTable(['check', 'measured (median)', 'rounds (min–max)', 'threshold', 'verdict'], rows, ['l', 'r', 'r', 'r', 'l']);
}
