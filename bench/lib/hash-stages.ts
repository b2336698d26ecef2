/**
 * Time of each hashing stage per image, one image at a time on one thread (libvips limited to one
 * thread): reading the file, each digest, decoding, each perceptual hash. Wall-clock and CPU time both,
 * so a stage's share can be read even when other processes share the machine. Stages are named after
 * the signal types (iterated from the registry), plus 'read' and 'decode'.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { decodeImage } from '../../src/hashing/decode.js';
import { digestTypesOf, perceptualTypesOf, SIGNAL_TYPES } from '../../src/hashing/signals.js';

const DIGESTS = digestTypesOf(SIGNAL_TYPES);
const PERCEPTUAL = perceptualTypesOf(SIGNAL_TYPES);

/** The stages in pipeline order: read, the digests, decode, the perceptual hashes. */
export const STAGES: readonly string[] = ['read', ...DIGESTS.map((t) => t.name), 'decode', ...PERCEPTUAL.map((t) => t.name)];

/** Milliseconds per image of each stage (keys: STAGES), averaged over the files of one pass. */
export interface StagePass {
  readonly wallMs: Readonly<Record<string, number>>;
  readonly cpuMs: Readonly<Record<string, number>>;
}

/**
 * One pass over `files`, timing every stage of every file; sets sharp to one thread (and leaves it so).
 * Throws when a file does not decode (benchmark inputs are generated, so that is a bug).
 */
export async function timeStages(files: readonly string[]): Promise<StagePass> {
  sharp.concurrency(1);
  const wallMs: Record<string, number> = Object.fromEntries(STAGES.map((s) => [s, 0]));
  const cpuMs: Record<string, number> = { ...wallMs };
  let wall = 0;
  let cpu = process.cpuUsage();
  const start = () => {
    cpu = process.cpuUsage();
    wall = performance.now();
  };
  const stop = (stage: string) => {
    wallMs[stage] += performance.now() - wall;
    const used = process.cpuUsage(cpu);
    cpuMs[stage] += (used.user + used.system) / 1000;
  };
  for (const file of files) {
    start();
    const bytes = readFileSync(file);
    stop('read');
    for (const type of DIGESTS) {
      start();
      createHash(type.cryptoAlgorithm).update(bytes).digest();
      stop(type.name);
    }
    start();
    const image = await decodeImage(bytes);
    stop('decode');
    for (const type of PERCEPTUAL) {
      start();
      type.compute(image, {});
      stop(type.name);
    }
  }
  for (const s of STAGES) {
    wallMs[s] /= files.length;
    cpuMs[s] /= files.length;
  }
  return { wallMs, cpuMs };
}
