/** Hostile and odd evidence: every input is accounted for, nothing is followed out, no input aborts a run. */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from './support/cli.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MEDIA = path.join(ROOT, 'fixtures', 'demo', 'media');

let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'hashtriage-hostile-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function readLines(file: string): Array<Record<string, any>> {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, any>);
}

const SCAN_FLAGS = ['--no-index', '--no-sightings'];

/** Files and links under `dir` (links not followed), each of which must be accounted for. */
function entriesOnDisk(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? entriesOnDisk(path.join(dir, e.name)) : 1;
  return n;
}

describe('manifests written on Windows', () => {
  it('reads backslash paths and refuses drive-letter, UNC and rooted paths with manifest:line', async () => {
    const dir = path.join(work, 'windows');
    mkdirSync(path.join(dir, 'uploads', 'sub'), { recursive: true });
    copyFileSync(path.join(MEDIA, 'rose.png'), path.join(dir, 'uploads', 'a.png'));
    copyFileSync(path.join(MEDIA, 'logo.png'), path.join(dir, 'uploads', 'sub', 'b.png'));
    writeFileSync(
      path.join(dir, 'reports.csv'),
      'report_id,file\r\n' +
        'W1,uploads\\a.png\r\n' +
        'W2,uploads\\sub\\b.png\r\n' +
        'W3,C:\\Users\\officer\\Desktop\\c.png\r\n' +
        'W4,\\\\server\\share\\d.png\r\n' +
        'W5,/etc/passwd\r\n' +
        'W6,uploads\\..\\..\\outside.png\r\n',
    );
    const out = path.join(dir, 'out');
    const run = await runCli(['scan', '--manifest', path.join(dir, 'reports.csv'), '--out', out, ...SCAN_FLAGS, '--json']);
    expect(run.status).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ completed: true, files: 2, failedFiles: 0, inputErrors: 4, reports: 6 });
    expect(run.stderr).toMatch(/reports\.csv:4: BAD_ROW: report W3: file "C:\\Users\\officer\\Desktop\\c\.png" is an absolute path; paths in a manifest are relative to its folder and may not leave it; not read/);
    expect(run.stderr).toMatch(/reports\.csv:5: BAD_ROW: report W4: file "\\\\server\\share\\d\.png" is an absolute path/);
    expect(run.stderr).toMatch(/reports\.csv:6: BAD_ROW: report W5: file "\/etc\/passwd" is an absolute path/);
    expect(run.stderr).toMatch(/reports\.csv:7: BAD_ROW: report W6: file "uploads\\\.\.\\\.\.\\outside\.png" is outside the manifest's folder/);
    const items = readLines(path.join(out, 'items.ndjson'));
    expect(items.map((i) => [path.basename(i.path), i.ok, i.reportIds])).toEqual([
      ['a.png', true, ['W1']],
      ['b.png', true, ['W2']],
    ]);
  });
});

