/**
 * `hashtriage match [--algorithm A] [--threshold N] [--dihedral] (HASH... | --stdin)`: looks hashes up in
 * the index and writes one NDJSON line per query, in input order:
 *   {"query","matches":[{"hash","distance","entries":[{"list","category","severity","series","victimIdentified"}]}]}
 * with matches sorted by distance (then hash). A query that cannot be read gives an error line
 * {"position","input","error":{"code","message"}} (position = argument number, or stdin line number),
 * the rest are answered, and the exit code is 1.
 *
 * Matches are hits on known lists: the index holds nothing else. --include-seen adds a "seen" array per
 * line: hits on the sightings store (files earlier scans looked at, not known material), each with the
 * scan, path and time of its first sighting.
 *
 * --stdin reads one query per line: a bare hex hash, or a JSON record as `hashtriage hash` prints it
 * (the algorithm's field is the query; its quality and path are used).
 *
 * --dihedral: the rotated/flipped variants of a PDQ hash cannot be derived from the hash (they need the
 * image's DCT), so --dihedral only applies to records from `hashtriage hash --dihedral` read with
 * --stdin: each record's variants are searched too and a hit found through one says which. It is a usage
 * error with HASH arguments, and a bare hash line under --dihedral is reported as an error line.
 *
 * A record from `hashtriage hash --regions` that carries the content inside the picture's uniform borders
 * (pdqRegions.content: a letterboxed or framed copy) has it searched too, flag or not; hits found through
 * it say `"variant": "content"`. The crop regions are for grouping within a scan and are not searched.
 */
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { HashtriageError, type ErrorCode } from '../../errors.js';
import { DIHEDRAL_NAMES, LIST_REGION } from '../../hashing/signal-type.js';
import { signalFieldNames, signalsFromFields } from '../../hashing/record-fields.js';
import { signalNames, signalTypeByName } from '../../hashing/signals.js';
import type { SignalType } from '../../hashing/signal-type.js';
import { defaultSightingsPath, resolveDbPath } from '../../index-store/db-path.js';
import type { IndexMatcher, MatchOptions, MatchOutcome } from '../../index-store/matcher.js';
import type { IndexStore } from '../../index-store/store.js';
import type { Sighting, SightingsStore } from '../../sightings/sightings-store.js';
import type { CommandModule } from '../command-module.js';
import { EXIT, reportFailure } from '../exit.js';
import { showControlsInLine } from '../../tabular/controls.js';
import { flushOutput, outputClosed, writeOutput } from '../stdout.js';

/** Queries answered per matcher call when reading stdin (bounds memory; the in-memory index is reused). */
const BATCH = 10_000;

interface MatchCommandOptions {
  algorithm: string;
  threshold?: number;
  dihedral: boolean;
  stdin: boolean;
  includeLowQuality: boolean;
  includeSeen: boolean;
  sightings?: string;
  db?: string;
}

/** The matchers a lookup uses: the known index, and the sightings store with --include-seen (null when it has none). */
interface Matchers {
  readonly known: IndexMatcher;
  readonly seen: IndexMatcher<Sighting> | null;
}

/** One parsed query, or the reason it could not be parsed. */
type Parsed =
  | {
      ok: true;
      position: number;
      value: Uint32Array;
      variants?: Uint32Array[];
      variantNames?: string[];
      quality?: number;
      path?: string;
      /** Other hash types a `hash` record carries, which this lookup does not check. */
      unchecked?: string[];
    }
  | { ok: false; position: number; input: string; code: ErrorCode; message: string };

/** commander parser for --threshold: decimal digits only (so '' or '0x10' are refused, not read as 0 or 16), 0–256. */
function thresholdArg(value: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new InvalidArgumentError('expected an integer from 0 to 256.');
  return n;
}

function bad(position: number, input: string, message: string, code: ErrorCode = 'BAD_HASH'): Parsed {
  return { ok: false, position, input: input.length > 200 ? `${input.slice(0, 200)}…` : input, code, message };
}

/** Parses a bare hex hash. */
function parseHex(signal: SignalType, text: string, position: number): Parsed {
  const value = signal.parse(text.trim().toLowerCase());
  if (value === null) return bad(position, text, `not a ${signal.name} hash: expected ${signal.bits / 4} hex digits`);
  return { ok: true, position, value };
}

