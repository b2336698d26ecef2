/**
 * PDQ's downsample keeps scratch buffers and kernel memory between images (per thread). An image hashed after
 * others, larger or smaller, gets exactly the result it gets as the first image of a fresh thread.
 */
import { describe, expect, it, vi } from 'vitest';
import { wordsToHex } from '../src/hashing/bits.js';
import type { DecodedImage } from '../src/hashing/signal-type.js';

function noisyImage(seed: number, width: number, height: number, channels: 1 | 3, withAlpha: boolean): DecodedImage {
  let s = seed >>> 0;
  const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const pixels = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++) pixels[(y * width + x) * channels + c] = (((x * (c + 3) + y * 5) & 255) + rnd() * 60) & 255;
  const alpha = withAlpha ? Uint8Array.from({ length: width * height }, () => (rnd() < 0.1 ? 0 : 255)) : null;
  return { width, height, channels, pixels, alpha, format: 'png' };
}

type Hashes = string[];

async function hashesOf(image: DecodedImage): Promise<Hashes> {
  const { pdqFromImage } = await import('../src/hashing/pdq.js');
  const { blockhashFromImage } = await import('../src/hashing/blockhash.js');
  const full = pdqFromImage(image, { pdqFlavour: 'full' });
  const cli512 = pdqFromImage(image, { pdqFlavour: 'cli512' });
  return [wordsToHex(full.value, 256), String(full.quality), wordsToHex(cli512.value, 256), String(cli512.quality), wordsToHex(blockhashFromImage(image).value, 256)];
}

describe('hashing scratch buffers reused between images', () => {
  it('give every image of a mixed sequence the hashes of a fresh thread', async () => {
    // Large first (the scratch fills with its values), then smaller, other shapes and channel counts, then larger again.
    const sequence = [
      noisyImage(1, 1200, 900, 3, false),
      noisyImage(2, 333, 517, 3, true),
      noisyImage(3, 64, 64, 1, false),
      noisyImage(4, 1920, 1080, 3, false),
      noisyImage(5, 700, 1300, 1, true),
      noisyImage(6, 1023, 61, 3, false),
      noisyImage(7, 1600, 1200, 3, false),
    ];
    vi.resetModules();
    const inSequence: Hashes[] = [];
    for (const image of sequence) inSequence.push(await hashesOf(image));
    for (const [i, image] of sequence.entries()) {
      vi.resetModules(); // new module instances: empty scratch, as in a new worker
      expect(await hashesOf(image), `image ${i} (${image.width}×${image.height})`).toEqual(inSequence[i]);
    }
  });
});
