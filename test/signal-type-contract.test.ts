/**
 * One contract that every entry of SIGNAL_TYPES must meet (in the spirit of python-threatexchange's
 * per-signal-type auto tests): hex parsing and formatting, the distance, the threshold, the value width,
 * for perceptual types a deterministic compute with quality and dihedral variants as declared, the
 * record's output fields, and known inputs giving known values. A type added to the registry runs all of
 * it, and fails until it has known examples in KNOWN_EXAMPLES.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getHashes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../bench/synthetic-images.js';
import { createDigester } from '../src/hashing/digests.js';
import { hashImageBytes } from '../src/hashing/hash-image.js';
import type { FileHashResult } from '../src/hashing/record.js';
import { hashRecordFromFields, hashRecordToFields, signalFieldNames } from '../src/hashing/record-fields.js';
import { perceptualTypesOf, SIGNAL_TYPES, signalTypeByName } from '../src/hashing/signals.js';
import {
  DIHEDRAL_NAMES,
  type DecodedImage,
  type PerceptualOptions,
  type PerceptualSignalType,
  type SignalName,
  type SignalType,
} from '../src/hashing/signal-type.js';
import { rawFixture, reference, seededBytes, type ReferenceRow } from './pdq-fixtures.js';

const IMAGES = path.resolve('fixtures/conformance/images');

/** A known input and the value (and quality) the type must give for it. */
interface KnownExample {
  /** A conformance image: its file bytes for digests, its raw pixels (fixtures/pixels) for perceptual types. */
  readonly input: string;
  readonly options?: PerceptualOptions;
  readonly value: string;
  readonly quality?: number;
}

/** Conformance images that have raw pixel fixtures. */
const PIXEL_FILES = ['plasma-c-64x64.png', 'rose-210x138.png', 'granite-128.png', 'gradient-400x300.png', 'text-600x220.png', 'checker-1024.png', 'logo-640x480.png'];
/** Images larger than 512 on a side, where PDQ's cli512 flavour differs from the full one. */
const CLI512_FILES = ['checker-1024.png', 'logo-640x480.png'];
const DIGEST_FILES = ['base-900x700.jpg', 'rose-210x138.png', 'animated-320x240.gif'];

const digestExamples = (column: (r: ReferenceRow) => string): KnownExample[] => DIGEST_FILES.map((f) => ({ input: f, value: column(reference(f)) }));

/** Known values per signal type, from fixtures/conformance/expected.tsv. */
const KNOWN_EXAMPLES: Readonly<Record<SignalName, readonly KnownExample[]>> = {
  md5: digestExamples((r) => r.md5),
  sha1: digestExamples((r) => r.sha1),
  sha256: digestExamples((r) => r.sha256),
  pdq: [
    ...PIXEL_FILES.map((f) => ({ input: f, value: reference(f).pdq, quality: reference(f).pdqQuality })),
    ...CLI512_FILES.map((f) => ({ input: f, options: { pdqFlavour: 'cli512' as const }, value: reference(f).pdqCli512, quality: reference(f).pdqCli512Quality })),
  ],
  blockhash: PIXEL_FILES.map((f) => ({ input: f, value: reference(f).blockhash16 })),
};

/** The decoded form of a conformance image's raw pixel fixture. */
function decodedFixture(file: string): DecodedImage {
  return { ...rawFixture(file), alpha: null, format: 'png' };
}

/** A small seeded RGB image with an alpha channel. */
function noiseWithAlpha(width: number, height: number): DecodedImage {
  return { width, height, channels: 3, pixels: seededBytes(width * height * 3, 7), alpha: seededBytes(width * height, 11), format: 'png' };
}

/** Perceptual inputs of different shapes: RGB, grey, alpha, and one too small to hash. */
const PERCEPTUAL_INPUTS: ReadonlyArray<[string, () => DecodedImage]> = [
  ['rose-210x138 (RGB)', () => decodedFixture('rose-210x138.png')],
  ['text-600x220 (grey)', () => decodedFixture('text-600x220.png')],
  ['noise 97×61 with alpha', () => noiseWithAlpha(97, 61)],
  ['noise 4×4', () => noiseWithAlpha(4, 4)],
];

function copyImage(image: DecodedImage): DecodedImage {
  return { ...image, pixels: image.pixels.slice(), alpha: image.alpha?.slice() ?? null };
}

/** The value of `type` for a known input, computed the way hashing computes it. */
function computeKnown(type: SignalType, example: KnownExample): { value: string; quality?: number } {
  if (type.source === 'bytes') {
    const digester = createDigester([type]);
    digester.update(readFileSync(path.join(IMAGES, example.input)));
    return { value: digester.finish().get(type.name)! };
  }
  const result = type.compute(decodedFixture(example.input), example.options ?? {});
  return { value: type.format(result.value), ...(result.quality !== undefined ? { quality: result.quality } : {}) };
}

