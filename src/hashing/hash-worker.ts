/**
 * A hashing worker thread: receives image bytes (transferred, not copied), decodes and hashes them,
 * posts the outcome back. One task at a time per worker; the pool does the scheduling.
 */
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { hashImageBytes, type ImageHashOutcome, type ImageHashRequest } from './hash-image.js';

/** A task as the pool posts it. */
export interface WorkerTask {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly request: ImageHashRequest;
}

/** A reply as the hash worker posts it. */
export interface HashWorkerReply {
  readonly id: number;
  readonly outcome: ImageHashOutcome;
}

// Parallelism comes from one worker per core: each decode uses one libvips thread, and libvips' operation
// cache (useful when one image is processed many times) only costs memory here.
sharp.concurrency(1);
sharp.cache(false);

const port = parentPort;
if (port === null) throw new Error('hash-worker.ts must run in a worker thread');
port.on('message', (task: WorkerTask) => {
  void hashImageBytes(task.bytes, task.request).then((outcome) => {
    const reply: HashWorkerReply = { id: task.id, outcome };
    port.postMessage(reply);
  });
});
