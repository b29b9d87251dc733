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
import { closeSync, constants, fstatSync, lstatSync, openSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { UserError } from '../core/errors.js';

const APP_NAME = 'jit-access';
const DIR_MODE = 0o700;
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

/** Who is asking: the platform (Windows has no POSIX modes to check) and the user's uid. */
export interface DirUser {
  platform: NodeJS.Platform;
  uid: number | undefined;
}

const currentUser = (): DirUser => ({ platform: process.platform, uid: process.getuid?.() });

/**
 * Creates the directory (and missing parents) private to the user. An existing directory is left
 * as it is (`JIT_CONFIG_DIR` may point at one the user set up on purpose, 0750 say), unless it is
 * unsafe (checkConfigDir).
 */
export async function ensureConfigDir(dir: string, user: DirUser = currentUser()): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: DIR_MODE });
  // mkdir's mode is filtered by the umask; an explicit chmod makes it exactly 0700.
  if (created !== undefined) await chmod(dir, DIR_MODE);
  await checkConfigDir(dir, user);
}

/** `dir` as one shell word, for a hint the user can paste. */
function shellWord(dir: string): string {
  return /^[\w@%+=:,./-]+$/.test(dir) ? dir : `'${dir.replaceAll("'", "'\\''")}'`;
}

/**
 * Refuses a directory that another local user could write to or owns: they could replace the
 * ledger (so a grant is never revoked), hold the scheduler's lock forever (so no scheduler runs),
 * or swap the log for a link. Group- or world-writable, or owned by another uid, is refused with
 * the command that fixes it (exit 2). A directory that does not exist yet passes: ensureConfigDir
 * creates it 0700. Windows has no POSIX modes or uids to compare (its ACLs are the user profile's).
 */
export async function checkConfigDir(dir: string, user: DirUser = currentUser()): Promise<void> {
  if (user.platform === 'win32') return;
  let info;
  try {
    info = await stat(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (user.uid !== undefined && info.uid !== user.uid) {
    throw new UserError(
      'JIT_CONFIG_DIR_UNSAFE',
      `The config directory ${dir} belongs to uid ${info.uid}, not to you (uid ${user.uid}); jit keeps its grants and locks only in a directory of your own.`,
      { hint: 'Point JIT_CONFIG_DIR at a directory you own, or move this one aside so jit creates its own.' },
    );
  }
  const writable = info.mode & 0o022;
  if (writable !== 0) {
    const who = writable === 0o022 ? 'its group and other users' : writable === 0o020 ? 'its group' : 'other users';
    throw new UserError(
      'JIT_CONFIG_DIR_UNSAFE',
      `The config directory ${dir} is writable by ${who} (mode ${(info.mode & 0o7777).toString(8).padStart(4, '0')}): they could rewrite jit's grant ledger or hold its scheduler's lock.`,
      { hint: `Run \`chmod 700 ${shellWord(dir)}\` and try again.` },
    );
  }
}

function symlinkRefused(file: string): UserError {
  return new UserError('JIT_STATE_FILE_UNSAFE', `${file} is a symbolic link; jit does not follow it (the scheduler would write wherever it points).`, {
    hint: `Remove it (\`rm ${shellWord(file)}\`); jit creates a new one.`,
  });
}

/**
 * Opens a file in the config directory for appending (the scheduler's log), creating it 0600,
 * without following a symbolic link: with O_NOFOLLOW, open(2) fails with ELOOP when the last
 * component is a link (FreeBSD answers EMLINK). Where Node has no O_NOFOLLOW (Windows), the path
 * is lstat-ed first. Anything but a regular file found there (a device, a directory) is refused
 * as well. Returns the descriptor; the caller closes it.
 */
export function openPrivateAppend(file: string): number {
  const { O_APPEND, O_CREAT, O_NOFOLLOW, O_WRONLY } = constants;
  let fd: number;
  if (O_NOFOLLOW === undefined) {
    try {
      if (lstatSync(file).isSymbolicLink()) throw symlinkRefused(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    fd = openSync(file, 'a', FILE_MODE);
  } else {
    try {
      fd = openSync(file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, FILE_MODE);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP' || code === 'EMLINK') throw symlinkRefused(file);
      throw error;
    }
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new UserError('JIT_STATE_FILE_UNSAFE', `${file} is not a regular file; jit will not write its log there.`, {
      hint: `Move it aside (\`mv ${shellWord(file)} ${shellWord(`${file}.old`)}\`); jit creates a new one.`,
    });
  }
  return fd;
}