/** Parses one stdin line: a hex hash or a `hashtriage hash` JSON record. */
function parseLine(signal: SignalType, line: string, position: number, dihedral: boolean): Parsed {
  const text = line.trim();
  if (!text.startsWith('{')) {
    if (dihedral) return bad(position, text, 'a bare hash has no dihedral variants: pipe `hashtriage hash --dihedral` output, or drop --dihedral', 'BAD_INPUT');
    return parseHex(signal, text, position);
  }
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    return bad(position, text, `not valid JSON: ${(err as Error).message}`, 'BAD_INPUT');
  }
  const path = typeof record.path === 'string' ? record.path : undefined;
  const signals = signalsFromFields(record);
  const carried = signals[signal.name];
  if (carried === undefined) return bad(position, text, `record${path ? ` for ${path}` : ''} has no ${signal.name} hash`, 'BAD_INPUT');
  const parsed = parseHex(signal, carried.value, position);
  if (!parsed.ok) return parsed;
  const unchecked = Object.keys(signals).filter((name) => name !== signal.name);
  const out: Parsed = {
    ...parsed,
    ...(carried.quality !== undefined ? { quality: carried.quality } : {}),
    ...(path !== undefined ? { path } : {}),
    ...(unchecked.length > 0 ? { unchecked } : {}),
  };
  // The content inside the picture's borders (`hash --regions`) is the same picture: always searched when carried.
  const contentText = carried.regions?.[LIST_REGION];
  const content = contentText === undefined ? null : signal.parse(contentText.toLowerCase());
  if (contentText !== undefined && content === null) return bad(position, text, `region ${LIST_REGION} is not a ${signal.name} hash`);
  const withContent = (values: Uint32Array[], names: string[]): Parsed =>
    content === null ? { ...out, variants: values, variantNames: names } : { ...out, variants: [...values, content], variantNames: [...names, LIST_REGION] };
  if (!dihedral) return content === null ? out : withContent([], []);
  if (carried.variants === undefined) {
    const field = signalFieldNames(signal).variants;
    return bad(position, text, field === null ? `${signal.name} has no rotated/flipped variants` : `record has no ${field} variants (hash it with --dihedral)`, 'BAD_INPUT');
  }
  const values: Uint32Array[] = [];
  const names: string[] = [];
  for (const name of DIHEDRAL_NAMES) {
    const v = carried.variants[name];
    if (v === undefined) continue;
    const w = signal.parse(v.toLowerCase());
    if (w === null) return bad(position, text, `variant ${name} is not a ${signal.name} hash`);
    values.push(w);
    names.push(name);
  }
  return withContent(values, names);
}

/** The output line of one answered query (`seen` only with --include-seen). */
function answerLine(p: Extract<Parsed, { ok: true }>, outcome: MatchOutcome, seen: MatchOutcome<Sighting> | null): string {
  return `${JSON.stringify({
    query: outcome.query,
    ...(p.path !== undefined ? { path: p.path } : {}),
    ...(outcome.lowQuality ? { lowQuality: true } : {}),
    matches: outcome.matches.map((m) => ({
      hash: m.hash,
      distance: m.distance,
      ...(m.variant !== undefined && p.variantNames ? { variant: p.variantNames[m.variant] } : {}),
      ...(m.lowQuality ? { lowQuality: true } : {}),
      entries: m.entries.map((e) => ({
        list: e.list,
        category: e.category,
        severity: e.severity,
        series: e.series,
        victimIdentified: e.victimIdentified,
      })),
    })),
    ...(seen !== null
      ? {
          seen: seen.matches.flatMap((m) =>
            m.entries.map((s) => ({ hash: m.hash, distance: m.distance, scan: s.scan, path: s.path, firstSeenAt: s.seenAt })),
          ),
        }
      : {}),
  })}\n`;
}


/** Answers one batch in order; returns the number of error lines written. */
async function answerBatch(matchers: Matchers, signal: SignalType, batch: Parsed[], opts: MatchCommandOptions): Promise<number> {
  const good = batch.filter((p): p is Extract<Parsed, { ok: true }> => p.ok);
  const values = good.map((p) => p.value);
  const options: MatchOptions = {
    threshold: opts.threshold,
    includeLowQuality: opts.includeLowQuality,
    qualities: good.map((p) => p.quality),
    variants: good.map((p) => p.variants),
  };
  const outcomes = matchers.known.matchValues(signal, values, options);
  const seen = opts.includeSeen ? (matchers.seen?.matchValues(signal, values, options) ?? null) : null;
  let errors = 0;
  let g = 0;
  for (const p of batch) {
    let line: string;
    if (p.ok) {
      line = answerLine(p, outcomes[g], opts.includeSeen ? (seen?.[g] ?? { query: outcomes[g].query, matches: [] }) : null);
      g++;
    }
    else {
      errors++;
      process.stderr.write(`hashtriage match: ${opts.stdin ? 'line' : 'argument'} ${p.position}: ${showControlsInLine(p.message)}\n`);
      line = `${JSON.stringify({ position: p.position, input: p.input, error: { code: p.code, message: p.message } })}\n`;
    }
    if (!(await writeOutput(line))) return errors;
  }
  return errors;
}

