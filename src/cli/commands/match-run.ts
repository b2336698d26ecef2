/**
 * `hashtriage match [--algorithm A] [--threshold N] [--dihedral] (HASH... | --stdin)`: looks hashes up in
 * the index and writes one NDJSON line per query, in input order:
 *   {"query"|"path", "checked":[…], "skipped":[{"algorithm","reason"}], "matches":[{"algorithm","hash","distance",
 *    "entries":[{"list","category","categoryName","scheme","severity","series","victimIdentified"}]}]}
 * "checked" names the types looked up; "skipped" (only when some) the hashes that were not: below their
 * quality bar without --include-low-quality, or all zeros.
 * with matches in algorithm order, then by distance (then hash). A query that cannot be read gives an
 * error line {"position","input","error":{"code","message"}} (position = argument number, or stdin line
 * number), the rest are answered, and the exit code is 1.
 *
 * A hash is read as `index import` reads one (parseHashText): bare hex, or `type:value` / `TYPE value`.
 * A bare value is looked up as --algorithm when given, else as every type with its number of hex digits
 * (32 md5, 40 sha1, 64 sha256, pdq and blockhash).
 *
 * --stdin also takes the JSON records `hashtriage hash` prints: every digest and perceptual hash a record
 * carries is looked up, as `scan` does (digests of an empty file and all-zero perceptual hashes are not;
 * --algorithm limits the lookup to one type). Categories are rated with the severity policy in force
 * (--severity-policy), as in a scan.
 *
 * Matches are hits on known lists: the index holds nothing else. --include-seen adds a "seen" array per
 * line: hits on the sightings store (files earlier scans looked at, not known material), each with the
 * scan, path and time of its first sighting.
 *
 * Rotated/flipped variants: they cannot be derived from a PDQ hash (they need the image's DCT), so they
 * come from records of `hashtriage hash --dihedral` read with --stdin. A record's variants are searched
 * whenever it carries them (as a scan does) and a hit found through one says which. --dihedral insists on
 * them: a usage error with HASH arguments, an error line for a bare hash or a record without them.
 *
 * A record from `hashtriage hash --regions` that carries the content inside the picture's uniform borders
 * (pdqRegions.content: a letterboxed or framed copy) has it searched too, flag or not; hits found through
 * it say `"variant": "content"`. The crop regions are for grouping within a scan and are not searched.
 */
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { HashtriageError, type ErrorCode } from '../../errors.js';
import { LIST_REGION } from '../../hashing/signal-type.js';
import { hashRecordFromFields, signalFieldNames, signalsFromFields } from '../../hashing/record-fields.js';
import { signalTypeByName, SIGNAL_TYPES } from '../../hashing/signals.js';
import type { SignalName, SignalType } from '../../hashing/signal-type.js';
import { defaultSightingsPath, resolveDbPath } from '../../index-store/db-path.js';
import { parseHashText } from '../../index-store/import/fields.js';
import type { IndexMatcher, MatchOptions, MatchOutcome } from '../../index-store/matcher.js';
import type { IndexStore } from '../../index-store/store.js';
import type { MatchEntry } from '../../index-store/types.js';
import { isAllZero, itemSignal, listVariants } from '../../pipeline/item-hashes.js';
import { rateCategory, type SeverityPolicy } from '../../policy/severity.js';
import type { Sighting, SightingsStore } from '../../sightings/sightings-store.js';
import { EXIT, reportFailure } from '../exit.js';
import { showControlsInLine } from '../../tabular/controls.js';
import { flushOutput, outputClosed, writeOutput } from '../stdout.js';

/** Queries answered per matcher call when reading stdin (bounds memory; the in-memory index is reused). */
const BATCH = 10_000;

/** The options of `match` as commander parsed them. */
export interface MatchCommandOptions {
  algorithm?: string;
  threshold?: number;
  dihedral: boolean;
  stdin: boolean;
  includeLowQuality: boolean;
  includeSeen: boolean;
  sightings?: string;
  severityPolicy?: string;
  db?: string;
}

/** The matchers a lookup uses: the known index, and the sightings store with --include-seen (null when it has none). */
interface Matchers {
  readonly known: IndexMatcher;
  readonly seen: IndexMatcher<Sighting> | null;
}

/** One value to look up for a query. */
interface Lookup {
  readonly signal: SignalType;
  readonly value: Uint32Array;
  readonly quality?: number;
  readonly variants?: Uint32Array[];
  readonly variantNames?: string[];
}

