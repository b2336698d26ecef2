import { describe, expect, it } from 'vitest';
import { hammingDistance, hexToWords } from '../src/hashing/bits.js';
import { hashRecordFromFields } from '../src/hashing/record-fields.js';
import { SIGNAL_TYPES } from '../src/hashing/signals.js';
import { buildBundles, RELATED_MAX } from '../src/pipeline/bundle.js';
import { largestDistance } from '../src/pipeline/spread.js';
import { clusterItems } from '../src/pipeline/cluster.js';
import type { Report, ScanItem } from '../src/pipeline/types.js';
import { normalizeUrl } from '../src/pipeline/url.js';
import { flipBits, hex, randomCode, rng } from './support/random-codes.js';


function item(index: number, fields: Partial<Record<string, unknown>>, reportIds: string[] = []): ScanItem {
  const hash = hashRecordFromFields({ path: `f${String(index).padStart(4, '0')}.png`, ok: true, bytes: 100, format: 'png', width: 10, height: 10, ...fields });
  return { index, path: hash.path, hash, reportIds, known: [], seen: [], lowQuality: false };
}

function report(reportId: string, url: string | null, extra: Partial<Report> = {}): Report {
  return {
    reportId,
    receivedAt: null,
    reporter: null,
    channel: null,
    url,
    normalizedUrl: normalizeUrl(url),
    platform: null,
    files: [],
    notes: null,
    escalate: false,
    source: `m.csv:${reportId}`,
    ...extra,
  };
}

/** Reference grouping: all pairs compared directly (only for small test sets). */
function bruteForceGroups(items: ScanItem[], threshold: number): number[][] {
  const parent = items.map((_, i) => i);
  const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x])));
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const a = hexToWords(items[i].hash.signals.pdq!.value, 256)!;
      const b = hexToWords(items[j].hash.signals.pdq!.value, 256)!;
      if (hammingDistance(a, b) <= threshold) parent[find(i)] = find(j);
    }
  }
  const groups = new Map<number, number[]>();
  items.forEach((_, i) => {
    const r = find(i);
    groups.set(r, [...(groups.get(r) ?? []), i]);
  });
  return [...groups.values()].sort((a, b) => a[0] - b[0]);
}

