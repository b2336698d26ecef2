/**
 * Hash values read from lists and the command line: hex text ↔ words, for every width the signal types
 * use, either case accepted, anything that is not exactly the right number of hex digits refused.
 */
import { describe, expect, it } from 'vitest';
import { hexToWords, wordsToHex } from '../src/hashing/bits.js';

/** A plain model: digits lowercased, checked by a regular expression, 8 digits per word from the end. */
function model(text: string, bits: number): number[] | null {
  const digits = bits / 4;
  if (text.length !== digits || !/^[0-9a-fA-F]*$/.test(text)) return null;
  const words: number[] = [];
  for (let end = digits; end > 0; end -= 8) words.push(parseInt(text.slice(Math.max(0, end - 8), end), 16));
  return words;
}

describe('hex values', () => {
  it('parse like the model for random text of every width, both cases and stray characters', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) >>> 8) % n;
    const alphabet = '0123456789abcdefABCDEF';
    const stray = ['g', 'G', ' ', 'x', '-', '@', '`', '/', ':', 'é', '\u0130', '\u0666'];
    let valid = 0;
    for (let t = 0; t < 4000; t++) {
      const bits = [64, 128, 160, 256][t % 4];
      let text = '';
      for (let i = 0; i < bits / 4; i++) text += alphabet[rand(alphabet.length)];
      if (t % 5 === 1) text = text.slice(0, rand(text.length)) + stray[rand(stray.length)] + text.slice(text.length - rand(text.length) + 1);
      if (t % 11 === 2) text = text.slice(1);
      const got = hexToWords(text, bits);
      const want = model(text, bits);
      expect(got === null ? null : [...got], `${text} (${bits} bits)`).toEqual(want);
      if (got) {
        valid++;
        expect(wordsToHex(got, bits)).toBe(text.toLowerCase());
      }
    }
    expect(valid).toBeGreaterThan(2500);
  });
});
