/**
 * Where the index and the sightings store are: the --db flag, the environment, or the defaults. Loads
 * nothing heavy, so commands can resolve paths before they load SQLite.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

/** Default database file, relative to the working directory. */
export const DEFAULT_DB_PATH = 'hashtriage.db';
/** Environment variable that overrides the default database path. */
export const DB_ENV_VAR = 'HASHTRIAGE_DB';

/** The database path to use: the --db flag, else $HASHTRIAGE_DB, else ./hashtriage.db. */
export function resolveDbPath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== '') return flag;
  const fromEnv = env[DB_ENV_VAR];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return DEFAULT_DB_PATH;
}

/** Where sightings are kept by default: beside the index, `NAME.sightings.db` for `NAME.db`. */
export function defaultSightingsPath(indexPath: string): string {
  const dir = path.dirname(indexPath);
  const base = path.basename(indexPath).replace(/\.(db|sqlite3?)$/i, '');
  return path.join(dir, `${base}.sightings.db`);
}

/**
 * True when an SQLite store at `file` can be created or written here: its folder is writable (SQLite
 * writes its journal beside the file) and so is the file when it exists. False on read-only media.
 */
export function storeWritable(file: string): boolean {
  try {
    accessSync(path.dirname(path.resolve(file)), constants.W_OK);
    if (existsSync(file)) accessSync(file, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
