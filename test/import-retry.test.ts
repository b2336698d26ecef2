/**
 * Re-importing a list file: a no-op once it imported cleanly, but a file whose last import rejected rows
 * is read again, so a user who forgot --type (64-digit values are ambiguous) can simply retry with it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';


const run = (args: string[]) => runCli(args);

/** Three distinct 64-digit hex values, fixed so reruns see the same list. */
const VALUES = [
  'e0535d32343a9a8e8cbf64bf770e11a31aa59fc2ca37dc13e729e2a495d64819',
  '1abe6d33305f3ad2120ec88e64edd3041d2e3ce6a3237bc1acb3fc103ff6f028',
  '9b5ee0a9d6ac41b4d1c3f0e6a2e7f00c5a8d0ab7b4a3c2e1f0d9c8b7a6954321',
];

describe('index import of a file already imported under the same name', () => {
  let dir: string;
  let list: string;
  let db: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hashtriage-import-retry-'));
    list = path.join(dir, 'exchange.txt');
    writeFileSync(list, `${VALUES.join('\n')}\n`);
    db = path.join(dir, 'index.db');
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is read again after rejected rows, so retrying with --type imports them; then it is a no-op', async () => {
    const first = await run(['index', 'import', list, '--list', 'exchange', '--db', db]);
    expect(first.status).toBe(1);
    // no row could be added, so the new list is rolled back rather than left empty (an empty list would pass for known hashes)
    expect(first.stdout).toBe('exchange (text): 0 added, 0 duplicate, 3 rejected; list exchange was not created (no row could be imported)\n');
    expect(first.stderr).toContain(`${list}:1: hash value has 64 hex digits`);
    expect(JSON.parse((await run(['index', 'stats', '--json', '--db', db])).stdout).lists).toEqual([]);

    const retry = await run(['index', 'import', list, '--list', 'exchange', '--type', 'PDQ', '--db', db]); // any case, as match and hash take it
    expect(retry.stdout).toBe('exchange (text): 3 added, 0 duplicate, 0 rejected\n');
    expect(retry.status).toBe(0);
    const match = await run(['match', VALUES[1], '--db', db]);
    expect(JSON.parse(match.stdout).matches[0]).toMatchObject({ hash: VALUES[1], distance: 0 });

    const again = await run(['index', 'import', list, '--list', 'exchange', '--type', 'pdq', '--db', db]);
    expect(again.stdout).toBe('exchange: unchanged (this file was already imported under this name)\n');
    expect(again.status).toBe(0);
  });

  it('an empty file under a new name creates no list and exits 1', async () => {
    const empty = path.join(dir, 'empty.txt');
    writeFileSync(empty, '');
    const res = await run(['index', 'import', empty, '--list', 'nothing', '--db', db]);
    expect(res.status).toBe(1);
    expect(res.stdout).toBe('nothing (text): 0 added, 0 duplicate, 0 rejected; list nothing was not created (no row could be imported)\n');
    const lists = JSON.parse((await run(['index', 'stats', '--json', '--db', db])).stdout).lists as Array<{ name: string }>;
    expect(lists.map((l) => l.name)).not.toContain('nothing');
  });

  it('--replace with a file none of whose rows can be imported keeps the list as it was and exits 1', async () => {
    const good = path.join(dir, 'good.txt');
    writeFileSync(good, `${VALUES.join('\n')}\n`);
    expect((await run(['index', 'import', good, '--list', 'kept', '--type', 'pdq', '--db', db])).status).toBe(0);
    const bad = path.join(dir, 'bad.txt');
    writeFileSync(bad, 'not a hash\nzz\n');
    const res = await run(['index', 'import', bad, '--list', 'kept', '--type', 'pdq', '--replace', '--db', db]);
    expect(res.status).toBe(1);
    expect(res.stdout).toBe('kept (text): 0 added, 0 duplicate, 2 rejected; list kept was not replaced (no row could be imported) and keeps its contents\n');
    expect(res.stderr).toContain(`${bad}:1: `);
    const lists = async (value: string) =>
      (JSON.parse((await run(['match', value, '--db', db])).stdout).matches as Array<{ entries: Array<{ list: string }> }>).flatMap((m) => m.entries.map((e) => e.list));
    expect(await lists(VALUES[2])).toContain('kept');
    // a replacement with rows does replace
    writeFileSync(bad, `${VALUES[0]}\n`);
    const replaced = await run(['index', 'import', bad, '--list', 'kept', '--type', 'pdq', '--replace', '--db', db]);
    expect(replaced.stdout).toBe('kept (text, replaced): 1 added, 0 duplicate, 0 rejected\n');
    expect(await lists(VALUES[2])).not.toContain('kept');
    expect(await lists(VALUES[0])).toContain('kept');
  });

  it('--type rejects a name that is no comparable hash type, with the allowed ones', async () => {
    const res = await run(['index', 'import', list, '--list', 'x', '--type', 'crc32', '--db', db]);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('expected one of md5, sha1, sha256, pdq, blockhash (any case)');
  });
});
