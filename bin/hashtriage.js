#!/usr/bin/env node
// Entry point of the installed command: runs the compiled CLI that `npm run build` writes to dist/.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(compiled)) {
  process.stderr.write('hashtriage: the compiled CLI (dist/) is missing; run `npm run build` in the hashtriage folder\n');
  process.exit(1);
}
const { main } = await import(compiled.href);
process.exitCode = await main(process.argv);
