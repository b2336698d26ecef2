/** manifest.json: what produced this output directory (tool, decode policy, inputs, index, policy, times, counts). */
import type { ScanData } from './types.js';
import { scanCounts } from './records.js';

/** What every version of the output directory's format starts with. */
export const OUTPUT_FORMAT_FAMILY = 'hashtriage-scan-output/';
/** Identifies the layout of an output directory; bumped when a file's format changes incompatibly. */
export const OUTPUT_FORMAT = `${OUTPUT_FORMAT_FAMILY}1`;

/** Names of the files a scan writes, in the order they are written (audit.ndjson last). */
export const OUTPUT_FILES = ['manifest.json', 'items.ndjson', 'bundles.ndjson', 'bundles.csv', 'report.html', 'audit.ndjson'] as const;

function sortedKeys<T>(rec: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.keys(rec).sort().map((k) => [k, rec[k]]));
}

/** The manifest object, fixed key order (options and index counts sorted by key). */
export function buildManifest(data: ScanData): Record<string, unknown> {
  const p = data.priorityPolicy;
  return {
    format: OUTPUT_FORMAT,
    tool: { name: 'hashtriage', version: data.toolVersion },
    scan: { label: data.scanLabel, startedAt: data.startedAt, endedAt: data.endedAt },
    decodePolicy: data.decodePolicy ?? null,
    inputs: {
      paths: [...data.inputs.paths],
      manifests: data.inputs.manifests.map((m) => ({ path: m.path, sha256: m.sha256 })),
      options: sortedKeys(data.inputs.options),
      ...(data.inputs.leftOutFolders ? { leftOutFolders: [...data.inputs.leftOutFolders] } : {}),
    },
    index: { path: data.index.path, digest: data.index.digest, counts: sortedKeys(data.index.counts) },
    priorityPolicy: {
      source: p.source,
      sha256: p.digest,
      tiers: p.tiers.map((t) => ({ name: t.name, minScore: t.minScore, meaning: t.meaning })),
    },
    ...(data.severityPolicy ? { severityPolicy: { source: data.severityPolicy.source, sha256: data.severityPolicy.digest } } : {}),
    counts: scanCounts(data),
    files: [...OUTPUT_FILES],
  };
}

/** manifest.json text: 2-space indented, ends with a newline. */
export function manifestJson(data: ScanData): string {
  return `${JSON.stringify(buildManifest(data), null, 2)}\n`;
}
