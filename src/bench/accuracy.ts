/**
 * The accuracy benchmark: how often a transformed copy of a picture is still found, per matching method
 * and transform, and at which distances distinct pictures collide. Originals come from a folder; the
 * copies are made here with sharp (deterministic settings), encoded to files in memory and hashed through
 * the same decode as `hash` and `scan`. Each original belongs to the development part or to the held-out
 * part by a hash of its name; thresholds are chosen on the development part and checked on the other.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { hammingDistance } from '../hashing/bits.js';
import { blockhashFromImage, blockhashSignalType } from '../hashing/blockhash.js';
import { decodeImage } from '../hashing/decode.js';
import { pdqDihedralFromDct, pdqFrom64, pdqSignalType } from '../hashing/pdq.js';
import { pdqContentVariant, pdqCropVariants, pdqDownsampled } from '../hashing/pdq-regions.js';
import type { DecodedImage } from '../hashing/signal-type.js';

/** A transform applied to an original: a name and the sharp pipeline that makes the copy's file. */
export interface Transform {
  readonly name: string;
  readonly label: string;
  make(input: Buffer, width: number, height: number, index: number): Promise<Buffer>;
}

const BLACK = { r: 0, g: 0, b: 0 };

/** A semi-opaque white band over the bottom 10% of the picture with dark blocks standing for text (no fonts needed). */
function watermarkSvg(w: number, h: number): Buffer {
  const band = Math.max(1, Math.round(h * 0.1));
  const y = h - band;
  const blocks: string[] = [];
  const bw = Math.max(2, Math.round(w / 40));
  for (let i = 0; i < 14; i++) {
    const x = Math.round(w * 0.08 + i * bw * 1.6);
    const bh = Math.round(band * (i % 3 === 0 ? 0.6 : 0.45));
    blocks.push(`<rect x="${x}" y="${y + Math.round((band - bh) / 2)}" width="${bw}" height="${bh}" fill="#202020"/>`);
  }
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect x="0" y="${y}" width="${w}" height="${band}" fill="#ffffff" fill-opacity="0.75"/>${blocks.join('')}</svg>`);
}

/** The transforms, in report order. Every one is deterministic for a given input. */
export const TRANSFORMS: readonly Transform[] = [
  { name: 'jpeg40', label: 'JPEG q40', make: (b) => sharp(b).jpeg({ quality: 40 }).toBuffer() },
  { name: 'resize50', label: 'resize 50%', make: (b, w) => sharp(b).resize(Math.max(1, Math.round(w / 2))).png().toBuffer() },
  { name: 'blur', label: 'blur (σ 2)', make: (b) => sharp(b).blur(2).png().toBuffer() },
  { name: 'webp', label: 'WebP q75', make: (b) => sharp(b).webp({ quality: 75 }).toBuffer() },
  { name: 'gif', label: 'GIF palette', make: (b) => sharp(b).gif().toBuffer() },
  { name: 'watermark', label: 'watermark band 10%', make: (b, w, h) => sharp(b).composite([{ input: watermarkSvg(w, h), top: 0, left: 0 }]).png().toBuffer() },
  {
    name: 'letterbox',
    label: 'letterbox 10% top+bottom',
    make: (b, _w, h) => sharp(b).extend({ top: Math.round(h * 0.1), bottom: Math.round(h * 0.1), background: BLACK }).jpeg({ quality: 90 }).toBuffer(),
  },
  {
    name: 'pillarbox',
    label: 'pillarbox 10% left+right',
    make: (b, w) => sharp(b).extend({ left: Math.round(w * 0.1), right: Math.round(w * 0.1), background: BLACK }).jpeg({ quality: 90 }).toBuffer(),
  },
  {
    name: 'crop5',
    label: 'crop 5% each side',
    make: (b, w, h) => {
      const dx = Math.round(w * 0.05);
      const dy = Math.round(h * 0.05);
      return sharp(b).extract({ left: dx, top: dy, width: w - 2 * dx, height: h - 2 * dy }).png().toBuffer();
    },
  },
  {
    name: 'crop10side',
    label: 'crop 10% one side',
    make: (b, w, h, i) => {
      const dx = Math.round(w * 0.1);
      const dy = Math.round(h * 0.1);
      const side = i % 4; // each picture loses a different side, in turn
      const region = [
        { left: dx, top: 0, width: w - dx, height: h },
        { left: 0, top: 0, width: w - dx, height: h },
        { left: 0, top: dy, width: w, height: h - dy },
        { left: 0, top: 0, width: w, height: h - dy },
      ][side];
      return sharp(b).extract(region).png().toBuffer();
    },
  },
  { name: 'rot90', label: 'rotate 90°', make: (b) => sharp(b).rotate(90).png().toBuffer() },
  { name: 'rot180', label: 'rotate 180°', make: (b) => sharp(b).rotate(180).png().toBuffer() },
  { name: 'mirror', label: 'mirror', make: (b) => sharp(b).flop().png().toBuffer() },
  { name: 'rot3', label: 'rotate 3°', make: (b) => sharp(b).rotate(3, { background: BLACK }).png().toBuffer() },
];

/** What is computed for one image (original or copy). */
export interface Features {
  readonly pdq: Uint32Array;
  readonly quality: number;
  readonly dihedral: readonly Uint32Array[];
  /** PDQ of the content inside uniform borders, when it has borders (and the content's quality is enough). */
  readonly content: Uint32Array | null;
  readonly crops: readonly Uint32Array[];
  readonly blockhash: Uint32Array;
}

/** CPU microseconds spent per technique, summed over images. */
export interface CpuTally {
  decode: number;
  pdq: number;
  dihedral: number;
  content: number;
  crops: number;
  blockhash: number;
  images: number;
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Every feature of one decoded image, with the CPU time of each technique added to `tally`. */
export function featuresOf(image: DecodedImage, tally: CpuTally): Features {
  let t = cpuMicros();
  const lap = (key: Exclude<keyof CpuTally, 'images'>) => {
    const now = cpuMicros();
    tally[key] += now - t;
    t = now;
  };
  const d = pdqDownsampled(image);
  const core = d === null ? null : pdqFrom64(d);
  lap('pdq');
  const dihedral = core === null ? [] : Object.values(pdqDihedralFromDct(core.dct));
  lap('dihedral');
  const content = pdqContentVariant(image, pdqFrom64);
  lap('content');
  const crops = d === null ? [] : Object.values(pdqCropVariants(d, pdqFrom64));
  lap('crops');
  const blockhash = blockhashFromImage(image).value;
  lap('blockhash');
  tally.images++;
  return {
    pdq: core?.hash ?? new Uint32Array(8),
    quality: core?.quality ?? 0,
    dihedral,
    content: content !== null && content.quality >= pdqSignalType.minMatchQuality ? content.hash : null,
    crops,
    blockhash,
  };
}

/** A matching method: the distance it sees between a query image and a stored original (Infinity: never matches). */
export interface Method {
  readonly name: string;
  readonly label: string;
  /** Which signal's default threshold applies. */
  readonly signal: 'pdq' | 'blockhash';
  /** 'list' methods use only the query's own variants (they work against hash lists); 'batch' ones need both pictures. */
  readonly scope: 'list' | 'batch';
  distance(query: Features, original: Features): number;
}

const MIN_QUALITY = pdqSignalType.minMatchQuality;

/** The smaller of `best` and the distance between the same crop region of both pictures (for each region both have). */
function sameRegionDistance(q: Features, o: Features, best: number): number {
  const n = Math.min(q.crops.length, o.crops.length);
  for (let i = 0; i < n; i++) best = Math.min(best, hammingDistance(q.crops[i], o.crops[i]));
  return best;
}

function minTo(target: Uint32Array, values: readonly (Uint32Array | null)[], best: number): number {
  for (const v of values) if (v !== null) best = Math.min(best, hammingDistance(v, target));
  return best;
}

function pdqGate(q: Features, o: Features, f: (q: Features, o: Features) => number): number {
  return q.quality < MIN_QUALITY || o.quality < MIN_QUALITY ? Infinity : f(q, o);
}

/** The methods compared, in report order: the existing ones first, then the variants and their combinations. */
export const METHODS: readonly Method[] = [
  { name: 'pdq', label: 'PDQ', signal: 'pdq', scope: 'list', distance: (q, o) => pdqGate(q, o, () => hammingDistance(q.pdq, o.pdq)) },
  { name: 'pdq-dihedral', label: 'PDQ + dihedral', signal: 'pdq', scope: 'list', distance: (q, o) => pdqGate(q, o, () => minTo(o.pdq, q.dihedral, hammingDistance(q.pdq, o.pdq))) },
  { name: 'blockhash', label: 'blockhash', signal: 'blockhash', scope: 'list', distance: (q, o) => hammingDistance(q.blockhash, o.blockhash) },
  { name: 'pdq-content', label: 'PDQ + content (unletterboxed)', signal: 'pdq', scope: 'list', distance: (q, o) => pdqGate(q, o, () => minTo(o.pdq, [q.content], hammingDistance(q.pdq, o.pdq))) },
  {
    name: 'pdq-crops',
    label: 'PDQ + crop regions (batch)',
    signal: 'pdq',
    scope: 'batch',
    distance: (q, o) => pdqGate(q, o, () => minTo(q.pdq, o.crops, minTo(o.pdq, q.crops, hammingDistance(q.pdq, o.pdq)))),
  },
  {
    // The same crop region of both pictures, e.g. both without their bottom 10%: what a band added over
    // one of them needs (src/pipeline/region-pairs.ts).
    name: 'pdq-same-region',
    label: 'PDQ + same region of both (batch)',
    signal: 'pdq',
    scope: 'batch',
    distance: (q, o) =>
      pdqGate(q, o, () => sameRegionDistance(q, o, hammingDistance(q.pdq, o.pdq))),
  },
  {
    name: 'pdq-list-all',
    label: 'PDQ + dihedral + content (lists)',
    signal: 'pdq',
    scope: 'list',
    distance: (q, o) => pdqGate(q, o, () => minTo(o.pdq, [...q.dihedral, q.content], hammingDistance(q.pdq, o.pdq))),
  },
  {
    name: 'pdq-batch-all',
    label: 'PDQ + all variants (batch)',
    signal: 'pdq',
    scope: 'batch',
    distance: (q, o) =>
      pdqGate(q, o, () => {
        let best = minTo(o.pdq, [...q.dihedral, q.content, ...q.crops], hammingDistance(q.pdq, o.pdq));
        best = minTo(q.pdq, [...o.dihedral, o.content, ...o.crops], best);
        return sameRegionDistance(q, o, best);
      }),
  },
];

/** One picture of the corpus with its features and those of its copies (by transform name). */
export interface Picture {
  readonly name: string;
  readonly part: 'development' | 'held-out';
  readonly original: Features;
  readonly copies: ReadonlyMap<string, Features>;
}

/** Share of names (by SHA-256 of the name) kept out of tuning. */
const HELD_OUT_SHARE = 1 / 3;

/** The part a picture belongs to: a fixed function of its name, so the split never depends on the folder's contents. */
export function partOf(name: string): Picture['part'] {
  const h = createHash('sha256').update(name).digest();
  return h.readUInt32BE(0) / 2 ** 32 < HELD_OUT_SHARE ? 'held-out' : 'development';
}

/** Hashes one original and its copies. Returns null (with the reason) when the original cannot be decoded or is too flat for PDQ. */
export async function preparePicture(
  name: string,
  file: string,
  transforms: readonly Transform[],
  index: number,
  tally: CpuTally,
): Promise<{ picture: Picture } | { skipped: string }> {
  const bytes = readFileSync(file);
  let image: DecodedImage;
  try {
    image = await decodeImage(bytes);
  } catch (err) {
    return { skipped: `${name}: ${(err as Error).message}` };
  }
  const original = featuresOf(image, tally);
  if (original.quality < MIN_QUALITY) return { skipped: `${name}: PDQ quality ${original.quality} (below ${MIN_QUALITY}, never matched)` };
  // Copies are made from a plain 8-bit RGB PNG of the decoded pixels, so every transform starts from what was hashed.
  const base = await sharp(Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength), {
    raw: { width: image.width, height: image.height, channels: image.channels },
  })
    .png({ compressionLevel: 1 })
    .toBuffer();
  const copies = new Map<string, Features>();
  for (const t of transforms) {
    const file = await t.make(base, image.width, image.height, index);
    const start = cpuMicros();
    const decoded = await decodeImage(file);
    tally.decode += cpuMicros() - start;
    copies.set(t.name, featuresOf(decoded, tally));
  }
  return { picture: { name, part: partOf(name), original, copies } };
}

/** Distances of one method between distinct pictures: every image of A (original and copies) against B's original, A ≠ B. */
export function distinctDistances(method: Method, pictures: readonly Picture[]): { distances: Float64Array; closest: { a: string; b: string; via: string; distance: number } | null } {
  const out: number[] = [];
  let closest: { a: string; b: string; via: string; distance: number } | null = null;
  for (const a of pictures) {
    const images: Array<[string, Features]> = [['original', a.original], ...a.copies];
    for (const b of pictures) {
      if (a === b) continue;
      for (const [via, f] of images) {
        const d = method.distance(f, b.original);
        if (!Number.isFinite(d)) continue;
        out.push(d);
        if (closest === null || d < closest.distance) closest = { a: a.name, b: b.name, via, distance: d };
      }
    }
  }
  return { distances: Float64Array.from(out).sort(), closest };
}

function quantile(sorted: Float64Array, q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Distribution of distances between distinct pictures. */
export interface DistanceSummary {
  readonly pairs: number;
  readonly min: number | null;
  readonly p001: number | null;
  readonly p01: number | null;
  readonly p05: number | null;
  readonly median: number | null;
  /** Pairs at or under the default threshold (false matches at the default). */
  readonly atDefault: number;
  readonly closest: { a: string; b: string; via: string; distance: number } | null;
}

/** Results for one part of the corpus. */
export interface PartResult {
  readonly part: Picture['part'];
  readonly pictures: number;
  /** Per method: the distinct-picture distances, the zero-false-match threshold used, recall per transform. */
  readonly methods: Record<
    string,
    {
      readonly distinct: DistanceSummary;
      /** Largest threshold with no false match, from the development part (applied to both parts). */
      readonly zeroFalseThreshold: number;
      /** False matches in this part at zeroFalseThreshold (0 on the development part by construction). */
      readonly falseAtZeroThreshold: number;
      readonly defaultThreshold: number;
      readonly recallAtZero: Record<string, number>;
      readonly recallAtDefault: Record<string, number>;
    }
  >;
  /** PDQ (all batch variants) or blockhash, each at its zero-false threshold / at the defaults. */
  readonly combined: {
    readonly label: string;
    readonly recallAtZero: Record<string, number>;
    readonly recallAtDefault: Record<string, number>;
    readonly falseAtZero: number;
    readonly falseAtDefault: number;
  };
}

function recall(pictures: readonly Picture[], transform: string, match: (q: Features, o: Features) => boolean): number {
  if (pictures.length === 0) return 0;
  let hits = 0;
  for (const p of pictures) {
    const copy = p.copies.get(transform);
    if (copy !== undefined && match(copy, p.original)) hits++;
  }
  return hits / pictures.length;
}

function countPairs(pictures: readonly Picture[], match: (q: Features, o: Features) => boolean): number {
  let n = 0;
  for (const a of pictures) {
    const images = [a.original, ...a.copies.values()];
    for (const b of pictures) if (a !== b) for (const f of images) if (match(f, b.original)) n++;
  }
  return n;
}

function defaultOf(method: Method): number {
  return method.signal === 'pdq' ? pdqSignalType.defaultThreshold : blockhashSignalType.defaultThreshold;
}

/** Evaluates every method on both parts; thresholds come from the development part. */
export function evaluate(pictures: readonly Picture[], transforms: readonly Transform[]): PartResult[] {
  const parts: Array<Picture['part']> = ['development', 'held-out'];
  const byPart = new Map(parts.map((p) => [p, pictures.filter((x) => x.part === p)]));
  const summaries = new Map<string, { distinct: DistanceSummary; sorted: Float64Array }>();
  const summaryOf = (method: Method, part: Picture['part']) => {
    const key = `${method.name}/${part}`;
    let s = summaries.get(key);
    if (s === undefined) {
      const { distances, closest } = distinctDistances(method, byPart.get(part)!);
      const def = defaultOf(method);
      let atDefault = 0;
      for (const d of distances) if (d <= def) atDefault++;
      s = {
        sorted: distances,
        distinct: {
          pairs: distances.length,
          min: quantile(distances, 0),
          p001: quantile(distances, 0.001),
          p01: quantile(distances, 0.01),
          p05: quantile(distances, 0.05),
          median: quantile(distances, 0.5),
          atDefault,
          closest,
        },
      };
      summaries.set(key, s);
    }
    return s;
  };
  const zero = new Map<string, number>();
  for (const m of METHODS) {
    const min = summaryOf(m, 'development').distinct.min;
    zero.set(m.name, min === null ? defaultOf(m) : min - 1);
  }
  const batchAll = METHODS.find((m) => m.name === 'pdq-batch-all')!;
  const blockhash = METHODS.find((m) => m.name === 'blockhash')!;
  return parts.map((part) => {
    const ps = byPart.get(part)!;
    const methods: PartResult['methods'] = {};
    for (const m of METHODS) {
      const t0 = zero.get(m.name)!;
      const def = defaultOf(m);
      let falseAt = 0;
      for (const d of summaryOf(m, part).sorted) if (d <= t0) falseAt++;
      methods[m.name] = {
        distinct: summaryOf(m, part).distinct,
        zeroFalseThreshold: t0,
        falseAtZeroThreshold: falseAt,
        defaultThreshold: def,
        recallAtZero: Object.fromEntries(transforms.map((t) => [t.name, recall(ps, t.name, (q, o) => m.distance(q, o) <= t0)])),
        recallAtDefault: Object.fromEntries(transforms.map((t) => [t.name, recall(ps, t.name, (q, o) => m.distance(q, o) <= def)])),
      };
    }
    const tp = zero.get(batchAll.name)!;
    const tb = zero.get(blockhash.name)!;
    const atZero = (q: Features, o: Features) => batchAll.distance(q, o) <= tp || blockhash.distance(q, o) <= tb;
    const atDefault = (q: Features, o: Features) => batchAll.distance(q, o) <= defaultOf(batchAll) || blockhash.distance(q, o) <= defaultOf(blockhash);
    return {
      part,
      pictures: ps.length,
      methods,
      combined: {
        label: 'PDQ all variants or blockhash',
        recallAtZero: Object.fromEntries(transforms.map((t) => [t.name, recall(ps, t.name, atZero)])),
        recallAtDefault: Object.fromEntries(transforms.map((t) => [t.name, recall(ps, t.name, atDefault)])),
        falseAtZero: countPairs(ps, atZero),
        falseAtDefault: countPairs(ps, atDefault),
      },
    };
  });
}

/** The originals of a folder (images by extension, sorted by name), named by their file name. */
export function listOriginals(dir: string, files: readonly string[]): Array<{ name: string; file: string }> {
  return files
    .filter((f) => /\.(jpe?g|png|webp|gif|tiff?)$/i.test(f))
    .sort()
    .map((f) => ({ name: f, file: path.join(dir, f) }));
}

const pct = (v: number) => `${Math.round(v * 100)}%`;

/** Markdown tables of the results: per part, recall at the zero-false thresholds and at the defaults, then the distance summaries. */
export function accuracyMarkdown(results: readonly PartResult[], transforms: readonly Transform[]): string {
  const lines: string[] = [];
  const row = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  for (const r of results) {
    for (const kind of ['zero', 'default'] as const) {
      lines.push('', `**${r.part}** (${r.pictures} pictures): recall ${kind === 'zero' ? 'at the largest threshold with no false match on the development part (threshold in the header)' : 'at the default thresholds (PDQ 31, blockhash 12)'}`, '');
      const heads = METHODS.map((m) => `${m.label} ${kind === 'zero' ? `≤${r.methods[m.name].zeroFalseThreshold}` : `≤${r.methods[m.name].defaultThreshold}`}`);
      lines.push(row(['transform', ...heads, r.combined.label]));
      lines.push(row(['---', ...heads.map(() => '---:'), '---:']));
      for (const t of transforms) {
        lines.push(
          row([
            t.label,
            ...METHODS.map((m) => pct((kind === 'zero' ? r.methods[m.name].recallAtZero : r.methods[m.name].recallAtDefault)[t.name])),
            pct((kind === 'zero' ? r.combined.recallAtZero : r.combined.recallAtDefault)[t.name]),
          ]),
        );
      }
      lines.push(
        row([
          '_false matches between distinct pictures_',
          ...METHODS.map((m) => String(kind === 'zero' ? r.methods[m.name].falseAtZeroThreshold : r.methods[m.name].distinct.atDefault)),
          String(kind === 'zero' ? r.combined.falseAtZero : r.combined.falseAtDefault),
        ]),
      );
    }
    lines.push('', `**${r.part}**: distances between distinct pictures (every image of one picture against another's original)`, '');
    lines.push(row(['method', 'pairs', 'min', '0.1%', '1%', '5%', 'median', 'closest pair']));
    lines.push(row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---']));
    for (const m of METHODS) {
      const d = r.methods[m.name].distinct;
      const c = d.closest === null ? '' : `${d.closest.a} (${d.closest.via}) ~ ${d.closest.b}`;
      lines.push(row([m.label, d.pairs, d.min ?? '', d.p001 ?? '', d.p01 ?? '', d.p05 ?? '', d.median ?? '', c]));
    }
  }
  return lines.join('\n') + '\n';
}

const COLOURS = ['#4e79a7', '#76b7b2', '#e15759', '#f28e2b', '#59a14f', '#bab0ac', '#edc948', '#b07aa1', '#9c755f'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A grouped bar chart (hand-written SVG): recall at the default thresholds per transform and method, one panel per part. */
export function accuracySvg(results: readonly PartResult[], transforms: readonly Transform[]): string {
  const series = [...METHODS.map((m) => ({ label: m.label, of: (r: PartResult) => r.methods[m.name].recallAtDefault })), { label: results[0]?.combined.label ?? '', of: (r: PartResult) => r.combined.recallAtDefault }];
  const groupW = 8 * series.length + 14;
  const left = 40;
  const panelH = 200;
  const top = 30;
  const gap = 95;
  const width = left + groupW * transforms.length + 10;
  const legendH = 16 * Math.ceil(series.length / 3) + 10;
  const height = top + results.length * (panelH + gap) + legendH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="10">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${left}" y="16" font-size="12">Recall of transformed copies at the default thresholds (PDQ ≤ 31, blockhash ≤ 12)</text>`);
  results.forEach((r, pi) => {
    const y0 = top + pi * (panelH + gap);
    parts.push(`<text x="${left}" y="${y0 + 6}" font-size="11" font-weight="bold">${escapeXml(`${r.part} (${r.pictures} pictures)`)}</text>`);
    for (const v of [0, 0.5, 1]) {
      const y = y0 + 12 + (1 - v) * (panelH - 12);
      parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y}" y2="${y}" stroke="#cccccc"/><text x="${left - 4}" y="${y + 3}" text-anchor="end">${v * 100}%</text>`);
    }
    transforms.forEach((t, ti) => {
      const gx = left + ti * groupW + 7;
      series.forEach((s, si) => {
        const v = s.of(r)[t.name] ?? 0;
        const h = v * (panelH - 12);
        parts.push(`<rect x="${gx + si * 8}" y="${(y0 + panelH - h).toFixed(1)}" width="7" height="${h.toFixed(1)}" fill="${COLOURS[si % COLOURS.length]}"/>`);
      });
      const lx = gx + (series.length * 8) / 2;
      parts.push(`<text transform="translate(${lx},${y0 + panelH + 8}) rotate(40)" font-size="9">${escapeXml(t.label)}</text>`);
    });
  });
  const ly = top + results.length * (panelH + gap);
  series.forEach((s, si) => {
    const x = left + (si % 3) * 230;
    const y = ly + Math.floor(si / 3) * 16;
    parts.push(`<rect x="${x}" y="${y}" width="10" height="10" fill="${COLOURS[si % COLOURS.length]}"/><text x="${x + 14}" y="${y + 9}">${escapeXml(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** Everything one accuracy run produces. */
export interface AccuracyReport {
  readonly originals: ReadonlyArray<{ readonly name: string; readonly part: Picture['part'] }>;
  readonly skipped: readonly string[];
  readonly transforms: ReadonlyArray<{ readonly name: string; readonly label: string }>;
  /** CPU milliseconds per image of each technique (and of decoding a copy), and their ratio to PDQ's. */
  readonly cpu: { readonly images: number; readonly msPerImage: Record<Exclude<keyof CpuTally, 'images'>, number>; readonly overPdq: Record<Exclude<keyof CpuTally, 'images'>, number> };
  readonly results: PartResult[];
}

/**
 * Hashes every original and its copies, then evaluates every method (see evaluate). Originals that cannot
 * be decoded or are too flat for PDQ are listed in `skipped`; `onProgress` is called after each original.
 */
export async function runAccuracy(originals: ReadonlyArray<{ name: string; file: string }>, onProgress?: (done: number, total: number) => void): Promise<AccuracyReport> {
  const tally: CpuTally = { decode: 0, pdq: 0, dihedral: 0, content: 0, crops: 0, blockhash: 0, images: 0 };
  const pictures: Picture[] = [];
  const skipped: string[] = [];
  for (const [i, o] of originals.entries()) {
    const r = await preparePicture(o.name, o.file, TRANSFORMS, i, tally);
    if ('skipped' in r) skipped.push(r.skipped);
    else pictures.push(r.picture);
    onProgress?.(i + 1, originals.length);
  }
  const keys = ['pdq', 'dihedral', 'content', 'crops', 'blockhash', 'decode'] as const;
  const per = (k: (typeof keys)[number]) => Math.round((tally[k] / 1000 / Math.max(1, tally.images)) * 100) / 100;
  return {
    originals: pictures.map((p) => ({ name: p.name, part: p.part })),
    skipped,
    transforms: TRANSFORMS.map((t) => ({ name: t.name, label: t.label })),
    cpu: {
      images: tally.images,
      msPerImage: Object.fromEntries(keys.map((k) => [k, per(k)])) as AccuracyReport['cpu']['msPerImage'],
      overPdq: Object.fromEntries(keys.map((k) => [k, Math.round((tally[k] / Math.max(1, tally.pdq)) * 100) / 100])) as AccuracyReport['cpu']['overPdq'],
    },
    results: pictures.length === 0 ? [] : evaluate(pictures, TRANSFORMS),
  };
}

/** The report as Markdown: the recall and distance tables, then the CPU cost of each technique. */
export function accuracyReportMarkdown(report: AccuracyReport): string {
  const keys = ['pdq', 'dihedral', 'content', 'crops', 'blockhash', 'decode'] as const;
  const cost = [
    '| technique | CPU ms per image | × PDQ |',
    '|---|---:|---:|',
    ...keys.map((k) => `| ${k} | ${report.cpu.msPerImage[k]} | ${report.cpu.overPdq[k]} |`),
  ].join('\n');
  return [
    accuracyMarkdown(report.results, TRANSFORMS),
    report.skipped.length > 0 ? `Skipped: ${report.skipped.join('; ')}.\n` : '',
    `CPU time per image (${report.cpu.images} images hashed, same run; \`content\` and \`crops\` are the region variants, \`decode\` is a copy's decode):`,
    '',
    cost,
    '',
  ].join('\n');
}
