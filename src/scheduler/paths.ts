import path from 'node:path';

/** The scheduler's files, next to the ledger in the config directory. */
export function schedulerPaths(dir: string) {
  return {
    /** proper-lockfile locks `<this>.lock`; the worker holds it for its whole life. */
    lock: path.join(dir, 'scheduler'),
    log: path.join(dir, 'scheduler.log'),
    pid: path.join(dir, 'scheduler.pid'),
  };
}

/**
 * The worker's lock goes stale 10 s after its holder stops refreshing it (every 5 s), so a worker
 * killed with SIGKILL is replaced by the next `jit request` at most 10 s later; the reaper that
 * runs before every command covers that gap.
 */
export const SCHEDULER_LOCK = { stale: 10_000, realpath: false } as const;
