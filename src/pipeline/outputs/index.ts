/**
 * Writes a scan's output directory: manifest.json, items.ndjson, bundles.ndjson, bundles.csv,
 * report.html and audit.ndjson. The writers are pure (data → text); this module is the one file-system
 * edge. Bundles are put in queue order here (compareBundles with the scan's priority policy), so the
 * caller may pass them in any order. Every file is written atomically with mode 0o600 in a 0o700
 * directory; the audit log is appended to (and its hash chain continued) when it already exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { auditHead, auditLines, verifyAuditChain, type AuditEvent } from './audit.js';
import { ensureOutputDir, writeFileAtomic } from './atomic-file.js';
import { bundlesCsv } from './csv.js';
import { reportHtml, type HtmlOptions } from './html.js';
import { manifestJson } from './manifest.js';
import { bundlesNdjson, itemsNdjson } from './ndjson.js';
import { allErrors, scanCounts, type ScanCounts } from './records.js';
import type { ScanData } from './types.js';

export type { ScanData, ScanInputs, IndexInfo, InputError, JsonScalar } from './types.js';
export type { AuditEvent, AuditVerification } from './audit.js';
export type { ScanCounts } from './records.js';
export { verifyAuditChain } from './audit.js';
export { OUTPUT_FILES } from './manifest.js';

/** Name of the audit log inside the output directory. */
export const AUDIT_FILE = 'audit.ndjson';

/** Options of writeScanOutputs. */
export interface WriteOptions {
  /** Clock for audit entries (default: the system clock). */
  readonly now?: () => Date;
  readonly html?: HtmlOptions;
}

/** The audit log after a write: its head, and where its chain was already broken (null when intact). */
export interface AuditState {
  /** SHA-256 of the audit log's last line: record it elsewhere to make truncation of the log detectable. */
  readonly auditHead: string;
  /** The first line that breaks the chain (an entry saying so was appended), or null. */
  readonly auditBroken: { readonly line: number; readonly problem: string } | null;
}

/** What was written: each file's size and SHA-256, the audit log's state, and the scan counts. */
export interface WrittenOutputs extends AuditState {
  readonly dir: string;
  readonly files: Readonly<Record<string, { readonly bytes: number; readonly sha256: string }>>;
  readonly counts: ScanCounts;
}

/**
 * Appends events to outDir/audit.ndjson (creating it and the directory if needed), continuing the hash
 * chain, atomically. Returns the new head hash. For the scan to log its own milestones (start, resume…).
 */
export function appendAuditEvents(outDir: string, events: readonly AuditEvent[], now: () => Date = () => new Date()): string {
  ensureOutputDir(outDir);
  const file = path.join(outDir, AUDIT_FILE);
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const text = existing + auditLines(existing, events, now);
  writeFileAtomic(file, text);
  return auditHead(text);
}

/** The audit entry for a scan start (what appendAuditEvents should get when a scan begins or resumes). */
export function scanStartedEvent(data: Pick<ScanData, 'scanLabel' | 'toolVersion' | 'inputs' | 'startedAt'>, resumed = false): AuditEvent {
  return {
    event: resumed ? 'scan_resumed' : 'scan_started',
    at: resumed ? undefined : data.startedAt,
    data: {
      scan: data.scanLabel,
      toolVersion: data.toolVersion,
      inputs: { paths: [...data.inputs.paths], manifests: data.inputs.manifests.map((m) => ({ path: m.path, sha256: m.sha256 })) },
    },
  };
}

const MAX_AUDITED_ERRORS = 100;

/**
 * Writes every output file of a finished scan into outDir and appends the scan's entries to the audit
 * log (a scan_started entry first if the log has none yet). Throws only on file-system failure; a file
 * is then either complete or absent, never partial.
 */
export function writeScanOutputs(outDir: string, data: ScanData, options: WriteOptions = {}): WrittenOutputs {
  const now = options.now ?? (() => new Date());
  ensureOutputDir(outDir);
  const files: Record<string, { bytes: number; sha256: string }> = {};
  const write = (name: string, content: string | Iterable<string>) => {
    files[name] = writeFileAtomic(path.join(outDir, name), content);
  };
  write('manifest.json', manifestJson(data));
  write('items.ndjson', itemsNdjson(data));
  write('bundles.ndjson', bundlesNdjson(data));
  write('bundles.csv', bundlesCsv(data));
  write('report.html', reportHtml(data, options.html));

  const counts = scanCounts(data);
  const errors = allErrors(data);
  const byCode: Record<string, number> = {};
  for (const x of errors) byCode[x.code] = (byCode[x.code] ?? 0) + 1;

  const auditFile = path.join(outDir, AUDIT_FILE);
  const existing = existsSync(auditFile) ? readFileSync(auditFile, 'utf8') : '';
  const hasStart = existing.split('\n').some((l) => l.includes('"event":"scan_started"'));
  const events: AuditEvent[] = [];
  if (!hasStart) events.push(scanStartedEvent(data));
  events.push(
    { event: 'index_used', data: { path: data.index.path, digest: data.index.digest, counts: { ...data.index.counts } } },
    { event: 'priority_policy_used', data: { source: data.priorityPolicy.source, sha256: data.priorityPolicy.digest } },
    ...(data.severityPolicy ? [{ event: 'severity_policy_used', data: { source: data.severityPolicy.source, sha256: data.severityPolicy.digest } }] : []),
    {
      event: 'files_processed',
      data: {
        files: counts.files,
        hashed: counts.filesHashed,
        failed: counts.filesFailed,
        lowQuality: counts.lowQuality,
        withKnownMatch: counts.filesWithKnownMatch,
        withNonPertinentMatchOnly: counts.filesWithNonPertinentMatchOnly,
        reports: counts.reports,
        bundles: counts.bundles,
        bundlesByTier: counts.bundlesByTier,
      },
    },
    {
      event: 'errors',
      data: {
        total: errors.length,
        byCode: Object.fromEntries(Object.keys(byCode).sort().map((k) => [k, byCode[k]])),
        first: errors.slice(0, MAX_AUDITED_ERRORS),
      },
    },
    { event: 'outputs_written', data: { files: { ...files } } },
    { event: 'scan_ended', data: { scan: data.scanLabel, startedAt: data.startedAt, endedAt: data.endedAt } },
  );
  const text = existing + auditLines(existing, events, now);
  files[AUDIT_FILE] = writeFileAtomic(auditFile, text);
  const check = verifyAuditChain(text);
  return { dir: outDir, files, auditHead: auditHead(text), auditBroken: check.ok ? null : { line: check.line, problem: check.problem }, counts };
}
