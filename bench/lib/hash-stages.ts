/**
 * Time of each hashing stage per image, one image at a time on one thread (libvips limited to one
 * thread), wall-clock and CPU time both, so a stage's share can be read even when other processes share
 * the machine. Stages, in pipeline order:
 *   read                      reading the file into memory
 *   md5, sha1, sha256, …      each digest (named after the digest signal types)
 *   decode                    header check + sharp/libvips decode to the pixels every perceptual hash reads
 *   transfer                  the bytes posted to another thread (transferred, not copied) and a reply back
 *   pdq, blockhash, …         each perceptual hash as the pipeline computes it (named after the signal types)
 *   pdq-cli512                PDQ in the CLI-512 flavour (resize to 512×512, then the core)
 *   pdq-js                    PDQ (full flavour) with the JavaScript box filters instead of the SIMD kernel
 *   pdq:luma, pdq:downsample, pdq:dct, pdq:quality, pdq:dihedral
 *                             PDQ's steps one by one (luma materialised, then the box filters and decimation,
 *                             the 16×16 DCT with thresholding, the quality metric, the 7 dihedral variants;
 *                             pdq:downsample-js the same box filters in JavaScript):
 *                             a breakdown, the fused `pdq` stage above is what the pipeline runs
 *   output                    the NDJSON line of the file's record
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import sharp from 'sharp';
import { decodeImage } from '../../src/hashing/decode.js';
import { dct16, pdqBitsFromDct, pdqDihedralFromDct, pdqFromImage, qualityOf } from '../../src/hashing/pdq.js';
import { downsampleLuma, lumaFromPixels, setBoxFilterPath } from '../../src/hashing/pdq-downsample.js';
import { hashRecordToFields } from '../../src/hashing/record-fields.js';
import type { HashedFile, SignalValue, SignalValues } from '../../src/hashing/record.js';
import { digestTypesOf, perceptualTypesOf, SIGNAL_TYPES } from '../../src/hashing/signals.js';
import type { SignalName } from '../../src/hashing/signal-type.js';

const DIGESTS = digestTypesOf(SIGNAL_TYPES);
const PERCEPTUAL = perceptualTypesOf(SIGNAL_TYPES);
const PDQ_STEPS = ['pdq-cli512', 'pdq-js', 'pdq:luma', 'pdq:downsample', 'pdq:downsample-js', 'pdq:dct', 'pdq:quality', 'pdq:dihedral'];

/** The stages in pipeline order (see the module comment). */
export const STAGES: readonly string[] = [
  'read',
  ...DIGESTS.map((t) => t.name),
  'decode',
  'transfer',
  ...PERCEPTUAL.map((t) => t.name),
  ...PDQ_STEPS,
  'output',
];

/** Stages a file goes through in `hashtriage hash` (all algorithms): the breakdown rows left out. */
export const PIPELINE_STAGES: readonly string[] = STAGES.filter((s) => !PDQ_STEPS.includes(s));

/** Milliseconds per image of each stage (keys: STAGES), averaged over the files of one pass. */
export interface StagePass {
  readonly wallMs: Readonly<Record<string, number>>;
  readonly cpuMs: Readonly<Record<string, number>>;
}

/**
 * One pass over `files`, timing every stage of every file; sets sharp to one thread (and leaves it so).
 * Throws when a file does not decode (benchmark inputs are generated or fetched photographs, so that is a bug).
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
  const { port1, port2 } = new MessageChannel();
  try {
    for (const file of files) {
      start();
      const bytes = readFileSync(file);
      stop('read');
      const signals: Partial<Record<SignalName, SignalValue>> = {};
      for (const type of DIGESTS) {
        start();
        signals[type.name] = { value: createHash(type.cryptoAlgorithm).update(bytes).digest('hex') };
        stop(type.name);
      }
      // The pipeline's read gives a buffer of its own, which is what it transfers (no copy).
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : Uint8Array.from(bytes);
      start();
      port1.postMessage({ id: 1, bytes: own, request: { perceptual: ['pdq', 'blockhash'], pdqFlavour: 'full', dihedral: false } }, [own.buffer]);
      const received = receiveMessageOnPort(port2)?.message as { bytes: Uint8Array } | undefined;
      if (received === undefined) throw new Error('transfer lost');
      port2.postMessage({ id: 1, outcome: { ok: true, format: 'jpeg', width: 1, height: 1, signals: {} } });
      receiveMessageOnPort(port1);
      stop('transfer');
      start();
      const image = await decodeImage(received.bytes);
      stop('decode');
      for (const type of PERCEPTUAL) {
        start();
        const result = type.compute(image, {});
        signals[type.name] = { value: type.format(result.value), quality: result.quality };
        stop(type.name);
      }
      start();
      pdqFromImage(image, { pdqFlavour: 'cli512' });
      stop('pdq-cli512');
      setBoxFilterPath('js');
      start();
      pdqFromImage(image, { pdqFlavour: 'full' });
      stop('pdq-js');
      setBoxFilterPath('simd');
      start();
      const luma = lumaFromPixels(image.pixels, image.width, image.height, image.channels);
      stop('pdq:luma');
      start();
      const d = downsampleLuma(luma, image.width, image.height);
      stop('pdq:downsample');
      setBoxFilterPath('js');
      start();
      downsampleLuma(luma, image.width, image.height);
      stop('pdq:downsample-js');
      setBoxFilterPath('simd');
      start();
      const dct = dct16(d);
      pdqBitsFromDct(dct);
      stop('pdq:dct');
      start();
      qualityOf(d);
      stop('pdq:quality');
      start();
      pdqDihedralFromDct(dct);
      stop('pdq:dihedral');
      start();
      const record: HashedFile = {
        path: file,
        ok: true,
        bytes: bytes.length,
        format: image.format,
        width: image.width,
        height: image.height,
        signals: signals as SignalValues,
      };
      JSON.stringify(hashRecordToFields(record));
      stop('output');
    }
  } finally {
    port1.close();
    port2.close();
  }
  for (const s of STAGES) {
    wallMs[s] /= files.length;
    cpuMs[s] /= files.length;
  }
  return { wallMs, cpuMs };
}
