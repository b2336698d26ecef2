/**
 * The index worker thread: opens the index and answers the scan's lookups and 'seen' records off the
 * main thread (which reads files and feeds the hashing workers). Requests are handled one at a time, in
 * arrival order. Signal types travel by name.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorInfo } from '../errors.js';
import { signalTypeByName } from '../hashing/signals.js';
import { openIndex } from '../index-store/store.js';
import { indexService, type IndexService } from './index-port.js';
import type { IndexWorkerReply, WireQuery, WorkerRequest } from './index-worker-client.js';
import type { MatchQuery } from './scan.js';

function fromWire(q: WireQuery): MatchQuery {
  const signal = signalTypeByName(q.signal);
  if (signal === undefined) throw new Error(`unknown signal type ${q.signal}`);
  return { signal, value: q.value, variants: q.variants, radius: q.radius };
}

const port = parentPort;
if (port === null) throw new Error('index-worker.ts must run in a worker thread');
let service: IndexService | null = null;
let openError: unknown = null;
try {
  service = indexService(openIndex((workerData as { file: string }).file));
} catch (err) {
  openError = err;
}

port.on('message', (req: WorkerRequest) => {
  let reply: IndexWorkerReply;
  try {
    if (service === null) throw openError;
    let result: unknown = null;
    if (req.op === 'describe') result = service.describe();
    else if (req.op === 'expect') service.expect(req.items);
    else if (req.op === 'match') result = service.matchAndRecord(req.queries.map(fromWire), req.seen, req.scan);
    else if (req.op === 'close') {
      service.close();
      service = null;
      openError = new Error('the index was closed');
    }
    reply = { id: req.id, ok: true, result };
  } catch (err) {
    reply = { id: req.id, ok: false, error: toErrorInfo(err) };
  }
  port.postMessage(reply);
});