async function runMatch(hashes: string[], opts: MatchCommandOptions): Promise<number> {
  const usage = (message: string): number => {
    process.stderr.write(`hashtriage match: ${message}\n`);
    return EXIT.USAGE;
  };
  const signal = signalTypeByName(opts.algorithm);
  if (!signal) return usage(`unknown algorithm "${opts.algorithm}"; choose from ${signalNames().join(', ')}`);
  if (opts.stdin && hashes.length > 0) return usage('give hashes as arguments or --stdin, not both');
  if (!opts.stdin && hashes.length === 0) return usage('give at least one hash, or --stdin');
  if (signal.comparison === 'exact' && opts.threshold !== undefined && opts.threshold !== 0)
    return usage(`${signal.name} matches by equality only; --threshold does not apply`);
  if (opts.dihedral && signal.source !== 'pixels') return usage(`--dihedral applies to perceptual hashes, not ${signal.name}`);
  if (opts.dihedral && !opts.stdin)
    return usage('--dihedral needs the variants computed from the image: pipe `hashtriage hash --dihedral` output into `match --stdin --dihedral`');

  let store: IndexStore | undefined;
  let sightings: SightingsStore | null = null;
  try {
    const [{ knownMatcher }, { openIndex }, { openSightings, sightingsMatcher }] = await Promise.all([
      import('../../index-store/entry-reads.js'),
      import('../../index-store/open-index.js'),
      import('../../sightings/sightings-store.js'),
    ]);
    const dbPath = resolveDbPath(opts.db);
    store = openIndex(dbPath, { readonly: true });
    if (opts.sightings !== undefined && !existsSync(opts.sightings)) throw new HashtriageError('NOT_FOUND', `no sightings store at ${opts.sightings} (--sightings)`);
    if (opts.includeSeen) sightings = openSightings(opts.sightings ?? defaultSightingsPath(dbPath), { readonly: true });
    const matcher: Matchers = { known: knownMatcher(store), seen: sightings === null ? null : sightingsMatcher(sightings) };
    let errors = 0;
    if (!opts.stdin) {
      errors += await answerBatch(matcher, signal, hashes.map((h, i) => parseHex(signal, h, i + 1)), opts);
    } else {
      let batch: Parsed[] = [];
      let warnedUnchecked = false;
      let lineNo = 0;
      for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
        if (outputClosed()) break; // the reader has gone: stop reading queries
        lineNo++;
        if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
        const parsed = parseLine(signal, line, lineNo, opts.dihedral);
        if (!warnedUnchecked && parsed.ok && parsed.unchecked !== undefined) {
          // a known file whose digest is listed would otherwise look unknown here: say what was not looked up
          warnedUnchecked = true;
          process.stderr.write(
            `hashtriage match: the hash records also carry ${parsed.unchecked.join(', ')}; only ${signal.name} is looked up (run match again with --algorithm NAME for another, or use scan, which checks them all)\n`,
          );
        }
        batch.push(parsed);
        if (batch.length >= BATCH) {
          errors += await answerBatch(matcher, signal, batch, opts);
          batch = [];
        }
      }
      if (batch.length > 0 && !outputClosed()) errors += await answerBatch(matcher, signal, batch, opts);
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

/** Registers `match` on the program. */
export const register: CommandModule = (program: Command) => {
  program
    .command('match')
    .description('Look hashes up in the index; one JSON line per query with its matches sorted by distance.')
    .argument('[hashes...]', 'hashes to look up (hex)')
    .addOption(new Option('--algorithm <name>', 'hash type of the queries').choices(signalNames()).default('pdq'))
    .addOption(new Option('--threshold <n>', "largest distance that matches (default: the type's, 31 for pdq)").argParser(thresholdArg))
    .option('--dihedral', 'also match the rotated/flipped variants carried by `hash --dihedral` records (with --stdin)', false)
    .option('--stdin', 'read queries from stdin: hex hashes or `hashtriage hash` JSON lines', false)
    .option('--include-low-quality', 'also match queries and known values below the quality a match needs (flagged)', false)
    .option('--include-seen', 'also report hits on the sightings store (files earlier scans looked at, not known material) as "seen"', false)
    .option('--sightings <path>', 'sightings store for --include-seen (default: beside the index, NAME.sightings.db)')
    .option('--db <path>', 'index database (default $HASHTRIAGE_DB or ./hashtriage.db)')
    .action(async (hashes: string[], opts: MatchCommandOptions) => {
      process.exitCode = await runMatch(hashes, opts);
    });
};
