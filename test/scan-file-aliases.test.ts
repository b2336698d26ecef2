/**
 * A file reached by several names is one item, shown by its own name: a symbolic link that sorts before
 * the file (a-link.png → rose.png) used to become the item's only name, so the file a report named
 * appeared nowhere in the outputs.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planItems } from '../src/pipeline/scan.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-aliases-'));
  mkdirSync(path.join(dir, 'iso'));
  writeFileSync(path.join(dir, 'iso', 'rose.png'), 'picture');
  symlinkSync('rose.png', path.join(dir, 'iso', 'a-link.png'));
  symlinkSync('rose.png', path.join(dir, 'iso', 'z-link.png'));
  symlinkSync('iso', path.join(dir, 'folder-link'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = (...parts: string[]) => ({ path: path.join(dir, ...parts) });
const ref = (reportId: string, relPath: string) => ({ reportId, relPath, absPath: path.join(dir, relPath), manifest: path.join(dir, 'm.csv'), source: 'm.csv:2' });

describe('planItems', () => {
  it("shows a file by its own name whatever order its links come in, with every report that names any of them", () => {
    for (const walked of [
      [at('iso', 'a-link.png'), at('iso', 'rose.png'), at('iso', 'z-link.png')],
      [at('iso', 'z-link.png'), at('iso', 'a-link.png'), at('iso', 'rose.png')],
    ]) {
      const items = planItems(walked, [ref('R1', 'iso/a-link.png'), ref('R2', 'iso/rose.png')]);
      expect(items.map((i) => i.path)).toEqual([path.join(dir, 'iso', 'rose.png')]);
      expect(items[0].reportIds).toEqual(['R1', 'R2']);
    }
  });

  it('falls back to the first name in path order when every name goes through a link', () => {
    const items = planItems([at('folder-link', 'z-link.png'), at('folder-link', 'rose.png'), at('folder-link', 'a-link.png')], []);
    expect(items.map((i) => i.path)).toEqual([path.join(dir, 'folder-link', 'a-link.png')]);
  });
});
