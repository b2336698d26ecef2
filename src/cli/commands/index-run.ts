/**
 * `hashtriage index import|stats|export|remove|verify`: manage the known-hash index (one SQLite file,
 * default ./hashtriage.db, or --db, or $HASHTRIAGE_DB).
 *
 *  import <file> --list NAME   reads a list (text, CSV/TSV, NDJSON, VICS; detected or --format) and adds
 *                              it atomically; each rejected row goes to stderr as file:line: message.
 *                              Exit 0 when no row was rejected, 1 when some were (the rest imported)
 *                              or when a new list got no row (it is not created),
 *                              2 when nothing could be imported (usage, a missing or unusable file).
 *  stats [--json]              lists, counts per signal type, band layout, bucket sizes, size on disk.
 *  export [--list] [--format]  entries as CSV (default) or NDJSON on stdout; re-importable.
 *  remove --list NAME          deletes a list and the values no other list holds.
 *  verify [--json]             integrity check; exit 1 when problems are found.
 */
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { HashtriageError, toErrorInfo } from '../../errors.js';
import type { SignalName } from '../../hashing/signal-type.js';
import { resolveDbPath } from '../../index-store/db-path.js';
import type { ListFormat } from '../../index-store/import/list-formats.js';
import type { ExportFormat, IndexStats } from '../../index-store/index-admin.js';
import type { IndexStore } from '../../index-store/store.js';
import { loadSeverityPolicy } from '../../policy/severity.js';
import { EXIT, onStopSignals, reportFailure, STOP_SIGNALS, type StopSignal } from '../exit.js';
import { showControlsInLine } from '../../tabular/controls.js';
import { flushOutput, writeOutput } from '../stdout.js';



/** SHA-256 hex of a file's bytes, streamed. */
async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (err) {
    const info = toErrorInfo(err);
    throw new HashtriageError(info.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'UNREADABLE', `${file}: ${info.message}`);
  }
  return hash.digest('hex');
}


/** The options of `index import` as commander parsed them. */
export interface ImportOptions {
  list: string;
  format: ListFormat | 'auto';
  type?: SignalName;
  replace: boolean;
  severityPolicy?: string;
  scheme?: string;
  db?: string;
  json: boolean;
}

