/** Makes sure one detached scheduler runs for this config directory (docs/expiry.md, "The scheduler"). */
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureConfigDir, openPrivateAppend } from '../config/paths.js';
import { lockIsHeld } from './lock.js';
import { schedulerPaths } from './paths.js';

const WORKER = fileURLToPath(new URL('./worker-main.js', import.meta.url));

/**
 * Starts the worker unless a live process holds the scheduler lock (lock.ts). Two requests racing
 * here may both start one; the loser finds the lock taken and exits at once. A worker that is about
 * to exit still holds the lock here, and looks at the ledger once more after releasing it. The
 * worker never inherits the caller's stdio: a CI step or a test waiting for the caller's pipes to
 * close would otherwise hang until it exits.
 */
export async function ensureScheduler(
  dir: string,
  env: NodeJS.ProcessEnv,
  worker: string = WORKER,
): Promise<'running' | 'started'> {
  await ensureConfigDir(dir);
  const paths = schedulerPaths(dir);
  if (await lockIsHeld(paths.pid)) return 'running';
  // Never through a symbolic link: the scheduler would append to whatever file it names.
  const log = openPrivateAppend(paths.log);
  try {
    const child = spawn(process.execPath, [worker, dir], {
      detached: true,
      stdio: ['ignore', log, log],
      env,
      cwd: dir,
    });
    child.unref();
  } finally {
    closeSync(log);
  }
  return 'started';
}
