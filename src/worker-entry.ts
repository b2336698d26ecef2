/**
 * Which module a worker thread starts from. Worker threads do not inherit the TypeScript loader of the
 * thread that starts them, so code run from source (tsx, vitest) starts a worker at `<name>-bootstrap.mjs`,
 * which registers tsx and imports `<name>.ts`; compiled code starts it at `<name>.js` directly.
 */

/** URL of the entry of worker module `name` that sits next to the module whose URL is `siblingUrl` (its import.meta.url). */
export function workerEntryUrl(name: string, siblingUrl: string): URL {
  const fromSource = new URL(siblingUrl).pathname.endsWith('.ts');
  return new URL(fromSource ? `./${name}-bootstrap.mjs` : `./${name}.js`, siblingUrl);
}