describe('clusterItems', () => {
  it('groups near-duplicate PDQ hashes transitively, exactly as an all-pairs comparison does', () => {
    const next = rng(42);
    const items: ScanItem[] = [];
    // 60 families: a base code and up to 4 variants each 10–31 bits away from the previous one (chains).
    for (let f = 0; f < 60; f++) {
      let code = randomCode(next);
      const size = 1 + (next() % 5);
      for (let k = 0; k < size; k++) {
        items.push(item(items.length, { pdq: hex(code), pdqQuality: 100 }));
        code = flipBits(code, 10 + (next() % 22), next);
      }
    }
    // Shuffle positions deterministically so families are interleaved, then reindex.
    const order = items.map((_, i) => i).sort((a, b) => ((a * 7919) % 101) - ((b * 7919) % 101) || a - b);
    const shuffled = order.map((from, i) => ({ ...items[from], index: i }));
    const pdqOnly = SIGNAL_TYPES.filter((t) => t.name === 'pdq');
    const clusters = clusterItems(shuffled, [], { signalTypes: pdqOnly });
    expect(clusters.map((c) => [...c.items])).toEqual(bruteForceGroups(shuffled, 31));
    expect(clusters.some((c) => c.items.length > 1)).toBe(true);
  });

  it('joins equal digests, never empty files, and never low-quality or all-zero PDQ hashes', () => {
    const next = rng(7);
    const a = randomCode(next);
    const flat = randomCode(next);
    const items = [
      item(0, { sha256: 'aa'.repeat(32), md5: 'a'.repeat(32) }),
      item(1, { sha256: 'aa'.repeat(32), md5: 'a'.repeat(32) }),
      item(2, { bytes: 0, sha256: 'e3'.repeat(32) }),
      item(3, { bytes: 0, sha256: 'e3'.repeat(32) }),
      item(4, { pdq: hex(flat), pdqQuality: 20 }),
      item(5, { pdq: hex(flat), pdqQuality: 20 }),
      item(6, { pdq: '0'.repeat(64), pdqQuality: 100 }),
      item(7, { pdq: '0'.repeat(64), pdqQuality: 100 }),
      item(8, { pdq: hex(a), pdqQuality: 100 }),
      item(9, { pdq: hex(flipBits(a, 31, next)), pdqQuality: 100 }),
      item(10, { pdq: hex(flipBits(a, 70, next)), pdqQuality: 100 }),
    ];
    const clusters = clusterItems(items, [], { signalTypes: SIGNAL_TYPES });
    expect(clusters.map((c) => c.items)).toEqual([[0, 1], [2], [3], [4], [5], [6], [7], [8, 9], [10]]);
  });

  it('joins items through rotated/flipped variants when items carry them', () => {
    const next = rng(9);
    const base = randomCode(next);
    const mirrored = randomCode(next);
    const items = [item(0, { pdq: hex(base), pdqQuality: 100 }), item(1, { pdq: hex(mirrored), pdqQuality: 100, pdqDihedral: { flipX: hex(flipBits(base, 12, next)) } })];
    const pdqOnly = SIGNAL_TYPES.filter((t) => t.name === 'pdq');
    expect(clusterItems(items, [], { signalTypes: pdqOnly }).map((c) => c.items)).toEqual([[0, 1]]);
  });

  it('never joins files through reports or URLs; reports naming no file get one group per normalised URL', () => {
    const items = [item(0, { sha256: '01'.repeat(32) }, ['R1']), item(1, { sha256: '02'.repeat(32) }, ['R2']), item(2, { sha256: '03'.repeat(32) }, [])];
    const reports = [
      report('R2', 'https://Example.com/x/?utm_source=z'),
      report('R1', 'https://example.com/x'),
      report('R3', 'https://example.com/x#top'),
      report('R5', 'https://example.com/x'),
      report('R4', 'https://other.example/y'),
      report('R0', null),
      report('R6', null),
    ];
    const clusters = clusterItems(items, reports, { signalTypes: SIGNAL_TYPES });
    expect(clusters.map((c) => ({ items: c.items, reportIds: c.reportIds, joins: c.joins }))).toEqual([
      { items: [0], reportIds: ['R1'], joins: [{ kind: 'report_only', reportIds: ['R1'] }] },
      { items: [1], reportIds: ['R2'], joins: [{ kind: 'report_only', reportIds: ['R2'] }] },
      { items: [2], reportIds: [], joins: [{ kind: 'seed' }] },
      { items: [], reportIds: ['R0'], joins: [] },
      { items: [], reportIds: ['R3', 'R5'], joins: [] },
      { items: [], reportIds: ['R4'], joins: [] },
      { items: [], reportIds: ['R6'], joins: [] },
    ]);
  });

  it('says how each member joined: equal digest, perceptual distance, dihedral variant', () => {
    const next = rng(11);
    const base = randomCode(next);
    const near = flipBits(base, 5, next);
    const other = randomCode(next);
    const items = [
      item(0, { sha256: '0a'.repeat(32), pdq: hex(base), pdqQuality: 100 }),
      item(1, { sha256: '0a'.repeat(32), pdq: hex(base), pdqQuality: 100 }),
      item(2, { sha256: '0b'.repeat(32), pdq: hex(near), pdqQuality: 100 }),
      item(3, { sha256: '0c'.repeat(32), pdq: hex(other), pdqQuality: 100, pdqDihedral: { rot90: hex(flipBits(base, 3, next)) } }),
    ];
    const [c] = clusterItems(items, [], { signalTypes: SIGNAL_TYPES });
    expect(c.items).toEqual([0, 1, 2, 3]);
    expect(c.joins[0]).toEqual({ kind: 'seed' });
    expect(c.joins[1]).toMatchObject({ to: 0 });
    expect(c.joins[1].kind === 'exact' || (c.joins[1].kind === 'perceptual' && c.joins[1].distance === 0)).toBe(true);
    expect(c.joins[2]).toEqual({ kind: 'perceptual', signal: 'pdq', to: 0, distance: 5, variant: null });
    expect(c.joins[3]).toEqual({ kind: 'perceptual', signal: 'pdq', to: 0, distance: 3, variant: { name: 'rot90', of: 3 } });
  });

  it('records the largest internal distance over every pair, so a chain of close files is not hidden', () => {
    const next = rng(5);
    const a = randomCode(next);
    const b = flipBits(a, 30, next);
    // c is 30 bits from b, on bits a and b agree on: 60 from a.
    const c = b.slice();
    let flipped = 0;
    for (let bit = 0; bit < 256 && flipped < 30; bit++) {
      const w = bit >> 5;
      const m = 1 << (bit & 31);
      if (((a[w] ^ b[w]) & m) === 0) {
        c[w] ^= m;
        flipped++;
      }
    }
    expect(hammingDistance(a, c)).toBe(60);
    const items = [item(0, { pdq: hex(a), pdqQuality: 100 }), item(1, { pdq: hex(b), pdqQuality: 100 }), item(2, { pdq: hex(c), pdqQuality: 100 })];
    const pdqOnly = SIGNAL_TYPES.filter((t) => t.name === 'pdq');
    const [cl] = clusterItems(items, [], { signalTypes: pdqOnly });
    expect(cl.items).toEqual([0, 1, 2]);
    expect(cl.spread).toEqual([{ signal: 'pdq', maxDistance: 60, threshold: 31, between: [0, 2] }]);
    const [bundle] = buildBundles([cl], items, []);
    expect(bundle.flags.map((f) => f.flag)).toEqual(['perceptual_drift']);
    expect(bundle.flags[0].detail).toContain('60 apart by pdq (threshold 31)');
    // two files within the threshold: spread recorded, no flag
    const [tight] = buildBundles(clusterItems(items.slice(0, 2), [], { signalTypes: pdqOnly }), items, []);
    expect(tight.spread[0].maxDistance).toBe(30);
    expect(tight.flags).toEqual([]);
  });

  it('groups low-quality perceptual hashes only with includeLowQuality, and flags a group with no usable one', () => {
    const next = rng(3);
    const code = randomCode(next);
    const items = [item(0, { pdq: hex(code), pdqQuality: 8 }), item(1, { pdq: hex(flipBits(code, 2, next)), pdqQuality: 8 })];
    const without = clusterItems(items, [], { signalTypes: SIGNAL_TYPES });
    expect(without.map((c) => c.items)).toEqual([[0], [1]]);
    expect(without.map((c) => c.unusable)).toEqual([[{ signal: 'pdq', qualities: [8], minQuality: 50, includeLowQualityHelps: true, notAPicture: false }], [{ signal: 'pdq', qualities: [8], minQuality: 50, includeLowQualityHelps: true, notAPicture: false }]]);
    const flags = buildBundles(without, items, [])[0].flags;
    expect(flags.map((f) => f.flag)).toEqual(['perceptual_hash_unusable']);
    expect(flags[0].detail).toContain('no file has a usable pdq hash (pdq quality 8, below 50)');
    const withLow = clusterItems(items, [], { signalTypes: SIGNAL_TYPES, includeLowQuality: true });
    expect(withLow.map((c) => c.items)).toEqual([[0, 1]]);
    expect(withLow[0].unusable).toEqual([]);
    expect(withLow[0].joins[1]).toEqual({ kind: 'perceptual', signal: 'pdq', to: 0, distance: 2, variant: null });
  });

  it('suggests --include-low-quality only where it would help: never for an all-zero hash, nor when it is on', () => {
    const zero = '0'.repeat(64);
    const flat = [item(0, { pdq: zero, pdqQuality: 0 })];
    for (const includeLowQuality of [false, true]) {
      const [c] = clusterItems(flat, [], { signalTypes: SIGNAL_TYPES, includeLowQuality });
      expect(c.unusable.map((u) => u.includeLowQualityHelps)).toEqual([false]);
      const detail = buildBundles([c], flat, [])[0].flags[0].detail;
      expect(detail).toMatch(/; check by hand$/);
      expect(detail).not.toContain('--include-low-quality');
    }
    const low = [item(0, { pdq: hex(randomCode(rng(4))), pdqQuality: 8 })];
    expect(buildBundles(clusterItems(low, [], { signalTypes: SIGNAL_TYPES }), low, [])[0].flags[0].detail).toMatch(/check by hand, or scan again with --include-low-quality$/);
  });
});

