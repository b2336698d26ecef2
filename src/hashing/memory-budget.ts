/**
 * A byte budget shared by concurrent work: each task says how much memory it will hold and waits until
 * that much is free, so a batch's memory is bounded by the budget rather than by how many files run.
 */

/** Default budget for hashing: with the process's own ~0.3 GiB, a batch stays under 2 GiB resident. */
export const DEFAULT_MEMORY_BUDGET_MIB = 1536;

interface Waiter {
  readonly bytes: number;
  readonly grant: () => void;
}

/**
 * Admits tasks in arrival order while their bytes fit in `capacity`. A task larger than the whole budget
 * is admitted alone once nothing else holds any, so every task runs eventually and none starves.
 */
export class MemoryBudget {
  private used = 0;
  private holders = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new RangeError(`memory budget must be positive, got ${capacity}`);
  }

  /** Resolves when `bytes` are granted, with the function that gives them back (call it exactly once). */
  acquire(bytes: number): Promise<() => void> {
    const n = Math.max(0, bytes);
    return new Promise((resolve) => {
      this.waiting.push({ bytes: n, grant: () => resolve(this.releaser(n)) });
      this.admit();
    });
  }

  /** Runs `task` holding `bytes` of the budget, giving them back however it ends. */
  async run<T>(bytes: number, task: () => Promise<T>): Promise<T> {
    const release = await this.acquire(bytes);
    try {
      return await task();
    } finally {
      release();
    }
  }

  private releaser(n: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= n;
      this.holders--;
      this.admit();
    };
  }

  private admit(): void {
    while (this.waiting.length > 0) {
      const next = this.waiting[0];
      if (this.holders > 0 && this.used + next.bytes > this.capacity) return;
      this.waiting.shift();
      this.used += next.bytes;
      this.holders++;
      next.grant();
    }
  }
}
