/**
 * A reported file that is hashed only by its digests (a video, an SVG drawing, an empty attachment named
 * .mp4) has no perceptual hash, so nothing but an exact copy can ever link it to known material. The
 * analyst must be told to look at it by hand: it may not sink to P4 with score 0 and no reason, below a
 * truncated JPEG (which gets unprocessed_files, P3) or a flat picture (perceptual_hash_unusable, P3).
 * Files nobody reported (a seized disk's documents and programs) stay in the backlog.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

const IMAGES = path.resolve('fixtures/conformance/images');

describe('reported content that is no picture', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-no-perceptual-'));
    mkdirSync(path.join(dir, 'media'));
    const mp4 = Buffer.alloc(4096);
    mp4.writeUInt32BE(24, 0);
    mp4.write('ftypisom\0\0\0\0isomavc1', 4, 'latin1');
    writeFileSync(path.join(dir, 'media', 'clip.mp4'), mp4);
    writeFileSync(
      path.join(dir, 'media', 'drawing.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg" width="50" height="50"><circle r="20" cx="25" cy="25"/></svg>',
    );
    writeFileSync(path.join(dir, 'media', 'upload.mp4'), '');
    writeFileSync(path.join(dir, 'media', 'broken.jpg'), readFileSync(path.join(IMAGES, 'base-900x700.jpg')).subarray(0, 5000));
    copyFileSync(path.join(IMAGES, 'rose-210x138.png'), path.join(dir, 'media', 'rose.png'));
    writeFileSync(path.join(dir, 'media', 'unreported.pdf'), '%PDF-1.4\n% nobody reported this\n');
    writeFileSync(
      path.join(dir, 'reports.csv'),
      'report_id,reporter,file\nV1,a,media/clip.mp4\nV2,b,media/drawing.svg\nV3,c,media/upload.mp4\nV4,d,media/broken.jpg\nV5,e,media/rose.png\n',
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a reported video, SVG or empty .mp4 is not a silent P4: its bundle says to check it by hand', async () => {
    const res = await runCli(['scan', 'media', '--manifest', 'reports.csv', '--out', 'out', '--no-index', '--no-sightings'], { cwd: dir });
    expect(res.status).toBe(1); // broken.jpg
    const bundles = readFileSync(path.join(dir, 'out', 'bundles.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { tier: string; score: number; reasons: Array<{ signal: string }>; reportIds: string[]; paths: string[]; flags: Array<{ flag: string; detail: string }> });
    const byReport = (id: string) => bundles.find((b) => b.reportIds.includes(id))!;
    // the truncated JPEG is handled as the README promises: P3 with a reason
    expect(byReport('V4').tier).toBe('P3 routine');
    for (const id of ['V1', 'V2', 'V3']) {
      const b = byReport(id);
      expect(b.tier, `bundle of ${id} sank to P4 with score ${b.score}`).not.toBe('P4 backlog');
      expect(b.reasons.length, `bundle of ${id} has no reason at all`).toBeGreaterThan(0);
      expect(b.reasons.map((r) => r.signal)).toEqual(['perceptual_hash_unusable']);
      expect(b.flags).toEqual([{ flag: 'perceptual_hash_unusable', detail: expect.stringMatching(/^reported, but no file is a picture this tool decodes .* so none has a pdq, blockhash hash: .*check by hand$/) }]);
    }
    // a picture keeps its usual reasons, and a file nobody reported stays in the backlog without a flag
    expect(byReport('V5').flags).toEqual([]);
    const unreported = bundles.find((b) => b.paths.some((p) => p.endsWith('unreported.pdf')))!;
    expect(unreported.tier).toBe('P4 backlog');
    expect(unreported.flags).toEqual([]);
    expect(res.stdout + res.stderr).toContain('check by hand: 3 bundles');
  });
});
