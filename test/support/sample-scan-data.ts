/**
 * A hand-built, synthetic ScanData for the output writers: known and unknown content, every tier,
 * a failed file, an input error, a previously seen bundle, and hostile text (HTML, formulas, quotes,
 * commas, newlines) in paths, URLs, reporters and notes. Hashes are made-up hex, not real content.
 */
import { createHash } from 'node:crypto';
import type { UnprioritisedBundle } from '../../src/pipeline/bundle.js';
import { parsePriorityPolicy, prioritise, type PriorityPolicy } from '../../src/policy/priority.js';
import { readFileSync } from 'node:fs';
import type { Bundle, KnownMatch, Report, ScanItem, SeenMatch } from '../../src/pipeline/types.js';
import type { ScanData } from '../../src/pipeline/outputs/types.js';

/** The clock the sample is scored at. */
export const SAMPLE_NOW = new Date('2025-03-10T03:00:00Z');

export const HOSTILE_PATH = 'inbox/<script>alert(1)</script>.jpg';
export const HOSTILE_NOTE = '"><img src=x onerror=alert(2)> call me </textarea></script><script>alert(3)</script>';
export const FORMULA_PATH = '=HYPERLINK("http://evil.example","click").png';

const hex = (seed: string, chars: number) => createHash('sha256').update(seed).digest('hex').repeat(2).slice(0, chars);

function hashed(index: number, path: string): ScanItem['hash'] {
  return {
    path,
    ok: true,
    bytes: 1000 + index * 37,
    format: 'jpeg',
    width: 640,
    height: 480,
    signals: {
      md5: { value: hex(`md5${index}`, 32) },
      sha1: { value: hex(`sha1${index}`, 40) },
      sha256: { value: hex(`sha256${index}`, 64) },
      pdq: { value: hex(`pdq${index}`, 64), quality: index === 7 ? 12 : 90 - index },
      blockhash: { value: hex(`bh${index}`, 64) },
    },
  };
}

function known(over: Partial<KnownMatch>): KnownMatch {
  return {
    signal: 'pdq',
    hash: hex(`known${over.list ?? ''}${over.category ?? ''}`, 64),
    distance: 6,
    variant: null,
    list: 'national-list',
    category: 'A1',
    severity: 1,
    series: null,
    victimIdentified: null,
    ...over,
  };
}

function report(id: string, over: Partial<Report> = {}): Report {
  return {
    reportId: id,
    receivedAt: '2025-03-09T22:15:00Z',
    reporter: 'public-web-form',
    channel: 'web',
    url: null,
    normalizedUrl: null,
    platform: null,
    files: [],
    notes: null,
    escalate: false,
    source: `complaints.csv:${id.replace(/\D/g, '') || 1}`,
    ...over,
  };
}

/** The shipped default policy, loaded from the repository (the same file loadPriorityPolicy reads). */
export function defaultPolicy(): PriorityPolicy {
  const url = new URL('../../policy/priority.json', import.meta.url);
  return parsePriorityPolicy(JSON.parse(readFileSync(url, 'utf8')), 'policy/priority.json (shipped default)', hex('policy', 64));
}

