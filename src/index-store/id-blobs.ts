/**
 * Lists of hash ids (and codes) as BLOBs: little-endian uint32 values, the packing of the band and chunk
 * tables. No dependencies, so every storage module can use it.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Ids as a BLOB of little-endian uint32 values, in the given order. */
export function packIds(ids: Uint32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength);
  const buf = Buffer.alloc(ids.length * 4);
  for (let i = 0; i < ids.length; i++) buf.writeUInt32LE(ids[i], 4 * i);
  return buf;
}

/** Inverse of packIds; shares the blob's memory when it is 4-byte aligned, else copies. */
export function unpackIds(blob: Uint8Array): Uint32Array {
  const n = blob.byteLength >>> 2;
  if (LITTLE_ENDIAN && blob.byteOffset % 4 === 0) return new Uint32Array(blob.buffer, blob.byteOffset, n);
  const out = new Uint32Array(n);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  for (let i = 0; i < n; i++) out[i] = view.getUint32(4 * i, true);
  return out;
}

/** Ids and their codes (8 words each, same order), as read from a hashes table. */
export interface IdCodes {
  readonly ids: Uint32Array;
  readonly codes: Uint32Array;
  readonly count: number;
}


/** A growable list of (id, 8-word code) pairs, in push order. */
export class IdCodeBuffer {
  private ids = new Uint32Array(1024);
  private codes = new Uint32Array(1024 * 8);
  private n = 0;

  /** Number of pairs held. */
  get count(): number {
    return this.n;
  }

  /** Appends one pair (the code's 8 words are copied). */
  push(id: number, code: Uint32Array): void {
    if (this.n === this.ids.length) {
      const ids = new Uint32Array(this.ids.length * 2);
      ids.set(this.ids);
      const codes = new Uint32Array(this.codes.length * 2);
      codes.set(this.codes);
      this.ids = ids;
      this.codes = codes;
    }
    this.ids[this.n] = id;
    this.codes.set(code, this.n * 8);
    this.n++;
  }

  /** The pairs held, then empties the buffer (hands its arrays over without copying; the buffer starts anew). */
  take(): IdCodes {
    const out = { ids: this.ids.subarray(0, this.n), codes: this.codes.subarray(0, this.n * 8), count: this.n };
    this.ids = new Uint32Array(1024);
    this.codes = new Uint32Array(1024 * 8);
    this.n = 0;
    return out;
  }
}
