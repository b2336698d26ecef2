/**
 * The scan orchestrator: inputs → items (hashed, matched against the known index and earlier scans'
 * sightings, saved to the case database batch by batch) → their content recorded as sightings once every
 * item is in → clusters → bundles → priority → output files. The hashing, the index and the output writers come in through small ports
 * (scan-deps.ts wires the real ones), so this file holds only the order of the work and the resume logic.
 */
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync, type PathLike } from 'node:fs';
import path from 'node:path';
import { HashtriageError, type ErrorCode } from '../errors.js';
import { locateFile } from '../files/file-identity.js';
import { compareRawPaths, type RawPath } from '../files/raw-path.js';
import { walkPaths, type WalkEntry, type WalkSkip } from '../files/walk.js';
import { DEFAULT_MAX_PIXELS } from '../hashing/decode.js';
import type { FileHashResult } from '../hashing/record.js';
import type { SignalType } from '../hashing/signal-type.js';
import { compareBundles, prioritise, type PriorityPolicy } from '../policy/priority.js';
import { loadSeverityPolicy, UNMAPPED_SCHEME, type SeverityPolicy } from '../policy/severity.js';
import { contentStatus, rateKnownMatches } from './known-rating.js';
import { buildBundles } from './bundle.js';
import { CASE_DB_NAME, CaseDb, isCaseDatabase, type ScanParams, type StoredItem } from './case-db.js';
import { clusterItems } from './cluster.js';
import type { CodeSearcherFactory } from './code-searcher.js';
import { hasLowQuality, isMatchable, itemSignal, listVariants, seenItemsOf } from './item-hashes.js';
import { manifestFileProblem, mergeManifests, readManifest, type FileRef, type ManifestContents, type ManifestError, type UnusedColumns } from './manifest.js';
import type { SeenItem } from '../sightings/sightings-store.js';
import type { AuditState } from './outputs/index.js';
import type { ScanData } from './outputs/types.js';
import { flaggedCounts } from './outputs/records.js';
import type { Bundle, KnownMatch, Report, ScanItem, SeenMatch } from './types.js';
import { sidecarSuffixes } from '../index-store/memory-sidecar.js';

/** What the user asked for. */
export interface ScanOptions {
  /** Files and directories to scan (directories recursively). */
  readonly inputs: readonly string[];
  /** Report manifests (CSV or NDJSON). */
  readonly manifests: readonly string[];
  readonly outDir: string;
  /** Continue the case in outDir instead of starting one. */
  readonly resume: boolean;
  /** Also match (and group by) the 7 rotated/flipped PDQ variants. */
  readonly dihedral: boolean;
  /**
   * Also hash PDQ's region variants: the content inside uniform borders is matched against lists and
   * within the batch, crop regions within the batch only (default false here; the CLI turns it on).
   */
  readonly regions?: boolean;
  readonly pdqFlavour: 'full' | 'cli512';
  /** Files hashed at once. */
  readonly concurrency: number;
  /** Images with more pixels are refused as failed items (default DEFAULT_MAX_PIXELS). */
  readonly maxPixels?: number;
  /** Follow symbolic links under the inputs wherever they lead (default: only while they stay inside the inputs). */
  readonly followSymlinks?: boolean;
  /** Memory budget of hashing in MiB (see ConcurrencyOptions.memoryBudget); does not change results. */
  readonly memoryBudgetMiB?: number;
  /** Also match and group perceptual hashes below their type's quality bar (default: flagged, never matched). */
  readonly includeLowQuality?: boolean;
}

/** One finished item as the hashing port hands it over. */
export interface HashedInput {
  /** Position in the list passed to `hash`. */
  readonly position: number;
  readonly result: FileHashResult;
}

/**
 * The hashing step: files in, results out (each position at most once; all of them unless aborted).
 * Entries with an error pass through as failed results. Resolves when done or after an abort.
 */
export interface HashPort {
  readonly signalTypes: readonly SignalType[];
  hash(inputs: readonly WalkEntry[], onResult: (done: HashedInput) => void, signal: AbortSignal): Promise<void>;
}

/** One lookup of one value of one signal type, with the rotated/flipped variants searched on its behalf. */
export interface MatchQuery {
  readonly signal: SignalType;
  readonly value: Uint32Array;
  readonly variants: ReadonlyArray<{ readonly name: NonNullable<KnownMatch['variant']>; readonly value: Uint32Array }>;
  readonly radius: number;
  /** Match this value even when below its type's quality bar, and stored values below it too (true only when asked for). */
  readonly includeLowQuality?: boolean;
}

