/**
 * An IndexPort backed by a worker thread that owns the store connections (index-worker.ts), so matching
 * and recording sightings run beside hashing instead of on the thread that reads the files.
 */
import { Worker } from 'node:worker_threads';
import { HashtriageError, type ErrorCode } from '../errors.js';
import type { SeenItem } from '../sightings/sightings-store.js';
import { workerEntryUrl } from '../worker-entry.js';
import type { IndexDescription, IndexPort, MatchAnswer, MatchQuery } from './scan.js';

/** A query as it crosses to the worker (the signal type by name). */
export interface WireQuery {
  readonly signal: string;
  readonly value: Uint32Array;
  readonly variants: MatchQuery['variants'];
  readonly radius: number;
  readonly includeLowQuality?: boolean;
}

/** The files the worker opens: the known index (read-only) and the sightings store; null for none. */
export interface IndexWorkerFiles {
  readonly index: string | null;
  readonly sightings: string | null;
}

/** A request to the worker. */
export type WorkerRequest =
  | { readonly id: number; readonly op: 'describe' }
  | { readonly id: number; readonly op: 'expect'; readonly items: number }
  | { readonly id: number; readonly op: 'match'; readonly queries: readonly WireQuery[]; readonly scan: string }
  | { readonly id: number; readonly op: 'record'; readonly items: readonly SeenItem[]; readonly scan: string }
  | { readonly id: number; readonly op: 'close' };

/** The index worker's answer to one request. */
export type IndexWorkerReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: { readonly code: ErrorCode; readonly message: string } };

type Pending = { resolve(value: unknown): void; reject(err: unknown): void };

// Distributive over the request union, so each op keeps its own fields.
type RequestBody<R> = R extends { id: number } ? Omit<R, 'id'> : never;

/**
 * Starts the index worker on `files`. Requests are answered in order; a worker that fails to open a store
 * rejects every request with the open error (e.g. BAD_INPUT).
 */
export function workerIndexPort(files: IndexWorkerFiles): IndexPort {
  const worker = new Worker(workerEntryUrl('index-worker', import.meta.url), { workerData: files });
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let dead: Error | null = null;
  const failAll = (err: Error) => {
    dead = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('message', (reply: IndexWorkerReply) => {
    const p = pending.get(reply.id);
    if (p === undefined) return;
    pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new HashtriageError(reply.error.code, reply.error.message));
  });
  worker.on('error', (err) => failAll(new HashtriageError('INTERNAL', `index worker failed: ${err.message}`)));
  worker.on('exit', (code) => failAll(new HashtriageError('INTERNAL', `index worker exited (code ${code})`)));
  const call = <T>(body: RequestBody<WorkerRequest>): Promise<T> => {
    if (dead !== null) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...body, id });
    });
  };
  return {
    path: files.index,
    sightingsPath: files.sightings,
    describe: () => call<IndexDescription>({ op: 'describe' }),
    expect(items) {
      call<null>({ op: 'expect', items }).catch(() => {});
    },
    match: (queries, scan) =>
      call<MatchAnswer[]>({
        op: 'match',
        queries: queries.map((q) => ({ signal: q.signal.name, value: q.value, variants: q.variants, radius: q.radius, includeLowQuality: q.includeLowQuality === true })),
        scan,
      }),
    recordSightings: (items, scan) => call<null>({ op: 'record', items, scan }).then(() => undefined),
    async close() {
      if (dead === null) await call<null>({ op: 'close' }).catch(() => {});
      await worker.terminate();
    },
  };
}
