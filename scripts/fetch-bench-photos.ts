/**
 * Real photographs for the hashing benchmarks, kept out of git: Debian's desktop wallpaper packages
 * (mate-backgrounds, gnome-backgrounds, plasma-workspace-wallpapers) are fetched with `apt-get download`, unpacked with `dpkg -x` into
 * a cache folder, and sorted by format and size into
 *
 *   <cache>/photos/jpeg-0.5mp   JPEG originals of 0.2–1 MP, topped up to 12 with larger wallpapers scaled
 *                               to about 0.5 MP (JPEG quality 85)
 *   <cache>/photos/jpeg-2mp     JPEG originals of 1.5–3 MP, topped up to 60 with the larger wallpapers
 *                               (JPEG, PNG, WebP) scaled to about 2.3 MP and encoded as JPEG quality 90
 *   <cache>/photos/jpeg-12mp    JPEG originals of 8 MP or more
 *   <cache>/photos/png          PNG originals of 1 MP or more (at most 12)
 *   <cache>/photos/webp         WebP originals (at most 12)
 *
 * Run: npx tsx scripts/fetch-bench-photos.ts [--cache DIR]   (default $HASHTRIAGE_BENCH_CACHE, else
 * ~/.cache/hashtriage-bench). Prints the photos folder. Needs apt-get and dpkg (Debian/Ubuntu); exits 1
 * with the reason when they or the packages are not available. A second run reuses what is there.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { benchCacheDir, PHOTO_CLASSES, type PhotoClass } from '../bench/lib/photo-corpus.js';
import { flagValue } from '../bench/lib/args.js';
import { listPictures, unpackDebianPackages } from './lib/debian-pictures.js';

const PACKAGES = ['mate-backgrounds', 'gnome-backgrounds', 'plasma-workspace-wallpapers'];
const TWO_MP_TARGET = 60;
const CAP = 12;

interface Found {
  readonly file: string;
  readonly format: string;
  readonly megapixels: number;
}

async function main(): Promise<void> {
  const cache = benchCacheDir(flagValue('cache'));
  let root: string;
  try {
    const debs = path.join(cache, 'debs');
    mkdirSync(debs, { recursive: true, mode: 0o700 });
    const got = unpackDebianPackages(PACKAGES, debs);
    if (got.failed.length > 0) throw new Error(got.failed.join('; '));
    root = got.root;
  } catch (err) {
    process.stderr.write(`fetch-bench-photos: could not fetch ${PACKAGES.join(', ')} with apt-get/dpkg: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const found: Found[] = [];
  for (const file of listPictures(root)) {
    try {
      const meta = await sharp(file).metadata();
      if (meta.width && meta.height) found.push({ file, format: meta.format ?? '', megapixels: (meta.width * meta.height) / 1e6 });
    } catch {
      // Not decodable here (e.g. an unsupported variant): not a benchmark input.
    }
  }
  const photos = path.join(cache, 'photos');
  rmSync(photos, { recursive: true, force: true });
  for (const c of PHOTO_CLASSES) mkdirSync(path.join(photos, c), { recursive: true, mode: 0o700 });
  const put = (c: PhotoClass, f: Found): void => copyFileSync(f.file, path.join(photos, c, `${path.basename(path.dirname(f.file))}-${path.basename(f.file)}`));
  const jpegs = found.filter((f) => f.format === 'jpeg');
  for (const f of jpegs.filter((j) => j.megapixels >= 0.2 && j.megapixels <= 1)) put('jpeg-0.5mp', f);
  const twoMp = jpegs.filter((j) => j.megapixels >= 1.5 && j.megapixels <= 3);
  for (const f of twoMp) put('jpeg-2mp', f);
  for (const f of jpegs.filter((j) => j.megapixels >= 8)) put('jpeg-12mp', f);
  for (const f of found.filter((p) => p.format === 'png' && p.megapixels >= 1).slice(0, CAP)) put('png', f);
  for (const f of found.filter((p) => p.format === 'webp').slice(0, CAP)) put('webp', f);
  // Top the 2 MP class up with the larger wallpapers scaled to ~2.3 MP, as a phone or camera would save them.
  const large = found.filter((p) => p.megapixels > 3);
  let made = twoMp.length;
  for (const f of large) {
    if (made >= TWO_MP_TARGET) break;
    const out = path.join(photos, 'jpeg-2mp', `scaled-${String(made).padStart(3, '0')}-${path.parse(f.file).name}.jpg`);
    await sharp(f.file).resize(1920, 1200, { fit: 'inside' }).jpeg({ quality: 90 }).toFile(out);
    made++;
  }
  let small = readdirSync(path.join(photos, 'jpeg-0.5mp')).length;
  for (const f of large.slice().reverse()) {
    if (small >= CAP) break;
    const out = path.join(photos, 'jpeg-0.5mp', `scaled-${String(small).padStart(3, '0')}-${path.parse(f.file).name}.jpg`);
    await sharp(f.file).resize(900, 600, { fit: 'inside' }).jpeg({ quality: 85 }).toFile(out);
    small++;
  }
  const counts = Object.fromEntries(PHOTO_CLASSES.map((c) => [c, readdirSync(path.join(photos, c)).length]));
  writeFileSync(path.join(photos, 'SOURCE.txt'), `Debian packages: ${PACKAGES.join(', ')}\n${JSON.stringify(counts)}\n`, { mode: 0o600 });
  process.stderr.write(`fetch-bench-photos: ${JSON.stringify(counts)}\n`);
  console.log(photos);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