/** What the index answers for one query: known-list entries and earlier-scan sightings. */
export interface MatchAnswer {
  readonly known: KnownMatch[];
  readonly seen: SeenMatch[];
}

/** What identifies the index a scan matched against. */
export interface IndexDescription {
  /** Digest of its known lists ('none' for a scan without an index). */
  readonly knownDigest: string;
  /** Counts recorded in the manifest (lists, values per signal type). */
  readonly counts: Record<string, number>;
}

/**
 * The known index (read-only) and the sightings store: batched lookups, and recording this scan's content
 * for later scans. Calls are answered in the order they were made.
 */
export interface IndexPort {
  /** Where the index is (recorded in the case parameters); null for a scan without one. */
  readonly path: string | null;
  /** Where sightings are kept; null when the scan neither looks them up nor records them. */
  readonly sightingsPath: string | null;
  describe(): Promise<IndexDescription>;
  /** Says how many items this run will match, so the port can choose its lookup path once (e.g. load into memory). */
  expect(items: number): void;
  /** Answers every query (same order): known matches, and sightings of earlier scans (those of `scan` itself left out). */
  match(queries: readonly MatchQuery[], scan: string): Promise<MatchAnswer[]>;
  /** Records `items` as seen by `scan` (first sighting wins, so repeating is harmless). */
  recordSightings(items: readonly SeenItem[], scan: string): Promise<void>;
  close(): Promise<void>;
}

/** The output step; it says what the audit log's head is now, and whether its chain was intact. */
export type WriteOutputs = (outDir: string, data: ScanData) => AuditState | Promise<AuditState>;

/** The real collaborators (scan-deps.ts builds them). */
export interface ScanDeps {
  readonly toolVersion: string;
  readonly decodePolicy: unknown;
  readonly hasher: HashPort;
  readonly index: IndexPort;
  readonly policy: PriorityPolicy;
  /** Rates the known matches' categories (default: the shipped policy/severity.json). */
  readonly severityPolicy?: SeverityPolicy;
  readonly writeOutputs: WriteOutputs;
  /** Logs the start (or resumption) of a scan in the output directory's audit log. */
  readonly auditStart?: (outDir: string, data: Pick<ScanData, 'scanLabel' | 'toolVersion' | 'inputs' | 'startedAt'>, resumed: boolean) => void;
  readonly searcher?: CodeSearcherFactory;
}

/** Progress callbacks (all optional). */
export interface ScanHooks {
  /** Called with the number of items finished (including resumed ones) and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Stop early: finished items are saved and the case can be resumed. */
  readonly signal?: AbortSignal;
  /** Clock (tests); default the system time. */
  readonly now?: () => Date;
}

/** The scan's result as the command prints it. */
export interface ScanSummary {
  readonly outDir: string;
  /** False when the scan was interrupted before writing outputs (resume it). */
  readonly completed: boolean;
  readonly files: number;
  /** Files that could not be fully hashed (read or decode errors, symlink loops…). */
  readonly failedFiles: number;
  /** Problems in manifests (rows skipped or partly read). */
  readonly inputErrors: number;
  /** The first SUMMARY_MAX_PROBLEMS problems, manifest rows first, then files by path, each with its location. */
  readonly problems: ReadonlyArray<{ readonly source: string; readonly code: ErrorCode; readonly message: string }>;
  readonly reports: number;
  /** Files with a pertinent known match. */
  readonly knownMatchFiles: number;
  /** Files whose known matches are all non-pertinent (known-innocent): not counted in knownMatchFiles. */
  readonly knownNonPertinentFiles: number;
  readonly previouslySeenFiles: number;
  readonly lowQualityFiles: number;
  readonly bundles: number;
  readonly bundlesByTier: Readonly<Record<string, number>>;
  /** Bundles carrying each flag (perceptual_hash_unusable: check by hand; perceptual_drift), flags with none left out. */
  readonly bundlesFlagged: Readonly<Record<string, number>>;
  readonly hashedThisRun: number;
  readonly resumedItems: number;
  /** Known lists in the index (0: nothing could match). */
  readonly knownLists: number;
  /** The audit log once outputs are written (null when the scan was interrupted before, or had finished already). */
  readonly audit: AuditState | null;
  /** Set when --resume met a scan that had finished: when it finished; nothing was hashed, written or logged. */
  readonly finishedBefore?: string;
  /** With finishedBefore: input files that are new or changed since that scan (not scanned; a new scan would). */
  readonly changedSinceFinished?: number;
  /**
   * Category schemes the known lists were imported with that the severity policy in force does not define
   * (their categories were left unranked), with the lists that use them; absent when there are none.
   */
  readonly unknownSchemes?: ReadonlyArray<{ readonly scheme: string; readonly lists: readonly string[] }>;
  /** Folders below the inputs that hold an earlier scan's output (its case database), left out of this scan; absent when none. */
  readonly leftOutFolders?: readonly string[];
  /** Per manifest, the columns no report field reads (see ManifestContents.unusedColumns); absent when none. */
  readonly unusedManifestColumns?: ReadonlyArray<UnusedColumns>;
}