describe('buildBundles', () => {
  it('summarises members, reporters, hosts, time span and known matches, with stable ids', () => {
    const items = [
      {
        ...item(0, { sha256: '01'.repeat(32) }, ['R1']),
        known: [{ signal: 'pdq' as const, hash: 'ab', distance: 9, variant: null, list: 'L', category: 'B', severity: 3, series: null, victimIdentified: null }],
      },
      {
        ...item(1, { sha256: '02'.repeat(32) }, ['R2']),
        known: [
          { signal: 'md5' as const, hash: 'cd', distance: 0, variant: null, list: 'L', category: 'A', severity: 1, series: 's1', victimIdentified: false },
          { signal: 'pdq' as const, hash: 'ab', distance: 4, variant: null, list: 'L', category: 'B', severity: 3, series: null, victimIdentified: null },
        ],
      },
    ];
    const reports = [
      report('R1', 'https://Example.com/x', { reporter: 'parent', receivedAt: '2024-05-02T00:00:00.000Z' }),
      report('R2', 'https://example.com/x/', { reporter: 'parent', receivedAt: '2024-05-01T00:00:00.000Z', escalate: true }),
    ];
    // the two files share a pdq hash: one picture, two reports
    const sharedPdq = { pdq: 'f0'.repeat(32), pdqQuality: 100 };
    items[0] = { ...items[0], hash: { ...items[0].hash, signals: { ...items[0].hash.signals, pdq: { value: sharedPdq.pdq, quality: 100 } } } };
    items[1] = { ...items[1], hash: { ...items[1].hash, signals: { ...items[1].hash.signals, pdq: { value: sharedPdq.pdq, quality: 100 } } } };
    const clusters = clusterItems(items, reports, { signalTypes: SIGNAL_TYPES });
    const [b] = buildBundles(clusters, items, reports);
    expect(b).toMatchObject({
      items: [0, 1],
      paths: ['f0000.png', 'f0001.png'],
      reportIds: ['R1', 'R2'],
      reporters: ['parent'],
      urls: ['https://example.com/x'],
      hosts: ['example.com'],
      firstSeen: '2024-05-01T00:00:00.000Z',
      lastSeen: '2024-05-02T00:00:00.000Z',
      escalated: true,
    });
    expect(b.known.map((k) => [k.signal, k.distance])).toEqual([
      ['md5', 0],
      ['pdq', 4],
    ]);
    const again = buildBundles(clusterItems([...items], [...reports].reverse(), { signalTypes: SIGNAL_TYPES }), items, reports);
    expect(again[0].id).toBe(b.id);
    expect(b.id).toMatch(/^b-[0-9a-f]{16}$/);
  });
});

