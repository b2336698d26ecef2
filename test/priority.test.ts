import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  compareBundles,
  DEFAULT_PRIORITY_POLICY_PATH,
  loadPriorityPolicy,
  parsePriorityPolicy,
  prioritise,
  queueOrder,
  FACTOR_KEYS,
  tierFor,
  type PriorityPolicy,
} from '../src/policy/priority.js';
import type { UnprioritisedBundle } from '../src/pipeline/bundle.js';
import type { Bundle, KnownMatch, ScanItem, SeenMatch } from '../src/pipeline/types.js';
import { HashtriageError } from '../src/errors.js';

const NOW = new Date('2025-03-10T12:00:00Z');
const HOUR = 3_600_000;

/** A policy whose points are distinct primes, so each contribution is recognisable. */
const TEST_DOC = {
  version: 1,
  factors: {
    known_match: { points: 101 },
    known_severity: { pointsByRank: { '1': 53, '2': 37, '3': 23 }, otherRankPoints: 7, unrankedPoints: 11 },
    victim_not_identified: { points: 43 },
    new_content_many_reporters: { minReporters: 3, points: 31, pointsPerExtraReporter: 5, maxPoints: 41 },
    distinct_reporters: { pointsPerExtra: 3, maxPoints: 9 },
    report_volume: { pointsPerExtra: 2, maxPoints: 6 },
    hosted_urls: { pointsPerHost: 13, maxPoints: 26 },
    recency: {
      steps: [
        { withinHours: 24, points: 19 },
        { withinHours: 168, points: 17 },
      ],
    },
    previously_seen: { points: 29 },
    escalation_requested: { points: 47 },
  },
  tiers: [
    { name: 'A', minScore: 100 },
    { name: 'B', minScore: 40 },
    { name: 'C', minScore: 0 },
  ],
};
const policy = parsePriorityPolicy(TEST_DOC, 'test-policy.json');

function known(over: Partial<KnownMatch> = {}): KnownMatch {
  return {
    signal: 'pdq',
    hash: 'ab'.repeat(32),
    distance: 4,
    variant: null,
    list: 'listA',
    category: 'A1',
    severity: 1,
    series: null,
    victimIdentified: true,
    ...over,
  };
}

function seen(over: Partial<SeenMatch> = {}): SeenMatch {
  return { signal: 'pdq', distance: 0, scan: 'scan-1', firstSeenAt: '2025-01-01T00:00:00Z', path: 'old/a.jpg', ...over };
}

function bundle(over: Partial<UnprioritisedBundle> = {}): UnprioritisedBundle {
  return {
    id: 'b1',
    items: [0],
    paths: ['a.jpg'],
    reportIds: [],
    reporters: [],
    urls: [],
    hosts: [],
    firstSeen: null,
    lastSeen: null,
    known: [],
    seen: [],
    escalated: false,
    joins: [{ kind: 'seed' }],
    spread: [],
    flags: [],
    related: [],
    relatedTruncated: false,
    ...over,
    distinctReporters: over.distinctReporters ?? new Set(over.reporters ?? []).size,
  };
}

function item(index: number, k: KnownMatch[] = []): ScanItem {
  return {
    index,
    path: `f${index}.jpg`,
    hash: { path: `f${index}.jpg`, ok: true, bytes: 10, format: 'jpeg', width: 1, height: 1, signals: {} },
    reportIds: [],
    known: k,
    seen: [],
    lowQuality: false,
  };
}

function pointsOf(b: UnprioritisedBundle, p: PriorityPolicy = policy, items: ScanItem[] = []): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of prioritise(b, items, p, NOW).reasons) out[r.factor] = r.points;
  return out;
}