/** A planned item: identity, display path (with its bytes when not UTF-8) and where to read it; failures found before hashing are kept. */
export interface PlannedItem {
  readonly key: string;
  readonly path: string;
  readonly pathBytes?: string;
  /** Absolute; the raw bytes when the name is not UTF-8. */
  readonly readPath: PathLike;
  readonly preError: { readonly code: ErrorCode; readonly message: string } | null;
  readonly reportIds: string[];
}

const BATCH_MAX_ITEMS = 64;
const BATCH_MAX_MS = 250;

/** SHA-256 of a file's bytes; null when unreadable. */
function fileSha256(file: string): string | null {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return null;
  }
}

function statOf(file: PathLike): { size: number; mtimeMs: number } | null {
  try {
    const s = statSync(file);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return null;
  }
}

/** The real path of `p`, also when it (or some of its last parts) does not exist yet. */
function realPathOf(p: string): string {
  const abs = path.resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realPathOf(parent), path.basename(abs));
  }
}

/** SQLite's companion files of a database and the index's warm-start files (present or not), by suffix. */
const SQLITE_COMPANIONS = ['', '-wal', '-shm', '-journal', ...sidecarSuffixes()];

/**
 * What the walk must never take as items: the scan's own output directory (its case database and output
 * files), the databases it uses (index, sightings store) with their companion files, and the manifests
 * it reads (reports about the evidence, not evidence), as real paths.
 */
export function ownFiles(outDir: string, databases: ReadonlyArray<string | null>, manifests: readonly string[] = [], onLeftOut: (dir: string) => void = () => {}): WalkSkip {
  const files = databases.flatMap((db) => (db === null ? [] : SQLITE_COMPANIONS.map((suffix) => realPathOf(db) + suffix)));
  return { dirs: [realPathOf(outDir)], files: [...files, ...manifests.map(realPathOf)], marked: { name: CASE_DB_NAME, confirm: isCaseDatabase, onLeftOut } };
}

/** Sorting by display path, code-unit order (machine- and locale-independent). */
const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * Builds the item list from walked inputs and manifest file references: one item per distinct file
 * (by the bytes of its real path, so names that are not UTF-8 stay apart), sorted by display path then
 * path bytes, with the reports that name it. A file reached by several names is shown by its own name
 * (no symbolic link on the way) when that is among them, else by the first name in path order.
 */
export function planItems(walked: ReadonlyArray<RawPath & { error?: { code: ErrorCode; message: string } }>, fileRefs: readonly FileRef[]): PlannedItem[] {
  const byKey = new Map<string, PlannedItem>();
  const shownByRealName = new Set<string>();
  const add = (where: RawPath, error: PlannedItem['preError'], reportId: string | null) => {
    const { key, readPath, realName } = locateFile(where, error === null);
    const shown = where.pathBytes === undefined ? { path: where.path } : { path: where.path, pathBytes: where.pathBytes };
    let item = byKey.get(key);
    if (item === undefined) {
      item = { key, ...shown, readPath, preError: error, reportIds: [] };
      byKey.set(key, item);
      if (realName) shownByRealName.add(key);
    } else if (realName !== shownByRealName.has(key) ? realName : compareRawPaths(shown, item) < 0) {
      if (realName) shownByRealName.add(key);
      const { pathBytes: _, ...rest } = item;
      item = { ...rest, ...shown };
      byKey.set(key, item);
    }
    if (reportId !== null && !item.reportIds.includes(reportId)) item.reportIds.push(reportId);
  };
  for (const w of walked) add(w, w.error ?? null, null);
  for (const ref of fileRefs) add({ path: path.normalize(path.join(path.dirname(ref.manifest), ref.relPath)) }, null, ref.reportId);
  const items = [...byKey.values()].sort(compareRawPaths);
  for (const item of items) item.reportIds.sort();
  return items;
}

