/**
 * Pictures shipped in Debian packages (desktop wallpapers and backgrounds), for the benchmarks' real
 * photographs: packages are fetched with `apt-get download` (no root needed) and unpacked with
 * `dpkg -x` into a cache folder outside git. A second run reuses what is there.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The picture files under `dir` (JPEG, PNG, WebP by name), recursively, in sorted order. */
export function listPictures(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listPictures(full));
    else if (entry.isFile() && /\.(jpe?g|png|webp)$/i.test(entry.name)) out.push(full);
  }
  return out.sort();
}

/**
 * Downloads each package into `debsDir` unless a .deb of it is there, and unpacks every .deb once into
 * `debsDir/x`, which it returns with the packages that could not be downloaded (the others are unpacked).
 */
export function unpackDebianPackages(packages: readonly string[], debsDir: string): { root: string; failed: string[] } {
  const root = path.join(debsDir, 'x');
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const failed: string[] = [];
  for (const name of packages) {
    if (readdirSync(debsDir).some((f) => f.startsWith(`${name}_`) && f.endsWith('.deb'))) continue;
    try {
      execFileSync('apt-get', ['download', name], { cwd: debsDir, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      failed.push(`${name}: ${String((err as Error).message).split('\n')[0]}`);
    }
  }
  for (const deb of readdirSync(debsDir).filter((f) => f.endsWith('.deb'))) {
    const done = path.join(root, `.${deb}.unpacked`);
    if (existsSync(done)) continue;
    execFileSync('dpkg', ['-x', path.join(debsDir, deb), root]);
    writeFileSync(done, '');
  }
  return { root, failed };
}