function randomValue(type: SignalType, next: () => number): Uint32Array {
  const words = new Uint32Array(type.bits / 32);
  for (let i = 0; i < words.length; i++) words[i] = Math.floor(next() * 0x100000000) >>> 0;
  return words;
}

/** Number of differing bits, counted one bit at a time (independent of the code under test). */
function differingBits(a: Uint32Array, b: Uint32Array, bits: number): number {
  let n = 0;
  for (let i = 0; i < bits; i++) n += ((a[i >>> 5] ^ b[i >>> 5]) >>> (i & 31)) & 1;
  return n;
}

describe('the signal-type registry', () => {
  it('has unique names, each found by name', () => {
    const names = SIGNAL_TYPES.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const t of SIGNAL_TYPES) expect(signalTypeByName(t.name)).toBe(t);
  });

  it('has known examples for every signal type', () => {
    for (const t of SIGNAL_TYPES) expect(KNOWN_EXAMPLES[t.name]?.length ?? 0, t.name).toBeGreaterThan(0);
  });

  it('gives every signal type output field names of its own', () => {
    const fields = SIGNAL_TYPES.flatMap((t) => Object.values(signalFieldNames(t)).filter((f): f is string => f !== null));
    expect(new Set(fields).size).toBe(fields.length);
    for (const f of ['path', 'ok', 'bytes', 'format', 'width', 'height', 'error']) expect(fields).not.toContain(f);
  });
});

