/**
 * The ledger briefly unreadable while a grant is open and its scheduler runs: an editor's in-place
 * save (truncate, pause, write the same text back, same file) and a file moved away and back. The
 * scheduler wakes on every change of grants.json, so it reads the ledger in the gap; it must neither
 * die on the empty file nor take a missing one for "nothing pending". The rule is removed at expiry,
 * and the scheduler runs for as long as the rule is open.
 */
import { readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'vitest';
import { schedulerRunning, sleep, waitFor, workersFor } from '../e2e/support/processes.js';
import { describeOnEachCloud } from './support/world.js';

const TOLERANCE_MS = 5000;
/** The fault itself: how long the ledger is unreadable (not a wait for anything). */
const GAP_MS = 500;
const HANG_LIMIT_MS = 240_000;

const FAULTS: Record<string, ((file: string) => Promise<void>) | undefined> = {
  'control (no fault)': undefined,
  'truncated, then the same text written back in place': async (file) => {
    const text = readFileSync(file, 'utf8');
    truncateSync(file, 0);
    await sleep(GAP_MS);
    writeFileSync(file, text);
  },
  'moved away, then back': async (file) => {
    renameSync(file, `${file}.away`);
    await sleep(GAP_MS);
    renameSync(`${file}.away`, file);
  },
};

describeOnEachCloud('a ledger rewritten under a running scheduler', (world) => {
  for (const [name, fault] of Object.entries(FAULTS)) {
    it.concurrent(`${name}: the rule is gone within 5 s of expiry, and the scheduler never exited while it was open`, async (test) => {
      const { expect } = test;
      const { jit, sources, enabled } = world();
      const dir = world().newDir(test);
      const vm = await enabled(dir);
      // Long enough for the request, the scheduler's start and the fault to fit before the expiry.
      const result = await jit(dir, ['request', vm, '-p', '22', '-d', '15s', '--source', '198.51.100.40', '--json']);
      expect(result.code, result.stderr).toBe(0);
      const expiry = Date.parse(JSON.parse(result.stdout).grant.expiresAt);
      expect(await waitFor(async () => schedulerRunning(dir), 20_000, 50)).toBeDefined();
      await fault?.(path.join(dir, 'grants.json'));
      expect(Date.now(), 'the fault ended after the expiry: the test proves nothing').toBeLessThan(expiry - 1000);
      expect(await sources(vm)).toEqual(['198.51.100.40/32']);
      const orphaned: number[] = [];
      const gone = await waitFor(
        async () => {
          if ((await sources(vm)).length === 0) return true;
          // No scheduler, and the rule still open after that was seen (a scheduler that has just
          // removed the rule and exited is not an orphan).
          if ((await workersFor(dir)).length === 0 && (await sources(vm)).length > 0) orphaned.push(Date.now());
          return false;
        },
        expiry + TOLERANCE_MS - Date.now(),
        250,
      );
      const log = readFileSync(path.join(dir, 'scheduler.log'), 'utf8');
      expect(gone, `rule still open ${TOLERANCE_MS} ms after expiry; scheduler.log:\n${log}`).toBeDefined();
      expect(orphaned, `no scheduler ran while the rule was open; scheduler.log:\n${log}`).toEqual([]);
      expect(log).not.toMatch(/fatal/);
    }, HANG_LIMIT_MS);
  }
});
