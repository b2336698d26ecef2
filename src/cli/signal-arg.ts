/** The one commander parser for options naming a hash type (--algorithm, --type). */
import { InvalidArgumentError } from 'commander';
import { signalNames } from '../hashing/signals.js';
import type { SignalName } from '../hashing/signal-type.js';
import { signalOf } from '../index-store/import/fields.js';

/** A comparable hash type from its name in any case or a synonym (SHA-1, md5sum…), as lists name them; else commander's usage error. */
export function signalArg(value: string): SignalName {
  const s = signalOf(value);
  if (s === null || s === 'photodna') throw new InvalidArgumentError(`expected one of ${signalNames().join(', ')} (any case).`);
  return s;
}
