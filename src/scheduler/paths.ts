import path from 'node:path';

/** The scheduler's files, next to the ledger in the config directory. */
export function schedulerPaths(dir: string) {
  return {
    /** The lock: the running scheduler's pid and start time (lock.ts). */
    pid: path.join(dir, 'scheduler.pid'),
    log: path.join(dir, 'scheduler.log'),
  };
}