describe('symbolic links inside an evidence folder', () => {
  /** evidence/ holds two images, a link inside it, links out of it (absolute, relative, to /etc) and a loop; host/ is the examiner's machine. */
  function evidenceWithLinks(name: string): { evidence: string; host: string; onDisk: number } {
    const dir = path.join(work, name);
    const evidence = path.join(dir, 'evidence');
    const host = path.join(dir, 'host');
    mkdirSync(path.join(evidence, 'sub'), { recursive: true });
    mkdirSync(host);
    copyFileSync(path.join(MEDIA, 'rose.png'), path.join(evidence, 'a.png'));
    copyFileSync(path.join(MEDIA, 'logo.png'), path.join(evidence, 'sub', 'b.png'));
    for (const f of ['id_rsa', 'passwd', 'shadow']) writeFileSync(path.join(host, f), f);
    symlinkSync(host, path.join(evidence, 'to-host')); // absolute, a directory outside
    symlinkSync('../../host/passwd', path.join(evidence, 'sub', 'passwd')); // relative, a file outside
    symlinkSync('../a.png', path.join(evidence, 'sub', 'a-again.png')); // stays inside
    symlinkSync('..', path.join(evidence, 'sub', 'loop')); // stays inside, leads back
    return { evidence, host, onDisk: entriesOnDisk(evidence) };
  }

  it('hash reports links that lead out of the paths as SYMLINK_OUTSIDE, lists nothing behind them, and exits 1', async () => {
    const { evidence, host, onDisk } = evidenceWithLinks('links-hash');
    symlinkSync('/etc', path.join(evidence, 'etc'));
    const run = await runCli(['hash', evidence, '--algorithms', 'sha256']);
    expect(run.status).toBe(1);
    const lines = jsonLines(run.stdout);
    expect(lines).toHaveLength(onDisk + 1);
    const byPath = new Map(lines.map((l) => [path.relative(evidence, l.path), l]));
    expect([...byPath.keys()].sort()).toEqual(['a.png', 'etc', 'sub/a-again.png', 'sub/b.png', 'sub/loop', 'sub/passwd', 'to-host']);
    for (const [rel, target] of [['to-host', host], ['sub/passwd', '../../host/passwd'], ['etc', '/etc']]) {
      expect(byPath.get(rel)).toMatchObject({
        ok: false,
        error: {
          code: 'SYMLINK_OUTSIDE',
          message: `symbolic link ${path.join(evidence, rel)} points outside the given paths (to ${target}); not followed (--follow-symlinks follows it)`,
        },
      });
    }
    expect(byPath.get('sub/a-again.png')).toMatchObject({ ok: true });
    expect(byPath.get('sub/loop')).toMatchObject({ ok: false, error: { code: 'UNREADABLE' } });
    expect(run.stdout).not.toContain(host + path.sep);
  });

  it('hash --follow-symlinks follows them as before', async () => {
    const { evidence } = evidenceWithLinks('links-follow');
    const run = await runCli(['hash', evidence, '--algorithms', 'sha256', '--follow-symlinks']);
    expect(run.status).toBe(1); // the loop
    const paths = jsonLines(run.stdout).map((l) => path.relative(evidence, l.path));
    expect(paths).toEqual(expect.arrayContaining(['to-host/id_rsa', 'to-host/passwd', 'to-host/shadow', 'sub/passwd']));
    expect(jsonLines(run.stdout).filter((l) => l.error?.code === 'SYMLINK_OUTSIDE')).toEqual([]);
  });

  it('scan keeps every link as an item, counts those not followed as failed, and exits 1', async () => {
    const { evidence, onDisk } = evidenceWithLinks('links-scan');
    const out = path.join(work, 'links-scan', 'out');
    const run = await runCli(['scan', evidence, '--out', out, ...SCAN_FLAGS, '--json']);
    expect(run.status).toBe(1);
    const items = readLines(path.join(out, 'items.ndjson'));
    // sub/a-again.png is a.png by its real path: one item for both names.
    expect(items).toHaveLength(onDisk - 1);
    const outside = items.filter((i) => i.error?.code === 'SYMLINK_OUTSIDE').map((i) => path.relative(evidence, i.path));
    expect(outside).toEqual(['sub/passwd', 'to-host']);
    expect(JSON.parse(run.stdout)).toMatchObject({ completed: true, files: onDisk - 1, failedFiles: 3 });
    expect(run.stderr).toContain(`${path.join(evidence, 'to-host')}: SYMLINK_OUTSIDE: symbolic link ${path.join(evidence, 'to-host')} points outside the given paths`);
    expect(readFileSync(path.join(out, 'audit.ndjson'), 'utf8')).not.toContain('id_rsa');
    // The choice is part of the case: resuming it with links followed would change the items.
    const other = await runCli(['scan', evidence, '--out', out, ...SCAN_FLAGS, '--resume', '--follow-symlinks']);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/--resume: this scan was started with different option followSymlinks/);
  });
});

