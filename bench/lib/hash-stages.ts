/**
 * Time of each hashing stage per image, one image at a time on one thread (libvips limited to one thread):
 * read, digests (MD5+SHA-1+SHA-256), decode, PDQ, blockhash. Wall-clock and CPU time both, so a stage's
 * share can be read even when other processes share the machine.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { blockhashSignalType } from '../../src/hashing/blockhash.js';
import { decodeImage } from '../../src/hashing/decode.js';
import { DIGEST_SIGNAL_TYPES } from '../../src/hashing/digests.js';
import { pdqSignalType } from '../../src/hashing/pdq.js';

/** The stages, in pipeline order. */
export type Stage = 'read' | 'digests' | 'decode' | 'pdq' | 'blockhash';
export const STAGES: readonly Stage[] = ['read', 'digests', 'decode', 'pdq', 'blockhash'];

/** Milliseconds per image of each stage, averaged over the files of one pass. */
export interface StagePass {
  readonly wallMs: Record<Stage, number>;
  readonly cpuMs: Record<Stage, number>;
}

const zero = (): Record<Stage, number> => ({ read: 0, digests: 0, decode: 0, pdq: 0, blockhash: 0 });

/**
 * One pass over `files`, timing every stage of every file; sets sharp to one thread (and leaves it so).
 * Throws when a file does not decode (benchmark inputs are generated, so that is a bug).
 */
export async function timeStages(files: readonly string[]): Promise<StagePass> {
  sharp.concurrency(1);
  const wallMs = zero();
  const cpuMs = zero();
  let wall = 0;
  let cpu = process.cpuUsage();
  const start = () => {
    cpu = process.cpuUsage();
    wall = performance.now();
  };
  const stop = (stage: Stage) => {
    wallMs[stage] += performance.now() - wall;
    const used = process.cpuUsage(cpu);
    cpuMs[stage] += (used.user + used.system) / 1000;
  };
  for (const file of files) {
    start();
    const bytes = readFileSync(file);
    stop('read');
    start();
    for (const type of DIGEST_SIGNAL_TYPES) createHash(type.cryptoAlgorithm).update(bytes).digest();
    stop('digests');
    start();
    const image = await decodeImage(bytes);
    stop('decode');
    start();
    pdqSignalType.compute(image, {});
    stop('pdq');
    start();
    blockhashSignalType.compute(image, {});
    stop('blockhash');
  }
  for (const s of STAGES) {
    wallMs[s] /= files.length;
    cpuMs[s] /= files.length;
  }
  return { wallMs, cpuMs };
}
