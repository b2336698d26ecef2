/**
 * Test set-up (vitest globalSetup): runs `npm run build` (an incremental tsc into dist/) before the tests,
 * and again before every re-run in watch mode, because the tests that spawn bin/hashtriage.js run the
 * compiled CLI and must never run one older than src/. A failed build stops the run with tsc's messages.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Brings dist/ up to date with src/; throws with the compiler's output when the build fails. */
export function buildCli(): void {
  const res = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`npm run build failed (exit ${res.status ?? res.signal}):\n${res.stdout}${res.stderr}`);
}

/** vitest globalSetup entry point. */
export default function setup(project: TestProject): void {
  buildCli();
  project.onTestsRerun(() => buildCli());
}
