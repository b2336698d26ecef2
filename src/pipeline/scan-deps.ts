/**
 * Wires the scan to the real hashing pipeline, index store, priority policy and output writers. Kept
 * apart from scan.ts so the orchestration can be read (and tested) without these modules' details.
 */
import { readFileSync } from 'node:fs';
import { hashFiles } from '../hashing/hash-file.js';
import { DECODE_POLICY } from '../hashing/decode.js';
import { SIGNAL_TYPES } from '../hashing/signals.js';
import { loadPriorityPolicy } from '../policy/priority.js';
import { loadSeverityPolicy, nonPertinentLabels } from '../policy/severity.js';
import { appendAuditEvents, scanStartedEvent, writeScanOutputs } from './outputs/index.js';
import { HashtriageError } from '../errors.js';
import { listInfos } from '../index-store/index-admin.js';
import { openIndex } from '../index-store/open-index.js';
import type { IndexStore } from '../index-store/store.js';
import { inProcessIndexPort } from './index-port.js';
import { workerIndexPort } from './index-worker-client.js';
import type { HashPort, IndexPort, ScanDeps, ScanOptions } from './scan.js';
import { openSightings, type SightingsStore } from '../sightings/sightings-store.js';

const mib = (n: number | undefined): number | undefined => (n === undefined ? undefined : n * 1024 * 1024);

/** Thrown inside the result callback to stop hashFiles early; never escapes the port. */
class Stop extends Error {}

/** The hashing pipeline (all signal types, one decode per file, worker threads) behind the scan's port. */
export function hashingPort(options: Pick<ScanOptions, 'dihedral' | 'regions' | 'pdqFlavour' | 'concurrency' | 'maxPixels' | 'memoryBudgetMiB'>): HashPort {
  return {
    signalTypes: SIGNAL_TYPES,
    async hash(inputs, onResult, signal) {
      try {
        await hashFiles(inputs, { algorithms: SIGNAL_TYPES, dihedral: options.dihedral, regions: options.regions ?? false, pdqFlavour: options.pdqFlavour, concurrency: options.concurrency, maxPixels: options.maxPixels, memoryBudget: mib(options.memoryBudgetMiB) }, (position, result) => {
          if (signal.aborted) throw new Stop();
          onResult({ position, result });
        });
      } catch (err) {
        if (!(err instanceof Stop)) throw err;
      }
    },
  };
}

/** The tool's version from package.json. */
export function toolVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * null when some list of the index holds a hash a scan can look up; else what the index holds instead
 * (" (no lists)" or " (list x is empty)"), for the usage error.
 */
function listsWithoutHashes(index: IndexStore): string | null {
  const lists = listInfos(index);
  if (lists.some((l) => Object.values(l.entries).some((n) => n > 0))) return null;
  if (lists.length === 0) return ' (no lists)';
  const names = lists.map((l) => l.name).join(', ');
  return lists.length === 1 ? ` (list ${names} is empty)` : ` (lists ${names} are empty)`;
}

/** The stores a scan uses: the known index (read-only; null for deduplication only) and the sightings store (null: none). */
export interface ScanStores {
  readonly index: string | null;
  readonly sightings: string | null;
}

/**
 * Opens everything a scan needs: the stores (on a worker thread unless `inProcessIndex`), the priority
 * policy (`policyPath` or the shipped default) and the severity policy (`severityPolicyPath` or the shipped default). The stores are opened here first either way, so that a
 * missing or unusable index, an index without known hashes (no lists, or only empty ones; USAGE: a scan needs them unless it has no
 * index, for deduplication only), or an unusable sightings store, throws HashtriageError before the case
 * folder or the sightings store is created; so does an unusable policy. Opening may create the sightings store (empty), and
 * brings an index of an earlier version up to date.
 */
export function openScanDeps(options: ScanOptions, stores: ScanStores, policyPath: string | undefined, inProcessIndex = false, severityPolicyPath?: string): ScanDeps {
  const severityPolicy = loadSeverityPolicy(severityPolicyPath);
  const policy = loadPriorityPolicy(policyPath, nonPertinentLabels(severityPolicy));
  const index = stores.index === null ? null : openIndex(stores.index, { readonly: true });
  const emptyLists = index === null ? null : listsWithoutHashes(index);
  if (index !== null && emptyLists !== null) {
    index.close();
    throw new HashtriageError(
      'USAGE',
      `the index ${stores.index} holds no known hashes${emptyLists}, so nothing could match: import one first (hashtriage index import FILE --list NAME --db ${stores.index}), or give --no-index to deduplicate without known lists; nothing was scanned`,
    );
  }
  let sightings: SightingsStore | null = null;
  try {
    sightings = stores.sightings === null ? null : openSightings(stores.sightings);
  } catch (err) {
    index?.close();
    throw err;
  }
  let port: IndexPort;
  if (inProcessIndex) port = inProcessIndexPort(index, sightings);
  else {
    index?.close();
    sightings?.close();
    port = workerIndexPort(stores);
  }
  return {
    toolVersion: toolVersion(),
    decodePolicy: DECODE_POLICY,
    hasher: hashingPort(options),
    index: port,
    policy,
    severityPolicy,
    writeOutputs: writeScanOutputs,
    auditStart: (outDir, data, resumed) => {
      appendAuditEvents(outDir, [scanStartedEvent(data, resumed)]);
    },
  };
}
