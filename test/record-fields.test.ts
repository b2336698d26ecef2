/**
 * The conversion between hashing records (signals by type name) and their flat output fields: field
 * names and order per signal type, the complete form items.ndjson uses, and the round trip the case
 * database and `match --stdin` rely on.
 */
import { describe, expect, it } from 'vitest';
import type { FileHashResult } from '../src/hashing/record.js';
import { hashRecordFromFields, hashRecordToFields, putHashFields, signalFieldNames, signalsFromFields } from '../src/hashing/record-fields.js';
import { SIGNAL_TYPES } from '../src/hashing/signals.js';
import { DIHEDRAL_NAMES } from '../src/hashing/signal-type.js';

const hex = (digit: string, bits: number) => digit.repeat(bits / 4);
const variants = Object.fromEntries(DIHEDRAL_NAMES.map((n, i) => [n, hex(String(i + 1), 256)]));

const hashed: FileHashResult = {
  path: 'a.jpg',
  ok: true,
  bytes: 12,
  format: 'jpeg',
  width: 3,
  height: 4,
  signals: {
    blockhash: { value: hex('b', 256) },
    pdq: { value: hex('c', 256), quality: 88, variants, regions: { content: hex('e', 256), trimLeft: hex('f', 256) } },
    md5: { value: hex('a', 128) },
  },
};

const failed: FileHashResult = { path: 'b.jpg', ok: false, bytes: 5, signals: { sha256: { value: hex('d', 256) } }, error: { code: 'DECODE_FAILED', message: 'truncated' } };

describe('record fields', () => {
  it('writes the file facts, then each signal in registry order, then the error', () => {
    expect(Object.keys(hashRecordToFields(hashed))).toEqual(['path', 'ok', 'bytes', 'format', 'width', 'height', 'md5', 'pdq', 'pdqQuality', 'pdqDihedral', 'pdqRegions', 'blockhash']);
    expect(hashRecordToFields(failed)).toEqual({ path: 'b.jpg', ok: false, bytes: 5, sha256: hex('d', 256), error: failed.error });
    expect(Object.keys(hashRecordToFields(failed))).toEqual(['path', 'ok', 'bytes', 'sha256', 'error']);
  });

  it('writes every field of every signal type in the complete form, null where absent', () => {
    const out: Record<string, unknown> = {};
    putHashFields(out, failed, true);
    const signalFields = SIGNAL_TYPES.flatMap((t) => {
      const n = signalFieldNames(t);
      return [n.value, n.quality, n.variants, n.regions].filter((f): f is string => f !== null);
    });
    expect(Object.keys(out)).toEqual(['bytes', 'format', 'width', 'height', ...signalFields]);
    expect(signalFields).toEqual(['md5', 'sha1', 'sha256', 'pdq', 'pdqQuality', 'pdqDihedral', 'pdqRegions', 'blockhash']);
    expect(out).toMatchObject({ bytes: 5, format: null, md5: null, sha256: hex('d', 256), pdqQuality: null, pdqDihedral: null, pdqRegions: null });
  });

  it('reads back exactly what it wrote', () => {
    for (const r of [hashed, failed]) {
      const text = JSON.stringify(hashRecordToFields(r));
      const back = hashRecordFromFields(JSON.parse(text) as Record<string, unknown>);
      expect(back).toEqual(r);
      expect(JSON.stringify(hashRecordToFields(back))).toBe(text);
    }
    const walkError: FileHashResult = { path: 'x', ok: false, signals: {}, error: { code: 'UNREADABLE', message: 'permission denied' } };
    expect(hashRecordFromFields(hashRecordToFields(walkError))).toEqual(walkError);
  });

  it('keeps values as read and skips fields of the wrong kind', () => {
    const signals = signalsFromFields({ pdq: 'ZZ', pdqQuality: 'high', pdqDihedral: { rot90: 'AB', flipX: 3 }, pdqRegions: { content: 'CD', trimTop: null, other: 'EF' }, md5: 7, blockhashQuality: 10 });
    expect(signals).toEqual({ pdq: { value: 'ZZ', variants: { rot90: 'AB' }, regions: { content: 'CD' } } });
    expect(signalsFromFields({ path: 'c.txt', ok: true })).toEqual({});
  });
});
