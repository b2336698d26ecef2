/**
 * Test set-up (vitest globalSetup): makes sure Debian's `chromium` is installed for the report.html
 * browser test. Costs one existsSync when it is present. When it is missing and we are root on a
 * system with apt-get, runs `apt-get update && apt-get install -y chromium`; otherwise it only warns,
 * and the browser test fails saying what to install. Never aborts the rest of the test run.
 * Also runnable on its own: `npx tsx test/setup/ensure-chromium.ts`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Installs chromium if missing and possible; returns true when the browser is present afterwards. */
export function ensureChromium(log: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt) {
    log(`[ensure-chromium] ${CHROMIUM_PATH} is missing; install Debian's chromium package (apt-get install chromium) to run the report.html browser test.`);
    return false;
  }
  log('[ensure-chromium] installing chromium (apt-get update && apt-get install -y chromium)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // wait for another apt run (unattended upgrades, a parallel set-up) instead of failing on its lock
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  for (const args of [[...lock, 'update'], [...lock, 'install', '-y', 'chromium']]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (r.status !== 0) {
      log(`[ensure-chromium] apt-get ${args.join(' ')} failed (exit ${r.status ?? r.signal}).`);
      return false;
    }
  }
  return existsSync(CHROMIUM_PATH);
}

/** vitest globalSetup entry point. */
export default function setup(): void {
  ensureChromium();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = ensureChromium() ? 0 : 1;
