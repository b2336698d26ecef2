/**
 * One process at a time per case: a lock file in the output directory names the process that holds it.
 * A lock left by a process that no longer runs (killed, crashed) is taken over; a live holder makes the
 * second scan or --resume stop with a usage error instead of both writing the same case.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { HashtriageError } from '../errors.js';

/** Name of the lock file inside the output directory. */
export const CASE_LOCK_NAME = 'case.lock';

/** True when a process with that id runs on this machine (a process we may not signal still runs). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the case lock of `outDir` for this process and returns its release. The lock file appears with its
 * contents at once (written aside, then hard-linked into place), so no other process can read it empty;
 * the release removes it only while it is still this process's. Throws HashtriageError USAGE when another
 * live process on this machine holds it.
 */
export function lockCase(outDir: string): () => void {
  const file = path.join(outDir, CASE_LOCK_NAME);
  const mine = `${process.pid} ${hostname()} ${randomBytes(8).toString('hex')}\n`;
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const cannot = (err: unknown) => new HashtriageError('USAGE', `--out ${outDir}: cannot create ${CASE_LOCK_NAME}: ${(err as Error).message}`);
  try {
    writeFileSync(aside, mine, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    throw cannot(err);
  }
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(aside, file);
        return () => {
          if (readOrNull(file) === mine) rmSync(file, { force: true });
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw cannot(err);
      }
      const holder = readOrNull(file);
      if (holder === null) continue; // released meanwhile: try again
      const [pidText, host] = holder.trim().split(' ');
      const pid = Number(pidText);
      const sameHost = host === undefined || host === hostname();
      if (!sameHost) throw new HashtriageError('USAGE', `--out ${outDir}: the case is locked by a process on ${host}; remove ${file} only if no scan runs there`);
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new HashtriageError('USAGE', `--out ${outDir}: another hashtriage process (pid ${pid}) is working on this case; wait for it to finish, or stop it and --resume`);
      }
      // left by a process that is gone: move it aside, and remove it only if it is still the one read
      const stale = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
      try {
        renameSync(file, stale);
      } catch {
        continue; // another process took it over first
      }
      if (readOrNull(stale) !== holder) {
        try {
          linkSync(stale, file); // a live lock taken meanwhile: put it back
        } catch {
          // its owner will find it gone and its release is a no-op; the case stays one process's at a time
        }
      }
      rmSync(stale, { force: true });
    }
  } finally {
    rmSync(aside, { force: true });
  }
  throw new HashtriageError('USAGE', `--out ${outDir}: cannot take the case lock (${CASE_LOCK_NAME})`);
}

/** The text of a file, or null when it cannot be read (gone). */
function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
