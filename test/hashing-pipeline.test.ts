/**
 * The file-hashing pipeline: one read per file, digests for every file type, perceptual hashes for images,
 * the same results on worker threads as inline, and results delivered in input order whatever the timing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockhashSignalType } from '../src/hashing/blockhash.js';
import { digestFile, DIGEST_SIGNAL_TYPES } from '../src/hashing/digests.js';
import { hashFile, hashFiles } from '../src/hashing/hash-file.js';
import type { FileHashResult } from '../src/hashing/record.js';
import { parseAlgorithmList, SIGNAL_TYPES, signalTypeByName } from '../src/hashing/signals.js';

const IMAGES = path.resolve('fixtures/conformance/images');

describe('hashing pipeline', () => {
  let dir: string;
  const files: string[] = [];

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-pipeline-'));
    // Big images first and small files last, so later inputs tend to finish before earlier ones.
    for (const name of ['plasma-d-2000x1200.jpg', 'wide-3000x120.jpg', 'plasma-b-1024x768.png', 'deep16-500x400.png', 'tiny-4x4.png']) {
      copyFileSync(path.join(IMAGES, name), path.join(dir, name));
      files.push(path.join(dir, name));
    }
    writeFileSync(path.join(dir, 'clip.mp4'), randomBytes(3 * 1024 * 1024 + 17));
    writeFileSync(path.join(dir, 'renamed-png.bin'), readFileSync(path.join(IMAGES, 'granite-128.png')));
    writeFileSync(path.join(dir, 'readme.txt'), 'hello\n');
    files.push(path.join(dir, 'clip.mp4'), path.join(dir, 'renamed-png.bin'), path.join(dir, 'readme.txt'), path.join(dir, 'gone.png'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('streams digests of a multi-chunk file equal to hashing its whole content', async () => {
    const clip = path.join(dir, 'clip.mp4');
    const content = readFileSync(clip);
    const chunkSizes: number[] = [];
    const { bytes, digests } = await digestFile(clip, DIGEST_SIGNAL_TYPES, (c) => chunkSizes.push(c.length));
    expect(bytes).toBe(content.length);
    expect(chunkSizes.length).toBeGreaterThan(1);
    for (const t of DIGEST_SIGNAL_TYPES) expect(digests.get(t.name)).toBe(createHash(t.cryptoAlgorithm).update(content).digest('hex'));
  });

  it('gives a non-image file its digests with format null, and decodes an image whatever its name', async () => {
    const clip = await hashFile(path.join(dir, 'clip.mp4'));
    expect(clip).toMatchObject({ ok: true, format: null, width: null, height: null });
    expect(clip).not.toHaveProperty('signals.pdq');
    expect(clip).toHaveProperty('signals.sha256');
    const renamed = await hashFile(path.join(dir, 'renamed-png.bin'));
    expect(renamed).toMatchObject({ ok: true, format: 'png', width: 128, height: 128 });
    expect(renamed).toHaveProperty('signals.pdq.quality');
  });

  it('delivers results in input order on worker threads, equal to hashing inline', async () => {
    const order: number[] = [];
    const viaWorkers: FileHashResult[] = [];
    await hashFiles(files, { concurrency: 6, workers: 2 }, (index, result) => {
      order.push(index);
      viaWorkers.push(result);
    });
    expect(order).toEqual(files.map((_, i) => i));
    expect(viaWorkers.map((r) => r.path)).toEqual(files);
    const inline: FileHashResult[] = [];
    await hashFiles(files, { concurrency: 1, workers: 0 }, (_i, r) => inline.push(r));
    expect(viaWorkers).toEqual(inline);
    expect(viaWorkers.filter((r) => r.ok)).toHaveLength(files.length - 1);
    expect(viaWorkers.at(-1)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('passes walk errors through at their position and handles an empty input list', async () => {
    const results: FileHashResult[] = [];
    await hashFiles(
      [{ path: 'x', error: { code: 'UNREADABLE', message: 'permission denied: x' } }, files[4]],
      { workers: 1 },
      (_i, r) => results.push(r),
    );
    expect(results.map((r) => [r.path, r.ok])).toEqual([['x', false], [files[4], true]]);
    let called = false;
    await hashFiles([], {}, () => (called = true));
    expect(called).toBe(false);
  });
});

describe('signal type registry', () => {
  it('lists the signal types in output order and finds them by name', () => {
    expect(SIGNAL_TYPES.map((t) => t.name)).toEqual(['md5', 'sha1', 'sha256', 'pdq', 'blockhash']);
    expect(signalTypeByName('blockhash')).toBe(blockhashSignalType);
    expect(signalTypeByName('phash')).toBeUndefined();
  });

  it('parses --algorithms lists into output order, with clear errors', () => {
    expect(parseAlgorithmList('pdq, MD5,pdq').map((t) => t.name)).toEqual(['md5', 'pdq']);
    expect(() => parseAlgorithmList('md5,phash,ahash')).toThrow(/"phash", "ahash".*md5, sha1, sha256, pdq, blockhash/);
    expect(() => parseAlgorithmList(' , ')).toThrow(/empty/);
  });

  it('validates and round-trips hex for every type', () => {
    for (const t of SIGNAL_TYPES) {
      const hex = 'a5'.repeat(t.bits / 8);
      expect(t.format(t.parse(hex)!)).toBe(hex);
      expect(t.parse(hex.slice(1))).toBeNull();
      expect(t.parse(`${hex.slice(1)}g`)).toBeNull();
    }
  });
});
