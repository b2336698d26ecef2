/**
 * Opening the index read-only for lookups without loading the code that upgrades an earlier version's
 * index (open-index.ts: moving its sightings out, removing lists): that code is imported only when the
 * file turns out to need it.
 */
import type { SignalType } from '../hashing/signal-type.js';
import { SIGNAL_TYPES } from '../hashing/signals.js';
import { SCHEMA_VERSION } from './schema.js';
import { IndexNeedsUpgrade, openIndexConnection, type IndexStore } from './store.js';

/** Same store, guarantees and errors as openIndex(file, { readonly: true, signals }). */
export async function openIndexForReading(file: string, signals: readonly SignalType[] = SIGNAL_TYPES): Promise<IndexStore> {
  try {
    const store = openIndexConnection(file, true, signals);
    if ((store.db.pragma('user_version', { simple: true }) as number) === SCHEMA_VERSION) return store;
    store.close();
  } catch (err) {
    if (!(err instanceof IndexNeedsUpgrade)) throw err;
  }
  const { openIndex } = await import('./open-index.js');
  return openIndex(file, { readonly: true, signals });
}
