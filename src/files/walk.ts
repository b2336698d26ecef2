/**
 * Expands command-line paths (files and directories, recursively) into the list of files to process.
 * Problems become entries with an error instead of exceptions, so one bad path never stops a batch.
 * Names are read as the bytes they are on disk (src/files/raw-path.ts), so a name that is not UTF-8 is
 * still found, opened and told apart from one that looks the same.
 */
import { promises as fs, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { toErrorInfo, type ErrorCode } from '../errors.js';
import { compareRawPaths, pathText, rawPathOf, type RawPath } from './raw-path.js';

/** A file to process, or a path that could not be expanded (with the reason); `pathBytes` as in RawPath. */
export type WalkEntry =
  | (RawPath & { readonly error?: undefined })
  | (RawPath & { readonly error: { readonly code: ErrorCode; readonly message: string } });

/**
 * A path inside the walk: its bytes, one character per byte (latin1), so node:path splits and joins
 * it on '/' exactly as it would the bytes, and nothing is lost to decoding.
 */
type BytePath = string;

const bytePath = (text: string): BytePath => Buffer.from(text, 'utf8').toString('latin1');
const fsArg = (p: BytePath): Buffer => Buffer.from(p, 'latin1');
const shown = (p: BytePath): string => pathText(fsArg(p));
const realpathOf = async (p: BytePath): Promise<BytePath> => (await fs.realpath(fsArg(p), { encoding: 'buffer' })).toString('latin1');

interface Found {
  readonly at: BytePath;
  readonly error?: { readonly code: ErrorCode; readonly message: string };
}

function failed(p: BytePath, code: ErrorCode, message: string): Found {
  return { at: p, error: { code, message } };
}

function fsFailure(p: BytePath, err: unknown, what: string): Found {
  const info = toErrorInfo(err);
  const errno = (err as NodeJS.ErrnoException).code;
  const s = shown(p);
  if (errno === 'ENOENT') return failed(p, 'NOT_FOUND', `no such file or directory: ${s}`);
  if (errno === 'ELOOP') return failed(p, 'UNREADABLE', `symbolic link loop at ${s}`);
  if (errno === 'EACCES' || errno === 'EPERM') return failed(p, 'UNREADABLE', `permission denied: cannot ${what} ${s}`);
  return failed(p, info.code === 'INTERNAL' ? 'UNREADABLE' : info.code, `cannot ${what} ${s}: ${info.message}`);
}

/** What the walk leaves out: whole directory trees and single files by real path (silently), and marked directories. */
export interface WalkSkip {
  readonly dirs?: readonly string[];
  readonly files?: readonly string[];
  /**
   * Directories holding a regular file called `name` that `confirm` accepts (given that file's path
   * bytes) are left out with everything below them, and passed to `onLeftOut` (their path as shown).
   */
  readonly marked?: {
    readonly name: string;
    readonly confirm: (file: Buffer) => boolean;
    readonly onLeftOut: (dir: string) => void;
  };
}

/** How the walk treats symbolic links. */
export interface WalkOptions {
  /** Follow links found under the inputs wherever they lead (default false: only while they stay inside an input). */
  readonly followSymlinks?: boolean;
}

function isInside(root: BytePath, candidate: BytePath): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** The SYMLINK_OUTSIDE entry of a link that leads out of every input, or null when it stays inside one. */
async function linkOutside(p: BytePath, roots: readonly BytePath[]): Promise<Found | null> {
  let real: BytePath;
  try {
    real = await realpathOf(p);
  } catch {
    return null; // dangling or a loop: reported as such by the caller
  }
  if (roots.some((root) => isInside(root, real))) return null;
  const target = await fs.readlink(fsArg(p), { encoding: 'buffer' }).then((b) => b.toString('latin1'), () => real);
  return failed(p, 'SYMLINK_OUTSIDE', `symbolic link ${shown(p)} points outside the given paths (to ${shown(target)}); not followed (--follow-symlinks follows it)`);
}

/**
 * Files under `inputs` (files as given, directories recursively), as normalised paths in code-unit
 * order of their text (then of their bytes), each path at most once. Inputs themselves are followed when
 * they are links; a link found under them is followed only while its target stays inside one of the
 * inputs (or with `followSymlinks`), otherwise it gives a SYMLINK_OUTSIDE entry. Missing paths give
 * NOT_FOUND entries; unreadable directories, symlink loops and non-regular files (FIFOs, devices,
 * sockets) give UNREADABLE entries. Files and directories whose real path is in `skip` (however they are
 * reached) are left out without an entry, and so are marked directories found below the inputs (an input
 * itself is walked as asked). Never throws for file-system problems; the order does not
 * depend on timing or the locale.
 */
export async function walkPaths(inputs: readonly string[], skip: WalkSkip = {}, options: WalkOptions = {}): Promise<WalkEntry[]> {
  const found: Found[] = [];
  const skipDirs = new Set((skip.dirs ?? []).map(bytePath));
  const skipFiles = new Set((skip.files ?? []).map(bytePath));
  const starts = inputs.map((input) => bytePath(path.normalize(input)));
  const roots = (await Promise.all(starts.map((p) => realpathOf(p).catch(() => null)))).filter((r): r is BytePath => r !== null);

  async function visit(p: BytePath, ancestors: ReadonlySet<BytePath>, isInput = false): Promise<void> {
    if (!isInput && options.followSymlinks !== true) {
      const outside = await linkOutside(p, roots);
      if (outside !== null) {
        found.push(outside);
        return;
      }
    }
    let stats: Stats;
    try {
      stats = await fs.stat(fsArg(p));
    } catch (err) {
      // A dangling symlink reports ENOENT through stat; say it is a link, not a missing file.
      const isLink = await fs.lstat(fsArg(p)).then((s) => s.isSymbolicLink(), () => false);
      if (isLink && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        found.push(failed(p, 'NOT_FOUND', `symbolic link ${shown(p)} points to a missing file`));
      } else found.push(fsFailure(p, err, 'read'));
      return;
    }
    if (stats.isFile()) {
      if (skipFiles.size > 0 && skipFiles.has(await realpathOf(p).catch(() => path.resolve(cwd, p)))) return;
      found.push({ at: p });
      return;
    }
    if (!stats.isDirectory()) {
      found.push(failed(p, 'UNREADABLE', `not a regular file or directory: ${shown(p)}`));
      return;
    }
    await visitDirectory(p, ancestors, isInput);
  }

  async function visitDirectory(p: BytePath, ancestors: ReadonlySet<BytePath>, isInput = false): Promise<void> {
    let real: BytePath;
    let children: Array<Dirent<Buffer>>;
    try {
      real = await realpathOf(p);
      if (skipDirs.has(real)) return;
      if (ancestors.has(real)) {
        found.push(failed(p, 'UNREADABLE', `symbolic link loop: ${shown(p)} leads back to ${shown(real)}`));
        return;
      }
      children = await fs.readdir(fsArg(p), { encoding: 'buffer', withFileTypes: true });
    } catch (err) {
      found.push(fsFailure(p, err, 'list directory'));
      return;
    }
    const marked = skip.marked;
    // (a folder that is itself one of the inputs is walked as asked, however it is reached)
    if (marked !== undefined && !isInput && !roots.includes(real)) {
      const markerName = bytePath(marked.name);
      const marker = children.find((c) => c.isFile() && c.name.toString('latin1') === markerName);
      if (marker !== undefined && marked.confirm(fsArg(path.join(p, markerName)))) {
        marked.onLeftOut(shown(p));
        return;
      }
    }
    const inside = new Set(ancestors).add(real);
    for (const child of children) {
      const name = child.name.toString('latin1');
      const childPath = path.join(p, name);
      // Plain files and directories need no stat; links and anything unusual go through visit().
      if (child.isFile()) {
        // A plain file's real path is its real folder plus its name.
        if (!skipFiles.has(path.join(real, name))) found.push({ at: childPath });
      }
      else if (child.isDirectory()) await visitDirectory(childPath, inside);
      else await visit(childPath, inside);
    }
  }

  const cwd = bytePath(process.cwd());
  for (const start of starts) await visit(start, new Set(), true);

  const seen = new Set<BytePath>();
  const unique: WalkEntry[] = [];
  for (const entry of found) {
    const key = path.resolve(cwd, entry.at);
    if (seen.has(key)) continue;
    seen.add(key);
    const where = rawPathOf(fsArg(entry.at));
    unique.push(entry.error === undefined ? where : { ...where, error: entry.error });
  }
  return unique.sort(compareRawPaths);
}