/** The options that change results, as recorded in the case (concurrency does not change results). */
function resultOptions(options: ScanOptions, policy: PriorityPolicy, severity: SeverityPolicy): ScanParams['options'] {
  const base = {
    dihedral: options.dihedral,
    pdqFlavour: options.pdqFlavour,
    policy: policy.digest,
    severityPolicy: severity.digest,
    maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
  };
  // Recorded only when given, so a case without them reads (and resumes) as before.
  return {
    ...base,
    ...(options.followSymlinks === true ? { followSymlinks: true } : {}),
    ...(options.includeLowQuality === true ? { includeLowQuality: true } : {}),
    ...(options.regions === true ? { regions: true } : {}),
  };
}

/** The inputs as the outputs record them: paths as given, manifests with their content digest. */
function outputInputs(options: ScanOptions, params: ScanParams): ScanData['inputs'] {
  return { paths: [...options.inputs], manifests: options.manifests.map((m, i) => ({ path: m, sha256: params.manifests[i].sha256 })), options: params.options };
}

/**
 * Builds the match queries for one item: every matchable value (low-quality ones too when asked), plus
 * its variants with --dihedral and the content inside its borders when the item has one (crop regions
 * are for the batch only).
 */
function queriesFor(hash: FileHashResult, signalTypes: readonly SignalType[], dihedral: boolean, includeLowQuality: boolean): MatchQuery[] {
  const out: MatchQuery[] = [];
  for (const signal of signalTypes) {
    const s = itemSignal(hash, signal);
    if (s === null || !isMatchable(hash, signal, s, includeLowQuality)) continue;
    const query = { signal, value: s.value, variants: listVariants(s, dihedral), radius: signal.defaultThreshold };
    out.push(includeLowQuality ? { ...query, includeLowQuality: true } : query);
  }
  return out;
}

/** The hashing result shown under the item's path (and its bytes when it has them). */
function shownAt(hash: FileHashResult, item: PlannedItem): FileHashResult {
  const { pathBytes: _, ...rest } = hash;
  return item.pathBytes === undefined ? { ...rest, path: item.path } : { ...rest, path: item.path, pathBytes: item.pathBytes };
}

/** Blocks the thread for `ms` (test hook only: keeps the result callback synchronous). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Test hook: milliseconds to wait after each saved batch (lets a test kill a scan part-way). */
function testDelayMs(): number {
  const v = Number(process.env.HASHTRIAGE_TEST_SCAN_DELAY_MS ?? '0');
  return Number.isFinite(v) && v > 0 ? v : 0;
}

/**
 * Reads the manifests. Throws HashtriageError USAGE (naming the manifest and the reason) when one cannot
 * be used as a whole: unreadable, a directory, not UTF-8 text (UTF-16, compressed), no usable header. Bad rows come back in `errors`.
 * Callers run it before creating anything (index, output directory), so a corrected re-run is not refused.
 */
export function readUsableManifests(manifests: readonly string[]): ManifestContents[] {
  const parts = manifests.map((m) => readManifest(m, m));
  for (const part of parts) {
    const problem = manifestFileProblem(part);
    if (problem !== null) throw new HashtriageError('USAGE', `manifest ${problem.source}: ${problem.message}; nothing was scanned`);
  }
  return parts;
}

/**
 * Runs a scan (or resumes one). Guarantees: an item is in the case database only with its matches; an
 * aborted scan returns `completed: false` with everything finished so far saved; a resumed scan hashes
 * only unfinished (or changed) files and writes the same items and bundles as an uninterrupted one; a
 * scan never reports its own content as previously seen. Throws HashtriageError USAGE, before creating
 * anything, when a manifest cannot be used as a whole (unreadable, a directory, no usable header); throws
 * USAGE when the output directory cannot be used (see CaseDb), and the index's error when the index
 * cannot be opened.
 */