/** A hash of a query that was not looked up, and why (in the output's "skipped"). */
interface Skipped {
  readonly algorithm: string;
  readonly reason: string;
}

/** One parsed query (a hash argument or stdin line) with its lookups, or the reason it could not be parsed. */
type Parsed =
  | {
      ok: true;
      position: number;
      /** The hash as given, lower-case hex (bare or typed hash); absent for a `hash` record. */
      query?: string;
      path?: string;
      lookups: Lookup[];
      /** Hashes of the record that are not looked up, with why (an all-zero perceptual hash). */
      skipped?: Skipped[];
    }
  | { ok: false; position: number; input: string; code: ErrorCode; message: string };

/** What the run is set to look up. */
interface Settings {
  /** --algorithm, when given: only this type is looked up. */
  readonly only: SignalType | undefined;
  readonly dihedral: boolean;
}

function bad(position: number, input: string, message: string, code: ErrorCode = 'BAD_HASH'): Parsed {
  return { ok: false, position, input: input.length > 200 ? `${input.slice(0, 200)}…` : input, code, message };
}

/** Parses a hash as given on the command line or a stdin line: bare hex or `type:value`. */
function parseHash(text: string, position: number, settings: Settings): Parsed {
  const read = parseHashText(text, settings.only?.name);
  if (typeof read === 'string') return bad(position, text.trim(), read);
  const lookups = read.map((h) => ({ signal: signalTypeByName(h.signal)!, value: h.value }));
  return { ok: true, position, query: lookups[0].signal.format(lookups[0].value), lookups };
}

/** Parses one stdin line: a hash or a `hashtriage hash` JSON record. */
function parseLine(line: string, position: number, settings: Settings): Parsed {
  const text = line.trim();
  if (!text.startsWith('{')) {
    if (settings.dihedral) return bad(position, text, 'a bare hash has no dihedral variants: pipe `hashtriage hash --dihedral` output, or drop --dihedral', 'BAD_INPUT');
    return parseHash(text, position, settings);
  }
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    return bad(position, text, `not valid JSON: ${(err as Error).message}`, 'BAD_INPUT');
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return bad(position, text, 'not a `hashtriage hash` record (a JSON object)', 'BAD_INPUT');
  const path = typeof record.path === 'string' ? record.path : undefined;
  const carried = signalsFromFields(record);
  const hash = hashRecordFromFields(record);
  const emptyFile = record.bytes === 0;
  const types = settings.only ? [settings.only] : SIGNAL_TYPES.filter((t) => carried[t.name] !== undefined);
  const of = path ? ` for ${path}` : '';
  if (types.length === 0 || (settings.only && carried[settings.only.name] === undefined))
    return bad(position, text, `record${of} has no ${settings.only ? settings.only.name : 'hash'} value`, 'BAD_INPUT');
  const lookups: Lookup[] = [];
  const skipped: Skipped[] = [];
  for (const signal of types) {
    const s = itemSignal(hash, signal);
    if (s === null) return bad(position, text, `record${of}: its ${signal.name} value is not a ${signal.name} hash (${signal.bits / 4} hex digits)`);
    // as a scan does: an empty file's digest says nothing about content, an all-zero hash is "could not hash"
    if (signal.source === 'bytes' && emptyFile) continue;
    if (signal.source === 'pixels' && isAllZero(s.value)) {
      skipped.push({ algorithm: signal.name, reason: 'all zeros: the picture has no detail to compare, check it by hand' });
      continue;
    }
    const lookup: Lookup = { signal, value: s.value, ...(s.quality !== null ? { quality: s.quality } : {}) };
    // The content inside the picture's borders (`hash --regions`) is the same picture: always searched when carried.
    if (carried[signal.name]?.regions?.[LIST_REGION] !== undefined && !s.regions.some((r) => r.name === LIST_REGION))
      return bad(position, text, `record${of}: region ${LIST_REGION} is not a ${signal.name} hash`);
    // Rotated/flipped variants a record carries (`hash --dihedral`) are searched, as a scan does; --dihedral requires them.
    const dihedral = (settings.dihedral || s.variants.length > 0) && signal.source === 'pixels' && signalFieldNames(signal).variants !== null;
    if (dihedral && s.variants.length === 0) return bad(position, text, `record${of} has no ${signalFieldNames(signal).variants} variants (hash it with --dihedral)`, 'BAD_INPUT');
    const forms = listVariants(s, dihedral);
    lookups.push(forms.length === 0 ? lookup : { ...lookup, variants: forms.map((f) => f.value), variantNames: forms.map((f) => f.name) });
  }
  return { ok: true, position, ...(path !== undefined ? { path } : {}), lookups, ...(skipped.length > 0 ? { skipped } : {}) };
}