describe('largest internal distance', () => {
  it('equals an all-pairs comparison, with exact copies compared once', () => {
    const next = rng(21);
    const base = randomCode(next);
    const codes = [base, base.slice(), ...Array.from({ length: 40 }, () => flipBits(base, next() % 40, next))];
    let want = 0;
    for (let i = 0; i < codes.length; i++) for (let j = i + 1; j < codes.length; j++) want = Math.max(want, hammingDistance(codes[i], codes[j]));
    const got = largestDistance(codes);
    expect(got.distance).toBe(want);
    expect(hammingDistance(codes[got.i], codes[got.j])).toBe(want);
    const items = codes.map((c, i) => item(i, { pdq: hex(c), pdqQuality: 100 }));
    const pdqOnly = SIGNAL_TYPES.filter((t) => t.name === 'pdq');
    const clusters = clusterItems(items, [], { signalTypes: pdqOnly, thresholds: { pdq: 256 } });
    expect(clusters).toHaveLength(1);
    expect(clusters[0].spread[0].maxDistance).toBe(want);
    // two exact copies only: distance 0 between the two of them
    expect(clusterItems(items.slice(0, 2), [], { signalTypes: pdqOnly })[0].spread).toEqual([{ signal: 'pdq', maxDistance: 0, threshold: 31, between: [0, 1] }]);
  });

  it('counts a rotated or flipped copy as close when the members carry their variants', () => {
    const next = rng(8);
    const a = randomCode(next);
    const mirrored = randomCode(next);
    expect(largestDistance([a, mirrored], [[], [flipBits(a, 4, next)]]).distance).toBe(4);
    expect(largestDistance([a, mirrored]).distance).toBe(hammingDistance(a, mirrored));
  });

  it('lets two copies transformed in different ways meet through their forms (a letterboxed and a mirrored copy of one picture)', () => {
    const next = rng(9);
    const picture = randomCode(next);
    const letterboxed = randomCode(next); // plain value far from the picture: the bars change it
    const mirrored = randomCode(next); // plain value far from the picture: mirrored
    const content = [{ name: 'content', value: flipBits(picture, 3, next) }];
    const flipX = flipBits(picture, 5, next);
    const got = largestDistance([picture, letterboxed, mirrored], [[], [], [flipX]], [[], content, []]);
    // letterboxed ~ mirrored through content vs flipX: at most 3 + 5 bits; the farthest pair is the plain picture's
    expect(got.distance).toBe(Math.max(3, 5, hammingDistance(content[0].value, flipX)));
    expect(hammingDistance(letterboxed, mirrored)).toBeGreaterThan(64);
    // without the forms the same three are far apart
    expect(largestDistance([picture, letterboxed, mirrored]).distance).toBeGreaterThan(64);
  });

  it('with --dihedral, a rotated copy linked by a PDQ variant is not drift by blockhash, which has no variants; a far pair PDQ does not vouch for still is', () => {
    const next = rng(21);
    const base = randomCode(next);
    const rotatedPdq = randomCode(next);
    const block0 = randomCode(next);
    const items = [
      item(0, { pdq: hex(base), pdqQuality: 100, blockhash: hex(block0) }),
      // the rotated copy: its plain PDQ and blockhash are far from the original, its rot90 PDQ variant is close
      item(1, { pdq: hex(rotatedPdq), pdqQuality: 100, pdqDihedral: { rot90: hex(flipBits(base, 3, next)) }, blockhash: hex(randomCode(next)) }),
    ];
    const [c] = clusterItems(items, [], { signalTypes: SIGNAL_TYPES });
    expect(c.items).toEqual([0, 1]);
    // joined through a variant, the two are not a plain near-duplicate chain: drift is not measured between them
    expect(c.spread.find((sp) => sp.signal === 'pdq')!.maxDistance).toBe(0);
    expect(c.spread.find((sp) => sp.signal === 'blockhash')!.maxDistance).toBe(0);
    expect(largestDistance([base, rotatedPdq], [[], [flipBits(base, 3, rng(21))]]).distance).toBeLessThanOrEqual(31);
    expect(buildBundles([c], items, [])[0].flags).toEqual([]);
    // a third file chained in by blockhash alone, far from the first by PDQ: blockhash still measures that pair
    const farBlock = flipBits(block0, 40, next);
    const chained = [...items, item(2, { pdq: hex(randomCode(next)), pdqQuality: 100, pdqDihedral: { rot90: hex(randomCode(next)) }, blockhash: hex(farBlock) })];
    const spreadBlock = clusterItems(chained, [], { signalTypes: SIGNAL_TYPES, thresholds: { blockhash: 40 } })[0].spread.find((sp) => sp.signal === 'blockhash');
    expect(spreadBlock?.maxDistance).toBeGreaterThanOrEqual(40);
  });
});

