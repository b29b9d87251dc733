/**
 * A scheduler killed with SIGKILL, then at once a new request from the same config directory: the
 * dead scheduler's lock file (`scheduler.pid`) is still there, naming a dead process. A request
 * that judged liveness by the lock's age started no scheduler, so the new grant's rule outlived it.
 * The new grant's rule must be gone within 5 s of its expiry with no further jit command.
 */
import { it } from 'vitest';
import { alive, schedulerRunning, waitFor, workersFor } from '../e2e/support/processes.js';
import { describeOnEachCloud } from './support/world.js';

const TOLERANCE_MS = 5000;

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
        const pids = await workersFor(dir);
        for (const pid of pids) process.kill(pid, 'SIGKILL');
        expect(await waitFor(async () => !pids.some(alive), 5000, 20)).toBeDefined();
      }
      const second = await jit(dir, ['request', vmB, '-p', '22', '-d', '6s', '--source', '198.51.100.31', '--json']);
      expect(second.code, second.stderr).toBe(0);
      const expiry = Date.parse(JSON.parse(second.stdout).grant.expiresAt);
      expect(await sources(vmB)).toEqual(['198.51.100.31/32']);
      const closed = async () => (await sources(vmB)).length === 0;
      const gone = await waitFor(closed, expiry + TOLERANCE_MS - Date.now(), 250);
      expect(gone, `${vmB}'s rule still open ${TOLERANCE_MS} ms after its expiry`).toBeDefined();
    }, HANG_LIMIT_MS);
  }
});
