/**
 * Expanding command-line paths: recursive, sorted, deduplicated, and every problem an entry (never a throw).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRawPaths, pathText, rawPathOf } from '../src/files/raw-path.js';
import { walkPaths } from '../src/files/walk.js';
import { hashRecordFromFields, hashRecordToFields } from '../src/hashing/record-fields.js';

describe('walkPaths', () => {
  let root: string;
  const rel = (p: string): string => path.relative(root, p);

  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-walk-'));
    mkdirSync(path.join(root, 'd', 'sub', 'deeper'), { recursive: true });
    for (const f of ['d/b.jpg', 'd/a.png', 'd/sub/z.txt', 'd/sub/deeper/y.gif', 'd/B.jpg', 'top.jpg']) writeFileSync(path.join(root, f), f);
    symlinkSync('..', path.join(root, 'd', 'sub', 'up')); // loop: d/sub/up -> d
    symlinkSync('missing-target', path.join(root, 'd', 'dangling'));
    symlinkSync(path.join(root, 'top.jpg'), path.join(root, 'd', 'link-to-top.jpg'));
    execFileSync('mkfifo', [path.join(root, 'd', 'pipe')]);
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('lists files recursively in code-unit order, follows links with --follow-symlinks, reports loops, dangling links and FIFOs', async () => {
    const entries = await walkPaths([path.join(root, 'd')], {}, { followSymlinks: true });
    expect(entries.map((e) => [rel(e.path), e.error?.code ?? 'file'])).toEqual([
      ['d/B.jpg', 'file'],
      ['d/a.png', 'file'],
      ['d/b.jpg', 'file'],
      ['d/dangling', 'NOT_FOUND'],
      ['d/link-to-top.jpg', 'file'],
      ['d/pipe', 'UNREADABLE'],
      ['d/sub/deeper/y.gif', 'file'],
      ['d/sub/up', 'UNREADABLE'],
      ['d/sub/z.txt', 'file'],
    ]);
    expect(entries.find((e) => rel(e.path) === 'd/sub/up')!.error!.message).toMatch(/loop/);
  });

  it('keeps each path once when inputs overlap, and reports missing inputs as NOT_FOUND with their path', async () => {
    const entries = await walkPaths([
      path.join(root, 'd', 'sub', 'deeper'),
      path.join(root, 'd', 'sub', 'z.txt'),
      path.join(root, 'd', 'sub', '.', 'z.txt'),
      path.join(root, 'd', 'sub', 'deeper', '..', 'deeper', 'y.gif'),
      path.join(root, 'nope.jpg'),
      path.join(root, 'top.jpg'),
    ]);
    expect(entries.map((e) => [rel(e.path), e.error?.code ?? 'file'])).toEqual([
      ['d/sub/deeper/y.gif', 'file'],
      ['d/sub/z.txt', 'file'],
      ['nope.jpg', 'NOT_FOUND'],
      ['top.jpg', 'file'],
    ]);
    expect(entries.find((e) => rel(e.path) === 'nope.jpg')!.error!.message).toContain(path.join(root, 'nope.jpg'));
  });

  it('walks a linked directory that is not its own ancestor, and stops where a link leads back', async () => {
    // From d/sub, the link "up" leads to d, which is new ground; inside it, d/sub/up/sub/up is the loop.
    const entries = await walkPaths([path.join(root, 'd', 'sub')], {}, { followSymlinks: true });
    const errors = entries.filter((e) => e.error).map((e) => [rel(e.path), e.error!.code]);
    expect(errors).toContainEqual(['d/sub/up/sub', 'UNREADABLE']);
    expect(entries.map((e) => rel(e.path))).toContain('d/sub/up/a.png');
  });

  it('does not follow links out of the inputs unless told to, and follows those that stay inside', async () => {
    const entries = await walkPaths([path.join(root, 'd')]);
    const codes = new Map(entries.map((e) => [rel(e.path), e.error?.code ?? 'file']));
    expect(codes.get('d/link-to-top.jpg')).toBe('SYMLINK_OUTSIDE');
    expect(entries.find((e) => rel(e.path) === 'd/link-to-top.jpg')!.error!.message).toBe(
      `symbolic link ${path.join(root, 'd', 'link-to-top.jpg')} points outside the given paths (to ${path.join(root, 'top.jpg')}); not followed (--follow-symlinks follows it)`,
    );
    expect(codes.get('d/sub/up')).toBe('UNREADABLE'); // leads to d: inside, and a loop
    expect(entries).toHaveLength(9);
    const fromSub = await walkPaths([path.join(root, 'd', 'sub')]);
    expect(fromSub.map((e) => [rel(e.path), e.error?.code ?? 'file'])).toEqual([
      ['d/sub/deeper/y.gif', 'file'],
      ['d/sub/up', 'SYMLINK_OUTSIDE'],
      ['d/sub/z.txt', 'file'],
    ]);
    // With top.jpg among the inputs the link stays inside them and is followed.
    const both = await walkPaths([path.join(root, 'd'), path.join(root, 'top.jpg')]);
    expect(both.find((e) => rel(e.path) === 'd/link-to-top.jpg')?.error).toBeUndefined();
  });

  it('gives the same list whatever the order of the inputs', async () => {
    const a = await walkPaths([path.join(root, 'top.jpg'), path.join(root, 'd')]);
    const b = await walkPaths([path.join(root, 'd'), path.join(root, 'top.jpg')]);
    expect(a).toEqual(b);
  });

  it('returns an empty list for an empty directory', async () => {
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    expect(await walkPaths([empty])).toEqual([]);
  });
});

describe('raw file names', () => {
  it('shows UTF-8 as it is and escapes other bytes (and then backslashes) so the text tells them apart', () => {
    expect(pathText(Buffer.from('dir/café\\x.jpg'))).toBe('dir/café\\x.jpg');
    expect(pathText(Buffer.from('caf\xe9.jpg', 'latin1'))).toBe('caf\\xe9.jpg');
    expect(pathText(Buffer.from([0x61, 0x5c, 0x82, 0xa0, 0xe3, 0x81, 0x82, 0xf0, 0x9f]))).toBe('a\\\\\\x82\\xa0あ\\xf0\\x9f');
    expect(rawPathOf(Buffer.from('plain.jpg'))).toEqual({ path: 'plain.jpg' });
    expect(rawPathOf(Buffer.from([0x82, 0xa0]))).toEqual({ path: '\\x82\\xa0', pathBytes: '82a0' });
    expect(compareRawPaths({ path: 'a', pathBytes: '01' }, { path: 'a', pathBytes: '02' })).toBeLessThan(0);
  });

  it('keeps pathBytes through the record a scan stores and reads back', () => {
    const failed = { path: '\\x82\\xa0.png', pathBytes: '82a02e706e67', ok: false as const, signals: {}, error: { code: 'UNREADABLE' as const, message: 'x' } };
    expect(hashRecordFromFields(JSON.parse(JSON.stringify(hashRecordToFields(failed))))).toEqual(failed);
  });
});
