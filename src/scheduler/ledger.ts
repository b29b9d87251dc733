/**
 * The local grant ledger (docs/expiry.md, "Opening a grant, step by step"; docs/configuration.md,
 * "State files"): `<dir>/grants.json`, mode 0600, shared by every jit process of the user
 * (commands, the background scheduler, the reaper at start-up).
 *
 * Not conf: conf is synchronous, has no cross-process lock, and treats the file as a bag of keys;
 * the ledger needs the read to happen inside the lock, a versioned envelope, and a corrupt file to
 * stop jit rather than be reset. The pieces are plain: proper-lockfile for the lock, and
 * write-temp-fsync-rename for the write, which is what makes lock-free reads safe — a reader sees
 * the old file or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { LockOptions } from 'proper-lockfile';
import { ensureConfigDir, FILE_MODE } from '../config/paths.js';
import { ProviderError } from '../core/errors.js';
import type { GrantRecord, GrantStore } from '../core/ports.js';
import { decodeLedger, encodeLedger } from './ledger-format.js';

const LEDGER_FILE = 'grants.json';

/**
 * A transaction holds the lock for one read, one synchronous `fn` and one small write: milliseconds.
 *
 * - stale 10 s: a lock whose owner stopped refreshing its mtime for 10 s belongs to a crashed
 *   process and is taken over. proper-lockfile refreshes every stale/2 = 5 s while the lock is
 *   held, so a live owner is only mistaken for dead if its event loop stalls for 10 s (a laptop
 *   suspended mid-write); 10 s is also the longest a crash blocks everyone else.
 * - retries: waiters back off from 10 ms (×1.5, jittered ×1–2) to a 250 ms cap, 70 attempts: about
 *   16 s in all (0.5 s for the first eight, then 62 × 250 ms). That is longer than `stale`, so a
 *   waiter outlasts a crashed owner's lock and reclaims it instead of failing, while processes
 *   queueing behind each other for a few milliseconds are served within the first, short retries.
 */
const LOCK_OPTIONS = {
  stale: 10_000,
  retries: { retries: 70, factor: 1.5, minTimeout: 10, maxTimeout: 250, randomize: true },
  // The ledger file may not exist yet; the lock is `<file>.lock` next to it either way.
  realpath: false,
} satisfies LockOptions;

/**
 * Transactions of one process on one file run one after another here, so they do not compete for
 * the file lock by polling it; the file lock then orders them against other processes.
 */
const queues = new Map<string, Promise<unknown>>();

function serialised<T>(key: string, task: () => Promise<T>): Promise<T> {
  const run = (queues.get(key) ?? Promise.resolve()).then(task);
  const settled = run.catch(() => undefined);
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return run;
}

async function readGrants(file: string): Promise<GrantRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return decodeLedger(text, file);
}

/** Write-temp-fsync-rename: the rename replaces the file in one step, and a crash leaves the old one. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', FILE_MODE);
  try {
    try {
      // The umask may have narrowed the mode given to open; the file must be exactly 0600.
      await handle.chmod(FILE_MODE);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function acquire(file: string, onCompromised: (error: Error) => void): Promise<() => Promise<void>> {
  // Loaded on the first write only: every command reads the ledger (reaping), few write it.
  // Through `default`: in the code-split bundle a dynamic import of a CommonJS package has only that
  // export (esbuild issue #3245), while Node gives both.
  const { default: { lock } } = await import('proper-lockfile');
  try {
    return await lock(file, { ...LOCK_OPTIONS, onCompromised });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new ProviderError(
        'JIT_LEDGER_BUSY',
        `Another jit process kept the grant ledger ${file} locked.`,
        {
          hint: `Try again; if no other jit is running, remove the directory ${file}.lock.`,
          cause: error,
        },
      );
    }
    throw error;
  }
}

export function openLedger(dir: string): GrantStore {
  const file = path.join(dir, LEDGER_FILE);
  const list = () => readGrants(file);
  return {
    list,
    async get(id) {
      return (await list()).find((grant) => grant.id === id);
    },
    transact(fn) {
      return serialised(file, async () => {
        await ensureConfigDir(dir);
        let lost: Error | undefined;
        const release = await acquire(file, (error) => {
          lost = error;
        });
        try {
          const { grants, result } = fn(await readGrants(file));
          const text = encodeLedger(grants);
          // Another process has taken the lock over as stale: writing now could undo its write.
          if (lost !== undefined) {
            throw new ProviderError('JIT_LEDGER_LOCK_LOST', `Lost the lock on the grant ledger ${file}.`, {
              hint: 'This jit stalled for longer than the lock allows (was the machine asleep?). Nothing was written; try again.',
              cause: lost,
            });
          }
          await writeAtomically(file, text);
          return result;
        } finally {
          // A release that fails (the lock was lost, or rmdir failed) must not turn a committed
          // write into a reported failure; a leftover lock goes stale and is reclaimed.
          await release().catch(() => undefined);
        }
      });
    },
  };
}