describe('drift and transformed copies', () => {
  it('does not flag a cropped and a letterboxed copy of one picture, each joined to it through a region, as files far apart', () => {
    const next = rng(31);
    const picture = randomCode(next);
    const center90 = randomCode(next);
    const items = [
      item(0, { pdq: hex(picture), pdqQuality: 100, pdqRegions: { center90: hex(center90) } }),
      // cropped: its plain value is near the original's central 90%
      item(1, { pdq: hex(flipBits(center90, 4, next)), pdqQuality: 100 }),
      // letterboxed: its plain value is far (the bars), the content inside its borders is near the original
      item(2, { pdq: hex(randomCode(next)), pdqQuality: 100, pdqRegions: { content: hex(flipBits(picture, 5, next)) } }),
    ];
    const clusters = clusterItems(items, [], { signalTypes: SIGNAL_TYPES });
    expect(clusters.map((c) => c.items)).toEqual([[0, 1, 2]]);
    expect(buildBundles(clusters, items, [])[0].flags).toEqual([]);
    // a plain chain of the same length still is drift: 0 ~ 1 ~ 2 by plain values, 0 and 2 far apart
    const a = randomCode(next);
    const b = flipBits(a, 30, next);
    const c = b.slice();
    for (let bit = 0; hammingDistance(a, c) < 60; bit++) if (((a[bit >> 5] ^ b[bit >> 5]) & (1 << (bit & 31))) === 0 && hammingDistance(b, c) < 30) c[bit >> 5] ^= 1 << (bit & 31);
    const chain = [a, b, c].map((v, i) => item(i, { pdq: hex(v), pdqQuality: 100 }));
    const chained = clusterItems(chain, [], { signalTypes: SIGNAL_TYPES });
    expect(chained.map((g) => g.items)).toEqual([[0, 1, 2]]);
    expect(buildBundles(chained, chain, [])[0].flags.map((f) => f.flag)).toContain('perceptual_drift');
  });
});

