/**
 * `npm run demo`: the main job on built-in sample data. Builds a sample index from a few fixture hashes
 * (fixtures/demo/known-list.csv), scans the synthetic complaints in fixtures/demo/complaints.csv, and
 * prints where the bundles are and the top of the priority queue. Everything goes to a fresh temporary
 * directory (or the one given as the first argument, which must not exist yet).
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';
import { defaultSightingsPath } from '../src/index-store/db-path.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOP = 5;

interface QueueLine {
  rank: number;
  id: string;
  tier: string;
  score: number;
  paths: string[];
  reportIds: string[];
  reasons: Array<{ signal: string; points: number; detail: string }>;
  flags: Array<{ flag: string; detail: string }>;
  related: Array<{ id: string; reportIds: string[]; urls: string[] }>;
}

function step(text: string): void {
  process.stdout.write(`\n== ${text}\n`);
}

/** Runs one hashtriage command in-process after printing it, so the user can repeat it on their own data. */
async function hashtriage(args: string[]): Promise<number> {
  const shown = args.map((a) => {
    const rel = path.isAbsolute(a) ? path.relative(process.cwd(), a) : a;
    return rel.startsWith('..') ? a : rel;
  });
  process.stdout.write(`$ npx hashtriage ${shown.map((a) => (/[\s']/.test(a) ? `'${a}'` : a)).join(' ')}\n`);
  return main(['node', 'hashtriage', ...args]);
}

/** A reason's points with their sign (policies may give negative points). */
function signed(points: number): string {
  return points < 0 ? String(points) : `+${points}`;
}

async function run(): Promise<number> {
  process.chdir(ROOT);
  const given = process.argv[2];
  const base = given ? path.resolve(given) : mkdtempSync(path.join(tmpdir(), 'hashtriage-demo-'));
  if (given) mkdirSync(base, { mode: 0o700 }); // refuses an existing folder, as documented
  const db = path.join(base, 'index.db');
  const out = path.join(base, 'scan');

  step('1. Build a sample index from fixture hashes (fixtures/demo/known-list.csv)');
  const imported = await hashtriage(['index', 'import', 'fixtures/demo/known-list.csv', '--list', 'demo-known', '--db', db]);
  if (imported !== 0) {
    process.stderr.write(`demo: building the sample index failed (exit ${imported})\n`);
    return 1;
  }

  step('2. Scan the sample complaints (fixtures/demo/complaints.csv: copies, re-encodings, resized and watermarked versions, shared URLs, broken files)');
  const scanned = await hashtriage(['scan', '--manifest', 'fixtures/demo/complaints.csv', '--out', out, '--db', db]);
  if (scanned !== 0 && scanned !== 1) {
    process.stderr.write(`demo: the scan failed (exit ${scanned})\n`);
    return 1;
  }
  if (scanned === 1) process.stdout.write('(exit code 1 is expected here: the sample deliberately contains broken and missing files and one path outside the case folder)\n');

  step(`3. Top of the queue (of ${out}/bundles.ndjson)`);
  const queue = readFileSync(path.join(out, 'bundles.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as QueueLine);
  for (const b of queue.slice(0, TOP)) {
    const files = b.paths.map((p) => path.basename(p)).join(', ') || '(no file: URL only)';
    process.stdout.write(`#${b.rank} ${b.tier} (score ${b.score}) reports ${b.reportIds.join(', ')}; files ${files}\n`);
    for (const f of b.flags) process.stdout.write(`     !! ${f.flag}: ${f.detail}\n`);
    for (const r of b.reasons.slice(0, 3)) process.stdout.write(`     ${signed(r.points)} ${r.signal}: ${r.detail}\n`);
    for (const r of b.related) {
      const other = queue.find((x) => x.id === r.id);
      const via = [...r.reportIds.map((id) => `report ${id}`), ...r.urls].join(', ');
      process.stdout.write(`     related: #${other?.rank ?? '?'} ${r.id} (same ${via})\n`);
    }
  }
  if (queue.length > TOP) process.stdout.write(`… ${queue.length - TOP} more bundles\n`);

  step('Where the outputs are');
  process.stdout.write(`bundles:  ${path.join(out, 'bundles.ndjson')} and bundles.csv (queue order)\n`);
  process.stdout.write(`items:    ${path.join(out, 'items.ndjson')}\n`);
  process.stdout.write(`report:   ${path.join(out, 'report.html')} (open in a browser; no images, no network)\n`);
  process.stdout.write(`index:    ${db} (read-only during the scan)\n`);
  process.stdout.write(`seen:     ${defaultSightingsPath(db)} (what this scan saw, so later scans can say "seen before")\n`);
  return 0;
}

process.exitCode = await run();
