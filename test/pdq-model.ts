/**
 * A deliberately literal model of PDQ's downsampling (docs/pdq.md, steps 4–5): two full-size buffers,
 * one strided 1-D box filter per row and per column, then decimation. Slow and obvious, so that the
 * optimised, streamed implementation can be checked against it bit for bit on many image shapes.
 */

function box1D(input: Float32Array, out: Float32Array, start: number, n: number, stride: number, w: number): void {
  const h = Math.floor((w + 2) / 2);
  let sum = 0;
  let count = 0;
  let ri = start;
  let li = start;
  let oi = start;
  for (let k = 0; k < h - 1; k++, ri += stride) {
    sum = Math.fround(sum + input[ri]);
    count++;
  }
  for (let k = 0; k < w - h + 1; k++, ri += stride, oi += stride) {
    sum = Math.fround(sum + input[ri]);
    count++;
    out[oi] = Math.fround(sum / count);
  }
  for (let k = 0; k < n - w; k++, ri += stride, li += stride, oi += stride) {
    sum = Math.fround(sum + input[ri]);
    sum = Math.fround(sum - input[li]);
    out[oi] = Math.fround(sum / count);
  }
  for (let k = 0; k < h - 1; k++, li += stride, oi += stride) {
    sum = Math.fround(sum - input[li]);
    count--;
    out[oi] = Math.fround(sum / count);
  }
}

/** The 64×64 image of docs/pdq.md step 5 for a luma image, computed the straightforward way. */
export function modelDownsample(luma: Float32Array, width: number, height: number): Float32Array {
  const out = new Float32Array(64 * 64);
  if (width === 64 && height === 64) {
    out.set(luma.subarray(0, 64 * 64));
    return out;
  }
  const a = Float32Array.from(luma.subarray(0, width * height));
  const b = new Float32Array(width * height);
  const wRow = Math.floor((width + 127) / 128);
  const wCol = Math.floor((height + 127) / 128);
  for (let pass = 0; pass < 2; pass++) {
    for (let r = 0; r < height; r++) box1D(a, b, r * width, width, 1, wRow);
    for (let c = 0; c < width; c++) box1D(b, a, c, height, width, wCol);
  }
  for (let i = 0; i < 64; i++) {
    const r = Math.trunc(((i + 0.5) * height) / 64);
    for (let j = 0; j < 64; j++) out[i * 64 + j] = a[r * width + Math.trunc(((j + 0.5) * width) / 64)];
  }
  return out;
}