/** One known-list entry as written, its category rated with the policy in force. */
function entryRecord(e: MatchEntry, policy: SeverityPolicy): Record<string, unknown> {
  const r = rateCategory(policy, e.category, e.scheme);
  return {
    list: e.list,
    category: e.category,
    categoryName: r.name,
    scheme: r.scheme,
    severity: r.severity,
    ...(r.pertinent ? {} : { pertinent: false }),
    series: e.series,
    victimIdentified: e.victimIdentified,
  };
}

/** The output line of one answered query: outcomes[i] and seen[i] answer p.lookups[i] (`seen` only with --include-seen). */
function answerLine(
  p: Extract<Parsed, { ok: true }>,
  outcomes: MatchOutcome[],
  seen: Array<MatchOutcome<Sighting>> | null,
  policy: () => SeverityPolicy,
  includeLowQuality: boolean,
): string {
  const low = outcomes.some((o) => o.lowQuality);
  // a low-quality hash is not compared unless --include-low-quality: it was not checked, and the line says so
  const notLookedUp = (i: number): boolean => outcomes[i].lowQuality === true && !includeLowQuality;
  const skipped: Skipped[] = [
    ...p.lookups.flatMap((l, i) =>
      notLookedUp(i)
        ? [{ algorithm: l.signal.name, reason: `low quality (${l.quality ?? '?'}, below ${l.signal.source === 'pixels' ? l.signal.minMatchQuality : '?'}): not looked up; --include-low-quality looks it up` }]
        : [],
    ),
    ...(p.skipped ?? []),
  ];
  return `${JSON.stringify({
    ...(p.query !== undefined ? { query: p.query } : {}),
    ...(p.path !== undefined ? { path: p.path } : {}),
    checked: p.lookups.flatMap((l, i) => (notLookedUp(i) ? [] : [l.signal.name])),
    ...(skipped.length > 0 ? { skipped } : {}),
    ...(low ? { lowQuality: true } : {}),
    matches: outcomes.flatMap((o, i) =>
      o.matches.map((m) => ({
        algorithm: p.lookups[i].signal.name,
        hash: m.hash,
        distance: m.distance,
        ...(m.variant !== undefined && p.lookups[i].variantNames ? { variant: p.lookups[i].variantNames![m.variant] } : {}),
        ...(m.lowQuality ? { lowQuality: true } : {}),
        entries: m.entries.map((e) => entryRecord(e, policy())),
      })),
    ),
    ...(seen !== null
      ? {
          seen: seen.flatMap((o, i) =>
            o.matches.flatMap((m) =>
              m.entries.map((s) => ({ algorithm: p.lookups[i].signal.name, hash: m.hash, distance: m.distance, scan: s.scan, path: s.path, firstSeenAt: s.seenAt })),
            ),
          ),
        }
      : {}),
  })}\n`;
}

/** Answers one batch in order (one matcher call per hash type); returns the number of error lines written. */
async function answerBatch(matchers: Matchers, batch: Parsed[], opts: MatchCommandOptions, policy: () => SeverityPolicy): Promise<number> {
  const good = batch.filter((p): p is Extract<Parsed, { ok: true }> => p.ok);
  const known = good.map((p) => p.lookups.map((): MatchOutcome | null => null));
  const seen = good.map((p) => p.lookups.map((): MatchOutcome<Sighting> | null => null));
  for (const signal of SIGNAL_TYPES) {
    const at: Array<[number, number]> = [];
    good.forEach((p, g) => p.lookups.forEach((l, k) => l.signal === signal && at.push([g, k])));
    if (at.length === 0) continue;
    const lookups = at.map(([g, k]) => good[g].lookups[k]);
    const options: MatchOptions = {
      threshold: signal.comparison === 'exact' ? undefined : opts.threshold,
      includeLowQuality: opts.includeLowQuality,
      qualities: lookups.map((l) => l.quality),
      variants: lookups.map((l) => l.variants),
    };
    const values = lookups.map((l) => l.value);
    const outcomes = matchers.known.matchValues(signal, values, options);
    const seenOutcomes = opts.includeSeen && matchers.seen !== null && matchers.seen.store.signal(signal.name) !== undefined ? matchers.seen.matchValues(signal, values, options) : null;
    at.forEach(([g, k], i) => {
      known[g][k] = outcomes[i];
      seen[g][k] = seenOutcomes?.[i] ?? { query: outcomes[i].query, matches: [] };
    });
  }
  let errors = 0;
  let g = 0;
  for (const p of batch) {
    let line: string;
    if (p.ok) {
      line = answerLine(p, known[g] as MatchOutcome[], opts.includeSeen ? (seen[g] as Array<MatchOutcome<Sighting>>) : null, policy, opts.includeLowQuality);
      g++;
    } else {
      errors++;
      process.stderr.write(`hashtriage match: ${opts.stdin ? 'line' : 'argument'} ${p.position}: ${showControlsInLine(p.message)}\n`);
      line = `${JSON.stringify({ position: p.position, input: p.input, error: { code: p.code, message: p.message } })}\n`;
    }
    if (!(await writeOutput(line))) return errors;
  }
  return errors;
}

