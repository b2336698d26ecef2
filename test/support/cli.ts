/** Running the real `hashtriage` command as a child process, the way a user meets it. */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed entry point of this checkout (bin/hashtriage.js). */
export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'hashtriage.js');

/** Exit status and both output streams of one run. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `hashtriage ...args` with this Node and waits for it (2-minute limit); options pass through to spawnSync. */
export function runCli(args: readonly string[], options: SpawnSyncOptions = {}): CliRun {
  const res = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, ...options });
  return { status: res.status, stdout: String(res.stdout), stderr: String(res.stderr) };
}

/** The JSON objects among stdout's lines (lines that start with `{`). */
export function jsonLines(stdout: string): Array<Record<string, any>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>);
}
