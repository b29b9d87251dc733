/**
 * A scheduler killed with SIGKILL, then at once a new request from the same config directory: the
 * dead scheduler's lock still looks fresh (its modification time is seconds old), and a request
 * that judges liveness by that time starts no scheduler, so the new grant's rule outlives it. The
 * new grant's rule must be gone within 5 s of its expiry with no further jit command.
 */
import { utimesSync } from 'node:fs';
import path from 'node:path';
import { it } from 'vitest';
import { alive, schedulerRunning, waitFor, workersFor } from '../e2e/support/processes.js';
import { describeOnEachCloud } from './support/world.js';

const TOLERANCE_MS = 5000;

function touch(file: string): void {
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // no lock there (yet, or any more): nothing to keep fresh
  }
}
// Real grant durations and a scheduler's start under load: a limit that catches a hang, not a timing.
const HANG_LIMIT_MS = 240_000;

describeOnEachCloud('a killed scheduler then an immediate request', (world) => {
  for (const kill of [false, true]) {
    const title = kill
      ? 'kill -9 of the scheduler, then at once a request: that grant\'s rule is gone within 5 s of its expiry'
      : 'control (no kill): the second grant\'s rule is gone within 5 s of its expiry';
    it.concurrent(title, async (test) => {
      const { expect } = test;
      const { jit, sources, enabled } = world();
      const dir = world().newDir(test);
      const [vmA, vmB] = await Promise.all([enabled(dir), enabled(dir)]);
      const first = await jit(dir, ['request', vmA, '-p', '22', '-d', '1h', '--source', '198.51.100.30', '--json']);
      expect(first.code, first.stderr).toBe(0);
      // Fully started: it holds the lock and has written its pid.
      expect(await waitFor(async () => schedulerRunning(dir), 20_000, 50)).toBeDefined();
      if (kill) {
        const pids = workersFor(dir);
        for (const pid of pids) process.kill(pid, 'SIGKILL');
        expect(await waitFor(async () => !pids.some(alive), 5000, 20)).toBeDefined();
      }
      // The case is a request within seconds of the kill, while the dead scheduler's lock still
      // looks fresh. On a loaded machine the request itself can take longer than the lock's 10 s
      // staleness, and the case would vanish; so the lock is kept looking fresh until the request
      // is done. A liveness check by pid is not fooled by that, and that is what this test demands.
      // Only a dead owner's lock is touched: once any scheduler process runs for this directory the
      // touching stops for good (one starts hundreds of ms before it can take a lock, and a lock
      // whose time someone else changed counts as compromised for proper-lockfile).
      const lock = path.join(dir, 'scheduler.lock');
      let owned = false;
      const fresh = kill
        ? setInterval(() => {
            owned ||= workersFor(dir).length > 0;
            if (!owned) touch(lock);
          }, 500)
        : undefined;
      const second = await jit(dir, ['request', vmB, '-p', '22', '-d', '6s', '--source', '198.51.100.31', '--json'])
        .finally(() => clearInterval(fresh));
      expect(second.code, second.stderr).toBe(0);
      const expiry = Date.parse(JSON.parse(second.stdout).grant.expiresAt);
      expect(await sources(vmB)).toEqual(['198.51.100.31/32']);
      const closed = async () => (await sources(vmB)).length === 0;
      const gone = await waitFor(closed, expiry + TOLERANCE_MS - Date.now(), 250);
      expect(gone, `${vmB}'s rule still open ${TOLERANCE_MS} ms after its expiry`).toBeDefined();
    }, HANG_LIMIT_MS);
  }
});
