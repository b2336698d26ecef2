/**
 * One process at a time per case: a lock file in the output directory names the process that holds it.
 * A lock left by a process that no longer runs (killed, crashed) is taken over; a live holder makes the
 * second scan or --resume stop with a usage error instead of both writing the same case.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
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
 * Takes the case lock of `outDir` for this process and returns its release. Throws HashtriageError USAGE
 * when another live process on this machine holds it.
 */
export function lockCase(outDir: string): () => void {
  const file = path.join(outDir, CASE_LOCK_NAME);
  const mine = `${process.pid} ${hostname()}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, mine);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new HashtriageError('USAGE', `--out ${outDir}: cannot create ${CASE_LOCK_NAME}: ${(err as Error).message}`);
    }
    let holder = '';
    try {
      holder = readFileSync(file, 'utf8');
    } catch {
      continue; // released meanwhile: try again
    }
    const [pidText, host] = holder.trim().split(' ');
    const pid = Number(pidText);
    const sameHost = host === undefined || host === hostname();
    if (Number.isInteger(pid) && pid > 0 && sameHost && alive(pid)) {
      throw new HashtriageError('USAGE', `--out ${outDir}: another hashtriage process (pid ${pid}) is working on this case; wait for it to finish, or stop it and --resume`);
    }
    if (!sameHost) throw new HashtriageError('USAGE', `--out ${outDir}: the case is locked by a process on ${host}; remove ${file} only if no scan runs there`);
    rmSync(file, { force: true }); // left by a process that is gone
  }
  throw new HashtriageError('USAGE', `--out ${outDir}: cannot take the case lock (${CASE_LOCK_NAME})`);
}
