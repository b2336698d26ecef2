/**
 * The benchmark's reference builder must say why the reference is not available instead of failing
 * (no source given, a folder without pdq/cpp, no libjpeg), and read child CPU times correctly: the
 * comparison's ratios rest on them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childCpuSeconds, pdqReference } from '../bench/lib/pdq-reference.js';

describe('PDQ reference for the benchmark', () => {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-pdqref-test-'));
  afterAll(() => rmSync(cache, { recursive: true, force: true }));

  it('is "not available" with the reason when no source is given', () => {
    const ref = pdqReference(undefined, cache);
    expect(ref).toEqual({ available: false, reason: expect.stringContaining('--pdq-reference-src') });
  });

  it('is "not available" when the folder holds no pdq/cpp sources', () => {
    const ref = pdqReference(cache, cache);
    expect(ref.available).toBe(false);
    if (!ref.available) expect(ref.reason).toContain('holds no pdq/cpp sources');
  });

  it('counts a child process’s CPU time, not the wall-clock time it slept', () => {
    // A fixed amount of work (about 0.3 CPU-s) against a second of sleep: CPU time, so load does not matter.
    const busy = childCpuSeconds(process.execPath, ['-e', 'let x = 0; for (let i = 0; i < 4e8; i++) x = (x + i) | 0; if (x === 1) console.log(x);']);
    const sleepy = childCpuSeconds(process.execPath, ['-e', 'setTimeout(() => {}, 1000)']);
    expect(busy).toBeGreaterThan(sleepy + 0.1);
    expect(sleepy).toBeLessThan(0.9);
  });

  it('throws when the command fails', () => {
    expect(() => childCpuSeconds(process.execPath, ['-e', 'process.exit(3)'])).toThrow(/failed \(3\)/);
  });
});