describe('related bundles', () => {
  it('are listed both ways, and cut at RELATED_MAX with relatedTruncated when one report names very many pictures', () => {
    const next = rng(4);
    const n = RELATED_MAX + 5;
    const items = Array.from({ length: n }, (_, i) => item(i, { sha256: hex(randomCode(next)) }, ['BIG']));
    const reports = [report('BIG', 'https://example.com/dump')];
    const bundles = buildBundles(clusterItems(items, reports, { signalTypes: SIGNAL_TYPES }), items, reports);
    expect(bundles).toHaveLength(n);
    for (const b of bundles) {
      expect(b.related).toHaveLength(RELATED_MAX);
      expect(b.relatedTruncated).toBe(true);
      expect(b.related.every((r) => r.reportIds.join() === 'BIG' && r.urls.join() === 'https://example.com/dump')).toBe(true);
      expect(b.related.some((r) => r.id === b.id)).toBe(false);
    }
    const small = buildBundles(clusterItems(items.slice(0, 3), reports, { signalTypes: SIGNAL_TYPES }), items.slice(0, 3), reports);
    expect(small.map((b) => b.related.map((r) => r.id).sort())).toEqual([
      [small[1].id, small[2].id].sort(),
      [small[0].id, small[2].id].sort(),
      [small[0].id, small[1].id].sort(),
    ]);
    expect(small.every((b) => !b.relatedTruncated)).toBe(true);
  });
});
