import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DIGEST_SIGNAL_TYPES } from '../src/hashing/digests.js';
import { HEAD_BYTES, NotRegularFileError, openForHashing, readRest } from '../src/hashing/file-read.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'file-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fileOf(name: string, size: number): { file: string; bytes: Buffer } {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 131 + (i >> 8) * 7) & 255; // no period of a power of two
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return { file, bytes };
}

const hex = (algorithm: string, bytes: Buffer): string => createHash(algorithm).update(bytes).digest('hex');

async function readOnce(file: string, keep: boolean, maxKeep = 1 << 30) {
  const opened = await openForHashing(file);
  try {
    return { opened, read: await readRest(opened, DIGEST_SIGNAL_TYPES, keep, maxKeep) };
  } finally {
    await opened.handle.close();
  }
}

describe('reading a file once for hashing', () => {
  const sizes = [0, 1, 1000, HEAD_BYTES - 1, HEAD_BYTES, HEAD_BYTES + 1, 3 * HEAD_BYTES + 17, (1 << 20) * 2 + 5];
  for (const size of sizes) {
    it(`gives the digests of every byte and, when kept, the whole file in a buffer of its own (${size} bytes)`, async () => {
      const { file, bytes } = fileOf(`f${size}`, size);
      for (const keep of [true, false]) {
        const { opened, read } = await readOnce(file, keep);
        expect(opened.size).toBe(size);
        expect(Buffer.from(opened.head).equals(bytes.subarray(0, Math.min(size, HEAD_BYTES)))).toBe(true);
        expect(read.bytes).toBe(size);
        expect(read.digests.get('md5')).toBe(hex('md5', bytes));
        expect(read.digests.get('sha1')).toBe(hex('sha1', bytes));
        expect(read.digests.get('sha256')).toBe(hex('sha256', bytes));
        expect(read.tooBig).toBe(false);
        if (!keep) {
          expect(read.content).toBeNull();
          continue;
        }
        const content = read.content!;
        expect(Buffer.from(content).equals(bytes)).toBe(true);
        expect(content.byteOffset === 0 && content.byteLength === content.buffer.byteLength).toBe(true);
      }
    });
  }

  it('keeps nothing of a file larger than the limit, still digesting all of it', async () => {
    const { file, bytes } = fileOf('big', HEAD_BYTES * 2);
    for (const maxKeep of [HEAD_BYTES, 100]) {
      const { read } = await readOnce(file, true, maxKeep);
      expect(read).toMatchObject({ bytes: bytes.length, content: null, tooBig: true });
      expect(read.digests.get('sha256')).toBe(hex('sha256', bytes));
    }
  });

  it('refuses a directory and a FIFO as not regular files, without blocking on the FIFO', async () => {
    await expect(openForHashing(dir)).rejects.toBeInstanceOf(NotRegularFileError);
    const fifo = path.join(dir, 'pipe');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return; // no mkfifo on this system
    }
    await expect(openForHashing(fifo)).rejects.toBeInstanceOf(NotRegularFileError);
  });

  it('rejects with the system error for a missing file', async () => {
    await expect(openForHashing(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('the thread that reads files', () => {
  it('does not load sharp/libvips: with worker threads only the workers decode', () => {
    const script = [
      "import { createRequire } from 'node:module';",
      "await import('./dist/cli/commands/hash-run.js');",
      "await import('./dist/hashing/hash-file.js');",
      "const cache = createRequire(import.meta.url).cache;",
      "process.stdout.write(String(Object.keys(cache).filter((k) => /[\\/]sharp[\\/]/.test(k)).length));",
    ].join('\n');
    const loaded = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(loaded).toBe('0');
  });
});
