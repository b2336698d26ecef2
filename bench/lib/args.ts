/**
 * Command-line flags of the benchmark scripts (`--name value`, `--flag`): one reader so every script
 * answers a bad value the same way (a message naming the flag on stderr, exit code 2).
 */

/** Prints `bench: <message>` on stderr and exits with code 2 (usage error). */
export function usageExit(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

/** The text after `--name` on the command line, or undefined when the flag is absent. */
export function flagValue(name: string, argv: readonly string[] = process.argv): string | undefined {
  const at = argv.indexOf(`--${name}`);
  if (at < 0) return undefined;
  const value = argv[at + 1];
  if (value === undefined || value.startsWith('--')) usageExit(`--${name} needs a value`);
  return value;
}

/** True when `--name` is on the command line. */
export function hasFlag(name: string, argv: readonly string[] = process.argv): boolean {
  return argv.includes(`--${name}`);
}

/** Parses a positive safe integer (also written like 1e6 or 1_000_000), or exits 2 naming `what`. */
export function parsePositiveInt(text: string, what: string): number {
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) usageExit(`${what} needs a positive integer, got "${text}"`);
  return n;
}

/** The positive integer after `--name`, or `fallback` when absent; exits 2 on a bad value. */
export function positiveIntFlag(name: string, fallback: number, argv: readonly string[] = process.argv): number {
  const v = flagValue(name, argv);
  return v === undefined ? fallback : parsePositiveInt(v, `--${name}`);
}

/** The comma-separated positive integers after `--name` (or in `fallbackText`), or undefined; exits 2 on a bad value. */
export function intListFlag(name: string, fallbackText?: string, argv: readonly string[] = process.argv): number[] | undefined {
  const text = flagValue(name, argv) ?? fallbackText;
  if (text === undefined || text.trim() === '') return undefined;
  return text.split(',').map((s) => parsePositiveInt(s.trim(), `--${name}`));
}