/** The sample scan; bundles are returned in a scrambled order on purpose (writers must sort). */
export function sampleScanData(policy: PriorityPolicy = defaultPolicy()): ScanData {
  const sev1 = known({ list: 'national-list', category: 'A1', severity: 1, series: 'Series-Blue', victimIdentified: false, distance: 4 });
  const sev1Exact = known({ list: 'vics-export', signal: 'md5', hash: hex('md5 0', 32), distance: 0, category: 'Cat A', severity: 1, series: 'Series-Blue', victimIdentified: false });
  const sev3 = known({ list: 'national-list', category: 'B2', severity: 3, series: null, victimIdentified: true, distance: 12 });
  const innocent = known({ list: 'vics-export', signal: 'md5', hash: hex('md5 10', 32), distance: 0, category: 'Category 5', severity: null });
  const seen: SeenMatch = { signal: 'pdq', distance: 2, scan: 'case-2025-014', firstSeenAt: '2025-02-11T09:30:00Z', path: 'old/case14/img_0031.jpg' };

  const paths = [
    'case/DCIM/IMG_0001.jpg', // 0 sev1 exact + pdq
    'case/DCIM/IMG_0001 (copy).jpg', // 1 same content
    'case/WhatsApp/IMG-20250301-WA0004.jpg', // 2 sev3 known
    'complaints/c101.jpg', // 3 unknown many reporters
    'complaints/c102.jpg', // 4 same content, re-encoded
    'complaints/c103-resized.jpg', // 5 same content
    HOSTILE_PATH, // 6 hostile
    FORMULA_PATH, // 7 formula, old report
    'case/Downloads/broken, "quoted"\nname.jpg', // 8 failed file
    'case/seen/again.jpg', // 9 previously seen
    'case/reference/exemplar.jpg', // 10 only on a known-innocent (non-pertinent) list
  ];
  const items: ScanItem[] = paths.map((p, i) => ({
    index: i,
    path: p,
    hash: hashed(i, p),
    reportIds: [],
    known: i <= 1 ? [sev1, sev1Exact] : i === 2 ? [sev3] : i === 10 ? [innocent] : [],
    seen: i === 9 ? [seen] : [],
    lowQuality: i === 7,
  }));
  items[8] = {
    ...items[8],
    hash: { path: paths[8], ok: false, bytes: 17, signals: { md5: { value: hex('md5 8', 32) } }, error: { code: 'DECODE_FAILED', message: 'truncated JPEG: premature end of data' } },
  };

  const reports: Report[] = [
    report('R-101', { reporter: 'hotline-a', url: 'https://img.example.net/a/1.jpg', normalizedUrl: 'https://img.example.net/a/1.jpg', receivedAt: '2025-03-10T01:10:00Z' }),
    report('R-102', { reporter: 'hotline-b', url: 'https://img.example.net/a/1.jpg?utm=x', normalizedUrl: 'https://img.example.net/a/1.jpg', receivedAt: '2025-03-10T01:40:00Z' }),
    report('R-103', { reporter: 'parent@example.org', url: 'https://mirror.example.org/x', normalizedUrl: 'https://mirror.example.org/x', receivedAt: '2025-03-10T02:05:00Z' }),
    report('R-104', { reporter: '+cmd|calc', notes: HOSTILE_NOTE, url: 'javascript:alert(4)', normalizedUrl: null, receivedAt: '2025-03-09T23:00:00Z', escalate: true }),
    report('R-105', { reporter: '@SUM(1+1)', notes: '-2+3', receivedAt: '2024-11-02T10:00:00Z' }),
    report('R-106', { reporter: 'police-unit-7', receivedAt: '2025-03-08T12:00:00Z', escalate: true, channel: 'email' }),
    report('R-107', { reporter: 'hotline-c', receivedAt: '2025-01-20T08:00:00Z', files: [] }), // its file paths were refused
  ];

  const base = (id: string, members: number[], reportIds: string[], extra: Partial<UnprioritisedBundle> = {}): UnprioritisedBundle => {
    const rs = reports.filter((r) => reportIds.includes(r.reportId));
    const times = rs.map((r) => r.receivedAt!).sort();
    const hosts = [...new Set(rs.map((r) => r.url).filter((u): u is string => !!u && u.startsWith('http')).map((u) => new URL(u).hostname))].sort();
    return {
      id,
      items: members,
      paths: members.map((i) => paths[i]),
      reportIds,
      reporters: [...new Set(rs.map((r) => r.reporter!))].sort(),
      distinctReporters: new Set(rs.map((r) => r.reporter!)).size,
      urls: [...new Set(rs.map((r) => r.normalizedUrl ?? r.url).filter((u): u is string => !!u))].sort(),
      hosts,
      firstSeen: times[0] ?? null,
      lastSeen: times[times.length - 1] ?? null,
      known: [...new Map(members.flatMap((i) => items[i].known).map((k) => [`${k.list}${k.hash}`, k])).values()],
      seen: members.flatMap((i) => items[i].seen),
      escalated: rs.some((r) => r.escalate),
      joins: members.map((m, k) => (k === 0 ? (members.length === 1 && reportIds.length > 0 ? { kind: 'report_only', reportIds } : { kind: 'seed' }) : { kind: 'exact', signal: 'sha256', to: members[0] })),
      spread: [],
      flags: [],
      related: [],
      relatedTruncated: false,
      ...extra,
    };
  };
  const DRIFT = 'files 40 apart by pdq (threshold 31): complaints/c101.jpg and complaints/c103-resized.jpg are linked only through other files; check that they are the same picture';
  const UNUSABLE = 'no file has a usable pdq hash (pdq quality 12, below 50): known pdq hashes cannot match it and near copies are not grouped by it; check by hand, or scan again with --include-low-quality';
  const unprioritised: UnprioritisedBundle[] = [
    base('b-7f3a0c11d2e4f5a6', [7], ['R-105'], { flags: [{ flag: 'perceptual_hash_unusable', detail: UNUSABLE }] }),
    base('b-1c2d3e4f5a6b7c8d', [3, 4, 5], ['R-101', 'R-102', 'R-103'], {
      joins: [{ kind: 'seed' }, { kind: 'exact', signal: 'md5', to: 3 }, { kind: 'perceptual', signal: 'pdq', to: 4, distance: 22, variant: null }],
      spread: [{ signal: 'pdq', maxDistance: 40, threshold: 31, between: [3, 5] }],
      flags: [{ flag: 'perceptual_drift', detail: DRIFT }],
    }),
    base('b-0a1b2c3d4e5f6a7b', [0, 1], ['R-106'], { related: [{ id: 'b-5a5a5a5a5a5a5a5a', reportIds: ['R-106'], urls: [] }] }),
    base('b-9e8d7c6b5a4f3e2d', [6], ['R-104']),
    // R-106 also names item 2, a different picture: a related bundle, not the same content.
    base('b-5a5a5a5a5a5a5a5a', [2], ['R-106'], { related: [{ id: 'b-0a1b2c3d4e5f6a7b', reportIds: ['R-106'], urls: [] }] }),
    base('b-8b8b8b8b8b8b8b8b', [8], []),
    base('b-3c3c3c3c3c3c3c3c', [9], []),
    base('b-6d6d6d6d6d6d6d6d', [], ['R-107']),
    base('b-4e4e4e4e4e4e4e4e', [10], []),
  ];
  for (const b of unprioritised) for (const i of b.items) items[i] = { ...items[i], reportIds: b.reportIds };
  const bundles: Bundle[] = unprioritised.map((b) => ({ ...b, priority: prioritise(b, items, policy, SAMPLE_NOW) }));

  return {
    toolVersion: '0.1.0',
    scanLabel: 'scan-2025-03-10-demo',
    decodePolicy: { version: 'test-decode/1', frames: 'first frame only' },
    inputs: {
      paths: ['case'],
      manifests: [{ path: 'complaints/complaints.csv', sha256: hex('manifest', 64) }],
      options: { pdqFlavour: 'full', dihedral: false, policy: policy.digest },
    },
    index: { path: 'index.db', digest: hex('index', 64), counts: { pdq: 1200, md5: 800, lists: 2 } },
    priorityPolicy: policy,
    startedAt: '2025-03-10T03:00:00.000Z',
    endedAt: '2025-03-10T03:04:12.345Z',
    reports,
    items: [...items].reverse(), // writers must order by index
    bundles,
    errors: [{ source: 'complaints/complaints.csv:9', code: 'BAD_ROW', message: 'report_id missing' }],
  };
}