export async function runScan(options: ScanOptions, deps: ScanDeps, hooks: ScanHooks = {}): Promise<ScanSummary> {
  const { hasher, index, policy } = deps;
  const severityPolicy = deps.severityPolicy ?? loadSeverityPolicy();
  const signalTypes = hasher.signalTypes;
  const clock = hooks.now ?? (() => new Date());

  // 1. Inputs: manifests and walked paths → the item plan.
  const manifestParts = readUsableManifests(options.manifests);
  const manifests = mergeManifests(manifestParts.length > 0 ? manifestParts : [{ reports: [], fileRefs: [], errors: [], unusedColumns: [] }]);
  const leftOut = new Set<string>();
  const skip = ownFiles(options.outDir, [index.path, index.sightingsPath], options.manifests, (dir) => leftOut.add(dir));
  const walked = options.inputs.length > 0 ? await walkPaths(options.inputs, skip, { followSymlinks: options.followSymlinks }) : [];
  const leftOutFolders = leftOut.size > 0 ? { leftOutFolders: [...leftOut].sort() } : {};
  const unusedColumns = manifests.unusedColumns.length > 0 ? { unusedManifestColumns: manifests.unusedColumns } : {};
  const plan = planItems(walked, manifests.fileRefs);

  // 2. The case: new, or resumed with identical parameters.
  const described = await index.describe();
  const knownLists = described.counts.knownLists ?? 0;
  const params: ScanParams = {
    inputs: options.inputs.map((p) => path.resolve(p)),
    manifests: options.manifests.map((m) => ({ path: path.resolve(m), sha256: fileSha256(m) ?? 'unreadable' })),
    options: resultOptions(options, policy, severityPolicy),
    index: { path: index.path === null ? null : path.resolve(index.path), digest: described.knownDigest },
  };
  const startedNow = clock().toISOString();
  const caseDb = options.resume
    ? CaseDb.resume(options.outDir, params)
    : CaseDb.create(options.outDir, params, `${path.basename(path.resolve(options.outDir))}@${startedNow}`, startedNow);
  try {
    const info = caseDb.info();
    const finished = caseDb.finishedItems();
    if (info.finishedAt !== null) {
      // Nothing is hashed or written; files added or changed since are counted, so the user can scan them anew.
      const changed = plan.filter((item) => {
        const prev = finished.get(item.key);
        if (prev === undefined) return true;
        const now = item.preError === null ? statOf(item.readPath) : null;
        return now !== null && (prev.size !== now.size || prev.mtimeMs !== now.mtimeMs);
      }).length;
      return { ...finishedSummary(options.outDir, info.finishedAt, [...finished.values()], manifests, knownLists, severityPolicy), changedSinceFinished: changed, ...leftOutFolders, ...unusedColumns };
    }
    deps.auditStart?.(options.outDir, { scanLabel: info.scanLabel, toolVersion: deps.toolVersion, inputs: outputInputs(options, params), startedAt: info.startedAt }, options.resume);

    // 3. Hash and match what is not finished yet (or changed on disk since it was hashed).
    const stored = new Map<string, StoredItem>();
    const todo: PlannedItem[] = [];
    for (const item of plan) {
      const prev = finished.get(item.key);
      const now = item.preError === null ? statOf(item.readPath) : null;
      // Reused only when the file is there as it was when hashed. A path that now fails before hashing
      // (gone, unreadable) goes through again: the hasher passes its error on without reading anything.
      const unchanged = now !== null && prev?.size === now.size && prev?.mtimeMs === now.mtimeMs;
      if (prev !== undefined && unchanged) stored.set(item.key, { ...prev, path: item.path, hash: shownAt(prev.hash, item) });
      else todo.push(item);
    }
    const resumedItems = stored.size;
    const total = plan.length;
    hooks.onProgress?.(stored.size, total);

    const batch: StoredItem[] = [];
    let lastFlush = Date.now();
    const delay = testDelayMs();
    // Batches are matched in call order while hashing goes on; each answer is saved in one case-database
    // transaction before the next one, so the case only ever holds matched items.
    let saving: Promise<void> = Promise.resolve();
    let failure: unknown = null;
    const flush = () => {
      if (batch.length === 0) return;
      const items = batch.splice(0);
      lastFlush = Date.now();
      const queries = items.map((it) => queriesFor(it.hash, signalTypes, options.dihedral, options.includeLowQuality === true));
      const answered = index.match(queries.flat(), info.scanLabel);
      answered.catch(() => {}); // handled where the chain awaits it; this only marks it as handled early
      saving = saving.then(async () => {
        const answers = await answered;
        let k = 0;
        const matched = items.map((it, i) => {
          const known: KnownMatch[] = [];
          const seen: SeenMatch[] = [];
          for (let q = 0; q < queries[i].length; q++, k++) {
            known.push(...answers[k].known);
            seen.push(...answers[k].seen);
          }
          return { ...it, known, seen };
        });
        caseDb.saveItems(matched);
        for (const m of matched) stored.set(m.key, m);
        hooks.onProgress?.(stored.size, total);
        if (delay > 0) sleepSync(delay);
      });
      saving.catch((err: unknown) => {
        failure ??= err;
      });
    };
    const userAbort = hooks.signal ?? new AbortController().signal;
    const stop = new AbortController();
    const onUserAbort = () => stop.abort();
    userAbort.addEventListener('abort', onUserAbort);
    index.expect(todo.length);
    try {
      if (!userAbort.aborted && todo.length > 0) {
        await hasher.hash(
          todo.map((t): WalkEntry => {
            const where = t.pathBytes === undefined ? { path: t.path } : { path: t.path, pathBytes: t.pathBytes };
            return t.preError === null ? where : { ...where, error: t.preError };
          }),
          ({ position, result }) => {
            if (failure !== null) stop.abort();
            const item = todo[position];
            const st = item.preError === null ? statOf(item.readPath) : null;
            batch.push({
              key: item.key,
              path: item.path,
              size: st?.size ?? null,
              mtimeMs: st?.mtimeMs ?? null,
              hash: shownAt(result, item),
              known: [],
              seen: [],
              lowQuality: hasLowQuality(result, signalTypes),
            });
            if (batch.length >= BATCH_MAX_ITEMS || Date.now() - lastFlush >= BATCH_MAX_MS || delay > 0) flush();
          },
          stop.signal,
        );
      }
      flush();
      await saving;
    } finally {
      userAbort.removeEventListener('abort', onUserAbort);
    }
    const hashedThisRun = stored.size - resumedItems;
    if (stored.size < plan.length) {
      return { ...summarise(options.outDir, false, plan.length, [...stored.values()], manifests.reports, manifests.errors, [], hashedThisRun, resumedItems, knownLists, severityPolicy), ...leftOutFolders, ...unusedColumns };
    }

    // 4. Items in plan order, their known matches rated through the severity policy in force (the case
    // keeps them as the index gave them); their content is recorded for later scans now that every item
    // is matched (a scan that stops before this records nothing; a resumed one that gets here again changes nothing).
    const items: ScanItem[] = plan.map((p, i) => {
      const s = stored.get(p.key)!;
      return { index: i, path: p.path, hash: s.hash, reportIds: p.reportIds, known: rateKnownMatches(s.known, severityPolicy), seen: s.seen, lowQuality: s.lowQuality };
    });
    await index.recordSightings(seenItemsOf(items, info.startedAt, signalTypes), info.scanLabel);

    // 5. Clusters → bundles → priority (recency measured from the scan's start, so a resume scores alike).
    const clusters = clusterItems(items, manifests.reports, { signalTypes, searcher: deps.searcher, includeLowQuality: options.includeLowQuality === true });
    const scoredAt = new Date(info.startedAt);
    const bundles: Bundle[] = buildBundles(clusters, items, manifests.reports).map((b) => ({ ...b, priority: prioritise(b, items, policy, scoredAt) }));
    bundles.sort((a, b) => compareBundles(a, b, policy));

    // 6. Outputs.
    const endedAt = clock().toISOString();
    const data: ScanData = {
      toolVersion: deps.toolVersion,
      scanLabel: info.scanLabel,
      decodePolicy: deps.decodePolicy,
      inputs: { ...outputInputs(options, params), ...leftOutFolders },
      index: { path: params.index.path, digest: params.index.digest, counts: described.counts },
      priorityPolicy: policy,
      severityPolicy: { source: severityPolicy.source, digest: severityPolicy.digest },
      startedAt: info.startedAt,
      endedAt,
      reports: manifests.reports,
      items,
      bundles,
      errors: manifests.errors,
    };
    const audit = await deps.writeOutputs(options.outDir, data);
    caseDb.markFinished(endedAt);
    return {
      ...summarise(options.outDir, true, plan.length, [...stored.values()], manifests.reports, manifests.errors, bundles, hashedThisRun, resumedItems, knownLists, severityPolicy),
      ...unknownSchemesOf([...stored.values()], severityPolicy),
      ...leftOutFolders,
      ...unusedColumns,
      audit: { auditHead: audit.auditHead, auditBroken: audit.auditBroken },
    };
  } finally {
    caseDb.close();
  }
}

