/**
 * Collects a file's chunks straight into one buffer sized from the file's expected length, so keeping a
 * file for decoding holds one copy of it, not the chunks and then their concatenation.
 */

/** One growing buffer of at most `max` bytes. */
export class ByteSink {
  private buffer: Uint8Array;
  private length = 0;

  /** A sink expecting `expected` bytes (grows if more come, up to `max`). */
  constructor(
    expected: number,
    private readonly max: number,
  ) {
    this.buffer = new Uint8Array(Math.max(0, Math.min(expected, max)));
  }

  /** Appends `chunk`; false (and nothing kept) once the total would pass `max`. */
  push(chunk: Uint8Array): boolean {
    const end = this.length + chunk.length;
    if (end > this.max) {
      this.buffer = new Uint8Array(0);
      this.length = 0;
      return false;
    }
    if (end > this.buffer.length) {
      const grown = new Uint8Array(Math.min(this.max, Math.max(end, 2 * this.buffer.length)));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.length);
    this.length = end;
    return true;
  }

  /** The bytes so far in a buffer of exactly their length that owns its memory (transferable to a worker). */
  take(): Uint8Array {
    return this.length === this.buffer.length ? this.buffer : this.buffer.slice(0, this.length);
  }
}
