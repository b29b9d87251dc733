/**
 * The VM names shell completion offers (docs/cli.md, "Completion"): written by the commands that
 * list VMs anyway (`list`, `scan`), read by `jit completion` on Tab, so a Tab never calls a cloud.
 * The file is `vm-cache.json` in the config directory, 0600, replaced by rename (never written
 * through a link), and trusted only when it is a regular file of this user's, younger than the TTL.
 * Only names a shell word can hold as they are are kept: a VM name is cloud data, and a completion
 * script hands what it gets to the shell.
 */
import { lstat, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FILE_MODE } from '../config/paths.js';
import type { Clock } from '../core/ports.js';

/** How long listed names are offered: long enough for a session at the terminal, short enough to forget deleted VMs. */
const VM_CACHE_TTL_MS = 15 * 60_000;
/** The most names kept: completion lists beyond this help nobody, and the file stays small. */
const MAX_NAMES = 2000;
const SHELL_SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

const vmCacheFile = (dir: string) => path.join(dir, 'vm-cache.json');

interface CacheFile {
  writtenAt: string;
  names: string[];
}

/** The fresh names, or none: a missing, foreign, stale or malformed cache is an empty one. */
export async function readVmCache(dir: string, clock: Clock): Promise<string[]> {
  const file = vmCacheFile(dir);
  try {
    const info = await lstat(file);
    if (!info.isFile()) return [];
    if (typeof process.getuid === 'function' && info.uid !== process.getuid()) return [];
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<CacheFile>;
    const age = clock.now().getTime() - Date.parse(String(parsed.writtenAt));
    if (!(age >= 0 && age <= VM_CACHE_TTL_MS) || !Array.isArray(parsed.names)) return [];
    return parsed.names.filter((name): name is string => typeof name === 'string' && SHELL_SAFE.test(name)).slice(0, MAX_NAMES);
  } catch {
    return [];
  }
}

/** Adds `names` to the fresh ones. Best effort: completion is a convenience, never a reason to fail. */
export async function rememberVmNames(dir: string, clock: Clock, names: string[]): Promise<void> {
  const file = vmCacheFile(dir);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const known = await readVmCache(dir, clock);
    const fresh = names.filter((name) => SHELL_SAFE.test(name));
    const merged = [...new Set([...fresh, ...known])].slice(0, MAX_NAMES).sort();
    const content: CacheFile = { writtenAt: clock.now().toISOString(), names: merged };
    await writeFile(temporary, `${JSON.stringify(content)}\n`, { mode: FILE_MODE, flag: 'wx' });
    await rename(temporary, file);
  } catch {
    await rm(temporary, { force: true }).catch(() => undefined);
  }
}
