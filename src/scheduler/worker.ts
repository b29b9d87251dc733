/**
 * The expiry loop (SPEC §6.2): sleep until the next expiry, revoke what is due, retry failures
 * with backoff, re-read the ledger whenever another jit process changes it, re-check the wall
 * clock on every wake (a laptop that slept, a clock that jumped), stop when nothing is open.
 */
import type { Clock, GrantRecord, GrantStore } from '../core/ports.js';
import { updateGrant } from '../core/use-cases/ledger-ops.js';
import { isOpen, markRevoked } from './close-grant.js';

export interface SchedulerDeps {
  ledger: GrantStore;
  clock: Clock;
  close: (grant: GrantRecord) => Promise<void>;
  /** Resolves after `ms`, or earlier when the ledger changes. */
  sleep: (ms: number) => Promise<void>;
  log: (line: string) => void;
}

export interface SchedulerOptions {
  /** Longest single sleep: bounds how late a clock jump or a missed ledger change is noticed. */
  maxSleepMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

function describe(grant: GrantRecord): string {
  return `${grant.id} on ${grant.target.name} (${grant.source}, expired ${grant.expiresAt})`;
}

/** Runs until no grant is open; returns the number of grants it revoked. */
export async function runScheduler(deps: SchedulerDeps, options: SchedulerOptions = {}): Promise<number> {
  const { maxSleepMs = 10_000, retryBaseMs = 1_000, retryMaxMs = 60_000 } = options;
  const retries = new Map<string, { attempts: number; at: number }>();
  let revoked = 0;
  for (;;) {
    const open = (await deps.ledger.list()).filter(isOpen);
    if (open.length === 0) return revoked;
    const now = deps.clock.now().getTime();
    const readyAt = (g: GrantRecord) => Math.max(Date.parse(g.expiresAt), retries.get(g.id)?.at ?? 0);
    const due = open.filter((g) => readyAt(g) <= now);
    if (due.length === 0) {
      const next = Math.min(...open.map(readyAt));
      await deps.sleep(Math.min(Math.max(next - now, 0), maxSleepMs));
      continue;
    }
    // Due grants are closed together: ten grants expiring at once must not wait on each other.
    await Promise.all(
      due.map(async (grant) => {
        try {
          await deps.close(grant);
          await markRevoked(deps.ledger, grant);
          retries.delete(grant.id);
          revoked += 1;
          deps.log(`revoked ${describe(grant)}`);
        } catch (error) {
          const attempts = (retries.get(grant.id)?.attempts ?? 0) + 1;
          const delay = Math.min(retryBaseMs * 2 ** (attempts - 1), retryMaxMs);
          retries.set(grant.id, { attempts, at: deps.clock.now().getTime() + delay });
          const message = error instanceof Error ? error.message : String(error);
          deps.log(`failed to revoke ${describe(grant)} (attempt ${attempts}, next in ${delay} ms): ${message}`);
          await updateGrant(deps.ledger, grant.id, { lastError: message }).catch(() => undefined);
        }
      }),
    );
  }
}
