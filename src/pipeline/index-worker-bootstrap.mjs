// Entry of the index worker thread when running from source (see src/worker-entry.ts): worker threads start
// without the TypeScript loader that the main thread has, so register tsx here, then load the worker module.
import { register } from 'tsx/esm/api';

register();
await import('./index-worker.ts');