describe('factors', () => {
  it('a bundle with no factors scores 0 with no reasons and gets the last tier', () => {
    const pr = prioritise(bundle(), [], policy, NOW);
    expect(pr).toEqual({ score: 0, tier: 'C', reasons: [] });
  });

  it('known match fires its flat points and severity by the most severe rank', () => {
    const b = bundle({ known: [known({ severity: 3, category: 'B2' }), known({ severity: 2, category: 'A2', list: 'listB' })] });
    expect(pointsOf(b)).toEqual({ known_match: 101, known_severity: 37 });
    const reason = prioritise(b, [], policy, NOW).reasons.find((r) => r.factor === 'known_severity')!;
    expect(reason.detail).toContain('A2');
    expect(reason.detail).toContain('listB');
  });

  it('severity ranks not in the table get otherRankPoints; no rank at all gets unrankedPoints', () => {
    expect(pointsOf(bundle({ known: [known({ severity: 9 })] })).known_severity).toBe(7);
    const unranked = bundle({ known: [known({ severity: null, category: 'Cat X' })] });
    expect(pointsOf(unranked).known_severity).toBe(11);
    expect(prioritise(unranked, [], policy, NOW).reasons.find((r) => r.factor === 'known_severity')!.detail).toContain('Cat X');
  });

  it('victim not identified fires only on an explicit false', () => {
    expect(pointsOf(bundle({ known: [known({ victimIdentified: false, series: 'S-9' })] })).victim_not_identified).toBe(43);
    expect(pointsOf(bundle({ known: [known({ victimIdentified: null })] })).victim_not_identified).toBeUndefined();
    expect(pointsOf(bundle({ known: [known({ victimIdentified: true })] })).victim_not_identified).toBeUndefined();
  });

  it('unknown content with many distinct reporters fires, scaled and capped; never for known content', () => {
    const reporters = (n: number) => Array.from({ length: n }, (_, i) => `r${i}`);
    expect(pointsOf(bundle({ reporters: reporters(2) })).new_content_many_reporters).toBeUndefined();
    expect(pointsOf(bundle({ reporters: reporters(3) })).new_content_many_reporters).toBe(31);
    expect(pointsOf(bundle({ reporters: reporters(4) })).new_content_many_reporters).toBe(36);
    expect(pointsOf(bundle({ reporters: reporters(10) })).new_content_many_reporters).toBe(41);
    expect(pointsOf(bundle({ reporters: reporters(5), known: [known()] })).new_content_many_reporters).toBeUndefined();
    // the count comes from distinctReporters (anonymous reporters once per report), not the shown names
    expect(pointsOf(bundle({ reporters: ['x', 'y'] })).new_content_many_reporters).toBeUndefined();
    expect(pointsOf(bundle({ reporters: ['anonymous'], distinctReporters: 5 })).new_content_many_reporters).toBe(41);
  });

  it('distinct reporters, report volume and hosts count beyond the first, capped', () => {
    const b = bundle({
      reporters: ['a', 'b'],
      reportIds: ['1', '2', '3', '4', '5', '6', '7'],
      urls: ['https://h1.example/x', 'https://h2.example/y', 'https://h3.example/z'],
      hosts: ['h1.example', 'h2.example', 'h3.example'],
    });
    const p = pointsOf(b);
    expect(p.distinct_reporters).toBe(3);
    expect(p.report_volume).toBe(6); // 6 extra × 2 = 12, capped at 6
    expect(p.hosted_urls).toBe(26); // 3 hosts × 13 = 39, capped at 26
    expect(pointsOf(bundle({ reportIds: ['1'], reporters: ['a'] }))).toEqual({});
  });

  it('recency picks the first step containing the newest report age; future dates count as new; unparseable does not fire', () => {
    const at = (h: number) => new Date(NOW.getTime() - h * HOUR).toISOString();
    expect(pointsOf(bundle({ lastSeen: at(1) })).recency).toBe(19);
    expect(pointsOf(bundle({ lastSeen: at(24) })).recency).toBe(19);
    expect(pointsOf(bundle({ lastSeen: at(25) })).recency).toBe(17);
    expect(pointsOf(bundle({ lastSeen: at(169) })).recency).toBeUndefined();
    expect(pointsOf(bundle({ lastSeen: at(-5) })).recency).toBe(19);
    expect(pointsOf(bundle({ lastSeen: 'yesterday-ish' })).recency).toBeUndefined();
  });

  it('recency uses the injected clock, not the machine clock', () => {
    const b = bundle({ lastSeen: '2025-03-10T00:00:00Z' });
    expect(prioritise(b, [], policy, new Date('2025-03-10T06:00:00Z')).reasons[0].points).toBe(19);
    expect(prioritise(b, [], policy, new Date('2025-03-14T06:00:00Z')).reasons[0].points).toBe(17);
  });

  it('previously seen names the earliest scan; escalation fires on the flag', () => {
    const b = bundle({ seen: [seen({ scan: 'later', firstSeenAt: '2025-02-01T00:00:00Z' }), seen({ scan: 'first' })], escalated: true });
    const pr = prioritise(b, [], policy, NOW);
    expect(pointsOf(b)).toEqual({ previously_seen: 29, escalation_requested: 47 });
    expect(pr.reasons.find((r) => r.factor === 'previously_seen')!.detail).toContain('first');
  });

  it('known-match detail counts matched member files from the items', () => {
    const k = known();
    const b = bundle({ items: [0, 1, 2], known: [k] });
    const items = [item(0, [k]), item(1), item(2, [k]), item(3, [k])];
    const d = prioritise(b, items, policy, NOW).reasons.find((r) => r.factor === 'known_match')!.detail;
    expect(d).toContain('2 of 3 files');
  });

  it('a factor absent from the policy never applies', () => {
    const { escalation_requested: _drop, ...rest } = TEST_DOC.factors;
    const p = parsePriorityPolicy({ ...TEST_DOC, factors: rest }, 'x.json');
    expect(pointsOf(bundle({ escalated: true }), p)).toEqual({});
  });
});

