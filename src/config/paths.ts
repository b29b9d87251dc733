/**
 * Where jit keeps its state: one private directory per user.
 *
 *   <dir>/config.json        user defaults (store.ts, through conf)
 *   <dir>/grants.json        the grant ledger (scheduler/ledger.ts)
 *   <dir>/grants.json.lock   the ledger's cross-process lock (a directory, while a write runs)
 *
 * The directory is 0700 and every file in it 0600: the ledger names targets, source addresses and
 * requesters, which other local users have no business reading.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

const APP_NAME = 'jit-access';
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

export interface HostInfo {
  platform: NodeJS.Platform;
  homedir: string;
}

/**
 * `JIT_CONFIG_DIR` when set (tests, several identities side by side), else the platform's config
 * directory for `jit-access`. The paths are env-paths' (what conf would pick by itself) without its
 * `-nodejs` suffix; they are computed here rather than by conf because the ledger needs the same
 * directory without loading conf, and because env-paths reads `process.env` at import time while
 * this reads the environment it is given.
 */
export function configDir(
  env: Readonly<Record<string, string | undefined>>,
  host: HostInfo = { platform: process.platform, homedir: homedir() },
): string {
  if (env.JIT_CONFIG_DIR) return path.resolve(env.JIT_CONFIG_DIR);
  if (host.platform === 'win32') {
    return path.win32.join(
      env.APPDATA || path.win32.join(host.homedir, 'AppData', 'Roaming'),
      APP_NAME,
      'Config',
    );
  }
  if (host.platform === 'darwin') return path.posix.join(host.homedir, 'Library', 'Preferences', APP_NAME);
  return path.posix.join(env.XDG_CONFIG_HOME || path.posix.join(host.homedir, '.config'), APP_NAME);
}

/**
 * Creates the directory (and missing parents) private to the user. An existing directory is left
 * as it is: `JIT_CONFIG_DIR` may point at one the user set up on purpose.
 */
export async function ensureConfigDir(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: DIR_MODE });
  // mkdir's mode is filtered by the umask; an explicit chmod makes it exactly 0700.
  if (created !== undefined) await chmod(dir, DIR_MODE);
}