describe.each(SIGNAL_TYPES.map((t) => [t.name, t] as const))('signal type %s', (_name, type) => {
  const next = seededRandom(0x5eed + type.bits);
  const values = Array.from({ length: 40 }, () => randomValue(type, next));

  it('has an identifier for a name and a width that is a positive multiple of 32 bits', () => {
    // The name is an output field and a table suffix (hashes_<name>): lowercase, at most 32 characters.
    expect(type.name).toMatch(/^[a-z][a-z0-9_]{0,31}$/);
    expect(Number.isInteger(type.bits) && type.bits > 0 && type.bits % 32 === 0).toBe(true);
  });

  it('formats lowercase hex of bits/4 digits and parses it back, from either case', () => {
    for (const v of values) {
      const hex = type.format(v);
      expect(hex).toMatch(new RegExp(`^[0-9a-f]{${type.bits / 4}}$`));
      expect(type.parse(hex)).toEqual(v);
      expect(type.parse(hex.toUpperCase())).toEqual(v);
      expect(type.format(type.parse(hex.toUpperCase())!)).toBe(hex);
    }
    expect(type.format(new Uint32Array(type.bits / 32))).toBe('0'.repeat(type.bits / 4));
  });

  it('refuses text of the wrong length, non-hex text and empty text', () => {
    const hex = type.format(values[0]);
    for (const bad of ['', hex.slice(1), `${hex}0`, `g${hex.slice(1)}`, ` ${hex.slice(1)}`, `0x${hex.slice(2)}`, `${hex.slice(0, -1)}-`]) {
      expect(type.parse(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('measures distance as the number of differing bits: 0 to itself, symmetric, within the triangle inequality', () => {
    for (let i = 0; i + 2 < values.length; i++) {
      const [a, b, c] = [values[i], values[i + 1], values[i + 2]];
      expect(type.distance(a, a)).toBe(0);
      expect(type.distance(a, b)).toBe(type.distance(b, a));
      expect(type.distance(a, b)).toBe(differingBits(a, b, type.bits));
      expect(type.distance(a, c)).toBeLessThanOrEqual(type.distance(a, b) + type.distance(b, c));
    }
    const ones = new Uint32Array(type.bits / 32).fill(0xffffffff);
    expect(type.distance(new Uint32Array(type.bits / 32), ones)).toBe(type.bits);
  });

  it('has a default threshold that fits its comparison', () => {
    expect(Number.isInteger(type.defaultThreshold)).toBe(true);
    if (type.comparison === 'exact') expect(type.defaultThreshold).toBe(0);
    else {
      expect(type.comparison).toBe('hamming');
      expect(type.defaultThreshold).toBeGreaterThanOrEqual(0);
      expect(type.defaultThreshold).toBeLessThanOrEqual(type.bits);
    }
  });

  it('gives the known values for known inputs', () => {
    for (const example of KNOWN_EXAMPLES[type.name] ?? []) {
      const got = computeKnown(type, example);
      expect([example.input, example.options?.pdqFlavour, got.value]).toEqual([example.input, example.options?.pdqFlavour, example.value]);
      if (example.quality !== undefined) expect([example.input, got.quality]).toEqual([example.input, example.quality]);
      expect(type.parse(got.value), 'a known value parses').not.toBeNull();
    }
  });

  it('survives the trip through the output fields of a hashing record', () => {
    const value = type.format(values[1]);
    const perceptual = type.source === 'pixels' ? type : null;
    const variants = perceptual?.supportsDihedral ? Object.fromEntries(DIHEDRAL_NAMES.map((n, i) => [n, type.format(values[2 + i])])) : undefined;
    const record: FileHashResult = {
      path: 'x.png',
      ok: true,
      bytes: 1,
      format: 'png',
      width: 1,
      height: 1,
      signals: { [type.name]: { value, ...(perceptual?.hasQuality ? { quality: 73 } : {}), ...(variants ? { variants } : {}) } },
    };
    const fields = JSON.parse(JSON.stringify(hashRecordToFields(record))) as Record<string, unknown>;
    expect(fields[signalFieldNames(type).value]).toBe(value);
    expect(hashRecordFromFields(fields)).toEqual(record);
  });

  if (type.source === 'bytes') {
    it('names a hash algorithm node:crypto has, whose digest is bits wide', () => {
      expect(getHashes()).toContain(type.cryptoAlgorithm);
      const digester = createDigester([type]);
      digester.update(seededBytes(1000, 3));
      const hex = digester.finish().get(type.name)!;
      expect(hex).toHaveLength(type.bits / 4);
      expect(type.format(type.parse(hex)!)).toBe(hex);
    });
  } else {
    const p: PerceptualSignalType = type;

    it('declares a quality bar in 0..100, and 0 when it has no quality', () => {
      expect(p.minMatchQuality).toBeGreaterThanOrEqual(0);
      expect(p.minMatchQuality).toBeLessThanOrEqual(100);
      if (!p.hasQuality) expect(p.minMatchQuality).toBe(0);
    });

    it.each(PERCEPTUAL_INPUTS)('computes %s deterministically, bits wide, without touching the image', (_label, make) => {
      const image = make();
      const before = copyImage(image);
      const first = p.compute(image, {});
      const again = p.compute(copyImage(image), {});
      expect(image).toEqual(before);
      expect(first).toEqual(again);
      expect(first.value).toBeInstanceOf(Uint32Array);
      expect(first.value.length * 32).toBe(p.bits);
      if (p.hasQuality) {
        expect(Number.isInteger(first.quality)).toBe(true);
        expect(first.quality).toBeGreaterThanOrEqual(0);
        expect(first.quality).toBeLessThanOrEqual(100);
      } else expect(first.quality).toBeUndefined();
    });

    it.each(PERCEPTUAL_INPUTS)('gives dihedral variants of %s only when it supports them and they are asked for', (_label, make) => {
      const image = make();
      const plain = p.compute(image, { dihedral: false });
      const withVariants = p.compute(image, { dihedral: true });
      expect(plain.dihedral).toBeUndefined();
      expect(withVariants.value).toEqual(plain.value);
      expect(withVariants.quality).toEqual(plain.quality);
      if (!p.supportsDihedral) {
        expect(withVariants.dihedral).toBeUndefined();
        return;
      }
      expect(Object.keys(withVariants.dihedral ?? {})).toEqual([...DIHEDRAL_NAMES]);
      for (const name of DIHEDRAL_NAMES) expect(withVariants.dihedral![name].length * 32).toBe(p.bits);
    });
  }
});

describe('hashing an image', () => {
  const perceptual = perceptualTypesOf(SIGNAL_TYPES);
  const bytes = readFileSync(path.join(IMAGES, 'rose-210x138.png'));

  it.each([false, true])('records each perceptual type, with quality and variants as the type declares (dihedral %s)', async (dihedral) => {
    const outcome = await hashImageBytes(new Uint8Array(bytes), { perceptual: perceptual.map((t) => t.name), pdqFlavour: 'full', dihedral, maxPixels: 1e8 });
    if (!outcome.ok) throw new Error(outcome.error.message);
    expect(Object.keys(outcome.signals).sort()).toEqual(perceptual.map((t) => t.name).sort());
    for (const t of perceptual) {
      const s = outcome.signals[t.name]!;
      expect([t.name, t.parse(s.value) !== null]).toEqual([t.name, true]);
      expect([t.name, s.quality !== undefined]).toEqual([t.name, t.hasQuality]);
      expect([t.name, s.variants !== undefined]).toEqual([t.name, dihedral && t.supportsDihedral]);
      if (s.variants) expect(Object.keys(s.variants)).toEqual([...DIHEDRAL_NAMES]);
    }
  });
});
