/**
 * The file-system edge of the writers: owner-only output directory, and files written atomically
 * (a temporary file in the same directory, fsync, then rename), so a crash leaves either the old file
 * or the complete new one, never half a file. Files are created 0o600, directories 0o700.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Permission bits of every output file. */
export const FILE_MODE = 0o600;
/** Permission bits of the output directory. */
export const DIR_MODE = 0o700;

/** Creates the output directory (and missing parents) owner-only; an existing one is narrowed to 0o700. */
export function ensureOutputDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  if (!statSync(dir).isDirectory()) throw new Error(`${dir}: not a directory`);
  if ((statSync(dir).mode & 0o777) !== DIR_MODE) chmodSync(dir, DIR_MODE);
}

const CHUNK = 1 << 20;

/**
 * Writes `content` (a string or the chunks of an iterable) to `file` atomically with mode 0o600 and
 * returns its size and SHA-256. On any error the temporary file is removed and `file` is untouched.
 */
export function writeFileAtomic(file: string, content: string | Iterable<string>): { bytes: number; sha256: string } {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // 'wx' = O_CREAT|O_EXCL: never follows or reuses an existing path (a planted symlink cannot redirect the write).
  const fd = openSync(tmp, 'wx', FILE_MODE);
  let written = 0;
  const hash = createHash('sha256');
  try {
    let pending = '';
    const flush = (): void => {
      const buf = Buffer.from(pending, 'utf8');
      hash.update(buf);
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      written += buf.length;
      pending = '';
    };
    for (const chunk of typeof content === 'string' ? [content] : content) {
      pending += chunk;
      if (pending.length >= CHUNK) flush();
    }
    flush();
    fsyncSync(fd);
    closeSync(fd);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw err;
  }
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  syncDir(dir);
  return { bytes: written, sha256: hash.digest('hex') };
}

/** Makes a rename durable where the platform allows fsync on a directory (best effort elsewhere). */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
