import { describe, expect, it } from 'vitest';
import { MemoryBudget } from '../src/hashing/memory-budget.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('MemoryBudget', () => {
  it('admits tasks in order while their bytes fit, never holding more than the capacity', async () => {
    const budget = new MemoryBudget(100);
    let held = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (i: number, bytes: number) =>
      budget.run(bytes, async () => {
        held += bytes;
        peak = Math.max(peak, held);
        order.push(i);
        await tick();
        held -= bytes;
      });
    await Promise.all([task(0, 60), task(1, 30), task(2, 50), task(3, 10), task(4, 40)]);
    expect(peak).toBeLessThanOrEqual(100);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('runs a task bigger than the whole budget alone instead of never', async () => {
    const budget = new MemoryBudget(100);
    const running = new Set<string>();
    const seen: string[][] = [];
    const task = (name: string, bytes: number) =>
      budget.run(bytes, async () => {
        running.add(name);
        seen.push([...running].sort());
        await tick();
        running.delete(name);
      });
    await Promise.all([task('a', 50), task('huge', 500), task('b', 50)]);
    expect(seen).toContainEqual(['huge']);
    expect(seen.every((s) => !s.includes('huge') || s.length === 1)).toBe(true);
  });

  it('gives the bytes back when a task fails', async () => {
    const budget = new MemoryBudget(10);
    await expect(budget.run(10, async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(budget.run(10, async () => 'ok')).resolves.toBe('ok');
  });
});