describe('hosted URLs', () => {
  it('counts only http(s) URLs that name a host; javascript:, mailto: and bare text never fire', () => {
    expect(pointsOf(bundle({ urls: ['javascript:alert(1)'] })).hosted_urls).toBeUndefined();
    expect(pointsOf(bundle({ urls: ['mailto:x@h.example', 'not a url', 'file:///etc/passwd', 'data:text/html,hi'] })).hosted_urls).toBeUndefined();
    const r = prioritise(bundle({ urls: ['javascript:alert(1)', 'https://H.example/a', 'http://h.example/b'], hosts: ['h.example'] }), [], policy, NOW);
    const hosted = r.reasons.find((x) => x.factor === 'hosted_urls');
    expect(hosted?.points).toBe(13);
    expect(hosted?.detail).toMatch(/^reported at 2 URLs on 1 host \(h\.example\)/);
  });
});

describe('files that could not be processed', () => {
  const failed = (index: number, code: 'DECODE_FAILED' | 'NOT_FOUND', message: string): ScanItem => ({
    ...item(index),
    hash: { path: `f${index}.jpg`, ok: false, bytes: 17, signals: {}, error: { code, message } },
  });
  const withFactor = parsePriorityPolicy({ ...TEST_DOC, factors: { ...TEST_DOC.factors, unprocessed_files: { points: 59 } } }, 'x.json');

  it('fires when a member file failed, naming how many, the codes and what to do', () => {
    const items = [item(0), failed(1, 'DECODE_FAILED', 'truncated JPEG'), failed(2, 'NOT_FOUND', 'file is gone'), failed(7, 'NOT_FOUND', 'not a member')];
    const r = prioritise(bundle({ items: [0, 1, 2], paths: ['f0.jpg', 'f1.jpg', 'f2.jpg'] }), items, withFactor, NOW);
    expect(r.reasons).toEqual([
      { factor: 'unprocessed_files', points: 59, detail: '2 of 3 files could not be hashed (DECODE_FAILED, NOT_FOUND: truncated JPEG): check by hand' },
    ]);
    expect(pointsOf(bundle({ items: [0] }), withFactor, items)).toEqual({});
  });

  it('fires for a bundle with no file at all (its reports named nothing that could be read)', () => {
    const r = prioritise(bundle({ items: [], paths: [], reportIds: ['R1'], reporters: ['a'] }), [], withFactor, NOW);
    expect(r.reasons.map((x) => x.factor)).toEqual(['unprocessed_files']);
    expect(r.reasons[0].detail).toMatch(/^no file of this bundle could be processed/);
  });

  it('says a bundle of URL-only reports is a page to check, not files that failed', () => {
    const r = prioritise(bundle({ items: [], paths: [], reportIds: ['R1'], urls: ['https://example.com/page'], hosts: ['example.com'] }), [], withFactor, NOW);
    expect(r.reasons[0]).toEqual({ factor: 'unprocessed_files', points: 59, detail: 'no file to look at: reported at a URL only (example.com): check the page by hand' });
  });

  it('counts http and https, www. and the bare host, as one URL on one host', () => {
    const urls = ['http://www.example.com/page', 'https://example.com/page', 'https://www.example.com/other'];
    expect(prioritise(bundle({ urls }), [], loadPriorityPolicy(), NOW).reasons.find((x) => x.factor === 'hosted_urls')?.detail).toBe(
      'reported at 2 URLs on 1 host (example.com): may still be online',
    );
  });

  it('with the shipped policy a failed file alone lifts its bundle out of the backlog', () => {
    const def = loadPriorityPolicy();
    const r = prioritise(bundle({ items: [0] }), [failed(0, 'DECODE_FAILED', 'premature end of data')], def, NOW);
    expect(r.score).toBeGreaterThan(0);
    expect(r.tier).toBe('P3 routine');
  });

  it('a bundle without a usable perceptual hash is a scored "check by hand" reason: P3 with the shipped policy, not a silent P4', () => {
    const detail = 'no file has a usable pdq hash (pdq quality 18, below 50): known pdq hashes cannot match it and near copies are not grouped by it; check by hand, or scan again with --include-low-quality';
    const flagged = bundle({ items: [0], flags: [{ flag: 'perceptual_hash_unusable', detail }] });
    const r = prioritise(flagged, [item(0)], loadPriorityPolicy(), NOW);
    expect(r.reasons).toEqual([{ factor: 'perceptual_hash_unusable', points: 15, detail }]);
    expect(r.tier).toBe('P3 routine');
    // a drift flag is not this reason, and a policy without the factor leaves it out
    expect(pointsOf(bundle({ items: [0], flags: [{ flag: 'perceptual_drift', detail: 'x' }] }), loadPriorityPolicy(), [item(0)])).toEqual({});
    expect(pointsOf(flagged, parsePriorityPolicy(TEST_DOC, 'x.json'), [item(0)])).toEqual({});
  });
});