describe('file names that are not UTF-8', () => {
  /** A folder with a Latin-1 name, two Shift-JIS names that look alike once decoded, a name in a non-UTF-8 folder, a plain name and a broken image. */
  function oddNames(name: string): { dir: string; files: Array<{ bytes: Buffer; content: Buffer }> } {
    const dir = path.join(work, name);
    mkdirSync(dir);
    const dirBytes = Buffer.from(dir, 'utf8');
    const under = (...parts: Buffer[]) => Buffer.concat([dirBytes, ...parts.flatMap((p) => [Buffer.from('/'), p])]);
    mkdirSync(under(Buffer.from('fotos\xff', 'latin1')));
    const media = (f: string) => readFileSync(path.join(MEDIA, f));
    const files = [
      { bytes: under(Buffer.from('caf\xe9.jpg', 'latin1')), content: media('plasma.jpg') },
      { bytes: under(Buffer.from([0x82, 0xa0, 0x2e, 0x70, 0x6e, 0x67])), content: media('rose.png') }, // "あ.png" in Shift-JIS
      { bytes: under(Buffer.from([0x82, 0xa2, 0x2e, 0x70, 0x6e, 0x67])), content: media('logo.png') }, // "い.png" in Shift-JIS
      { bytes: under(Buffer.from('fotos\xff', 'latin1'), Buffer.from('x.png')), content: media('flat.png') },
      { bytes: under(Buffer.from('plain.jpg')), content: media('marked.jpg') },
      { bytes: under(Buffer.from('kaputt\xe9.jpg', 'latin1')), content: Buffer.from('not a jpeg at all') },
    ];
    for (const f of files) writeFileSync(f.bytes, f.content);
    // Decoded the usual way, the two Shift-JIS names are the same string: the bug this guards against.
    expect(files[1].bytes.toString('utf8')).toBe(files[2].bytes.toString('utf8'));
    return { dir, files };
  }

  const hex = (b: Buffer) => b.toString('hex');

  it('hash opens every file by its bytes, shows the name with \\xNN escapes, adds pathBytes, and exits 1 for the broken one', async () => {
    const { dir, files } = oddNames('names-hash');
    const run = await runCli(['hash', dir, '--algorithms', 'sha256,pdq']);
    expect(run.status).toBe(1);
    const lines = jsonLines(run.stdout);
    expect(lines).toHaveLength(files.length);
    expect(lines.map((l) => path.relative(dir, l.path))).toEqual(['\\x82\\xa0.png', '\\x82\\xa2.png', 'caf\\xe9.jpg', 'fotos\\xff/x.png', 'kaputt\\xe9.jpg', 'plain.jpg']);
    const byBytes = new Map(lines.map((l) => [l.pathBytes ?? hex(Buffer.from(l.path)), l]));
    for (const f of files) {
      const line = byBytes.get(hex(f.bytes));
      expect(line).toBeDefined();
      if (f.content.length < 100) {
        expect(line).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED_FORMAT' } });
        expect(line!.path).toBe(path.join(dir, 'kaputt\\xe9.jpg'));
        expect(line!.error.message).toBe('the content is not an image format we know (no known signature)');
      } else {
        expect(line).toMatchObject({ ok: true, bytes: f.content.length });
        expect(line!.sha256).toBe(createHash('sha256').update(f.content).digest('hex'));
      }
    }
    const plain = lines.find((l) => l.path.endsWith('plain.jpg'))!;
    expect(Object.keys(plain).slice(0, 2)).toEqual(['path', 'ok']); // no pathBytes for a UTF-8 name
    expect(Object.keys(lines[0]).slice(0, 3)).toEqual(['path', 'pathBytes', 'ok']);
  });

  it('scan keeps one item per file, all of them in items, bundles, audit and case database', async () => {
    const { dir, files } = oddNames('names-scan');
    const out = path.join(work, 'names-scan-out');
    const run = await runCli(['scan', dir, '--out', out, ...SCAN_FLAGS, '--json']);
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ completed: true, files: files.length, failedFiles: 1 });
    expect(run.stderr).toContain(`${path.join(dir, 'kaputt\\xe9.jpg')}: UNSUPPORTED_FORMAT: `);
    const items = readLines(path.join(out, 'items.ndjson'));
    expect(items).toHaveLength(files.length);
    expect(new Set(items.map((i) => i.pathBytes ?? hex(Buffer.from(i.path)))).size).toBe(files.length);
    expect(items.map((i) => i.pathBytes ?? hex(Buffer.from(i.path))).sort()).toEqual(files.map((f) => hex(f.bytes)).sort());
    expect(items.filter((i) => !i.ok).map((i) => [path.relative(dir, i.path), i.error.code])).toEqual([['kaputt\\xe9.jpg', 'UNSUPPORTED_FORMAT']]);
    const bundled = readLines(path.join(out, 'bundles.ndjson')).flatMap((b) => b.items as number[]);
    expect(bundled.sort((a, b) => a - b)).toEqual(items.map((i) => i.index));
    const audit = readLines(path.join(out, 'audit.ndjson'));
    expect(audit.find((e) => e.event === 'files_processed')?.data).toMatchObject({ files: files.length, failed: 1 });
    expect(audit.find((e) => e.event === 'errors')?.data.first).toEqual([
      { source: path.join(dir, 'kaputt\\xe9.jpg'), pathBytes: hex(files[5].bytes), code: 'UNSUPPORTED_FORMAT', message: 'the content is not an image format we know (no known signature)' },
    ]);
    const db = new Database(path.join(out, 'case.db'));
    try {
      expect(db.prepare('SELECT count(*) AS n FROM items').get()).toEqual({ n: files.length });
      // As if interrupted before the two Shift-JIS names were saved: --resume finds the rest by their bytes.
      expect(db.prepare("DELETE FROM items WHERE path LIKE '%\\x82\\xa%'").run().changes).toBe(2);
      db.prepare("DELETE FROM meta WHERE key = 'finished_at'").run();
    } finally {
      db.close();
    }
    const before = readFileSync(path.join(out, 'items.ndjson'), 'utf8');
    const resumed = await runCli(['scan', dir, '--out', out, ...SCAN_FLAGS, '--json', '--resume']);
    expect(resumed.status).toBe(1);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ completed: true, files: files.length, resumedItems: files.length - 2, hashedThisRun: 2 });
    expect(readFileSync(path.join(out, 'items.ndjson'), 'utf8')).toBe(before);
  });
});