/** The schemes recorded with the items' known matches that `policy` does not define, with their lists (sorted). */
function unknownSchemesOf(items: readonly StoredItem[], policy: SeverityPolicy): Pick<ScanSummary, 'unknownSchemes'> {
  const byScheme = new Map<string, Set<string>>();
  for (const it of items) {
    for (const k of it.known) {
      if (k.scheme === undefined || k.scheme === null || k.scheme === UNMAPPED_SCHEME || policy.schemes.has(k.scheme)) continue;
      let lists = byScheme.get(k.scheme);
      if (lists === undefined) byScheme.set(k.scheme, (lists = new Set()));
      lists.add(k.list);
    }
  }
  if (byScheme.size === 0) return {};
  return { unknownSchemes: [...byScheme.keys()].sort().map((scheme) => ({ scheme, lists: [...byScheme.get(scheme)!].sort() })) };
}

/**
 * The summary of a scan that had finished before this --resume, as that run gave it: problems and input
 * errors from the same manifests (a resume checks they are unchanged) and the case's files, bundle counts
 * and flags as its manifest.json recorded them. Reads only.
 */
function finishedSummary(
  outDir: string,
  finishedAt: string,
  items: readonly StoredItem[],
  manifests: ManifestContents,
  knownLists: number,
  severityPolicy: SeverityPolicy,
): ScanSummary {
  const base = summarise(outDir, true, items.length, items, manifests.reports, manifests.errors, [], 0, items.length, knownLists, severityPolicy);
  let counts: Record<string, unknown> = {};
  try {
    const manifest = JSON.parse(readFileSync(path.join(outDir, 'manifest.json'), 'utf8')) as { counts?: Record<string, unknown> };
    counts = manifest.counts ?? {};
  } catch {
    // the outputs are not there as written: the summary says what the case holds
  }
  const num = (key: string, fallback: number): number => (typeof counts[key] === 'number' ? (counts[key] as number) : fallback);
  const record = (key: string): Record<string, number> =>
    counts[key] !== null && typeof counts[key] === 'object' ? (counts[key] as Record<string, number>) : {};
  return {
    ...base,
    bundles: num('bundles', 0),
    bundlesByTier: Object.fromEntries(Object.entries(record('bundlesByTier')).filter(([, n]) => n > 0)),
    bundlesFlagged: record('bundlesFlagged'),
    finishedBefore: finishedAt,
  };
}

