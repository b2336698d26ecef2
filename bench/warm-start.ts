/**
 * Start-up cost of matching against a large index, in CPU seconds:
 *  - warm start: a new matcher's in-memory index loaded from the file saved beside the index
 *    (NAME.db.pdq.bands) against building it from SQLite (read every value, sort every band, write the
 *    file), alternating, on the same index in the same run;
 *  - start-up and one-shot lookups: whole processes of the compiled CLI, alternating in every round:
 *    bare Node (`node -e 0`, the floor no command can go under), `hashtriage --version`, `--help`,
 *    `match HASH` (SQLite path) and `hash FILE` of one JPEG (the process and its one worker thread).
 *
 * A child's CPU is its own user + system time as the kernel accounts it when it exits: the shell that
 * runs it prints getrusage(RUSAGE_CHILDREN) with `times` (what /usr/bin/time reports, to the ms), so
 * neither this process nor the shell is counted. CPU time still rises with the load of a shared machine
 * (other processes on the same cores), which is why each figure is given next to the floor of the same
 * rounds. NODE_EXTRA_CA_CERTS makes every Node process load those certificates at start-up (about
 * 0.09 CPU-s for a system bundle): the results say whether it was set, since it raises the floor.
 *
 * With --file-count N (e.g. 10000000), also the file alone at N codes without SQLite (too slow to import
 * for a routine run): building the in-memory index from codes already in memory against loading its file.
 *
 * Run: npm run build && npx tsx --expose-gc bench/warm-start.ts [--count 1000000] [--rounds 5] [--file-count N]
 * Writes bench/results/warm-start.{json,md} and prints the Markdown table.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomCodes } from '../src/bench/hamming-workload.js';
import { collectGarbage, describeMachine, observeMachine, spread } from '../src/bench/measure.js';
import { signalTypeByName } from '../src/hashing/signals.js';
import { knownMatcher } from '../src/index-store/entry-reads.js';
import { importList } from '../src/index-store/list-writer.js';
import { readSidecar, sidecarPath, writeSidecar } from '../src/index-store/memory-sidecar.js';
import { MemoryMultiIndex } from '../src/search/memory-index.js';
import { openIndex } from '../src/index-store/open-index.js';
import type { ImportItem } from '../src/index-store/types.js';
import { flagValue, positiveIntFlag } from './lib/args.js';
import { fmtInt, markdownTable, writeResults } from './lib/results.js';

const count = positiveIntFlag('count', 1_000_000);
const rounds = positiveIntFlag('rounds', 5);
const fileCount = flagValue('file-count') === undefined ? null : positiveIntFlag('file-count', 0);
const machine = observeMachine();
const pdq = signalTypeByName('pdq')!;
const root = path.join(path.dirname(new URL(import.meta.url).pathname), '..');
const cli = path.join(root, 'bin', 'hashtriage.js');

function cpuSeconds(fn: () => void): number {
  collectGarbage();
  const c0 = process.cpuUsage();
  fn();
  const u = process.cpuUsage(c0);
  return (u.user + u.system) / 1e6;
}

/**
 * CPU seconds (user + system) of one child process running Node with `args` (the CLI's path first for a
 * hashtriage command), from the shell's `times`: the child's own rusage, the shell's not included.
 */