/** Runs `index import` and resolves to the exit code. */
export async function runImport(file: string, opts: ImportOptions): Promise<number> {
  let store: IndexStore | undefined;
  const tty = process.stderr.isTTY === true;
  let progressShown = false;
  const stop = new AbortController();
  let stoppedBy: StopSignal | null = null;
  let offStopSignals = () => {};
  try {
    const [{ readList }, { checkListName, importList }, { openIndex }] = await Promise.all([
      import('../../index-store/import/read-list.js'),
      import('../../index-store/list-writer.js'),
      import('../../index-store/open-index.js'),
    ]);
    checkListName(opts.list);
    const policy = loadSeverityPolicy(opts.severityPolicy);
    const reader = await readList(file, { format: opts.format, type: opts.type, severity: policy, scheme: opts.scheme });
    const digest = await fileSha256(file);
    store = openIndex(resolveDbPath(opts.db));
    const summary = await importList(
      store,
      { name: opts.list, sourcePath: file, fileSha256: digest, format: reader.format },
      reader.items,
      {
        replace: opts.replace,
        onRowError: (e) => {
          if (progressShown) process.stderr.write('\r\x1b[K');
          process.stderr.write(`${showControlsInLine(`${file}:${e.line}: ${e.message}`)}\n`);
        },
        onWait: () => process.stderr.write(`hashtriage index import: another process is writing to ${store!.path}; waiting for it to finish (Ctrl-C to give up)\n`),
        // Ctrl-C or SIGTERM while writing: stop at the next row and roll back, so the index is left as it was
        onWriting: () => {
          offStopSignals = onStopSignals((signal) => {
            stoppedBy = signal;
            stop.abort();
          });
        },
        signal: stop.signal,
        onProgress: (rows) => {
          if (!tty) return;
          progressShown = true;
          process.stderr.write(`\rimporting ${opts.list}: ${rows} rows read`);
        },
      },
    );
    if (progressShown) process.stderr.write('\r\x1b[K');
    if (opts.json) {
      const { errors: _errors, ...rest } = summary;
      await writeOutput(`${JSON.stringify(rest)}\n`);
    } else if (summary.unchanged) {
      await writeOutput(`${opts.list}: unchanged (this file was already imported under this name)\n`);
    } else if (summary.notCreated) {
      await writeOutput(
        `${opts.list} (${summary.format}): 0 added, ${summary.duplicate} duplicate, ${summary.rejected} rejected; list ${opts.list} was not created (no row could be imported)\n`,
      );
    } else if (summary.notReplaced) {
      await writeOutput(
        `${opts.list} (${summary.format}): 0 added, ${summary.duplicate} duplicate, ${summary.rejected} rejected; list ${opts.list} was not replaced (no row could be imported) and keeps its contents\n`,
      );
    } else {
      await writeOutput(
        `${opts.list} (${summary.format}${opts.replace ? ', replaced' : ''}): ${summary.added} added, ${summary.duplicate} duplicate, ${summary.rejected} rejected\n`,
      );
    }
    return summary.rejected > 0 || summary.notCreated || summary.notReplaced ? EXIT.SOME_FAILED : EXIT.OK;
  } catch (err) {
    if (progressShown) process.stderr.write('\r\x1b[K');
    if (stoppedBy !== null && stop.signal.aborted && err === stop.signal.reason) {
      process.stderr.write(`hashtriage index import: stopped by ${stoppedBy}: nothing of ${showControlsInLine(file)} was imported; the index is as it was\n`);
      return STOP_SIGNALS[stoppedBy as StopSignal];
    }
    return reportFailure('index import', err);
  } finally {
    offStopSignals();
    store?.close();
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** The human-readable form of `index stats`. */
export function formatStats(stats: IndexStats): string {
  const lines: string[] = [];
  lines.push(`index ${stats.path} (schema ${stats.schemaVersion}, ${formatBytes(stats.bytesOnDisk)} on disk)`);
  lines.push('');
  lines.push(stats.lists.length === 0 ? 'no lists' : 'lists:');
  for (const l of stats.lists) {
    const entries = Object.entries(l.entries)
      .map(([s, n]) => `${s} ${n}`)
      .join(', ');
    const extra = [entries, l.opaque > 0 ? `opaque ${l.opaque}` : ''].filter((x) => x !== '').join(', ');
    lines.push(
      `  ${l.name} [${l.kind}] ${l.rowsAdded} row${l.rowsAdded === 1 ? '' : 's'}${l.rowsRejected > 0 ? ` (${l.rowsRejected} rejected in last import)` : ''}; ${extra || 'empty'}; imported ${l.importedAt}${l.sourcePath ? ` from ${l.sourcePath}` : ''}${l.format ? ` (${l.format})` : ''}`,
    );
  }
  lines.push('');
  lines.push('signal types:');
  for (const s of stats.signals) {
    let line = `  ${s.signal}: ${s.values} distinct values, ${s.entries} entries`;
    if (s.lowQuality > 0) line += `, ${s.lowQuality} below match quality (kept, not matched by default)`;
    lines.push(line);
    if (s.bands) {
      lines.push(
        `    bands: ${s.bands.count} × ${s.bands.widths[0]} bits, ${s.bands.rows} bucket rows; bucket size max ${s.bands.bucketMax}, p50 ${s.bands.bucketP50}, p90 ${s.bands.bucketP90}, p99 ${s.bands.bucketP99}`,
      );
    }
  }
  if (stats.opaque > 0) lines.push(`  opaque values (stored, never compared): ${stats.opaque}`);
  return `${lines.join('\n')}\n`;
}

/** The message for a list name the index does not have. */
function noList(name: string): string {
  return name.startsWith('@')
    ? `no list named "${name}": what earlier scans saw is kept in the sightings store (see scan --sightings), not in the index`
    : `no list named "${name}"`;
}

/**
 * Opens the index at --db, runs `work` on it and closes it whatever happens; an error (opening included)
 * is printed as `hashtriage index <command>: message` and gives its exit code.
 */
async function withStore(command: string, db: string | undefined, readonly: boolean, work: (store: IndexStore) => Promise<number>): Promise<number> {
  let store: IndexStore | undefined;
  try {
    const { openIndex } = await import('../../index-store/open-index.js');
    store = openIndex(resolveDbPath(db), { readonly });
    return await work(store);
  } catch (err) {
    return reportFailure(`index ${command}`, err);
  } finally {
    store?.close();
  }
}

/** Runs `index stats` and resolves to the exit code. */
export function runStats(opts: { json: boolean; db?: string }): Promise<number> {
  return withStore('stats', opts.db, true, async (store) => {
    const { indexStats } = await import('../../index-store/index-admin.js');
    const stats = indexStats(store);
    await writeOutput(opts.json ? `${JSON.stringify(stats)}\n` : formatStats(stats));
    return EXIT.OK;
  });
}

/** Runs `index export` and resolves to the exit code. */
export function runExport(opts: { list?: string; format: ExportFormat; db?: string }): Promise<number> {
  return withStore('export', opts.db, true, async (store) => {
    const { exportLines, hasList } = await import('../../index-store/index-admin.js');
    if (opts.list !== undefined && !hasList(store, opts.list)) throw new HashtriageError('NOT_FOUND', noList(opts.list));
    let damaged = 0;
    const onDamaged = (problem: string) => {
      damaged++;
      process.stderr.write(`hashtriage index export: ${showControlsInLine(problem)}\n`);
    };
    for (const line of exportLines(store, opts.format, opts.list, onDamaged)) {
      if (!(await writeOutput(line))) break; // reader closed the pipe
    }
    await flushOutput();
    if (damaged === 0) return EXIT.OK;
    process.stderr.write(`hashtriage index export: ${damaged} ${damaged === 1 ? 'entry' : 'entries'} with a damaged value left out; ${showControlsInLine(`\`hashtriage index verify --db ${store.path}\``)} lists every damaged row\n`);
    return EXIT.SOME_FAILED;
  });
}

/** Runs `index remove` and resolves to the exit code. */
export function runRemove(opts: { list: string; db?: string }): Promise<number> {
  return withStore('remove', opts.db, false, async (store) => {
    const { removeList } = await import('../../index-store/list-removal.js');
    const result = removeList(store, opts.list);
    if (!result.removed) throw new HashtriageError('NOT_FOUND', noList(opts.list));
    await writeOutput(`${opts.list}: removed ${result.entries} entries; ${result.valuesDeleted} values no other list holds were deleted\n`);
    return EXIT.OK;
  });
}

/** Runs `index verify` and resolves to the exit code. */
export function runVerify(opts: { json: boolean; db?: string }): Promise<number> {
  return withStore('verify', opts.db, true, async (store) => {
    const { verifyIndex } = await import('../../index-store/index-admin.js');
    const report = verifyIndex(store);
    if (opts.json) await writeOutput(`${JSON.stringify(report)}\n`);
    else if (report.ok) {
      const checked = Object.entries(report.checked)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ');
      await writeOutput(`ok: database intact, band and packed tables consistent (${checked || 'no banded values'})\n`);
    } else {
      for (const p of report.problems) await writeOutput(`problem: ${p}\n`);
    }
    return report.ok ? EXIT.OK : EXIT.SOME_FAILED;
  });
}
