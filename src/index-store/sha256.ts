/**
 * SHA-256 of a string's UTF-8 bytes (FIPS 180-4), computed in JavaScript for the import's metadata keys:
 * one row's metadata is a few dozen bytes, which node:crypto takes 1.6–3 µs a call to hash (mostly setting
 * up the call) and one compression here about 0.85 µs. The digest is the standard one (test/sha256.test.ts
 * compares it with node:crypto), so keys stored by either stay equal.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const H0 = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

const encoder = new TextEncoder();
/** Message schedule and chaining state, reused by every call (this module is not re-entrant, nor needs to be). */
const w = new Int32Array(64);
const h = new Int32Array(8);
/** The padded message; grown for long inputs. */
let block = new Uint8Array(128);

/** Applies the compression function to the 64-byte block of `bytes` at `off`, updating h. */
function compress(bytes: Uint8Array, off: number): void {
  for (let t = 0; t < 16; t++) {
    const p = off + 4 * t;
    w[t] = (bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3];
  }
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15];
    const y = w[t - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
  }
  let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (hh + S1 + ch + K[t] + w[t]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = (h[0] + a) | 0;
  h[1] = (h[1] + b) | 0;
  h[2] = (h[2] + c) | 0;
  h[3] = (h[3] + d) | 0;
  h[4] = (h[4] + e) | 0;
  h[5] = (h[5] + f) | 0;
  h[6] = (h[6] + g) | 0;
  h[7] = (h[7] + hh) | 0;
}

/** Writes text's UTF-8 bytes into block from 0, returning their count (ASCII copied directly: TextEncoder's call costs more than the copy). */
function encodeUtf8(text: string): number {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return encoder.encodeInto(text, block).written;
    block[i] = c;
  }
  return n;
}

/** The first `length` bytes (1–32) of the SHA-256 digest of `text` encoded as UTF-8 (lone surrogates as U+FFFD, as node:crypto encodes them). */
export function sha256Prefix(text: string, length: number): Buffer {
  // UTF-8 takes at most 3 bytes per UTF-16 unit; room for the 0x80 marker and the 8-byte length
  const room = 3 * text.length + 9;
  if (block.length < room) block = new Uint8Array((room + 63) & ~63);
  const n = encodeUtf8(text);
  const padded = (n + 9 + 63) & ~63;
  block[n] = 0x80;
  block.fill(0, n + 1, padded - 8);
  const high = Math.floor(n / 2 ** 29); // the bit length's upper 32 bits
  const bits = (n * 8) >>> 0;
  block[padded - 8] = high >>> 24;
  block[padded - 7] = (high >>> 16) & 0xff;
  block[padded - 6] = (high >>> 8) & 0xff;
  block[padded - 5] = high & 0xff;
  block[padded - 4] = bits >>> 24;
  block[padded - 3] = (bits >>> 16) & 0xff;
  block[padded - 2] = (bits >>> 8) & 0xff;
  block[padded - 1] = bits & 0xff;
  h.set(H0);
  for (let off = 0; off < padded; off += 64) compress(block, off);
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (h[i >>> 2] >>> (24 - 8 * (i & 3))) & 0xff;
  return out;
}
