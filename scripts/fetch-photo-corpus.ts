/**
 * Builds the accuracy benchmark's photo corpus from pictures shipped in Debian packages (desktop
 * wallpapers and backgrounds: photographs and artwork under free licences, see each package's
 * copyright file). Downloads the packages with `apt-get download` (no root needed), unpacks them with
 * `dpkg -x`, keeps one file per distinct picture (the largest size; no dark/light twins, no
 * screenshots), and writes each as a PNG of at most 1024 pixels on its longer side into the corpus
 * folder (default `.cache/photo-corpus`, git-ignored). The images never enter git.
 *
 *   tsx scripts/fetch-photo-corpus.ts [--out DIR]
 *
 * Run again: pictures already present are kept. Exit code 1 when a package could not be fetched (the
 * others are still prepared), 0 otherwise.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { listPictures, unpackDebianPackages } from './lib/debian-pictures.js';

/** Debian packages the corpus is taken from. */
export const CORPUS_PACKAGES = ['mate-backgrounds', 'plasma-workspace-wallpapers', 'ukui-wallpapers', 'lomiri-wallpapers', 'gnome-backgrounds'];

/** Longer side of the prepared pictures (keeps the benchmark fast; PDQ and blockhash look at 64×64 and 16×16 anyway). */
const MAX_SIDE = 1024;

/** Files that are a second version of a picture kept under another name (same design, other colours or size). */
const TWINS = [/MATE-Stripes-Dark/, /Ubuntu-Mate-(Dark|Radioactive|Warm)/, /Elephants_\d+x\d+/, /images_dark\//, /screenshot\./, /-d\.webp$/, /\/vnc-/];

const IMAGE = /\.(jpe?g|png|webp)$/i;

/** One file per picture: twins dropped; of a wallpaper folder's sizes (…/NAME/contents/images/WxH.ext) the largest file. */
export function selectPictures(files: readonly string[]): Array<{ file: string; name: string }> {
  const byName = new Map<string, { file: string; size: number }>();
  for (const file of files) {
    const unix = file.split(path.sep).join('/');
    if (TWINS.some((re) => re.test(unix))) continue;
    const wallpaper = /\/wallpapers\/([^/]+)\/contents\/images\//.exec(unix);
    const name = (wallpaper ? wallpaper[1] : path.basename(unix).replace(IMAGE, '')).replace(/[^A-Za-z0-9_-]/g, '_');
    const size = statSync(file).size;
    if (size < 10_000) continue;
    const seen = byName.get(name);
    if (seen === undefined || size > seen.size) byName.set(name, { file, size });
  }
  return [...byName.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([name, v]) => ({ file: v.file, name }));
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const out = outIndex >= 0 ? path.resolve(args[outIndex + 1]) : path.join(root, '.cache', 'photo-corpus');
  mkdirSync(out, { recursive: true });
  const debs = path.join(root, '.cache', 'debs');
  mkdirSync(debs, { recursive: true, mode: 0o700 });
  const got = unpackDebianPackages(CORPUS_PACKAGES, debs);
  for (const f of got.failed) process.stderr.write(`fetch-photo-corpus: could not download ${f}\n`);
  const failed = got.failed.length;
  const unpacked = got.root;
  const pictures = selectPictures(listPictures(unpacked));
  let written = 0;
  for (const { file, name } of pictures) {
    const target = path.join(out, `${name}.png`);
    if (existsSync(target)) continue;
    try {
      await sharp(file).rotate().resize(MAX_SIDE, MAX_SIDE, { fit: 'inside', withoutEnlargement: true }).removeAlpha().png().toFile(target);
      written++;
    } catch (err) {
      process.stderr.write(`fetch-photo-corpus: skipped ${path.basename(file)}: ${(err as Error).message}\n`);
    }
  }
  process.stdout.write(`fetch-photo-corpus: ${pictures.length} pictures from ${CORPUS_PACKAGES.length} packages, ${written} new, in ${out}\n`);
  return failed > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((code) => process.exit(code), (err) => {
    process.stderr.write(`fetch-photo-corpus: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
