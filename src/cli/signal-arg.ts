/** The one commander parser for options naming a hash type (--algorithm, --type); loads no hashing code. */
import { InvalidArgumentError } from 'commander';
import { signalOf, SIGNAL_NAMES } from '../hashing/signal-names.js';
import type { SignalName } from '../hashing/signal-type.js';

/** A comparable hash type from its name in any case or a synonym (SHA-1, md5sum…), as lists name them; else commander's usage error. */
export function signalArg(value: string): SignalName {
  const s = signalOf(value);
  if (s === null || s === 'photodna') throw new InvalidArgumentError(`expected one of ${SIGNAL_NAMES.join(', ')} (any case).`);
  return s;
}