describe('non-pertinent known matches (known-innocent lists)', () => {
  const def = loadPriorityPolicy();
  const innocent = (over: Partial<KnownMatch> = {}) => known({ list: 'vics', category: 'Cat 5', severity: null, victimIdentified: false, ...over });

  it('Project VIC 4 and 5 with the shipped policies are not known material: only a reason with no points or fewer says so', () => {
    for (const category of ['5', 'Cat 5', 'category 4', '4']) {
      const r = prioritise(bundle({ known: [innocent({ category })] }), [item(0, [innocent({ category })])], def, NOW);
      expect(r.reasons.map((x) => x.factor), category).toEqual(['known_non_pertinent']);
      expect(r.reasons[0].points).toBeLessThanOrEqual(0);
      expect(r.reasons[0].detail).toContain(category);
      expect(r.tier).toBe('P4 backlog');
    }
  });

  it('uncategorised (Project VIC 0) and abuse categories still count as known', () => {
    expect(Object.keys(pointsOf(bundle({ known: [innocent({ category: '0' })] }), def)).sort()).toEqual(['known_match', 'known_severity', 'victim_not_identified']);
  });

  it('known but uncategorised (Project VIC 0, as rated by the severity policy) has its own weight, not that of rated material', () => {
    const zero = known({ list: 'vics', category: '0', categoryName: 'known, uncategorised', scheme: 'projectvic', severity: null, pertinent: true, uncategorised: true, victimIdentified: null });
    const r = prioritise(bundle({ known: [zero] }), [item(0, [zero])], def, NOW);
    expect(r.reasons.map((x) => [x.factor, x.points])).toEqual([['known_match', 30], ['known_severity', 5]]);
    expect(r.reasons[1].detail).toBe('known but uncategorised: 0 (known, uncategorised) in list vics (not rated yet: check and categorise by hand)');
    // rated material in the same bundle decides the severity
    const a1 = known({ category: 'A1', categoryName: 'prepubescent minor, sex act', severity: 1, pertinent: true, uncategorised: false });
    expect(pointsOf(bundle({ known: [zero, a1] }), def).known_severity).toBe(40);
    // a policy file written before uncategorisedPoints existed weighs it as unranked
    expect(pointsOf(bundle({ known: [zero] }), policy).known_severity).toBe(policy.factors.known_severity!.unrankedPoints);
    // a match rated non-pertinent by the policy in force is excluded whatever its label
    const cleared = known({ category: 'A1', severity: null, pertinent: false });
    expect(pointsOf(bundle({ known: [cleared] }), def)).toEqual({ known_non_pertinent: -10 });
  });

  it('a bundle with pertinent and non-pertinent matches is scored on the pertinent ones only', () => {
    const k = [known({ list: 'national', category: 'A1', severity: 1, victimIdentified: true }), innocent()];
    const r = prioritise(bundle({ known: k }), [item(0, k)], def, NOW);
    expect(r.reasons.map((x) => x.factor)).toEqual(['known_severity', 'known_match']);
    expect(r.reasons.find((x) => x.factor === 'known_match')?.detail).toMatch(/^1 known-list match \(list national\)/);
  });

  it('takes the non-pertinent label set it is given (e.g. from a user severity policy)', () => {
    const own = parsePriorityPolicy(TEST_DOC, 'x.json', '', new Set(['innocent']));
    expect(pointsOf(bundle({ known: [innocent({ category: 'Innocent!' })] }), own)).toEqual({});
    expect(pointsOf(bundle({ known: [innocent({ category: '5' })] }), own).known_match).toBe(101);
  });
});

