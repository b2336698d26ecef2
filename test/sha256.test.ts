import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Prefix } from '../src/index-store/sha256.js';

const reference = (text: string) => crypto.createHash('sha256').update(text).digest();

describe('sha256Prefix', () => {
  it('gives the SHA-256 digest node:crypto gives, for every length around the block boundaries', () => {
    for (let n = 0; n <= 300; n++) {
      const text = Array.from({ length: n }, (_, i) => String.fromCharCode(32 + ((i * 7 + n) % 90))).join('');
      expect(sha256Prefix(text, 32).equals(reference(text)), `length ${n}`).toBe(true);
    }
  });

  it('encodes as UTF-8 the way node:crypto does: multi-byte characters, astral ones and lone surrogates', () => {
    const samples = ['é', 'Ωmega', '中文名称', '😀 emoji', 'a\uD800b', '\uDC00', 'x'.repeat(54) + 'é', '\u0000nul', 'ü'.repeat(200)];
    let seed = 11;
    for (let k = 0; k < 200; k++) {
      let text = '';
      const len = (seed = (seed * 1103515245 + 12345) >>> 0) % 120;
      for (let i = 0; i < len; i++) text += String.fromCharCode((seed = (seed * 1103515245 + 12345) >>> 0) % 0x10000);
      samples.push(text);
    }
    for (const text of samples) expect(sha256Prefix(text, 32).toString('hex')).toBe(reference(text).toString('hex'));
  });

  it('returns the first bytes of the digest, in a buffer of its own per call', () => {
    const a = sha256Prefix('abc', 16);
    const b = sha256Prefix('abd', 16);
    expect(a.toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223');
    expect(a.equals(b)).toBe(false);
    expect(sha256Prefix('abc', 16).toString('hex')).toBe(a.toString('hex'));
  });
});
