/**
 * Progress goes to a terminal only: a pipe or file on stderr gets nothing, so logs stay clean.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration } from '../src/cli/progress.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; output: () => string } {
  const pass = new PassThrough();
  const chunks: Buffer[] = [];
  pass.on('data', (c: Buffer) => chunks.push(c));
  Object.assign(pass, { isTTY, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream: pass as unknown as NodeJS.WriteStream, output: () => Buffer.concat(chunks).toString('utf8') };
}

describe('createProgress', () => {
  it('draws count and total on a terminal', async () => {
    const { stream, output } = fakeStream(true);
    const progress = createProgress('hashing', 10, stream);
    progress.increment(3);
    await new Promise((r) => setTimeout(r, 250));
    progress.stop();
    progress.stop();
    expect(output()).toContain('hashing');
    expect(output()).toMatch(/3\/10 files/);
    // before the first file there is no rate to estimate from; after it, a time
    expect(output()).toMatch(/0\/10 files \| 0\.0\/s \| ETA …/);
    expect(output()).toMatch(/3\/10 files \| [\d.]+\/s \| ETA \d+s/);
    expect(output()).not.toMatch(/NaN|Infinity|INF|NULL/);
  });

  it('formats remaining time for people', () => {
    expect([0, 42.4, 185, 7620].map(formatDuration)).toEqual(['0s', '42s', '3m05s', '2h07m']);
  });

  it('holds notes until the bar is removed on a terminal, and writes them at once otherwise', async () => {
    const tty = fakeStream(true);
    const bar = createProgress('hashing', 10, tty.stream);
    bar.note('a.jpg: DECODE_FAILED\n');
    expect(tty.output()).not.toContain('a.jpg');
    bar.stop();
    await new Promise((r) => setTimeout(r, 20));
    expect(tty.output().endsWith('a.jpg: DECODE_FAILED\n')).toBe(true);
    const pipe = fakeStream(false);
    createProgress('hashing', 10, pipe.stream).note('b.jpg: NOT_FOUND\n');
    await new Promise((r) => setTimeout(r, 20));
    expect(pipe.output()).toBe('b.jpg: NOT_FOUND\n');
  });

  it('writes nothing when stderr is not a terminal', async () => {
    const { stream, output } = fakeStream(false);
    const progress = createProgress('hashing', 10, stream);
    progress.increment(5);
    progress.setTotal(20);
    progress.stop();
    await new Promise((r) => setTimeout(r, 50));
    expect(output()).toBe('');
  });
});