/** Problems listed in the summary (all of them are in the output files). */
export const SUMMARY_MAX_PROBLEMS = 100;

function summarise(
  outDir: string,
  completed: boolean,
  files: number,
  items: readonly StoredItem[],
  reports: readonly Report[],
  manifestErrors: readonly ManifestError[],
  bundles: readonly Bundle[],
  hashedThisRun: number,
  resumedItems: number,
  knownLists: number,
  severityPolicy: SeverityPolicy,
): ScanSummary {
  const bundlesByTier: Record<string, number> = {};
  for (const b of bundles) bundlesByTier[b.priority.tier] = (bundlesByTier[b.priority.tier] ?? 0) + 1;
  const bundlesFlagged = flaggedCounts(bundles);
  const fileProblems = [...items]
    .sort(byPath)
    .flatMap((i) => (i.hash.ok ? [] : [{ source: i.path, code: i.hash.error.code, message: i.hash.error.message }]));
  const problems = [...manifestErrors.map((e) => ({ source: e.source, code: e.code, message: e.message })), ...fileProblems];
  const statuses = items.map((i) => contentStatus(rateKnownMatches(i.known, severityPolicy)));
  return {
    outDir,
    completed,
    files,
    failedFiles: fileProblems.length,
    inputErrors: manifestErrors.length,
    problems: problems.slice(0, SUMMARY_MAX_PROBLEMS),
    reports: reports.length,
    knownMatchFiles: statuses.filter((st) => st === 'known').length,
    knownNonPertinentFiles: statuses.filter((st) => st === 'known_non_pertinent').length,
    previouslySeenFiles: items.filter((i) => i.seen.length > 0).length,
    lowQualityFiles: items.filter((i) => i.lowQuality).length,
    bundles: bundles.length,
    bundlesByTier,
    bundlesFlagged,
    hashedThisRun,
    resumedItems,
    knownLists,
    audit: null,
  };
}
