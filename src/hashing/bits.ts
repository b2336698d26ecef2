/**
 * Fixed-width bit strings as Uint32Array words, and their hex form.
 *
 * Convention (shared by every signal type): word w holds bits 32w … 32w+31, bit b of the value is
 * bit (b & 31) of word (b >> 5), and the hex string is the big-endian hex of Σ 2^b. So the hex string's
 * first eight digits are the highest word. For PDQ this is exactly the reference's hex layout.
 */


/** Number of 32-bit words that hold `bits` bits. */
export function wordCount(bits: number): number {
  return (bits + 31) >>> 5;
}

/** Parses `bits/4` hex digits (either case, no prefix) into words; returns null when the text is not exactly that. */
export function hexToWords(text: string, bits: number): Uint32Array | null {
  const digits = bits >>> 2;
  if (text.length !== digits) return null;
  const words = new Uint32Array(wordCount(bits));
  // The last digit is the lowest nibble of word 0.
  for (let i = 0; i < digits; i++) {
    const c = text.charCodeAt(i);
    let v: number;
    if (c >= 0x30 && c <= 0x39) v = c - 0x30;
    else {
      const lower = c | 0x20;
      if (lower < 0x61 || lower > 0x66) return null;
      v = lower - 0x57;
    }
    const k = digits - 1 - i;
    words[k >>> 3] |= v << ((k & 7) << 2);
  }
  return words;
}

/** Formats words as `bits/4` lowercase hex digits, highest word first (inverse of hexToWords). */
export function wordsToHex(words: Uint32Array, bits: number): string {
  const digits = bits >>> 2;
  let out = '';
  for (let w = words.length - 1; w >= 0; w--) {
    const width = Math.min(8, digits - 8 * w);
    out += (words[w] >>> 0).toString(16).padStart(8, '0').slice(8 - width);
  }
  return out;
}

/** Number of set bits in a 32-bit value (SWAR, no loops). */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Hamming distance between two equal-length word arrays. */
export function hammingDistance(a: Uint32Array, b: Uint32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += popcount32(a[i] ^ b[i]);
  return d;
}

/** Hamming distance between 8-word (256-bit) codes stored at offsets `ai` and `bi` of flat arrays. */
export function hamming256At(a: Uint32Array, ai: number, b: Uint32Array, bi: number): number {
  return (
    popcount32(a[ai] ^ b[bi]) +
    popcount32(a[ai + 1] ^ b[bi + 1]) +
    popcount32(a[ai + 2] ^ b[bi + 2]) +
    popcount32(a[ai + 3] ^ b[bi + 3]) +
    popcount32(a[ai + 4] ^ b[bi + 4]) +
    popcount32(a[ai + 5] ^ b[bi + 5]) +
    popcount32(a[ai + 6] ^ b[bi + 6]) +
    popcount32(a[ai + 7] ^ b[bi + 7])
  );
}

/** The words as bytes, highest word first and big-endian within each word (the hex string's byte order). */
export function wordsToBytes(words: Uint32Array): Buffer {
  const buf = Buffer.alloc(words.length * 4);
  for (let w = 0; w < words.length; w++) buf.writeUInt32BE(words[w] >>> 0, 4 * (words.length - 1 - w));
  return buf;
}

/** Inverse of wordsToBytes; the byte length must be a multiple of 4. */
export function bytesToWords(bytes: Uint8Array): Uint32Array {
  const n = bytes.length >>> 2;
  const words = new Uint32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let w = 0; w < n; w++) words[w] = view.getUint32(4 * (n - 1 - w), false);
  return words;
}