describe('score, tiers, explainability', () => {
  const everything = bundle({
    known: [known({ victimIdentified: false })],
    reporters: ['a', 'b', 'c'],
    reportIds: ['1', '2'],
    urls: ['https://h.example/'],
    hosts: ['h.example'],
    lastSeen: new Date(NOW.getTime() - 2 * HOUR).toISOString(),
    seen: [seen()],
    escalated: true,
  });

  it('reasons sum to the score, are sorted by contribution and contain no zero entries', () => {
    const pr = prioritise(everything, [], policy, NOW);
    expect(pr.reasons.length).toBeGreaterThan(5);
    expect(pr.reasons.reduce((s, r) => s + r.points, 0)).toBe(pr.score);
    for (let i = 1; i < pr.reasons.length; i++) expect(pr.reasons[i - 1].points).toBeGreaterThanOrEqual(pr.reasons[i].points);
    for (const r of pr.reasons) {
      expect(r.points).not.toBe(0);
      expect(FACTOR_KEYS).toContain(r.factor);
      expect(r.detail.length).toBeGreaterThan(5);
    }
  });

  it('the tier is the first whose minScore the score reaches; below all → last tier', () => {
    expect(tierFor(100, policy)).toBe('A');
    expect(tierFor(99, policy)).toBe('B');
    expect(tierFor(40, policy)).toBe('B');
    expect(tierFor(39, policy)).toBe('C');
    expect(tierFor(-5, policy)).toBe('C');
    expect(prioritise(everything, [], policy, NOW).tier).toBe('A');
  });

  it('is deterministic: same result for shuffled inputs and repeated calls', () => {
    const a = prioritise(everything, [], policy, NOW);
    const shuffled = {
      ...everything,
      known: [...everything.known, known({ list: 'z', severity: 2 })].reverse(),
      reporters: [...everything.reporters].reverse(),
      seen: [seen({ scan: 'b', firstSeenAt: '2025-02-02T00:00:00Z' }), ...everything.seen],
    };
    const s1 = prioritise(shuffled, [], policy, NOW);
    const s2 = prioritise({ ...shuffled, known: [...shuffled.known].reverse(), seen: [...shuffled.seen].reverse() }, [], policy, NOW);
    expect(s2).toEqual(s1);
    expect(prioritise(everything, [], policy, NOW)).toEqual(a);
  });
});