/** Runs `match` on its arguments and resolves to the exit code; reports its own failures on stderr. */
export async function runMatch(hashes: string[], opts: MatchCommandOptions): Promise<number> {
  const usage = (message: string): number => {
    process.stderr.write(`hashtriage match: ${message}\n`);
    return EXIT.USAGE;
  };
  const only = opts.algorithm === undefined ? undefined : signalTypeByName(opts.algorithm as SignalName);
  if (opts.stdin && hashes.length > 0) return usage('give hashes as arguments or --stdin, not both');
  if (!opts.stdin && hashes.length === 0) return usage('give at least one hash, or --stdin');
  if (only && only.comparison === 'exact' && opts.threshold !== undefined && opts.threshold !== 0)
    return usage(`${only.name} matches by equality only; --threshold does not apply`);
  if (opts.dihedral && only && only.source !== 'pixels') return usage(`--dihedral applies to perceptual hashes, not ${only.name}`);
  if (opts.dihedral && !opts.stdin)
    return usage('--dihedral needs the variants computed from the image: pipe `hashtriage hash --dihedral` output into `match --stdin --dihedral`');
  const settings: Settings = { only, dihedral: opts.dihedral };

  let store: IndexStore | undefined;
  let sightings: SightingsStore | null = null;
  try {
    const [{ knownMatcher }, { openIndexForReading }, { loadSeverityPolicy }] = await Promise.all([
      import('../../index-store/entry-reads.js'),
      import('../../index-store/open-for-reading.js'),
      import('../../policy/severity.js'),
    ]);
    // a policy file the user names is checked before any lookup; the shipped one is read when a match needs rating
    let loaded: SeverityPolicy | null = opts.severityPolicy === undefined ? null : loadSeverityPolicy(opts.severityPolicy);
    const policy = (): SeverityPolicy => (loaded ??= loadSeverityPolicy());
    const dbPath = resolveDbPath(opts.db);
    store = await openIndexForReading(dbPath);
    if (opts.sightings !== undefined && !existsSync(opts.sightings)) throw new HashtriageError('NOT_FOUND', `no sightings store at ${opts.sightings} (--sightings)`);
    // the sightings store's code is loaded only when it is asked for
    const seenStore = opts.includeSeen ? await import('../../sightings/sightings-store.js') : null;
    if (seenStore !== null) sightings = seenStore.openSightings(opts.sightings ?? defaultSightingsPath(dbPath), { readonly: true });
    const matcher: Matchers = { known: knownMatcher(store), seen: sightings === null || seenStore === null ? null : seenStore.sightingsMatcher(sightings) };
    let errors = 0;
    if (!opts.stdin) {
      errors += await answerBatch(matcher, hashes.map((h, i) => parseHash(h, i + 1, settings)), opts, policy);
    } else {
      let batch: Parsed[] = [];
      let lineNo = 0;
      for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
        if (outputClosed()) break; // the reader has gone: stop reading queries
        lineNo++;
        if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
        batch.push(parseLine(line, lineNo, settings));
        if (batch.length >= BATCH) {
          errors += await answerBatch(matcher, batch, opts, policy);
          batch = [];
        }
      }
      if (batch.length > 0 && !outputClosed()) errors += await answerBatch(matcher, batch, opts, policy);
    }
    await flushOutput();
    return errors > 0 ? EXIT.SOME_FAILED : EXIT.OK;
  } catch (err) {
    return reportFailure('match', err);
  } finally {
    store?.close();
    sightings?.close();
  }
}
