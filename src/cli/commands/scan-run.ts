/**
 * `hashtriage scan [paths...] [--manifest FILE ...] --out DIR`: hash every input file, match it against
 * the known index (opened read-only) and earlier scans' sightings, group near-duplicates and reports into
 * bundles, prioritise them, write the output directory and record what was seen in the sightings store.
 * Prints a short summary (or JSON with --json) and the output path on stdout; problems go to stderr.
 * Exit codes: see ../exit.ts (130: interrupted, continue with --resume).
 */
import { existsSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { HashtriageError } from '../../errors.js';
import { DB_ENV_VAR, defaultSightingsPath, resolveDbPath, storeWritable } from '../../index-store/db-path.js';
import type { ScanDeps, ScanSummary } from '../../pipeline/scan.js';
import { EXIT, exitCodeFor, onStopSignals, reportFailure, STOP_SIGNALS, type StopSignal } from '../exit.js';
import { showControlsInLine } from '../../tabular/controls.js';
import type { ProgressReporter } from '../progress.js';
import { flushOutput, StdoutError, writeOutput } from '../stdout.js';

/** The options of `scan` as commander parsed them. */
export interface ScanCommandOptions {
  manifest: string[];
  out: string;
  db?: string;
  /** false with --no-index (deduplication only). */
  index: boolean;
  /** A path, or false with --no-sightings. */
  sightings?: string | false;
  resume: boolean;
  /** Undefined when neither --dihedral nor --no-dihedral was given: on by default. */
  dihedral?: boolean;
  regions: boolean;
  pdqFlavour: 'full' | 'cli512';
  policy?: string;
  severityPolicy?: string;
  json: boolean;
  concurrency: number;
  maxPixels: number;
  followSymlinks: boolean;
  memoryBudget: number;
  includeLowQuality: boolean;
}

/** The summary as a few human lines (no colours; stable wording for scripts that grep it). */
export function formatSummary(s: ScanSummary, withIndex = true): string {
  const lines: string[] = [];
  if (!s.completed) {
    lines.push(`scan interrupted: ${s.hashedThisRun + s.resumedItems} of ${s.files} files done and saved`);
    lines.push(`continue with the same command plus --resume (output directory: ${s.outDir})`);
    return `${lines.join('\n')}\n`;
  }
  if (s.finishedBefore !== undefined) lines.push(`scan already finished at ${s.finishedBefore}: --resume had nothing to do and changed nothing`);
  const resumed = s.finishedBefore !== undefined ? '' : s.resumedItems > 0 ? `, ${s.resumedItems} taken from the interrupted run` : '';
  lines.push(`files: ${s.files} (${s.failedFiles} failed${s.lowQualityFiles > 0 ? `, ${s.lowQualityFiles} low-quality PDQ` : ''}${resumed})`);
  lines.push(`reports: ${s.reports}${s.inputErrors > 0 ? ` (${s.inputErrors} manifest problem${s.inputErrors === 1 ? '' : 's'})` : ''}`);
  const noLists = !withIndex ? ' (no index: --no-index)' : s.knownLists === 0 ? ' (the index holds no known lists)' : '';
  const innocent = s.knownNonPertinentFiles > 0 ? ` (and ${s.knownNonPertinentFiles} known non-pertinent only)` : '';
  lines.push(`known matches: ${s.knownMatchFiles} file${s.knownMatchFiles === 1 ? '' : 's'}${innocent}${noLists}; seen in earlier scans: ${s.previouslySeenFiles}`);
  const tiers = Object.entries(s.bundlesByTier)
    .map(([tier, n]) => `${tier}: ${n}`)
    .join(', ');
  lines.push(`bundles: ${s.bundles}${tiers === '' ? '' : ` (${tiers})`}`);
  const unusable = s.bundlesFlagged.perceptual_hash_unusable ?? 0;
  const drift = s.bundlesFlagged.perceptual_drift ?? 0;
  if (unusable > 0) lines.push(`check by hand: ${unusable} bundle${unusable === 1 ? '' : 's'} without a usable perceptual hash (perceptual_hash_unusable: each bundle's flag says what to do)`);
  if (drift > 0) lines.push(`files far apart: ${drift} bundle${drift === 1 ? '' : 's'} chained beyond the threshold (perceptual_drift)`);
  lines.push(`output: ${s.outDir}`);
  if (s.audit === null && s.finishedBefore !== undefined) lines.push(`outputs and audit log as written then (check them with 'hashtriage audit verify ${s.outDir}')`);
  if (s.audit !== null) lines.push(`audit log head: ${s.audit.auditHead} (keep it elsewhere; 'hashtriage audit verify ${s.outDir} --head HASH' then detects a cut log)`);
  return `${lines.join('\n')}\n`;
}

/** True when something (a file, a folder, a link, even a dangling one) is at `p`. */
function present(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Runs `scan` (rawArgs: the command line as typed, recorded in the case) and resolves to the exit code. */
export async function runScanCommand(paths: string[], opts: ScanCommandOptions, rawArgs: readonly string[]): Promise<number> {
  const usage = (message: string): number => {
    process.stderr.write(`hashtriage scan: ${showControlsInLine(message)}\n`);
    return EXIT.USAGE;
  };
  if (paths.length === 0 && opts.manifest.length === 0) return usage('give at least one path or --manifest');
  if (!opts.index && opts.db !== undefined) return usage('give --db or --no-index, not both');
  // commander lets the later of --sightings PATH and --no-sightings win; a user who wrote both meant one of them
  if (rawArgs.includes('--no-sightings') && rawArgs.some((a) => a === '--sightings' || a.startsWith('--sightings=')))
    return usage('give --sightings PATH or --no-sightings, not both');
  const missing = paths.filter((p) => !present(p));
  if (missing.length > 0) return usage(`no such file or directory: ${missing.join(', ')}; nothing was scanned`);
  const [{ openScanDeps }, { readUsableManifests, runScan }, { createProgress }] = await Promise.all([
    import('../../pipeline/scan-deps.js'),
    import('../../pipeline/scan.js'),
    import('../progress.js'),
  ]);
  const indexPath = opts.index ? resolveDbPath(opts.db) : null;
  let sightings = opts.sightings === false ? null : (opts.sightings ?? defaultSightingsPath(indexPath ?? resolveDbPath(undefined)));
  // the default store beside an index on read-only media cannot be kept there: the scan goes on without
  // sightings and says so (a store named with --sightings that cannot be used stays an error)
  if (opts.sightings === undefined && sightings !== null && !storeWritable(sightings)) {
    process.stderr.write(
      `hashtriage scan: ${showControlsInLine(`the sightings store beside the index cannot be created or written there (${sightings}: read-only)`)}; ` +
        'going on without looking up or recording what earlier scans saw; give --sightings PATH to keep them elsewhere, or --no-sightings to say so\n',
    );
    sightings = null;
  }
  const stores = { index: indexPath, sightings };
  const scanOptions = {
    inputs: paths,
    manifests: opts.manifest,
    outDir: opts.out,
    resume: opts.resume,
    dihedral: opts.dihedral !== false,
    regions: opts.regions,
    pdqFlavour: opts.pdqFlavour,
    concurrency: opts.concurrency,
    maxPixels: opts.maxPixels,
    followSymlinks: opts.followSymlinks,
    memoryBudgetMiB: opts.memoryBudget,
    includeLowQuality: opts.includeLowQuality,
  };
  const controller = new AbortController();
  let stoppedBy: StopSignal | null = null;
  // a second signal exits at once: finished items are already committed
  const offStopSignals = onStopSignals((signal) => {
    stoppedBy = signal;
    const again = signal === 'SIGINT' ? 'Ctrl-C again' : 'a second SIGTERM';
    process.stderr.write(`\nhashtriage scan: ${signal === 'SIGINT' ? '' : 'terminated: '}stopping after the files in progress (${again} to quit now); resume with --resume\n`);
    controller.abort();
  });
  let progress: ProgressReporter | null = null;
  let shown = 0;
  let summary: ScanSummary;
  let deps: ScanDeps | null = null;
  try {
    // Before the index is opened (or created): an unusable manifest leaves nothing behind.
    readUsableManifests(scanOptions.manifests);
    if (indexPath !== null && !existsSync(indexPath)) {
      throw new HashtriageError(
        'NOT_FOUND',
        `no index at ${indexPath}: import a known list first (hashtriage index import), check --db / ${DB_ENV_VAR}, or give --no-index to deduplicate without known lists; nothing was scanned`,
      );
    }
    deps = openScanDeps(scanOptions, stores, opts.policy, false, opts.severityPolicy);
    summary = await runScan(scanOptions, deps, {
      signal: controller.signal,
      onProgress: (done, total) => {
        progress ??= createProgress('scanning', total);
        progress.increment(done - shown);
        shown = done;
      },
    });
  } catch (err) {
    if (exitCodeFor(err) !== EXIT.USAGE) throw err;
    return reportFailure('scan', err);
  } finally {
    (progress as ProgressReporter | null)?.stop();
    offStopSignals();
    await deps?.index.close();
  }
  if (summary.finishedBefore !== undefined)
    process.stderr.write(
      `hashtriage scan: this scan finished at ${summary.finishedBefore}; --resume changed nothing (nothing hashed, no output rewritten, nothing logged)` +
        (summary.changedSinceFinished ? `; ${summary.changedSinceFinished} input file${summary.changedSinceFinished === 1 ? ' is' : 's are'} new or changed since: scan the inputs into a new --out to include them` : '') +
        '\n',
    );
  // sources and messages carry names and manifest text from the evidence: no control sequence reaches the terminal
  for (const p of summary.problems) process.stderr.write(`hashtriage scan: ${showControlsInLine(`${p.source}: ${p.code}: ${p.message}`)}\n`);
  const unlisted = summary.failedFiles + summary.inputErrors - summary.problems.length;
  if (unlisted > 0) process.stderr.write(`hashtriage scan: … and ${unlisted} more problems (see items.ndjson and audit.ndjson in ${summary.outDir})\n`);
  // After the problem list, so a long list does not scroll these out of sight.
  if (summary.completed && summary.files === 0 && summary.reports === 0)
    process.stderr.write('hashtriage scan: no files or reports found in the given paths and manifests\n');
  for (const dir of summary.leftOutFolders ?? [])
    process.stderr.write(`hashtriage scan: ${showControlsInLine(`left out ${dir}: it holds the output of an earlier scan (case.db); name it as an input to scan it anyway`)}\n`);
  for (const u of summary.unusedManifestColumns ?? [])
    process.stderr.write(
      `hashtriage scan: ${showControlsInLine(`manifest ${u.manifest}: columns not used: ${u.columns.join(', ')}${u.more > 0 ? ` and ${u.more} more` : ''} (read are report_id, received_at, reporter, channel, url, platform, file, notes, escalate and their synonyms)`)}\n`,
    );
  for (const u of summary.unknownSchemes ?? [])
    process.stderr.write(
      `hashtriage scan: ${showControlsInLine(`${u.lists.length === 1 ? 'list' : 'lists'} ${u.lists.join(', ')} ${u.lists.length === 1 ? 'was' : 'were'} imported with category scheme "${u.scheme}", which the severity policy in force does not define: their categories are unranked (add the scheme to the policy, or give --severity-policy)`)}\n`,
    );
  const broken = summary.audit?.auditBroken ?? null;
  if (broken !== null)
    process.stderr.write(`hashtriage scan: the audit log had been altered before this run: audit.ndjson line ${broken.line}: ${broken.problem} (an entry saying so was appended)\n`);
  try {
    await writeOutput(opts.json ? `${JSON.stringify({ ...summary, outDir: path.resolve(summary.outDir) })}\n` : formatSummary(summary, indexPath !== null));
    await flushOutput();
  } catch (err) {
    if (!(err instanceof StdoutError)) throw err;
    process.stderr.write(`hashtriage scan: ${err.message} (the scan's outputs are in ${summary.outDir})\n`);
    return EXIT.SOME_FAILED;
  }
  if (!summary.completed) return STOP_SIGNALS[(stoppedBy as StopSignal | null) ?? 'SIGINT'];
  return summary.failedFiles > 0 || summary.inputErrors > 0 || broken !== null ? EXIT.SOME_FAILED : EXIT.OK;
}
