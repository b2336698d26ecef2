import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HashWorkerPool } from '../src/hashing/worker-pool.js';
import type { ImageHashOutcome } from '../src/hashing/hash-image.js';

const request = { perceptual: ['pdq'], pdqFlavour: 'full', dihedral: false, maxPixels: 1_000_000 } as const;

describe('HashWorkerPool.close', () => {
  it('settles tasks that are running on a worker, not only queued ones', async () => {
    const pool = new HashWorkerPool(1);
    // the first task is posted to the (still starting) worker at once; the second waits in the queue
    const running = pool.run(new Uint8Array(64), request);
    const queued = pool.run(new Uint8Array(64), request);
    await pool.close();
    const hung = Symbol('hung');
    const settle = (p: Promise<ImageHashOutcome>) => Promise.race([p, new Promise<typeof hung>((r) => setTimeout(() => r(hung), 5000))]);
    const [a, b] = await Promise.all([settle(running), settle(queued)]);
    for (const outcome of [a, b]) {
      expect(outcome).not.toBe(hung);
      expect(outcome).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    }
  });

  it('answers tasks after close with INTERNAL', async () => {
    const pool = new HashWorkerPool(1);
    await pool.close();
    expect(await pool.run(new Uint8Array(8), request)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });
});

describe('HashWorkerPool start-up', () => {
  const png = (): Uint8Array => new Uint8Array(readFileSync('fixtures/conformance/images/rose-210x138.png'));

  it('starts a worker only for the first task, reuses it for the next, and starts no more than its size', async () => {
    const pool = new HashWorkerPool(2);
    try {
      expect(pool.started).toBe(0);
      expect(await pool.run(png(), request)).toMatchObject({ ok: true });
      expect(pool.started).toBe(1);
      expect(await pool.run(png(), request)).toMatchObject({ ok: true });
      expect(pool.started).toBe(1);
      const outcomes = await Promise.all([png(), png(), png(), png()].map((bytes) => pool.run(bytes, request)));
      for (const outcome of outcomes) expect(outcome).toMatchObject({ ok: true });
      expect(pool.started).toBe(2);
    } finally {
      await pool.close();
    }
  });
});
