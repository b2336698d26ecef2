/**
 * Start-up of the command line: --version, --help and a command load only what they use. A command's
 * registration (its options and help) is separate from its work, which is imported when it runs, so that
 * `hashtriage --version` and `hashtriage match HASH` do not load the decoder, the worker pool or (for
 * --version) SQLite. Checked on the compiled dist/ the installed command runs: the static imports of a
 * module are loaded with it, dynamic ones only when reached.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram, COMMAND_NAMES, commandsFor } from '../src/cli/main.js';
import { runCli } from './support/cli.js';

const DIST = path.resolve('dist');
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

/** What loading dist module `file` loads with it: every module reached through static imports (packages as `package:NAME`). */
function staticClosure(file: string): Set<string> {
  const seen = new Set<string>();
  const visit = (f: string): void => {
    if (seen.has(f)) return;
    seen.add(f);
    if (f.startsWith('package:')) return;
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s+(?:[^'";]*?\s+from\s+)?'([^']+)'/gm)) {
      const spec = m[1];
      if (spec.startsWith('node:')) continue;
      visit(spec.startsWith('.') ? path.resolve(path.dirname(f), spec) : `package:${spec.split('/')[0]}`);
    }
  };
  visit(path.join(DIST, file));
  return new Set([...seen].map((f) => (f.startsWith('package:') ? f : path.relative(DIST, f))));
}

describe('hashtriage --version and --help', () => {
  it('prints the version of package.json (--version and -V) and exits 0', async () => {
    for (const flag of ['--version', '-V']) {
      const run = await runCli([flag]);
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(`${VERSION}\n`);
    }
  });

  it('lists every command in --help, and a mistyped command still gets a suggestion and exit 2', async () => {
    const help = await runCli(['--help']);
    expect(help.status).toBe(0);
    for (const name of COMMAND_NAMES) expect(help.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    const typo = await runCli(['mtach', 'abc']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain("unknown command 'mtach'");
    expect(typo.stderr).toContain('Did you mean match?');
  });

  it('shows a command\'s own options with `help COMMAND` and `COMMAND --help`', async () => {
    for (const args of [['help', 'match'], ['match', '--help']]) {
      const run = await runCli(args);
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('Usage: hashtriage match');
      expect(run.stdout).toContain('--threshold <n>');
    }
  });
});

describe('the commands a command line loads', () => {
  it('is the named command only, none for --version first, all otherwise', () => {
    expect(commandsFor(['match', 'abcd'])).toEqual(['match']);
    expect(commandsFor(['--version'])).toEqual([]);
    expect(commandsFor(['-V'])).toEqual([]);
    expect(commandsFor([])).toEqual(COMMAND_NAMES);
    expect(commandsFor(['--help'])).toEqual(COMMAND_NAMES);
    expect(commandsFor(['help', 'match'])).toEqual(COMMAND_NAMES);
    expect(commandsFor(['mtach'])).toEqual(COMMAND_NAMES);
  });

  it('registers, for each name, exactly the command of that name', async () => {
    for (const name of COMMAND_NAMES) {
      const program = await buildProgram([name]);
      expect(program.commands.map((c) => c.name())).toEqual([name]);
    }
    const all = await buildProgram();
    expect(all.commands.map((c) => c.name())).toEqual(COMMAND_NAMES);
  });
});

describe('what start-up loads (static imports of the compiled modules)', () => {
  it('--version: main loads commander and no command', () => {
    const loaded = staticClosure('cli/main.js');
    expect([...loaded].filter((f) => f.startsWith('cli/commands/'))).toEqual([]);
    expect([...loaded].filter((f) => f.startsWith('package:'))).toEqual(['package:commander']);
  });

  it("a command's registration loads no SQLite, decoder, hashing code, list reader or policy", () => {
    for (const name of COMMAND_NAMES) {
      const loaded = [...staticClosure(`cli/commands/${name}.js`)];
      expect(loaded.filter((f) => f.startsWith('package:') && f !== 'package:commander'), name).toEqual([]);
      expect(loaded.filter((f) => /-run\.js$|^(search|index-store\/(?!import\/list-formats)|pipeline|policy|sightings)\//.test(f)), name).toEqual([]);
      expect(loaded.filter((f) => f.startsWith('hashing/') && !/^hashing\/(signal-names|defaults|memory-budget)\.js$/.test(f)), name).toEqual([]);
    }
  });

  it('match loads no decoder, worker pool or scan pipeline', () => {
    const loaded = [...staticClosure('cli/commands/match-run.js')];
    expect(loaded.filter((f) => f.startsWith('package:'))).toEqual([]);
    expect(loaded.filter((f) => /^hashing\/(decode|hash-file|worker-pool|hash-image)\.js$|^pipeline\/(scan|cluster|bundle)/.test(f))).toEqual([]);
  });

  it('the progress bar package is loaded only when a bar is shown (stderr a terminal)', () => {
    expect([...staticClosure('cli/progress.js')].filter((f) => f.startsWith('package:'))).toEqual([]);
  });

  it('the closure check sees what a module imports (it can fail)', () => {
    const loaded = staticClosure('cli/commands/hash-run.js');
    expect(loaded.has('hashing/signals.js')).toBe(true);
    expect(loaded.has('hashing/pdq.js')).toBe(true);
  });
});
