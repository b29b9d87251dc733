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
  // Each due grant is closed on its own: one that falls due while others are being closed (an
  // Azure DELETE is awaited to completion) starts at once instead of waiting for that batch.
  const inFlight = new Set<string>();
  // Closed grants, by id and the expiry acted on: a ledger read racing a close's own update must not
  // close them twice (an extended grant has a new expiry, so it is not in here).
  const closed = new Set<string>();
  const key = (g: GrantRecord) => `${g.id}@${g.expiresAt}`;
  let settled: () => void = () => {};
  let revoked = 0;

  const close = async (grant: GrantRecord) => {
    try {
      await deps.close(grant);
      closed.add(key(grant));
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
    } finally {
      inFlight.delete(grant.id);
      settled();
    }
  };

  for (;;) {
    const open = (await deps.ledger.list()).filter((g) => isOpen(g) && !closed.has(key(g)));
    if (open.length === 0 && inFlight.size === 0) return revoked;
    const now = deps.clock.now().getTime();
    const readyAt = (g: GrantRecord) => Math.max(Date.parse(g.expiresAt), retries.get(g.id)?.at ?? 0);
    const waiting = open.filter((g) => !inFlight.has(g.id));
    const aClose = new Promise<void>((resolve) => (settled = resolve));
    for (const grant of waiting.filter((g) => readyAt(g) <= now)) {
      inFlight.add(grant.id);
      void close(grant);
    }
    const later = waiting.filter((g) => readyAt(g) > now);
    if (later.length === 0) {
      // Only closes in flight: wait for one to end, then look again.
      if (inFlight.size > 0) await aClose;
      continue;
    }
    const nap = deps.sleep(Math.min(Math.min(...later.map(readyAt)) - now, maxSleepMs));
    await (inFlight.size > 0 ? Promise.race([nap, aClose]) : nap);
  }
}