describe('shipped default policy', () => {
  const def = loadPriorityPolicy();

  it('loads, has every factor, four tiers of our own and a digest', () => {
    expect(Object.keys(def.factors).sort()).toEqual([...FACTOR_KEYS].sort());
    expect(def.tiers.map((t) => t.name)).toEqual(['P1 immediate', 'P2 today', 'P3 routine', 'P4 backlog']);
    expect(def.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ranks the documented scenarios as the README says', () => {
    const recent = new Date(NOW.getTime() - 2 * HOUR).toISOString();
    const tier = (b: UnprioritisedBundle) => prioritise(b, [], def, NOW).tier;
    // most severe known category, victim not identified → immediate
    expect(tier(bundle({ known: [known({ severity: 1, victimIdentified: false })] }))).toBe('P1 immediate');
    // most severe known category, victim identified, no date → today
    expect(tier(bundle({ known: [known({ severity: 1, victimIdentified: true })] }))).toBe('P2 today');
    // unknown content from three reporters this morning → today
    expect(tier(bundle({ reporters: ['a', 'b', 'c'], reportIds: ['1', '2', '3'], lastSeen: recent }))).toBe('P2 today');
    // an escalation alone → today
    expect(tier(bundle({ escalated: true }))).toBe('P2 today');
    // one fresh report of unknown content → routine; a month-old one → backlog
    expect(tier(bundle({ reporters: ['a'], reportIds: ['1'], lastSeen: recent }))).toBe('P3 routine');
    expect(tier(bundle({ reporters: ['a'], reportIds: ['1'], lastSeen: '2024-01-01T00:00:00Z' }))).toBe('P4 backlog');
  });
});

describe('loading and validation errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ht-prio-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, body: unknown): string => {
    const p = join(dir, name);
    writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
    return p;
  };
  const errorOf = (fn: () => unknown): HashtriageError => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(HashtriageError);
      return err as HashtriageError;
    }
    throw new Error('expected an error');
  };

  it('a user file loads and keeps its path as source', () => {
    const p = write('ok.json', TEST_DOC);
    const loaded = loadPriorityPolicy(p);
    expect(loaded.source).toBe(p);
    expect(loaded.factors).toEqual(policy.factors);
  });

  it('a missing file is NOT_FOUND naming the path', () => {
    const e = errorOf(() => loadPriorityPolicy(join(dir, 'nope.json')));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain('nope.json');
  });

  it('broken JSON names the path', () => {
    const p = write('broken.json', '{"version": 1,');
    const e = errorOf(() => loadPriorityPolicy(p));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toContain(p);
    expect(e.message).toContain('not valid JSON');
  });

  const cases: Array<[string, (d: any) => void, string]> = [
    ['misspelt factor', (d) => (d.factors.knwon_match = { points: 1 }), 'factors.knwon_match'],
    ['fractional points', (d) => (d.factors.known_match.points = 2.5), 'factors.known_match.points'],
    ['missing points', (d) => delete d.factors.previously_seen.points, 'factors.previously_seen.points'],
    ['string points', (d) => (d.factors.escalation_requested.points = '50'), 'factors.escalation_requested.points'],
    ['bad rank key', (d) => (d.factors.known_severity.pointsByRank.A1 = 5), 'factors.known_severity.pointsByRank."A1"'],
    ['unknown field', (d) => (d.factors.recency.decay = 2), 'factors.recency.decay'],
    ['steps not ascending', (d) => (d.factors.recency.steps[1].withinHours = 12), 'factors.recency.steps[1].withinHours'],
    ['zero min reporters', (d) => (d.factors.new_content_many_reporters.minReporters = 0), 'factors.new_content_many_reporters.minReporters'],
    ['tiers not descending', (d) => (d.tiers[2].minScore = 40), 'tiers[2].minScore'],
    ['duplicate tier', (d) => (d.tiers[1].name = 'A'), 'tiers[1].name'],
    ['no tiers', (d) => (d.tiers = []), 'tiers'],
    ['wrong version', (d) => (d.version = 2), 'version'],
  ];
  for (const [name, mutate, field] of cases) {
    it(`rejects ${name}, naming the path and ${field}`, () => {
      const doc = structuredClone(TEST_DOC);
      mutate(doc);
      const p = write(`${name.replace(/ /g, '-')}.json`, doc);
      const e = errorOf(() => loadPriorityPolicy(p));
      expect(e.code).toBe('BAD_INPUT');
      expect(e.message.startsWith(`${p}: ${field} `)).toBe(true);
    });
  }

  describe('a policy file written before the factors were called factors ("signals")', () => {
    const { factors, ...rest } = TEST_DOC;
    const legacy = { ...rest, signals: factors };

    it('loads with the same factors', () => {
      expect(loadPriorityPolicy(write('legacy.json', legacy)).factors).toEqual(policy.factors);
    });

    it.each(cases.filter(([, , field]) => field.startsWith('factors.')))('is validated the same way: rejects %s, naming the field as the file spells it', (name, mutate, field) => {
      const doc = structuredClone(TEST_DOC) as Record<string, any>;
      mutate(doc);
      const p = write(`legacy-${name.replace(/ /g, '-')}.json`, { ...rest, signals: doc.factors });
      const e = errorOf(() => loadPriorityPolicy(p));
      expect(e.code).toBe('BAD_INPUT');
      expect(e.message.startsWith(`${p}: ${field.replace(/^factors\./, 'signals.')} `)).toBe(true);
    });

    it('is refused when it also has "factors": one of the two, not both', () => {
      const e = errorOf(() => loadPriorityPolicy(write('both.json', { ...TEST_DOC, signals: factors })));
      expect(e.message).toMatch(/: signals is not a known field \(expected one of: version, factors, tiers, about\)/);
    });
  });

  it('the shipped policy file uses "factors"', () => {
    const shipped = JSON.parse(readFileSync(DEFAULT_PRIORITY_POLICY_PATH, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(shipped)).toContain('factors');
    expect(Object.keys(shipped)).not.toContain('signals');
  });
});