function childCpu(args: string[]): number {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const res = spawnSync('bash', ['-c', `${JSON.stringify(process.execPath)} ${quoted} > /dev/null; s=$?; times; exit $s`], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`node ${args.join(' ')} exited ${res.status}: ${res.stderr}`);
  const children = res.stdout.trim().split('\n').at(-1)!;
  const [user, sys] = children.split(/\s+/).map((t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    if (!m) throw new Error(`unexpected times output: ${children}`);
    return Number(m[1]) * 60 + Number(m[2]);
  });
  return user + sys;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-bench-warm-'));
try {
  const db = path.join(dir, 'index.db');
  const codes = randomCodes(count, 4242);
  async function* rows(): AsyncGenerator<ImportItem> {
    for (let i = 0; i < count; i++) yield { kind: 'row', row: { line: i + 1, hashes: [{ signal: 'pdq', value: codes.slice(i * 8, i * 8 + 8) }], meta: { category: 'A1' } } };
  }
  const writer = openIndex(db);
  await importList(writer, { name: 'bench', sourcePath: null, fileSha256: null, format: 'generated' }, rows());
  writer.close();
  const query = codes.slice(8 * 777, 8 * 777 + 8);
  query[0] ^= 0xff; // a near-duplicate 8 bits away from a stored value
  const store = openIndex(db, { readonly: true });
  const sidecar = sidecarPath(db, pdq, false);
  const rebuild: number[] = [];
  const load: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      rmSync(sidecar, { force: true });
      const cold = knownMatcher(store);
      rebuild.push(cpuSeconds(() => cold.matchValues(pdq, [query], { path: 'memory' })));
      if (cold.memoryOrigin(pdq) !== 'built' || !existsSync(sidecar)) throw new Error('the rebuild did not write the warm-start file');
      const warm = knownMatcher(store);
      load.push(cpuSeconds(() => warm.matchValues(pdq, [query], { path: 'memory' })));
      if (warm.memoryOrigin(pdq) !== 'sidecar') throw new Error('the warm start did not use the saved file');
      if (JSON.stringify(cold.matchValues(pdq, [query])) !== JSON.stringify(warm.matchValues(pdq, [query]))) throw new Error('warm and rebuilt answers differ');
    }
  } finally {
    store.close();
  }
  const sidecarBytes = statSync(sidecar).size;
  rmSync(sidecar, { force: true }); // one-shot lookups take the SQLite path and never read it
  const hex = pdq.format(query);
  const jpeg = path.join(root, 'fixtures', 'conformance', 'images', 'base-900x700.jpg');
  const processes: Array<{ key: string; label: string; args: string[] }> = [
    { key: 'node', label: '`node -e 0` (bare Node: the floor)', args: ['-e', '0'] },
    { key: 'version', label: '`hashtriage --version`', args: [cli, '--version'] },
    { key: 'help', label: '`hashtriage --help`', args: [cli, '--help'] },
    { key: 'match', label: '`hashtriage match HASH` at 1M (SQLite path)', args: [cli, 'match', '--db', db, hex] },
    { key: 'hash', label: '`hashtriage hash FILE` (one 900×700 JPEG: process + one worker)', args: [cli, 'hash', jpeg] },
  ];
  const cpuOf = new Map(processes.map((p) => [p.key, [] as number[]]));
  for (let r = 0; r < 2 * rounds; r++) for (const p of processes) cpuOf.get(p.key)!.push(childCpu(p.args));
  let fileOnly: { count: number; bytes: number; buildCpuSeconds: number; loadCpuSeconds: ReturnType<typeof spread> } | null = null;
  if (fileCount !== null) {
    const many = randomCodes(fileCount, 99);
    const ids = new Uint32Array(fileCount).map((_, i) => i + 1);
    let index: MemoryMultiIndex | null = null;
    const buildCpu = cpuSeconds(() => {
      index = MemoryMultiIndex.build(many, fileCount);
    });
    const key = { stamp: 'bench', generation: 0, maxId: fileCount };
    const file = path.join(dir, 'file-only.bands');
    if (!writeSidecar(file, pdq, false, key, { index: index!, ids })) throw new Error('could not write the file');
    index = null;
    const loads: number[] = [];
    for (let r = 0; r < rounds; r++) {
      loads.push(
        cpuSeconds(() => {
          if (readSidecar(file, pdq, false, key) === null) throw new Error('the file did not load');
        }),
      );
    }
    fileOnly = { count: fileCount, bytes: statSync(file).size, buildCpuSeconds: buildCpu, loadCpuSeconds: spread(loads) };
    rmSync(file, { force: true });
  }
  const rb = spread(rebuild);
  const ld = spread(load);
  const proc = Object.fromEntries(processes.map((p) => [p.key, spread(cpuOf.get(p.key)!)]));
  const floor = proc.node.median;
  const results = {
    count,
    rounds,
    rebuildCpuSeconds: rb,
    sidecarLoadCpuSeconds: ld,
    loadOverRebuild: ld.median / rb.median,
    sidecarBytes,
    estimatedLoadAt10M: (ld.median * 10_000_000) / count,
    fileOnly,
    nodeExtraCaCerts: process.env.NODE_EXTRA_CA_CERTS !== undefined && process.env.NODE_EXTRA_CA_CERTS !== '',
    processCpuSeconds: proc,
    versionOverFloor: proc.version.median / floor,
    matchOverFloor: proc.match.median / floor,
  };
  const markdown = [
    `Warm start and one-shot lookups at ${fmtInt(count)} random PDQ values, CPU seconds, median of ${rounds} (processes: ${2 * rounds}) alternating runs; ${describeMachine(machine())}.`,
    '',
    markdownTable(
      ['measure', 'CPU s (median)', 'min–max', 'same-run ratio'],
      [
        ['in-memory index built from SQLite (and saved)', rb.median.toFixed(2), `${rb.min.toFixed(2)}–${rb.max.toFixed(2)}`, '1.00'],
        [`loaded from the saved file (${(sidecarBytes / 1e6).toFixed(0)} MB)`, ld.median.toFixed(2), `${ld.min.toFixed(2)}–${ld.max.toFixed(2)}`, `${(ld.median / rb.median).toFixed(2)} × building`],
      ],
    ),
    '',
    `Whole processes, alternating, ${2 * rounds} of each (NODE_EXTRA_CA_CERTS ${results.nodeExtraCaCerts ? 'set: every Node process, the floor included, loads those certificates at start-up' : 'not set'}):`,
    '',
    markdownTable(
      ['process', 'CPU s (median)', 'min–max', 'above the floor', 'same-run ratio'],
      processes.map((p) => {
        const t = proc[p.key];
        return [p.label, t.median.toFixed(3), `${t.min.toFixed(3)}–${t.max.toFixed(3)}`, (t.median - floor).toFixed(3), `${(t.median / floor).toFixed(2)} × node`];
      }),
    ),
    '',
    fileOnly === null
      ? `Loading scales with the file size (one sequential read, one SHA-256 pass): about ${results.estimatedLoadAt10M.toFixed(1)} CPU-s at 10,000,000 values by linear extrapolation (measure it with --file-count 10000000).`
      : `The file alone at ${fmtInt(fileOnly.count)} codes (${(fileOnly.bytes / 1e9).toFixed(2)} GB): building the index from codes in memory ${fileOnly.buildCpuSeconds.toFixed(2)} CPU-s (reading the values from SQLite comes on top), loading its file ${fileOnly.loadCpuSeconds.median.toFixed(2)} CPU-s (${fileOnly.loadCpuSeconds.min.toFixed(2)}–${fileOnly.loadCpuSeconds.max.toFixed(2)}), ${(fileOnly.loadCpuSeconds.median / fileOnly.buildCpuSeconds).toFixed(2)} × building.`,
  ].join('\n');
  writeResults('warm-start', { machine: machine(), results }, markdown);
  console.log(markdown);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
