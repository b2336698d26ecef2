/**
 * A presence filter over the values of one table during a write: one bit per 27-bit prefix of a value's
 * highest word. A clear bit proves the value is not stored, so a bulk insert of new values skips their
 * lookups; a set bit only says "look it up". Built from the table once per write transaction and kept
 * up to date by every insert of that transaction; removals leave bits set, which only costs a lookup.
 */
import type Database from 'better-sqlite3';

const PREFIX_BITS = 27;

/** Prefixes of the stored values of one table. */
export class ValuePresence {
  private readonly bits = new Uint32Array(2 ** (PREFIX_BITS - 5));

  /** Marks the value whose highest word is `top` as stored. */
  mark(top: number): void {
    const p = top >>> (32 - PREFIX_BITS);
    this.bits[p >>> 5] |= 1 << (p & 31);
  }

  /** False when no stored value has the prefix of `top` (the value is certainly new). */
  mayHold(top: number): boolean {
    const p = top >>> (32 - PREFIX_BITS);
    return (this.bits[p >>> 5] & (1 << (p & 31))) !== 0;
  }

  /**
   * A filter holding every value of `hashesTable` (values are stored highest word first: see
   * bits.wordsToBytes). A damaged value shorter than 4 bytes (or not a blob) is left out: it cannot equal a
   * value being written, and `index verify` reports it.
   */
  static ofTable(db: Database.Database, hashesTable: string): ValuePresence {
    const presence = new ValuePresence();
    for (const top of db.prepare(`SELECT substr(value, 1, 4) FROM ${hashesTable}`).pluck().iterate()) {
      const prefix = top as Buffer;
      if (prefix.byteLength === 4) presence.mark(prefix.readUInt32BE(0));
    }
    return presence;
  }
}
