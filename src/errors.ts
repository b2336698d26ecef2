/** Error codes a user can see, one per kind of failure; stable across versions (scripts match on them). */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'UNREADABLE'
  | 'SYMLINK_OUTSIDE'
  | 'UNSUPPORTED_FORMAT'
  | 'DECODE_FAILED'
  | 'TOO_LARGE'
  | 'BAD_HASH'
  | 'BAD_ROW'
  | 'BAD_INPUT'
  | 'USAGE'
  | 'INTERNAL';

/** An expected failure with a code and a message fit to show to the user as is. */
export class HashtriageError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HashtriageError';
  }
}

/** Turns anything thrown into a {code, message} pair; unknown errors become INTERNAL with their message. */
export function toErrorInfo(err: unknown): { code: ErrorCode; message: string } {
  if (err instanceof HashtriageError) return { code: err.code, message: err.message };
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && typeof e === 'object' && typeof e.code === 'string') {
    if (e.code === 'ENOENT') return { code: 'NOT_FOUND', message: e.message };
    if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EISDIR' || e.code === 'ELOOP')
      return { code: 'UNREADABLE', message: e.message };
  }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
