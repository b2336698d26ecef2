/**
 * Expands command-line paths (files and directories, recursively) into the list of files to process.
 * Problems become entries with an error instead of exceptions, so one bad path never stops a batch.
 */
import { promises as fs, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { toErrorInfo, type ErrorCode } from '../errors.js';

/** A file to process, or a path that could not be expanded (with the reason). */
export type WalkEntry =
  | { readonly path: string; readonly error?: undefined }
  | { readonly path: string; readonly error: { readonly code: ErrorCode; readonly message: string } };

function failed(p: string, code: ErrorCode, message: string): WalkEntry {
  return { path: p, error: { code, message } };
}

function fsFailure(p: string, err: unknown, what: string): WalkEntry {
  const info = toErrorInfo(err);
  const errno = (err as NodeJS.ErrnoException).code;
  if (errno === 'ENOENT') return failed(p, 'NOT_FOUND', `no such file or directory: ${p}`);
  if (errno === 'ELOOP') return failed(p, 'UNREADABLE', `symbolic link loop at ${p}`);
  if (errno === 'EACCES' || errno === 'EPERM') return failed(p, 'UNREADABLE', `permission denied: cannot ${what} ${p}`);
  return failed(p, info.code === 'INTERNAL' ? 'UNREADABLE' : info.code, `cannot ${what} ${p}: ${info.message}`);
}

/** Code-unit order: the same on every machine and locale. */
function compareEntries(a: WalkEntry, b: WalkEntry): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** Real paths the walk leaves out silently: whole directory trees and single files. */
export interface WalkSkip {
  readonly dirs?: readonly string[];
  readonly files?: readonly string[];
}

/** How the walk treats symbolic links. */
export interface WalkOptions {
  /** Follow links found under the inputs wherever they lead (default false: only while they stay inside an input). */
  readonly followSymlinks?: boolean;
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** The SYMLINK_OUTSIDE entry of a link that leads out of every input, or null when it stays inside one. */
async function linkOutside(p: string, roots: readonly string[]): Promise<WalkEntry | null> {
  let real: string;
  try {
    real = await fs.realpath(p);
  } catch {
    return null; // dangling or a loop: reported as such by the caller
  }
  if (roots.some((root) => isInside(root, real))) return null;
  const target = await fs.readlink(p).catch(() => real);
  return failed(p, 'SYMLINK_OUTSIDE', `symbolic link ${p} points outside the given paths (to ${target}); not followed (--follow-symlinks follows it)`);
}

/**
 * Files under `inputs` (files as given, directories recursively), as normalised paths in code-unit
 * order, each path at most once. Inputs themselves are followed when they are links; a link found under
 * them is followed only while its target stays inside one of the inputs (or with `followSymlinks`),
 * otherwise it gives a SYMLINK_OUTSIDE entry. Missing paths give NOT_FOUND entries; unreadable
 * directories, symlink loops and non-regular files (FIFOs, devices, sockets) give UNREADABLE entries.
 * Files and directories whose real path is in `skip` (however they are reached) are left out without
 * an entry. Never throws for file-system problems; the order does not depend on timing or the locale.
 */
export async function walkPaths(inputs: readonly string[], skip: WalkSkip = {}, options: WalkOptions = {}): Promise<WalkEntry[]> {
  const entries: WalkEntry[] = [];
  const skipDirs = new Set(skip.dirs ?? []);
  const skipFiles = new Set(skip.files ?? []);
  const roots = (await Promise.all(inputs.map((input) => fs.realpath(path.normalize(input)).catch(() => null)))).filter((r): r is string => r !== null);

  async function visit(p: string, ancestors: ReadonlySet<string>, isInput = false): Promise<void> {
    if (!isInput && options.followSymlinks !== true) {
      const outside = await linkOutside(p, roots);
      if (outside !== null) {
        entries.push(outside);
        return;
      }
    }
    let stats: Stats;
    try {
      stats = await fs.stat(p);
    } catch (err) {
      // A dangling symlink reports ENOENT through stat; say it is a link, not a missing file.
      const isLink = await fs.lstat(p).then((s) => s.isSymbolicLink(), () => false);
      if (isLink && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        entries.push(failed(p, 'NOT_FOUND', `symbolic link ${p} points to a missing file`));
      } else entries.push(fsFailure(p, err, 'read'));
      return;
    }
    if (stats.isFile()) {
      if (skipFiles.size > 0 && skipFiles.has(await fs.realpath(p).catch(() => path.resolve(p)))) return;
      entries.push({ path: p });
      return;
    }
    if (!stats.isDirectory()) {
      entries.push(failed(p, 'UNREADABLE', `not a regular file or directory: ${p}`));
      return;
    }
    await visitDirectory(p, ancestors);
  }

  async function visitDirectory(p: string, ancestors: ReadonlySet<string>): Promise<void> {
    let real: string;
    let children: Dirent[];
    try {
      real = await fs.realpath(p);
      if (skipDirs.has(real)) return;
      if (ancestors.has(real)) {
        entries.push(failed(p, 'UNREADABLE', `symbolic link loop: ${p} leads back to ${real}`));
        return;
      }
      children = await fs.readdir(p, { withFileTypes: true });
    } catch (err) {
      entries.push(fsFailure(p, err, 'list directory'));
      return;
    }
    const inside = new Set(ancestors).add(real);
    for (const child of children) {
      const childPath = path.join(p, child.name);
      // Plain files and directories need no stat; links and anything unusual go through visit().
      if (child.isFile()) {
        // A plain file's real path is its real folder plus its name.
        if (!skipFiles.has(path.join(real, child.name))) entries.push({ path: childPath });
      }
      else if (child.isDirectory()) await visitDirectory(childPath, inside);
      else await visit(childPath, inside);
    }
  }

  for (const input of inputs) await visit(path.normalize(input), new Set(), true);

  const seen = new Set<string>();
  const unique: WalkEntry[] = [];
  for (const entry of entries) {
    const key = path.resolve(entry.path);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(entry);
  }
  return unique.sort(compareEntries);
}
