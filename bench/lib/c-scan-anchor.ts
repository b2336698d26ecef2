/**
 * A native anchor for the wide-radius benchmark: a blocked linear scan in C (hardware popcount, many
 * queries per cache-sized block), compiled at bench time into a temporary directory with the system's C
 * compiler (`cc`, else `gcc`). Nothing is kept: source, binary and data files are removed afterwards.
 * Its rate is measured as CPU time inside the C program, so it compares with the JS/WebAssembly paths'
 * CPU-time rates taken in the same run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SOURCE = String.raw`
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define BLOCK 4096
static double cpu(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static uint64_t *readAll(const char *file, long *words) {
  FILE *f = fopen(file, "rb"); if (!f) exit(2);
  fseek(f, 0, SEEK_END); long bytes = ftell(f); fseek(f, 0, SEEK_SET);
  uint64_t *p = malloc(bytes); if (fread(p, 1, bytes, f) != (size_t)bytes) exit(3); fclose(f);
  *words = bytes / 8; return p;
}
int main(int argc, char **argv) {
  long cw, qw; uint64_t *codes = readAll(argv[1], &cw), *queries = readAll(argv[2], &qw);
  long n = cw / 4, nq = qw / 4; int radius = atoi(argv[3]); int rounds = atoi(argv[4]);
  for (int round = 0; round < rounds; round++) {
    long hits = 0, sum = 0; double t0 = cpu();
    for (long b0 = 0; b0 < n; b0 += BLOCK) {
      long b1 = b0 + BLOCK < n ? b0 + BLOCK : n;
      for (long q = 0; q < nq; q++) {
        const uint64_t *qp = queries + 4 * q;
        uint64_t q0 = qp[0], q1 = qp[1], q2 = qp[2], q3 = qp[3];
        for (long i = b0; i < b1; i++) {
          const uint64_t *c = codes + 4 * i;
          int d = __builtin_popcountll(c[0] ^ q0) + __builtin_popcountll(c[1] ^ q1) + __builtin_popcountll(c[2] ^ q2) + __builtin_popcountll(c[3] ^ q3);
          if (d <= radius) { hits++; sum += i + d; }
        }
      }
    }
    printf("%.9f %ld %ld\n", cpu() - t0, hits, sum);
  }
  return 0;
}
`;

/** One round of the C scan: CPU seconds for the whole batch, and the hit count (a cross-check). */
export interface AnchorRound {
  readonly cpuSeconds: number;
  readonly hits: number;
}

/** A compiled anchor with its data written: run rounds, then dispose (removes every file). */
export interface CScanAnchor {
  readonly compiler: string;
  /** One round at `radius` over the whole batch. */
  round(radius: number): AnchorRound;
  dispose(): void;
}

function findCompiler(): string | null {
  for (const cc of ['cc', 'gcc']) if (spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0) return cc;
  return null;
}

/**
 * Compiles the C scan into a new temporary directory and writes the first `count` codes and
 * `queryCount` queries (8 words each) beside it. Guarantees: returns the reason instead when no C
 * compiler is found or compiling fails (and leaves no files behind).
 */
export function prepareCScanAnchor(codes: Uint32Array, count: number, queries: Uint32Array, queryCount: number): CScanAnchor | { readonly reason: string } {
  const compiler = findCompiler();
  if (!compiler) return { reason: 'no C compiler (cc or gcc) on PATH' };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-c-anchor-'));
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  const src = path.join(dir, 'scan.c');
  const bin = path.join(dir, 'scan');
  writeFileSync(src, SOURCE);
  const built = spawnSync(compiler, ['-O3', '-march=native', '-o', bin, src], { encoding: 'utf8' });
  if (built.status !== 0) {
    dispose();
    return { reason: `${compiler} failed: ${(built.stderr || '').trim().split('\n')[0]}` };
  }
  const codesFile = path.join(dir, 'codes.bin');
  const queriesFile = path.join(dir, 'queries.bin');
  writeFileSync(codesFile, new Uint8Array(codes.buffer, codes.byteOffset, count * 32));
  writeFileSync(queriesFile, new Uint8Array(queries.buffer, queries.byteOffset, queryCount * 32));
  return {
    compiler,
    round(radius) {
      const run = spawnSync(bin, [codesFile, queriesFile, String(radius), '1'], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`the compiled C scan exited with ${run.status ?? run.signal}`);
      const [seconds, hits] = run.stdout.trim().split(' ').map(Number);
      return { cpuSeconds: seconds, hits };
    },
    dispose,
  };
}
