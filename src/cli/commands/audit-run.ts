/**
 * `hashtriage audit verify <dir|file> [--head HASH] [--json]`: checks a scan's audit log, and given the
 * output folder, that every output file is still the one the log says was written. Exit 0 when all holds
 * (and, with --head, the given head is the log's last line), 1 naming the first problem, 2 when there is
 * no log to read.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { HashtriageError } from '../../errors.js';
import { auditHead, lineOfHead, verifyAuditChain } from '../../pipeline/outputs/audit.js';
import { EXIT, reportFailure } from '../exit.js';
import { flushOutput, writeOutput } from '../stdout.js';

/** Name of the audit log inside a scan's output directory. */
const AUDIT_FILE = 'audit.ndjson';

/** What `audit verify` found. */
export interface AuditReport {
  readonly file: string;
  readonly ok: boolean;
  readonly entries: number;
  /** Hash of the log's last line. */
  readonly head: string;
  /** The first problem: a line that breaks the chain (line ≥ 1), or a head that does not match (line: where that head is, or null). */
  readonly problem: { readonly line: number | null; readonly message: string } | null;
}

/** Checks the log text, and with `expectedHead` that the log ends at that head. Pure. */
export function checkAuditLog(file: string, text: string, expectedHead?: string): AuditReport {
  const chain = verifyAuditChain(text);
  const head = auditHead(text);
  if (!chain.ok) return { file, ok: false, entries: chain.entries, head, problem: { line: chain.line, message: chain.problem } };
  if (expectedHead !== undefined && expectedHead !== head) {
    const at = lineOfHead(text, expectedHead);
    const message =
      at === null
        ? 'the given head is the hash of no line of this log: lines were cut off its end (or the head belongs to another log)'
        : `the given head is line ${at} of ${chain.entries}: ${chain.entries - at} entries were added after it (by a later run, such as --resume, or by someone else)`;
    return { file, ok: false, entries: chain.entries, head, problem: { line: at, message } };
  }
  const unfinished = unfinishedRun(text);
  if (unfinished !== null) return { file, ok: false, entries: chain.entries, head, problem: unfinished };
  return { file, ok: true, entries: chain.entries, head, problem: null };
}

/**
 * Why the log does not end as every finished scan's log does (its last entry `scan_ended`), or null when
 * it does: lines cut off the end, or a scan that never finished, whose outputs nothing vouches for.
 */
function unfinishedRun(text: string): { line: number | null; message: string } | null {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const last = lines.at(-1);
  let event: unknown;
  try {
    event = last === undefined ? undefined : (JSON.parse(last) as { event?: unknown }).event;
  } catch {
    event = undefined;
  }
  if (event === 'scan_ended') return null;
  return {
    line: lines.length === 0 ? null : lines.length,
    message:
      `the log ends with ${typeof event === 'string' ? event : 'no entry'}, not scan_ended: the scan did not finish (--resume finishes it), ` +
      'or lines were cut off the end of the log; no output of it is vouched for',
  };
}

/**
 * The output files the log's last `outputs_written` entry lists that are missing or differ from it
 * (size or SHA-256), as messages; empty when every one is as written.
 */
export function changedOutputs(dir: string, text: string): string[] {
  const entries = text.split('\n').filter((l) => l.includes('"event":"outputs_written"'));
  const last = entries.at(-1);
  if (last === undefined) return [];
  const files = (JSON.parse(last) as { data?: { files?: Record<string, { bytes: number; sha256: string }> } }).data?.files ?? {};
  const problems: string[] = [];
  for (const [name, want] of Object.entries(files)) {
    // names come from the log, which anyone can rewrite: only plain names inside the folder are read
    if (name !== path.basename(name) || name === '..' || name === '.') {
      problems.push(`the log names an output outside the folder (${JSON.stringify(name)})`);
      continue;
    }
    const file = path.join(dir, name);
    let bytes: Buffer;
    try {
      if (!statSync(file).isFile()) throw new Error('not a regular file');
      bytes = readFileSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push(code === 'ENOENT' ? `${name} is missing` : `${name} cannot be read: ${(err as Error).message}`);
      continue;
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (bytes.length !== want.bytes || sha256 !== want.sha256) problems.push(`${name} changed since the scan wrote it (SHA-256 ${sha256}, logged ${want.sha256})`);
  }
  return problems;
}

/** Runs `audit verify` and resolves to the exit code. */
export async function runVerify(target: string, opts: { head?: string; json: boolean }): Promise<number> {
  try {
    const isDir = existsSync(target) && statSync(target).isDirectory();
    const file = isDir ? path.join(target, AUDIT_FILE) : target;
    if (!existsSync(file)) throw new HashtriageError('NOT_FOUND', `no audit log at ${file}`);
    if (opts.head !== undefined && !/^[0-9a-f]{64}$/.test(opts.head)) throw new HashtriageError('USAGE', '--head must be 64 lowercase hex digits');
    const text = readFileSync(file, 'utf8');
    let report = checkAuditLog(file, text, opts.head);
    if (report.ok && isDir) {
      const changed = changedOutputs(target, text);
      if (changed.length > 0) report = { ...report, ok: false, problem: { line: null, message: changed.join('; ') } };
    }
    if (opts.json) await writeOutput(`${JSON.stringify(report)}\n`);
    else if (report.ok) await writeOutput(`ok: ${report.entries} entries, chain intact; head ${report.head}\n`);
    else await writeOutput(`BROKEN: ${file}${report.problem?.line ? ` line ${report.problem.line}` : ''}: ${report.problem?.message}\n`);
    await flushOutput();
    return report.ok ? EXIT.OK : EXIT.SOME_FAILED;
  } catch (err) {
    return reportFailure('audit verify', err);
  }
}
