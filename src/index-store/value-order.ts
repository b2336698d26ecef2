/**
 * Orders of many values at once, for writing them to SQLite in the order its indexes keep (so that a
 * bulk insert appends instead of landing at random places in a B-tree). Pure functions over typed arrays.
 */

/** Positions below this fit beside a 32-bit key in one exactly representable float (2^32 · 2^21 = 2^53). */
const POSITION_SPAN = 2 ** 21;

/**
 * Positions 0…count−1 of `values` (count values of `words` words each) in ascending order of their
 * stored bytes (bits.wordsToBytes: highest word first, unsigned, i.e. SQLite's BLOB order), equal values
 * in position order.
 */
export function orderByStoredBytes(values: Uint32Array, words: number, count: number): Uint32Array {
  const top = words - 1;
  const order = orderByKey(count, (i) => values[i * words + top]);
  // the top word decides almost always; runs that share it are ordered by the remaining words
  let i = 0;
  while (i < count) {
    const t = values[order[i] * words + top];
    let j = i + 1;
    while (j < count && values[order[j] * words + top] === t) j++;
    if (j - i > 1 && words > 1) {
      const run = Array.from(order.subarray(i, j)).sort((a, b) => {
        for (let w = top - 1; w >= 0; w--) {
          const x = values[a * words + w];
          const y = values[b * words + w];
          if (x !== y) return x < y ? -1 : 1;
        }
        return a - b;
      });
      order.set(run, i);
    }
    i = j;
  }
  return order;
}

/** Positions 0…count−1 in ascending order of key(position) (unsigned 32-bit keys), equal keys in position order. */
export function orderByKey(count: number, key: (position: number) => number): Uint32Array {
  const order = new Uint32Array(count);
  if (count < POSITION_SPAN) {
    const packed = new Float64Array(count);
    for (let i = 0; i < count; i++) packed[i] = (key(i) >>> 0) * POSITION_SPAN + i;
    packed.sort();
    for (let i = 0; i < count; i++) order[i] = packed[i] % POSITION_SPAN;
    return order;
  }
  const keys = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    order[i] = i;
    keys[i] = key(i) >>> 0;
  }
  return order.sort((a, b) => keys[a] - keys[b] || a - b);
}