describe('queue order', () => {
  const withPriority = (b: UnprioritisedBundle, score: number, tier: string): Bundle => ({ ...b, priority: { score, tier, reasons: [] } });
  const bundles: Bundle[] = [
    withPriority(bundle({ id: 'e', firstSeen: null }), 50, 'B'),
    withPriority(bundle({ id: 'a', firstSeen: '2025-01-02T00:00:00Z' }), 50, 'B'),
    withPriority(bundle({ id: 'c', firstSeen: '2025-01-01T00:00:00Z' }), 50, 'B'),
    withPriority(bundle({ id: 'b', firstSeen: '2025-01-01T00:00:00Z' }), 50, 'B'),
    withPriority(bundle({ id: 'z' }), 120, 'A'),
    withPriority(bundle({ id: 'y' }), 3, 'C'),
    withPriority(bundle({ id: 'x' }), 50, 'A'), // same score, more urgent tier (e.g. a policy that changed)
  ];

  it('orders by score, tier, earliest first-seen, id', () => {
    const sorted = [...bundles].sort(queueOrder(policy)).map((b) => b.id);
    expect(sorted).toEqual(['z', 'x', 'b', 'c', 'a', 'e', 'y']);
  });

  it('is a total order: every permutation sorts the same', () => {
    const expected = [...bundles].sort(queueOrder(policy)).map((b) => b.id);
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 50; trial++) {
      const shuffled = [...bundles].sort(() => rand() - 0.5);
      expect(shuffled.sort((a, b) => compareBundles(a, b, policy)).map((b) => b.id)).toEqual(expected);
    }
    for (const a of bundles)
      for (const b of bundles) {
        const ab = compareBundles(a, b, policy);
        expect(Math.sign(ab) + Math.sign(compareBundles(b, a, policy))).toBe(0); // antisymmetric
        expect(ab === 0).toBe(a === b); // distinct bundles never tie
      }
  });
});
