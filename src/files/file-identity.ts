/**
 * What makes two paths one file: the bytes of its real path (links resolved), so a file reached by two
 * names is one item and two names that merely look alike are two.
 */
import { isUtf8 } from 'node:buffer';
import { realpathSync, type PathLike } from 'node:fs';
import path from 'node:path';
import type { RawPath } from './raw-path.js';

/** A key for absolute path bytes: the path itself when UTF-8 (as before raw names), else a hex form no path text can equal. */
function keyOfBytes(bytes: Buffer): string {
  return isUtf8(bytes) ? bytes.toString('utf8') : `pathbytes:${bytes.toString('hex')}`;
}

/**
 * Where a file is read (its absolute path; raw bytes when the name is not UTF-8) and its identity key:
 * the real path with `resolveLinks`, else (or when it cannot be resolved) the absolute path. `realName`
 * is true when no link lies on the way (the key is the path itself): the file's own name.
 */
export function locateFile(where: RawPath, resolveLinks: boolean): { key: string; readPath: PathLike; realName: boolean } {
  if (where.pathBytes === undefined) {
    const abs = path.resolve(where.path);
    if (!resolveLinks) return { key: abs, readPath: abs, realName: true };
    try {
      const key = realpathSync(abs);
      return { key, readPath: abs, realName: key === abs };
    } catch {
      return { key: abs, readPath: abs, realName: true };
    }
  }
  // One character per byte, so node:path resolves the bytes without decoding them.
  const cwd = Buffer.from(process.cwd(), 'utf8').toString('latin1');
  const abs = Buffer.from(path.resolve(cwd, Buffer.from(where.pathBytes, 'hex').toString('latin1')), 'latin1');
  const own = keyOfBytes(abs);
  if (!resolveLinks) return { key: own, readPath: abs, realName: true };
  try {
    const key = keyOfBytes(realpathSync(abs, { encoding: 'buffer' }));
    return { key, readPath: abs, realName: key === own };
  } catch {
    return { key: own, readPath: abs, realName: true };
  }
}
