/**
 * The one error every reader of an index raises when a stored row cannot be what the schema says (a
 * value of the wrong length for its type, a packed chunk whose blobs disagree): it names the file and the
 * row and points to `index verify`, which lists every such row. Readers check once per row they read.
 */
import type Database from 'better-sqlite3';
import { HashtriageError } from '../errors.js';

/** A damaged-index error for `where` (a table and row, and what is wrong with it) in the index `db`. */
export function damagedIndex(db: Database.Database, where: string): HashtriageError {
  return new HashtriageError(
    'BAD_INPUT',
    `the index ${db.name} is damaged: ${where}; \`hashtriage index verify --db ${db.name}\` lists every damaged row`,
  );
}

/** How a stored value that is not the expected blob reads in a message: "a 1-byte value", "a text value". */
export function describeStored(value: unknown): string {
  if (value instanceof Uint8Array) return `a ${value.byteLength}-byte value`;
  return typeof value === 'string' ? 'a text value' : `a ${value === null ? 'null' : typeof value} value`;
}

/** How a row of a hashes table holding `stored` (see describeStored) instead of `expected` bytes reads in a message. */
export function wrongLengthText(hashesTable: string, id: number, stored: string, expected: number): string {
  return `${hashesTable} id ${id} holds ${stored} where ${expected} bytes belong`;
}

/** The damaged-index error for a row of a hashes table whose value is not `expected` bytes long. */
export function wrongValueLength(db: Database.Database, hashesTable: string, id: number, value: unknown, expected: number): HashtriageError {
  return damagedIndex(db, wrongLengthText(hashesTable, id, describeStored(value), expected));
}

