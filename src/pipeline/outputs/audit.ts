/**
 * audit.ndjson: an append-only, hash-chained log of what a scan did. Each line is one JSON entry
 * {seq, at, event, data, prev} where prev is the SHA-256 (hex) of the previous line's exact text
 * (without its newline); the first entry's prev is 64 zeros. Changing, inserting or removing any line
 * breaks the chain at the next line. (Cutting lines off the end cannot be seen from the file alone:
 * keep the head hash that the scan reports, e.g. in the case notes, to detect that too.)
 */
import { createHash } from 'node:crypto';

/** The prev value of the first entry. */
export const GENESIS = '0'.repeat(64);

/** One thing that happened, before it is chained. */
export interface AuditEvent {
  readonly event: string;
  /** ISO 8601 time of the event; the writer's clock when absent. */
  readonly at?: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** Result of checking a log: ok with the number of entries and the head hash (hash of the last line), or where it breaks. */
export type AuditVerification =
  | { readonly ok: true; readonly entries: number; readonly head: string }
  | { readonly ok: false; readonly entries: number; readonly head: string; readonly line: number; readonly problem: string };

/** SHA-256 hex of one line's text. */
export function lineHash(line: string): string {
  return createHash('sha256').update(line, 'utf8').digest('hex');
}

/**
 * Checks a whole log. Guarantees: ok only if every line is a JSON entry whose seq counts up from 1 and
 * whose prev is the hash of the line before (zeros for the first), and the text ends with a newline.
 * On failure, `line` is the 1-based line where the chain breaks.
 */
export function verifyAuditChain(text: string): AuditVerification {
  if (text === '') return { ok: true, entries: 0, head: GENESIS };
  const lines = text.split('\n');
  const last = lines.pop();
  let prev = GENESIS;
  let entries = 0;
  const broken = (line: number, problem: string): AuditVerification => ({ ok: false, entries, head: prev, line, problem });
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      return broken(i + 1, 'not a JSON entry');
    }
    const e = entry as { seq?: unknown; prev?: unknown; event?: unknown };
    if (entry === null || typeof entry !== 'object' || typeof e.event !== 'string') return broken(i + 1, 'not an audit entry');
    if (e.prev !== prev) return broken(i + 1, `prev does not match the hash of ${i === 0 ? 'the start of the chain' : `line ${i}`}`);
    if (e.seq !== i + 1) return broken(i + 1, `seq is ${JSON.stringify(e.seq)}, expected ${i + 1}`);
    prev = lineHash(line);
    entries++;
  }
  if (last !== '') return broken(lines.length + 1, 'last line is incomplete (no newline)');
  return { ok: true, entries, head: prev };
}

/** The head of a log as written: the hash of its last line, whether or not the chain verifies (zeros when empty). */
export function auditHead(text: string): string {
  return chainTail(text).prev;
}

/**
 * Where a log that verifies had the head `head`: the 1-based line whose hash it is (0 for the empty log),
 * or null when no line has it. A head kept from an earlier run that sits before the last line means the
 * log was cut back and extended since, or the head belongs to another log.
 */
export function lineOfHead(text: string, head: string): number | null {
  if (head === GENESIS) return 0;
  const lines = text.split('\n').filter((l) => l !== '');
  const i = lines.findIndex((l) => lineHash(l) === head);
  return i === -1 ? null : i + 1;
}

/** Where a log continues from: the next seq and the prev hash. Computed from the last line even when the chain is broken. */
export function chainTail(text: string): { nextSeq: number; prev: string } {
  const lines = text.split('\n').filter((l) => l !== '');
  if (lines.length === 0) return { nextSeq: 1, prev: GENESIS };
  const lastLine = lines[lines.length - 1];
  let seq = lines.length;
  try {
    const parsed = JSON.parse(lastLine) as { seq?: unknown };
    if (typeof parsed.seq === 'number' && Number.isInteger(parsed.seq)) seq = parsed.seq;
  } catch {
    // keep the line count
  }
  return { nextSeq: seq + 1, prev: lineHash(lastLine) };
}

/**
 * The text to append to an existing log (possibly empty) for these events: one line each, chained to
 * the existing last line. Pure: `now` supplies `at` for events without one. If the existing log does
 * not verify, an `audit_chain_broken` entry saying where comes first, so the break stays on record.
 */
export function auditLines(existing: string, events: readonly AuditEvent[], now: () => Date): string {
  const all: AuditEvent[] = [];
  const check = verifyAuditChain(existing);
  if (!check.ok) all.push({ event: 'audit_chain_broken', data: { line: check.line, problem: check.problem } });
  all.push(...events);
  // A log cut mid-line (not written by us: our writes are atomic) is continued on a fresh line.
  let text = existing !== '' && !existing.endsWith('\n') ? '\n' : '';
  let { nextSeq: seq, prev } = chainTail(existing);
  for (const ev of all) {
    const line = JSON.stringify({ seq, at: ev.at ?? now().toISOString(), event: ev.event, data: ev.data ?? {}, prev });
    text += `${line}\n`;
    prev = lineHash(line);
    seq++;
  }
  return text;
}
