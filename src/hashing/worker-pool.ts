/**
 * A fixed-size pool of hashing worker threads. Tasks queue in arrival order; each worker runs one task at
 * a time. A worker that dies fails only its own task (INTERNAL) and is replaced on the next task.
 */
import { Worker } from 'node:worker_threads';
import type { ImageHashOutcome, ImageHashRequest } from './hash-image.js';
import type { HashWorkerReply, WorkerTask } from './hash-worker.js';
import { workerEntryUrl } from '../worker-entry.js';

const WORKER_ENTRY = workerEntryUrl('hash-worker', import.meta.url);

interface Pending {
  readonly task: WorkerTask;
  readonly resolve: (outcome: ImageHashOutcome) => void;
}

interface Slot {
  readonly worker: Worker;
  current: Pending | null;
}

/** Runs image hashing on up to `size` worker threads. */
export class HashWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;
  private closed = false;
  private spawned = 0;

  /** A pool of at most `size` workers (at least 1), started lazily as tasks arrive. */
  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`worker pool size must be a positive integer, got ${size}`);
  }

  /** Worker threads started so far (replacements of dead workers included): none before the first task, at most `size` while none dies. */
  get started(): number {
    return this.spawned;
  }

  /**
   * Hashes `bytes` on a worker; the bytes' buffer is transferred (unusable here afterwards), so pass a
   * Uint8Array that owns its whole ArrayBuffer. Resolves with the outcome; never rejects.
   */
  run(bytes: Uint8Array, request: ImageHashRequest): Promise<ImageHashOutcome> {
    if (this.closed) return Promise.resolve(internalError('the worker pool is closed'));
    return new Promise((resolve) => {
      this.queue.push({ task: { id: this.nextId++, bytes, request }, resolve });
      this.dispatch();
    });
  }

  /** Stops every worker; tasks still queued or running on a worker resolve as INTERNAL errors. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.resolve(internalError('the worker pool was closed'));
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      const running = slot.current;
      slot.current = null;
      running?.resolve(internalError('the worker pool was closed'));
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.current === null);
      if (slot === undefined) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      const pending = this.queue.shift()!;
      slot.current = pending;
      const { bytes } = pending.task;
      const transferable = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      slot.worker.postMessage(pending.task, transferable ? [bytes.buffer as ArrayBuffer] : []);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_ENTRY);
    this.spawned++;
    const slot: Slot = { worker, current: null };
    worker.on('message', (reply: HashWorkerReply) => {
      const pending = slot.current;
      slot.current = null;
      if (pending !== null && pending.task.id === reply.id) pending.resolve(reply.outcome);
      this.dispatch();
    });
    const fail = (message: string): void => {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      const pending = slot.current;
      slot.current = null;
      pending?.resolve(internalError(message));
      if (!this.closed) this.dispatch();
    };
    worker.on('error', (err) => fail(`hashing worker failed: ${err.message}`));
    worker.on('exit', (code) => {
      if (!this.closed) fail(`hashing worker exited with code ${code}`);
    });
    this.slots.push(slot);
    return slot;
  }
}

function internalError(message: string): ImageHashOutcome {
  return { ok: false, error: { code: 'INTERNAL', message } };
}
