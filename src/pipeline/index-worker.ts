/**
 * The index worker thread: opens the known index (read-only) and the sightings store, and answers the
 * scan's lookups and sighting records off the main thread (which reads files and feeds the hashing
 * workers). Requests are handled one at a time, in arrival order. Signal types travel by name.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorInfo } from '../errors.js';
import { signalTypeByName } from '../hashing/signals.js';
import { openIndex } from '../index-store/open-index.js';
import { openSightings } from '../sightings/sightings-store.js';
import { indexService, type IndexService } from './index-port.js';
import type { IndexWorkerFiles, IndexWorkerReply, WireQuery, WorkerRequest } from './index-worker-client.js';
import type { MatchQuery } from './scan.js';

function fromWire(q: WireQuery): MatchQuery {
  const signal = signalTypeByName(q.signal);
  if (signal === undefined) throw new Error(`unknown signal type ${q.signal}`);
  return { signal, value: q.value, variants: q.variants, radius: q.radius, includeLowQuality: q.includeLowQuality === true };
}

const port = parentPort;
if (port === null) throw new Error('index-worker.ts must run in a worker thread');
let service: IndexService | null = null;
let openError: unknown = null;
try {
  const files = workerData as IndexWorkerFiles;
  const index = files.index === null ? null : openIndex(files.index, { readonly: true });
  let sightings: ReturnType<typeof openSightings> = null;
  try {
    sightings = files.sightings === null ? null : openSightings(files.sightings);
    service = indexService(index, sightings);
  } catch (err) {
    index?.close();
    sightings?.close();
    throw err;
  }
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
    else if (req.op === 'match') result = service.match(req.queries.map(fromWire), req.scan);
    else if (req.op === 'record') service.recordSightings(req.items, req.scan);
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
