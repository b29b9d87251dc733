/**
 * The scheduler's lock: `scheduler.pid` in the config directory, holding the pid of the scheduler
 * that runs and its process start time. The scheduler is alive exactly when that process is: a
 * `kill -9`ed scheduler is replaced by the very next `jit request`, not after a staleness timeout
 * (a lock judged by modification time let rules stay open past expiry for up to 10 s, and more).
 *
 * - The start time (Linux: `/proc/<pid>/stat`; macOS and the BSDs: `ps -o lstart=`) tells a live
 *   scheduler from a recycled pid. Where neither exists (Windows), the pid alone is checked.
 * - A lock file not owned by this user, or not a plain file, is not trusted and is taken over.
 * - The lock is created complete (written to a temporary file, then hard-linked into place, which
 *   fails if it exists) and taken over by rename. Two processes taking over a dead lock at the same
 *   moment may both believe they won; each re-reads the file on every wake (`held()`) and the loser
 *   leaves. Two schedulers for a moment are harmless (closing a grant is idempotent); none would not be.
 */
import { execFile } from 'node:child_process';
import { link, lstat, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { FILE_MODE } from '../config/paths.js';

export interface LockHolder {
  pid: number;
  /** The process's start time as the OS reports it; absent where it cannot be read. */
  start?: string;
}

export interface HeldLock {
  /** Whether the lock still names this process (another may have taken it over). */
  held(): Promise<boolean>;
  release(): Promise<void>;
}

const run = promisify(execFile);

/** The start time of a process, as an opaque string that changes when the pid is reused. */
export async function processStart(pid: number): Promise<string | undefined> {
  if (process.platform === 'linux') {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // Field 22 (starttime); the command name (field 2) is in parentheses and may hold spaces.
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    } catch {
      return undefined;
    }
  }
  if (process.platform === 'win32') return undefined;
  try {
    const { stdout } = await run('ps', ['-o', 'lstart=', '-p', String(pid)]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

function encode(holder: LockHolder): string {
  return `${holder.pid}\n${holder.start ?? ''}\n`;
}

/** The holder the lock file names, if it is a plain file of this user's with a pid in it. */
export async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const info = await lstat(file);
    if (!info.isFile()) return undefined;
    if (typeof process.getuid === 'function' && info.uid !== process.getuid()) return undefined;
    const [pidLine = '', start = ''] = (await readFile(file, 'utf8')).split('\n');
    const pid = Number(pidLine);
    if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
    return start === '' ? { pid } : { pid, start };
  } catch {
    return undefined;
  }
}

async function isAlive(holder: LockHolder): Promise<boolean> {
  try {
    process.kill(holder.pid, 0);
  } catch {
    // ESRCH: gone. EPERM: a process of another user, so not our scheduler.
    return false;
  }
  if (holder.start === undefined) return true;
  const start = await processStart(holder.pid);
  return start === undefined || start === holder.start;
}

/** Whether a live process holds the lock. */
export async function lockIsHeld(file: string): Promise<boolean> {
  const holder = await readHolder(file);
  return holder !== undefined && (await isAlive(holder));
}

const same = (a: LockHolder | undefined, b: LockHolder) => a?.pid === b.pid && a.start === b.start;

/** Takes the lock for this process, or returns undefined when a live process holds it. */
export async function acquireLock(file: string): Promise<HeldLock | undefined> {
  const start = await processStart(process.pid);
  const me: LockHolder = start === undefined ? { pid: process.pid } : { pid: process.pid, start };
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, encode(me), { mode: FILE_MODE });
  try {
    try {
      await link(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await readHolder(file);
      if (holder && holder.pid !== process.pid && (await isAlive(holder))) return undefined;
      // Dead, recycled, foreign or unreadable: take it over in one step.
      await rename(temp, file);
    }
  } finally {
    await rm(temp, { force: true });
  }
  if (!same(await readHolder(file), me)) return undefined;
  const held = async () => same(await readHolder(file), me);
  return {
    held,
    async release() {
      if (await held()) await rm(file, { force: true });
    },
  };
}
