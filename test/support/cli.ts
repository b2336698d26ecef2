/** Running the real `hashtriage` command as a child process, the way a user meets it. */
import { spawn, type SpawnOptions } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed entry point of this checkout (bin/hashtriage.js, which runs the compiled dist/). */
export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'hashtriage.js');

/** Exit status and both output streams of one run. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of child_process.spawn (stdio excepted), plus the text given to the command on stdin. */
export type CliOptions = Omit<SpawnOptions, 'stdio'> & { readonly input?: string };

/**
 * Runs `hashtriage ...args` with this Node and resolves when it exits; killed after 2 minutes (status
 * null). Asynchronous on purpose: a vitest worker whose event loop is blocked for a minute (as by
 * spawnSync on a busy machine) misses vitest's replies and fails a green run with "Timeout calling
 * onTaskUpdate".
 */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const { input, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { timeout: 120_000, ...spawnOptions, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.on('error', () => {}); // a command that exits without reading all of its input
    child.stdin.end(input ?? '');
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The JSON objects among stdout's lines (lines that start with `{`). */
export function jsonLines(stdout: string): Array<Record<string, any>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>);
}
